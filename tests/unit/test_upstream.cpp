// upstream: error classification (reference §10, DESIGN's upstream-error decision) and the
// service against the in-process fake backend: headers of the wire contract, the
// pre-first-byte retry policy, the 401 refresh, the models cache.
#include "upstream_test_support.hpp"

#include <airelays/upstream.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using airelays::test::StaticTokens;
using nlohmann::json;

TEST_CASE("upstream::http_error maps a usage_limit 429 to 429 with its code and Retry-After") {
  auto e = upstream::http_error(
      429,
      R"({"error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_in_seconds":3600}})");
  CHECK(e.status == 429);
  CHECK(e.code == std::optional<std::string>("usage_limit_reached"));
  CHECK(e.message == "The usage limit has been reached");
  CHECK(e.retry_after == std::optional<long>(3600));
}

TEST_CASE("upstream::http_error keeps 400 with the upstream message and param") {
  auto e = upstream::http_error(
      400,
      R"({"error":{"type":"invalid_request_error","message":"Bad input","param":"input","code":"invalid_value"}})");
  CHECK(e.status == 400);
  CHECK(e.message == "Bad input");
  CHECK(e.param == std::optional<std::string>("input"));
  CHECK(e.code == std::optional<std::string>("invalid_value"));
  CHECK_FALSE(upstream::retriable(e));
}

TEST_CASE("upstream::http_error unwraps a detail text and passes other 4xx through") {
  auto e = upstream::http_error(403, R"({"detail":"Unsupported parameter: temperature"})");
  CHECK(e.status == 403);
  CHECK(e.message == "Unsupported parameter: temperature");
  auto plain = upstream::http_error(404, "not here");
  CHECK(plain.status == 404);
  CHECK(plain.message == "not here");
}

TEST_CASE("upstream::http_error turns 5xx into a retriable 502 and timeouts into 504") {
  auto e = upstream::http_error(
      503,
      R"({"error":{"type":"service_unavailable_error","code":"server_is_overloaded","message":"Our servers are currently overloaded."}})");
  CHECK(e.status == 502);
  CHECK(e.code == std::optional<std::string>("server_is_overloaded"));
  CHECK(upstream::retriable(e));
  CHECK(upstream::transport_error(http_client::Failure::timeout, "idle").status == 504);
  CHECK(upstream::transport_error(http_client::Failure::connect, "refused").status == 502);
  CHECK_FALSE(upstream::retriable(upstream::auth_rejected_error()));
}

TEST_CASE("upstream::backoff_seconds repeats the last entry and is 0 for an empty schedule") {
  CHECK(upstream::backoff_seconds({5, 20, 60}, 0) == 5);
  CHECK(upstream::backoff_seconds({5, 20, 60}, 7) == 60);
  CHECK(upstream::backoff_seconds({}, 1) == 0);
}

namespace {

struct Rig {
  fake::FakeUpstream fake;
  std::shared_ptr<StaticTokens> tokens = std::make_shared<StaticTokens>();
  config::Config cfg = airelays::test::fake_config(fake);
  std::unique_ptr<upstream::Upstream> up;
  void start() { up = std::make_unique<upstream::Upstream>(cfg, tokens); }
  upstream::Opened open(std::string session = {}) {
    if (!up) {
      start();
    }
    upstream::CallOptions o;
    o.session_id = std::move(session);
    return up->open_responses(
        {{"model", "gpt-5.5"}, {"input", "hi"}, {"stream", true}, {"store", false}}, o);
  }
};

std::vector<std::string> drain_types(upstream::EventStream& s) {
  std::vector<std::string> types;
  while (auto ev = s.next()) {
    auto j = json::parse(ev->data, nullptr, false);
    types.push_back(j.is_object() ? j.value("type", "") : "");
  }
  return types;
}

} // namespace

TEST_CASE(
    "Upstream opens /responses with the contract's headers and stops at the first content event") {
  Rig rig;
  auto opened = rig.open("conv-1");
  REQUIRE_FALSE(opened.error);
  REQUIRE(opened.stream);
  REQUIRE(opened.head.size() == 3); // created, in_progress, output_item.added
  CHECK(opened.head.back().event == "response.output_item.added");
  auto rest = drain_types(*opened.stream);
  CHECK(rest.back() == "response.completed");
  CHECK_FALSE(opened.stream->error());
  auto sent = rig.fake.requests_to("/backend-api/codex/responses").at(0);
  CHECK(sent.headers["authorization"] == "Bearer tok-1");
  CHECK(sent.headers["chatgpt-account-id"] == "acct-1");
  CHECK(sent.headers["originator"] == "codex_cli_rs");
  CHECK(sent.headers["version"] == "0.169.0");
  CHECK(sent.headers["session_id"] == "conv-1");
}

TEST_CASE("Upstream retries an overloaded 503 before the first byte and then succeeds") {
  Rig rig;
  rig.fake.script("responses", {{"kind", "overloaded"}});
  auto opened = rig.open();
  REQUIRE_FALSE(opened.error);
  CHECK(opened.retries == 1);
  CHECK(opened.attempts == 2);
}

TEST_CASE("Upstream retries a response.failed before content, and gives up after retry_attempts") {
  Rig rig;
  for (int i = 0; i < 3; ++i) {
    rig.fake.script("responses", {{"kind", "failed"}, {"code", "server_is_overloaded"}});
  }
  auto opened = rig.open();
  REQUIRE(opened.error);
  CHECK(opened.error->status == 502);
  CHECK(opened.error->code == std::optional<std::string>("server_is_overloaded"));
  CHECK(opened.attempts == 3);
}

TEST_CASE("Upstream does not retry a quota that resets after the backoff, and answers 429") {
  Rig rig;
  rig.fake.script("responses", {{"kind", "usage_limit"}, {"resets_in_seconds", 3600}});
  auto opened = rig.open();
  REQUIRE(opened.error);
  CHECK(opened.error->status == 429);
  CHECK(opened.error->retry_after == std::optional<long>(3600));
  CHECK(opened.attempts == 1);
}

TEST_CASE("Upstream never retries an invalid request") {
  Rig rig;
  rig.fake.script("responses", {{"kind", "invalid_request"}, {"message", "Bad input"}});
  auto opened = rig.open();
  REQUIRE(opened.error);
  CHECK(opened.error->status == 400);
  CHECK(opened.error->message == "Bad input");
  CHECK(rig.fake.count("/backend-api/codex/responses") == 1);
}

TEST_CASE("Upstream refreshes once after a 401 and repeats with the new token") {
  Rig rig;
  rig.fake.script("responses", {{"kind", "unauthorized"}});
  auto opened = rig.open();
  REQUIRE_FALSE(opened.error);
  CHECK(rig.tokens->refreshes == 1);
  auto sent = rig.fake.requests_to("/backend-api/codex/responses");
  REQUIRE(sent.size() == 2);
  CHECK(sent[1].headers["authorization"] == "Bearer tok-2");
}

TEST_CASE("Upstream answers 503 upstream_auth_rejected after a second 401") {
  Rig rig;
  rig.fake.script("responses", {{"kind", "unauthorized"}});
  rig.fake.script("responses", {{"kind", "unauthorized"}});
  auto opened = rig.open();
  REQUIRE(opened.error);
  CHECK(opened.error->status == 503);
  CHECK(opened.error->code == std::optional<std::string>("upstream_auth_rejected"));
}

TEST_CASE("Upstream reports a stream cut after content as an end without a terminal event") {
  Rig rig;
  rig.fake.script("responses", {{"kind", "cut"}, {"after", 5}});
  auto opened = rig.open();
  REQUIRE_FALSE(opened.error);
  auto rest = drain_types(*opened.stream);
  CHECK(std::find(rest.begin(), rest.end(), "response.completed") == rest.end());
}

TEST_CASE("Upstream gives 502 when the backend is unreachable and 504 when it goes idle") {
  Rig rig;
  rig.cfg.base_url = "http://127.0.0.1:1/backend-api/codex";
  rig.cfg.retry_attempts = 0;
  auto opened = rig.open();
  REQUIRE(opened.error);
  CHECK(opened.error->status == 502);

  Rig idle;
  idle.cfg.stream_idle_timeout_seconds = 1;
  idle.cfg.retry_attempts = 0;
  idle.fake.script("responses", {{"kind", "stall"}, {"after", 1}});
  auto stalled = idle.open();
  REQUIRE(stalled.error);
  CHECK(stalled.error->status == 504);
}

TEST_CASE("Upstream caches the models catalog and appends extra_models") {
  Rig rig;
  rig.start();
  auto a = rig.up->models();
  auto b = rig.up->models();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(rig.fake.count("/backend-api/codex/models") == 1);
  auto q = rig.fake.requests_to("/backend-api/codex/models").at(0).query;
  CHECK(q == "client_version=0.169.0");
  rig.cfg.extra_models = {"gpt-5.5", "my-extra"};
  upstream::Upstream with_extra(rig.cfg, rig.tokens);
  auto ids = with_extra.model_ids(*a.value);
  CHECK(ids.front() == "gpt-6-astra");
  CHECK(ids.back() == "my-extra");
  CHECK(std::count(ids.begin(), ids.end(), "gpt-5.5") == 1);
}

TEST_CASE("Upstream reads usage from the chatgpt base, not the codex one") {
  Rig rig;
  rig.start();
  auto u = rig.up->usage();
  REQUIRE(u.ok());
  CHECK((*u.value)["plan_type"] == "pro");
  CHECK(rig.fake.count("/backend-api/wham/usage") == 1);
}

TEST_CASE("upstream: Codex's request headers go through, the backend's come back (issue 16)") {
  auto fwd = upstream::forwarded_request_headers({{"X-Codex-Beta-Features", "remote_compaction_v2"},
                                                  {"session-id", "s"},
                                                  {"thread-id", "t"},
                                                  {"x-client-request-id", "c"},
                                                  {"OpenAI-Beta", "b"},
                                                  {"Authorization", "Bearer relay"},
                                                  {"originator", "codex_exec"},
                                                  {"Cookie", "x"}});
  REQUIRE(fwd.size() == 5);
  CHECK(fwd[0] ==
        std::pair<std::string, std::string>{"X-Codex-Beta-Features", "remote_compaction_v2"});
  auto back = upstream::passed_back_headers({{"x-codex-primary-used-percent", "12.0"},
                                             {"openai-model", "gpt-5.5"},
                                             {"x-request-id", "u1"},
                                             {"set-cookie", "x"},
                                             {"content-type", "text/event-stream"}});
  REQUIRE(back.size() == 3);
  CHECK(back[2] == std::pair<std::string, std::string>{"x-upstream-request-id", "u1"});
}

TEST_CASE("Upstream does not retry an idle timeout before the first content event") {
  Rig idle;
  idle.cfg.stream_idle_timeout_seconds = 1;
  idle.cfg.retry_attempts = 2;
  idle.fake.script("responses", {{"kind", "stall"}, {"after", 2}});
  auto stalled = idle.open();
  REQUIRE(stalled.error);
  CHECK(stalled.error->status == 504);
  CHECK(stalled.error->code == std::optional<std::string>("upstream_timeout"));
  CHECK(idle.fake.count("/backend-api/codex/responses") == 1);
  CHECK(stalled.retries == 0);
}

TEST_CASE("Upstream caps the wait for the first content event, retries and backoff included") {
  Rig slow; // pre-content events keep the transfer alive, but no content comes in time
  slow.cfg.first_content_timeout_seconds = 1;
  slow.fake.script("responses", {{"kind", "text"}, {"delay_ms", 900}});
  auto t0 = std::chrono::steady_clock::now();
  auto opened = slow.open();
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(opened.error);
  CHECK(opened.error->status == 504);
  CHECK(opened.error->message.find("first_content_timeout_seconds") != std::string::npos);
  CHECK(took < 2.5);
  CHECK(slow.fake.count("/backend-api/codex/responses") == 1);

  Rig failing; // a retry whose backoff ends past the cap is not waited for
  failing.cfg.first_content_timeout_seconds = 1;
  failing.cfg.retry_backoff_seconds = {2.0};
  failing.fake.script("responses", {{"kind", "overloaded"}});
  t0 = std::chrono::steady_clock::now();
  auto refused = failing.open();
  took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(refused.error);
  CHECK(refused.error->status == 502);
  CHECK(took < 1.5);
  CHECK(failing.fake.count("/backend-api/codex/responses") == 1);
}

TEST_CASE("Upstream gives a non-stream call request_timeout_seconds of silence, not the stream's") {
  Rig rig;
  rig.cfg.stream_idle_timeout_seconds = 8;
  rig.cfg.request_timeout_seconds = 1;
  rig.start();
  rig.fake.script("responses", {{"kind", "stall"}, {"after", 2}});
  upstream::CallOptions o;
  o.stream = false;
  auto t0 = std::chrono::steady_clock::now();
  auto opened = rig.up->open_responses(
      {{"model", "gpt-5.5"}, {"input", "hi"}, {"stream", true}, {"store", false}}, o);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(opened.error);
  CHECK(opened.error->status == 504);
  CHECK(took >= 0.9);
  CHECK(took < 5.0);
}
