// The fake OpenAI issuer: authorize, token (code, refresh), device code, revoke.
// Placeholder until the login capability lands.
#include "fake_upstream.hpp"

#include <httplib.h>

namespace airelays::fake {

void register_issuer_routes(httplib::Server& server, FakeUpstream& fake) {
  (void)server;
  (void)fake;
}

} // namespace airelays::fake
