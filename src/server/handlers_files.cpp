// Route group "file". Placeholder until its capability lands.
#include <airelays/app_state.hpp>

namespace airelays::server {

void register_file_routes(Router& r, AppState& s) {
  (void)r;
  (void)s;
}

} // namespace airelays::server
