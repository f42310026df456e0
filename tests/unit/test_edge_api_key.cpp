// The edge's second way to present the relay token: x-api-key, as the Anthropic SDKs send it
// on /v1/messages (issue 17). The same token, the same rules: a wrong key is refused and
// counts toward the bad-token block exactly like a wrong bearer.
#include <airelays/edge.hpp>

#include <doctest/doctest.h>

using namespace airelays;

namespace {

edge::RequestMeta with_key(std::optional<std::string> key) {
  edge::RequestMeta m;
  m.path = "/v1/messages";
  m.host = "127.0.0.1:8080";
  m.client_ip = "127.0.0.1";
  m.api_key = std::move(key);
  return m;
}

const std::optional<std::string> k_token = std::string("good-token");

} // namespace

TEST_CASE("edge::decide accepts the relay token as x-api-key and counts a wrong one") {
  rate_limit::Limits limits;
  limits.failed_auth_max_attempts = 2;
  rate_limit::Clients clients{limits};
  edge::Settings s;
  auto ok = edge::decide(s, with_key("good-token"), k_token, clients, 0);
  CHECK_FALSE(ok.error);
  CHECK(ok.holds_slot);
  clients.release("127.0.0.1");
  auto wrong = edge::decide(s, with_key("bad-token"), k_token, clients, 1);
  REQUIRE(wrong.error);
  CHECK(wrong.error->status == 401);
  auto again = edge::decide(s, with_key("bad-token"), k_token, clients, 2);
  REQUIRE(again.error);
  CHECK(again.started_block);
  auto blocked = edge::decide(s, with_key("bad-token"), k_token, clients, 3);
  REQUIRE(blocked.error);
  CHECK(blocked.error->status == 429);
  auto served = edge::decide(s, with_key("good-token"), k_token, clients, 4); // issue 14
  CHECK_FALSE(served.error);
}

TEST_CASE("edge::decide prefers a bearer token over x-api-key when both are sent") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  edge::Settings s;
  auto m = with_key("bad-token");
  m.authorization = "Bearer good-token";
  CHECK_FALSE(edge::decide(s, m, k_token, clients, 0).error);
}
