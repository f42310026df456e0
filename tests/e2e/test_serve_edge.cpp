// `airelays serve`: the edge rules, in order, against the real binary — Host, Origin, the
// failed-auth block, the rate limit, the concurrency cap, the bearer token (rotated without a
// restart), and the error shapes of unknown routes, wrong methods and unsupported routes.
#include "serve_helpers.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace airelays::test;
using namespace airelays::test::serve;

TEST_CASE("serve: /healthz is public and every response carries x-request-id and version") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  auto r = c.Get("/healthz");
  REQUIRE(r);
  CHECK(r->status == 200);
  auto j = body_json(r);
  CHECK(j["ok"] == true);
  CHECK(j["app_name"] == "airelays"); // one spelling with status (DESIGN.md)
  CHECK(j["version"] == AIRELAYS_TEST_VERSION);
  CHECK(std::regex_match(r->get_header_value("x-request-id"), std::regex("req_[0-9a-f]{32}")));
  CHECK(r->get_header_value("x-airelays-version") == AIRELAYS_TEST_VERSION);
  auto denied = c.Get("/v1/relay/status");
  REQUIRE(denied);
  CHECK(std::regex_match(denied->get_header_value("x-request-id"), std::regex("req_[0-9a-f]{32}")));
  CHECK(denied->get_header_value("x-request-id") != r->get_header_value("x-request-id"));
}

TEST_CASE("serve: protected routes need the relay token (401 invalid_api_key)") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  for (const char* path : {"/v1/relay/status", "/metrics", "/no-tools/v1/models", "/v1/unknown",
                           "//v1/relay/status"}) {
    CAPTURE(path);
    auto r = c.Get(path);
    REQUIRE(r);
    CHECK(r->status == 401);
    CHECK(openai_error(r));
    auto e = body_json(r)["error"];
    CHECK(e["message"].get<std::string>().rfind("Missing or invalid AIRelays bearer token", 0) ==
          0);
    CHECK(e["code"] == "invalid_api_key");
    CHECK(e["type"] == "authentication_error");
  }
  auto wrong = c.Get("/v1/relay/status", bearer("not-the-token"));
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto ok = c.Get("/v1/relay/status", bearer());
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(body_json(ok)["app_name"] == "airelays");
  auto status = nlohmann::json::parse(run_airelays(env, {"status", "--json"}).out);
  CHECK(status["relay"]["app_name"] == "airelays");
}

TEST_CASE("serve --no-auth opens the relay but keeps the public/protected split") {
  Env env;
  auto s = start_server(env, {"--no-auth"});
  auto r = client(s->port).Get("/v1/relay/status");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_json(r)["security"]["require_bearer_auth"] == false);
}

TEST_CASE("serve: a foreign Host is refused with 403 (DNS rebinding), loopback names pass") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  auto evil = c.Get("/healthz", {{"Host", "attacker.example:" + std::to_string(s->port)}});
  REQUIRE(evil);
  CHECK(evil->status == 403);
  CHECK(openai_error(evil));
  CHECK(body_json(evil)["error"]["code"] == "host_not_allowed");
  auto also = c.Get("/v1/relay/status",
                    {{"Host", "attacker.example"}, {"Authorization", "Bearer " + k_token}});
  REQUIRE(also);
  CHECK(also->status == 403);
  auto local = c.Get("/healthz", {{"Host", "localhost:" + std::to_string(s->port)}});
  REQUIRE(local);
  CHECK(local->status == 200);
}

TEST_CASE("serve: a browser Origin is refused unless allowed; no CORS headers") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  auto r = c.Get("/v1/relay/status",
                 {{"Origin", "https://evil.example"}, {"Authorization", "Bearer " + k_token}});
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(body_json(r)["error"]["code"] == "origin_not_allowed");
  CHECK_FALSE(r->has_header("Access-Control-Allow-Origin"));
}

TEST_CASE("serve: [security] allowed_origins lets that page call the relay") {
  Env env;
  give_token(env);
  give_config(env, "[security]\nallowed_origins = [\"http://localhost:5173\"]\n");
  auto s = start_server(env);
  auto r = client(s->port).Get("/v1/relay/status", {{"Origin", "http://localhost:5173"},
                                                    {"Authorization", "Bearer " + k_token}});
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("serve: 8 wrong tokens block wrong tokens from the IP (429, Retry-After); the right one "
          "is served") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  for (int i = 0; i < 8; ++i) {
    auto r = c.Get("/v1/relay/status", bearer("wrong"));
    REQUIRE(r);
    CHECK(r->status == 401); // the request that trips the block still gets 401
  }
  auto wrong = c.Get("/v1/relay/status", bearer("wrong-again"));
  REQUIRE(wrong);
  CHECK(wrong->status == 429);
  CHECK(openai_error(wrong));
  auto e = body_json(wrong)["error"];
  CHECK(e["message"].get<std::string>().rfind(
            "Too many invalid authentication attempts from this IP", 0) == 0);
  CHECK(e["code"] == "ip_temporarily_blocked");
  int retry = std::atoi(wrong->get_header_value("Retry-After").c_str());
  CHECK(retry > 890);
  CHECK(retry <= 900);
  auto good = c.Get("/v1/relay/status", bearer()); // the block refuses wrong credentials only
  REQUIRE(good);
  CHECK(good->status == 200);
  CHECK(body_json(good)["security"]["client"]["blocked_for_seconds"].get<int>() > 890);
  auto none = c.Get("/v1/relay/status"); // no credential: 401, as before the block
  REQUIRE(none);
  CHECK(none->status == 401);
  auto health = c.Get("/healthz"); // public routes stay open
  REQUIRE(health);
  CHECK(health->status == 200);
}

TEST_CASE("serve: requests without a credential never count toward the block") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  for (int i = 0; i < 20; ++i) {
    auto r = i % 2 ? c.Get("/v1/models") : c.Get("/v1/relay/status", {{"Authorization", " "}});
    REQUIRE(r);
    CHECK(r->status == 401);
  }
  auto wrong = c.Get("/v1/relay/status", bearer("wrong"));
  REQUIRE(wrong);
  CHECK(wrong->status == 401); // not 429: nothing was counted before it
  auto good = c.Get("/v1/relay/status", bearer());
  REQUIRE(good);
  REQUIRE(good->status == 200);
  auto client_view = body_json(good)["security"]["client"];
  CHECK(client_view["failed_auth_attempts"] == 1);
  CHECK(client_view["blocked_for_seconds"] == 0);
}

TEST_CASE("serve: cross-site browser requests are refused with 403 before auth and never count") {
  Env env;
  give_token(env);
  give_config(env, "[security]\nallowed_origins = [\"http://localhost:5173\"]\n");
  auto s = start_server(env);
  auto c = client(s->port);
  for (int i = 0; i < 12; ++i) {
    // What an <img> or a no-cors fetch from another page sends: no Origin, no token.
    auto r = c.Get("/v1/models", {{"Sec-Fetch-Site", i % 2 ? "cross-site" : "same-site"},
                                  {"Sec-Fetch-Mode", "no-cors"},
                                  {"Sec-Fetch-Dest", "image"},
                                  {"Authorization", i % 3 ? "" : "Bearer wrong"}});
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(openai_error(r));
    CHECK(body_json(r)["error"]["code"] == "cross_site_request");
  }
  auto with_token = c.Get("/v1/relay/status", {{"Sec-Fetch-Site", "cross-site"},
                                               {"Authorization", "Bearer " + k_token}});
  REQUIRE(with_token);
  CHECK(with_token->status == 403);
  auto allowed = c.Get("/v1/relay/status", {{"Sec-Fetch-Site", "cross-site"},
                                            {"Origin", "http://localhost:5173"},
                                            {"Authorization", "Bearer " + k_token}});
  REQUIRE(allowed);
  CHECK(allowed->status == 200);
  CHECK(body_json(allowed)["security"]["client"]["failed_auth_attempts"] == 0);
  auto link = c.Get("/", {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Mode", "navigate"}});
  REQUIRE(link);
  CHECK(link->status == 200); // a link to the home page from another site still opens it
  auto own = c.Get("/v1/relay/status",
                   {{"Sec-Fetch-Site", "same-origin"}, {"Authorization", "Bearer " + k_token}});
  REQUIRE(own);
  CHECK(own->status == 200);
}

TEST_CASE("serve: the per-IP rate limit answers 429 after the burst, with Retry-After") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  int ok = 0;
  for (int i = 0; i < 200; ++i) { // the bucket refills 2 a second while we go
    auto r = c.Get("/v1/relay/status", bearer());
    REQUIRE(r);
    if (r->status != 200) {
      CHECK(r->status == 429);
      CHECK(openai_error(r));
      CHECK(body_json(r)["error"]["message"].get<std::string>().rfind(
                "Request rate limit exceeded for this IP", 0) == 0);
      CHECK(body_json(r)["error"]["code"] == "rate_limit_exceeded");
      CHECK(std::atoi(r->get_header_value("Retry-After").c_str()) >= 1);
      break;
    }
    ++ok;
  }
  CHECK(ok >= 40); // at least the default burst back to back
  CHECK(ok < 200);
}

TEST_CASE("serve: the per-IP concurrency cap holds a slot while a request is in flight") {
  Env env;
  give_token(env);
  // The rate limit raised out of the way: only the concurrency cap may refuse here.
  give_config(env, "[security]\nconcurrent_requests_per_ip = 3\nrate_limit_per_minute = 1000000\n"
                   "rate_limit_burst = 1000000\n");
  auto s = start_server(env, {"--read-timeout", "30"});
  // Three requests whose bodies never arrive hold their slots while the relay waits.
  std::vector<int> stalled;
  for (int i = 0; i < 3; ++i) {
    int fd = connect_to(s->port);
    REQUIRE(fd >= 0);
    send_all(fd, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                     k_token +
                     "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    stalled.push_back(fd);
  }
  // Watch them being admitted from another loopback address, whose own slots are not at stake
  // (a poll from 127.0.0.1 could take the slot a stalled request was about to get).
  auto in_flight = [&] {
    int fd = connect_from("127.0.0.2", s->port);
    if (fd < 0) {
      return -1;
    }
    send_all(fd, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + k_token +
                     "\r\nConnection: close\r\n\r\n");
    std::string got = read_until_close(fd, std::chrono::seconds(5));
    ::close(fd);
    const std::string metric = "\nairelays_http_requests_in_flight ";
    auto at = got.find(metric);
    return at == std::string::npos ? -1 : std::atoi(got.c_str() + at + metric.size());
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int seen = 0;
  while ((seen = in_flight()) < 4 && std::chrono::steady_clock::now() < deadline) {
  } // 4: the three stalled requests and this /metrics request itself
  REQUIRE(seen == 4);
  auto c = client(s->port);
  auto r = c.Get("/v1/relay/status", bearer());
  REQUIRE(r);
  CHECK(r->status == 429);
  CHECK(body_json(r)["error"]["code"] == "too_many_concurrent_requests");
  CHECK(r->get_header_value("Retry-After") == "1");
  for (int fd : stalled) {
    ::close(fd); // the body read fails, the slots come back
  }
  int status = 0;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    auto again = c.Get("/v1/relay/status", bearer());
    REQUIRE(again);
    status = again->status;
  } while (status != 200 && std::chrono::steady_clock::now() < deadline);
  CHECK(status == 200);
}

TEST_CASE("serve: `airelays token rotate` in another process takes effect without a restart") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  REQUIRE(c.Get("/v1/relay/status", bearer())->status == 200);
  auto rotated = run_airelays(env, {"token", "rotate", "--json"});
  REQUIRE(rotated.exit_code == 0);
  auto j = nlohmann::json::parse(rotated.out, nullptr, false);
  REQUIRE(j.is_object());
  REQUIRE(j.contains("relay_token"));
  std::string fresh = j["relay_token"].get<std::string>();
  CHECK(fresh != k_token);
  CHECK(c.Get("/v1/relay/status", bearer())->status == 401);
  CHECK(c.Get("/v1/relay/status", bearer(fresh))->status == 200);
}

TEST_CASE("serve: a token file replaced on disk is picked up at once") {
  Env env;
  give_token(env, "first-token");
  auto s = start_server(env);
  auto c = client(s->port);
  CHECK(c.Get("/v1/relay/status", bearer("first-token"))->status == 200);
  give_token(env, "second-token-of-another-length");
  CHECK(c.Get("/v1/relay/status", bearer("first-token"))->status == 401);
  CHECK(c.Get("/v1/relay/status", bearer("second-token-of-another-length"))->status == 200);
}

TEST_CASE("serve: unsupported OpenAI routes answer 501 unsupported_error naming the route") {
  Env env;
  give_token(env);
  give_config(env, "[security]\nrate_limit_burst = 1000\n");
  auto s = start_server(env);
  auto c = client(s->port);
  const char* paths[] = {
      "/v1/embeddings",         "/v1/images/generations",    "/v1/images/edits",
      "/v1/audio/speech",       "/v1/audio/transcriptions",  "/v1/realtime/sessions",
      "/v1/moderations",        "/v1/fine_tuning/jobs",      "/v1/batches",
      "/v1/assistants",         "/v1/threads/thread_1/runs", "/v1/vector_stores/vs_1/files",
      "/no-tools/v1/embeddings"};
  for (const char* p : paths) {
    CAPTURE(p);
    auto r = c.Post(p, bearer(), "{}", "application/json");
    REQUIRE(r);
    CHECK(r->status == 501);
    CHECK(openai_error(r));
    auto e = body_json(r)["error"];
    CHECK(e["type"] == "unsupported_error");
    CHECK(e["message"].get<std::string>().find(p) != std::string::npos);
  }
  auto get = c.Get("/v1/batches/batch_1", bearer());
  REQUIRE(get);
  CHECK(get->status == 501);
}

TEST_CASE("serve: unknown routes are 404 and wrong methods 405 with Allow, in the OpenAI shape") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  auto public_404 = c.Get("/nope");
  REQUIRE(public_404);
  CHECK(public_404->status == 404);
  CHECK(openai_error(public_404));
  auto protected_404 = c.Get("/v1/nope", bearer());
  REQUIRE(protected_404);
  CHECK(protected_404->status == 404);
  CHECK(openai_error(protected_404));
  CHECK(body_json(protected_404)["error"]["message"] == "Invalid URL (GET /v1/nope)");
  auto wrong = c.Post("/v1/relay/status", bearer(), "{}", "application/json");
  REQUIRE(wrong);
  CHECK(wrong->status == 405);
  CHECK(openai_error(wrong));
  CHECK(wrong->get_header_value("Allow") == "GET");
  auto del = c.Delete("/healthz");
  REQUIRE(del);
  CHECK(del->status == 405);
  CHECK(del->get_header_value("Allow") == "GET");
}

TEST_CASE("serve: X-Forwarded-For and a REMOTE_ADDR header do not change the client IP") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto r = client(s->port).Get("/v1/relay/status", {{"Authorization", "Bearer " + k_token},
                                                    {"X-Forwarded-For", "6.6.6.6"},
                                                    {"REMOTE_ADDR", "7.7.7.7"}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(body_json(r)["security"]["client"]["ip"] == "127.0.0.1");
}

TEST_CASE("serve: with trust_x_forwarded_for the rightmost X-Forwarded-For entry is the client") {
  Env env;
  give_token(env);
  give_config(env, "[security]\ntrust_x_forwarded_for = true\n");
  auto s = start_server(env);
  // The client wrote "6.6.6.6"; the proxy in front appended the address it saw.
  auto r = client(s->port).Get("/v1/relay/status", {{"Authorization", "Bearer " + k_token},
                                                    {"X-Forwarded-For", "6.6.6.6, 10.1.2.3"}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(body_json(r)["security"]["client"]["ip"] == "10.1.2.3");
}

TEST_CASE("serve: with trusted_proxy_hops = 2 the client is the second X-Forwarded-For entry "
          "from the right") {
  Env env;
  give_token(env);
  give_config(env, "[security]\ntrust_x_forwarded_for = true\ntrusted_proxy_hops = 2\n");
  auto s = start_server(env);
  // Two proxies of the user's: the outer appended the client's address, the inner the outer's.
  auto r = client(s->port).Get("/v1/relay/status",
                               {{"Authorization", "Bearer " + k_token},
                                {"X-Forwarded-For", "6.6.6.6, 10.1.2.3, 192.168.7.1"}});
  REQUIRE(r);
  REQUIRE(r->status == 200);
  CHECK(body_json(r)["security"]["client"]["ip"] == "10.1.2.3");
  // A header shorter than the chain: the farthest entry there is.
  r = client(s->port).Get("/v1/relay/status", {{"Authorization", "Bearer " + k_token},
                                               {"X-Forwarded-For", "10.4.4.4"}});
  REQUIRE(r);
  CHECK(body_json(r)["security"]["client"]["ip"] == "10.4.4.4");
}
