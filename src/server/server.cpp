// The relay's HTTP server wiring. Placeholder until the serve capability lands.
#include <airelays/server.hpp>

namespace airelays::server {

Result<int> serve(const config::Config& cfg, const ServeOptions& options) {
  (void)cfg;
  (void)options;
  return make_error("serve is not built yet");
}

} // namespace airelays::server
