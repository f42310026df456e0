// Which route groups the relay serves (see routes.hpp).
#include "routes.hpp"

namespace airelays::server {

void register_all_routes(Router& r, Services& s) {
  register_generation_routes(r, s);
  register_model_routes(r, s.config, *s.upstream);
  register_file_routes(r, s.files.get());
  register_conversation_routes(r, s.conversations.get());
  register_public_routes(r, s); // last: its catch-alls (501 list) must not shadow the others
}

} // namespace airelays::server
