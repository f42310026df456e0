// The edge decision in its fixed order: Host → Origin → fetch metadata → credential (the
// block refuses wrong ones only) → rate → concurrency.
#include <airelays/edge.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using edge::RequestMeta;
using edge::Settings;

namespace {

RequestMeta req(std::string path, std::optional<std::string> auth = std::nullopt) {
  RequestMeta m;
  m.path = std::move(path);
  m.host = "127.0.0.1:8080";
  m.client_ip = "127.0.0.1";
  m.authorization = std::move(auth);
  return m;
}

const std::optional<std::string> k_token = std::string("good-token");

} // namespace

TEST_CASE("edge::is_protected covers /v1, /no-tools/v1 and /metrics only") {
  CHECK(edge::is_protected("/v1/models"));
  CHECK(edge::is_protected("/no-tools/v1/responses"));
  CHECK(edge::is_protected("/metrics"));
  CHECK_FALSE(edge::is_protected("/"));
  CHECK_FALSE(edge::is_protected("/healthz"));
  CHECK_FALSE(edge::is_protected("/v1x/models"));
  CHECK_FALSE(edge::is_protected("/no-tools"));
}

TEST_CASE("edge::is_protected cannot be dodged with extra slashes") {
  CHECK(edge::is_protected("//v1/models"));
  CHECK(edge::is_protected("/no-tools//v1/models"));
  CHECK(edge::is_protected("/metrics/"));
  CHECK(edge::is_protected("/v1"));
}

TEST_CASE("edge::host_name strips ports, brackets, case and a trailing dot") {
  CHECK(edge::host_name("127.0.0.1:8080") == "127.0.0.1");
  CHECK(edge::host_name("[::1]:8080") == "::1");
  CHECK(edge::host_name("LocalHost.:80") == "localhost");
  CHECK(edge::host_name("::1") == "::1");
  CHECK(edge::is_loopback("127.1.2.3"));
  CHECK(edge::is_loopback("app.localhost"));
  CHECK_FALSE(edge::is_loopback("127.0.0.1.evil.com"));
  CHECK_FALSE(edge::is_loopback("evil.com"));
}

TEST_CASE("edge::bearer_token reads the scheme case-insensitively and trims") {
  CHECK(edge::bearer_token("Bearer abc") == std::optional<std::string>("abc"));
  CHECK(edge::bearer_token("bearer   abc  ") == std::optional<std::string>("abc"));
  CHECK_FALSE(edge::bearer_token("Basic abc"));
  CHECK_FALSE(edge::bearer_token("Bearer "));
  CHECK_FALSE(edge::bearer_token("abc"));
  CHECK(edge::token_matches("abc", "abc"));
  CHECK_FALSE(edge::token_matches("abd", "abc"));
  CHECK_FALSE(edge::token_matches("abcd", "abc"));
  CHECK_FALSE(edge::token_matches("", ""));
}

TEST_CASE("edge::decide refuses a foreign Host (DNS rebinding) even on public paths") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  Settings s;
  auto m = req("/healthz");
  m.host = "evil.example:8080";
  auto d = edge::decide(s, m, k_token, clients, 0);
  REQUIRE(d.error);
  CHECK(d.error->status == 403);
  CHECK(d.error->code == std::optional<std::string>("host_not_allowed"));
  s.allowed_hosts = {"evil.example"};
  CHECK_FALSE(edge::decide(s, m, k_token, clients, 0).error);
}

TEST_CASE("edge::decide accepts the bound address as Host") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  Settings s;
  s.bound_host = "192.168.1.5";
  auto m = req("/healthz");
  m.host = "192.168.1.5:8080";
  CHECK_FALSE(edge::decide(s, m, k_token, clients, 0).error);
}

TEST_CASE("edge::decide refuses a browser Origin unless it is allowed") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  Settings s;
  auto m = req("/v1/models", "Bearer good-token");
  m.origin = "https://evil.example";
  auto d = edge::decide(s, m, k_token, clients, 0);
  REQUIRE(d.error);
  CHECK(d.error->status == 403);
  CHECK(d.reason == "origin_not_allowed");
  s.allowed_origins = {"https://evil.example/"};
  CHECK_FALSE(edge::decide(s, m, k_token, clients, 0).error);
}

TEST_CASE("edge::decide asks for the token on protected paths only") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  Settings s;
  CHECK_FALSE(edge::decide(s, req("/healthz"), k_token, clients, 0).error);
  auto d = edge::decide(s, req("/v1/models"), k_token, clients, 0);
  REQUIRE(d.error);
  CHECK(d.error->status == 401);
  CHECK(d.error->message == "Missing or invalid AIRelays bearer token.");
  CHECK(d.error->code == std::optional<std::string>("invalid_api_key"));
  CHECK_FALSE(d.holds_slot);
  auto ok = edge::decide(s, req("/v1/models", "Bearer good-token"), k_token, clients, 0);
  CHECK_FALSE(ok.error);
  CHECK(ok.holds_slot);
}

TEST_CASE("edge::decide with auth required and no token configured refuses every call") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  auto d = edge::decide(Settings{}, req("/v1/models", "Bearer anything"), std::nullopt, clients, 0);
  REQUIRE(d.error);
  CHECK(d.error->status == 401);
}

TEST_CASE("edge::decide blocks wrong tokens after 8 of them; the good one is still served") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  Settings s;
  for (int i = 0; i < 7; ++i) {
    auto d = edge::decide(s, req("/v1/models", "Bearer wrong"), k_token, clients, i);
    REQUIRE(d.error);
    CHECK(d.error->status == 401);
    CHECK_FALSE(d.started_block);
  }
  auto eighth = edge::decide(s, req("/v1/models", "Basic d3Jvbmc="), k_token, clients, 8);
  CHECK(eighth.error->status == 401); // another scheme is a wrong credential too
  CHECK(eighth.started_block);
  auto wrong = edge::decide(s, req("/v1/models", "Bearer wrong"), k_token, clients, 9);
  REQUIRE(wrong.error);
  CHECK(wrong.error->status == 429);
  CHECK(wrong.error->message == "Too many invalid authentication attempts from this IP.");
  CHECK(wrong.error->retry_after == std::optional<long>(899));
  CHECK(wrong.reason == "auth_block_active");
  auto good = edge::decide(s, req("/v1/models", "Bearer good-token"), k_token, clients, 9);
  CHECK_FALSE(good.error);
  CHECK(good.holds_slot);
  auto none = edge::decide(s, req("/v1/models"), k_token, clients, 9);
  REQUIRE(none.error);
  CHECK(none.error->status == 401);
}

TEST_CASE("edge::decide never counts a request without a credential") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  Settings s;
  for (int i = 0; i < 50; ++i) {
    auto d =
        edge::decide(s, req("/v1/models", i % 2 ? std::optional<std::string>(" ") : std::nullopt),
                     k_token, clients, i);
    REQUIRE(d.error);
    CHECK(d.error->status == 401);
  }
  CHECK(clients.view("127.0.0.1", 50).failed_auth_attempts == 0);
  CHECK(clients.view("127.0.0.1", 50).allowance_remaining == doctest::Approx(40));
}

TEST_CASE("edge::decide refuses cross-site and same-site browser requests before auth") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  Settings s;
  s.allowed_origins = {"http://localhost:5173"};
  for (const char* site : {"cross-site", "same-site", "Cross-Site"}) {
    CAPTURE(site);
    auto m = req("/v1/models", "Bearer wrong");
    m.sec_fetch_site = site;
    m.sec_fetch_mode = "no-cors";
    auto d = edge::decide(s, m, k_token, clients, 0);
    REQUIRE(d.error);
    CHECK(d.error->status == 403);
    CHECK(d.reason == "cross_site_request");
    m.origin = "http://localhost:5173"; // an allowed page reaches the token check
    CHECK(edge::decide(s, m, k_token, clients, 0).reason == "invalid_api_key");
    m.authorization = "Bearer good-token";
    auto ok = edge::decide(s, m, k_token, clients, 0);
    CHECK_FALSE(ok.error);
    clients.release("127.0.0.1");
  }
  CHECK(clients.view("127.0.0.1", 0).failed_auth_attempts == 3); // the allowed page's wrong token
  for (const char* site : {"same-origin", "none"}) {
    auto m = req("/v1/models", "Bearer good-token");
    m.sec_fetch_site = site;
    CHECK_FALSE(edge::decide(s, m, k_token, clients, 0).error);
    clients.release("127.0.0.1");
  }
  auto link = req("/");
  link.sec_fetch_site = "cross-site";
  link.sec_fetch_mode = "navigate";
  CHECK_FALSE(edge::decide(s, link, k_token, clients, 0).error); // a link to the home page
  link.path = "/v1/models";
  CHECK(edge::decide(s, link, k_token, clients, 0).error->status == 403);
}

TEST_CASE("edge::decide limits the rate of the right token only") {
  rate_limit::Limits l;
  l.burst = 2;
  l.rate_per_minute = 60;
  rate_limit::Clients clients{l};
  Settings s;
  for (int i = 0; i < 2; ++i) {
    auto d = edge::decide(s, req("/v1/models", "Bearer good-token"), k_token, clients, 0);
    CHECK_FALSE(d.error);
    clients.release("127.0.0.1");
  }
  auto d = edge::decide(s, req("/v1/models", "Bearer good-token"), k_token, clients, 0);
  REQUIRE(d.error);
  CHECK(d.error->status == 429);
  CHECK(d.error->message == "Request rate limit exceeded for this IP.");
  CHECK(d.error->retry_after == std::optional<long>(1));
  auto wrong = edge::decide(s, req("/v1/models", "Bearer wrong"), k_token, clients, 0);
  CHECK(wrong.error->status == 401); // wrong tokens go to the block, not the bucket
  CHECK(clients.view("127.0.0.1", 0).failed_auth_attempts == 1);
}

TEST_CASE("edge::decide caps concurrency per IP; a bad token gives its slot back") {
  rate_limit::Limits l;
  l.concurrent_per_ip = 1;
  rate_limit::Clients clients{l};
  Settings s;
  CHECK_FALSE(edge::decide(s, req("/v1/x", "Bearer wrong"), k_token, clients, 0).holds_slot);
  auto first = edge::decide(s, req("/v1/x", "Bearer good-token"), k_token, clients, 0);
  REQUIRE(first.holds_slot);
  auto second = edge::decide(s, req("/v1/x", "Bearer good-token"), k_token, clients, 0);
  REQUIRE(second.error);
  CHECK(second.error->status == 429);
  CHECK(second.reason == "concurrency_limit");
  clients.release("127.0.0.1");
  CHECK_FALSE(edge::decide(s, req("/v1/x", "Bearer good-token"), k_token, clients, 0).error);
}

TEST_CASE("edge::decide without auth still applies the limits") {
  rate_limit::Limits l;
  l.burst = 1;
  l.rate_per_minute = 1;
  rate_limit::Clients clients{l};
  Settings s;
  s.require_auth = false;
  CHECK(edge::decide(s, req("/v1/models"), std::nullopt, clients, 0).holds_slot);
  clients.release("127.0.0.1");
  CHECK(edge::decide(s, req("/v1/models"), std::nullopt, clients, 0).error->status == 429);
}

TEST_CASE("edge::decide answers a Responses WebSocket upgrade 426 after Host/Origin, before auth") {
  rate_limit::Clients clients{rate_limit::Limits{}};
  Settings s;
  auto m = req("/v1/responses", "Bearer wrong");
  m.method = "GET";
  m.upgrade = "websocket";
  for (int i = 0; i < 50; ++i) { // never a failed credential, never rate limited
    auto d = edge::decide(s, m, k_token, clients, 0);
    REQUIRE(d.error);
    CHECK(d.error->status == 426);
    CHECK(d.reason == "websocket_upgrade");
    CHECK_FALSE(d.started_block);
    CHECK_FALSE(d.holds_slot);
  }
  m.upgrade.reset();
  CHECK(edge::decide(s, m, k_token, clients, 0).error->status == 401); // not blocked either
  m.upgrade = "websocket";
  m.host = "evil.example";
  CHECK(edge::decide(s, m, k_token, clients, 0).error->status == 403);
  m.host = "127.0.0.1";
  m.path = "/v1/models";
  CHECK(edge::decide(s, m, k_token, clients, 0).error->status == 401);
  m.path = "/no-tools/v1/responses";
  CHECK(edge::is_responses_websocket(m));
  m.method = "POST";
  CHECK_FALSE(edge::is_responses_websocket(m));
}
