// The fake ChatGPT backend: /backend-api/codex/responses, /models, /wham/usage.
// Placeholder until the relay core lands.
#include "fake_upstream.hpp"

#include <httplib.h>

namespace airelays::fake {

void register_backend_routes(httplib::Server& server, FakeUpstream& fake) {
  (void)server;
  (void)fake;
}

} // namespace airelays::fake
