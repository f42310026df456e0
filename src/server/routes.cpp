// Which route groups the relay serves (see app_state.hpp).
#include <airelays/app_state.hpp>

namespace airelays::server {

void register_all_routes(Router& r, AppState& s) {
  register_generation_routes(r, s);
  register_model_routes(r, s);
  register_file_routes(r, s);
  register_conversation_routes(r, s);
  register_public_routes(r, s); // last: its catch-alls (501 list) must not shadow the others
}

} // namespace airelays::server
