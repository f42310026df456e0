// An upstream 429 usage_limit_reached, end to end (the real binary against the scriptable fake):
// the client sees status 429, Retry-After, and the upstream's resets_at / resets_in_seconds /
// plan_type inside the OpenAI-shaped error object — what Codex and other clients use to tell
// the user when the quota comes back (upstream-contract.md §4.8). The quota resets later than
// the retry backoff, so the relay answers without retrying.
#include "fault_helpers.hpp"

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::faults;

namespace {

void check_usage_limit(const httplib::Result& r, long resets) {
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 429);
  CHECK(r->get_header_value("Retry-After") == std::to_string(resets));
  CHECK(serve::openai_error(r));
  auto err = serve::body_json(r)["error"];
  CHECK(err["message"] == "The usage limit has been reached");
  CHECK(err["code"] == "usage_limit_reached");
  CHECK(err["resets_in_seconds"] == resets);
  CHECK(err["resets_at"] == 1795336357 + resets); // the fake's fixed clock + resets
  CHECK(err["plan_type"] == "plus");
}

} // namespace

TEST_CASE("upstream 429 usage_limit_reached reaches the client with its extras and Retry-After") {
  Env env;
  fake::FakeUpstream fake;
  auto server = start_relay(env, fake); // 2 retries, 50 ms apart: a 2 h quota is not retried
  auto c = serve::client(server->port);

  SUBCASE("chat completions, non-stream and stream") {
    for (bool stream : {false, true}) {
      fake.script("responses", {{"kind", "usage_limit"}, {"resets_in_seconds", 7200}});
      auto r = c.Post("/v1/chat/completions", serve::bearer(), chat_body(stream).dump(),
                      "application/json");
      check_usage_limit(r, 7200);
    }
    CHECK(fake.count("/backend-api/codex/responses") == 2); // one POST each, no retry
  }
  SUBCASE("responses and completions") {
    fake.script("responses", {{"kind", "usage_limit"}, {"resets_in_seconds", 900}});
    json resp = {{"model", "gpt-5.5"}, {"input", "Say hi"}, {"stream", true}};
    check_usage_limit(c.Post("/v1/responses", serve::bearer(), resp.dump(), "application/json"),
                      900);
    fake.script("responses", {{"kind", "usage_limit"}, {"resets_in_seconds", 900}});
    json comp = {{"model", "gpt-5.5"}, {"prompt", "Say hi"}};
    check_usage_limit(c.Post("/v1/completions", serve::bearer(), comp.dump(), "application/json"),
                      900);
  }
  auto after =
      c.Post("/v1/chat/completions", serve::bearer(), chat_body(false).dump(), "application/json");
  REQUIRE(after);
  CHECK(after->status == 200); // the quota error left the relay serving
}
