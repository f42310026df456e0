// How a stream ends, end to end (the real binary against the scriptable fake): a /v1/responses
// stream stops at its terminal event whatever the upstream does afterwards; a chat stream
// reports `length` for an answer cut at the output limit and always carries the usage chunk it
// was asked for; a silent upstream is one 504 without retries, within the caps of the timeout
// keys (issue 15, items 7–10).
#include "fault_helpers.hpp"

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::faults;

namespace {

httplib::Result post(int port, const std::string& path, const json& body) {
  auto c = serve::client(port);
  c.set_read_timeout(30);
  return c.Post(path.c_str(), serve::bearer(), body.dump(), "application/json");
}

json responses_body(bool stream) {
  return {{"model", "gpt-5.5"}, {"stream", stream}, {"input", "Say hi"}};
}

// The `event:` names of an SSE body, in order.
std::vector<std::string> event_names(const std::string& sse) {
  std::vector<std::string> names;
  for (size_t at = sse.find("event: "); at != std::string::npos; at = sse.find("event: ", at + 1)) {
    names.push_back(sse.substr(at + 7, sse.find('\n', at) - at - 7));
  }
  return names;
}

// The JSON chunks of a chat stream (data lines other than [DONE]).
std::vector<json> chunks(const std::string& sse) {
  std::vector<json> out;
  for (size_t at = sse.find("data: "); at != std::string::npos; at = sse.find("data: ", at + 1)) {
    auto j = json::parse(sse.substr(at + 6, sse.find('\n', at) - at - 6), nullptr, false);
    if (j.is_object()) {
      out.push_back(j);
    }
  }
  return out;
}

std::string error_code(const httplib::Result& r) {
  auto j = serve::body_json(r);
  return j.is_object() && j.contains("error") && j["error"].value("code", json()).is_string()
             ? j["error"]["code"].get<std::string>()
             : "";
}

} // namespace

TEST_CASE("faults: a responses stream ends at response.completed even if the upstream then drops") {
  Env env;
  fake::FakeUpstream fake;
  auto server = start_relay(env, fake);
  fake.script("responses", {{"kind", "text"}, {"drop", true}});
  auto r = post(server->port, "/v1/responses", responses_body(true));
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  auto names = event_names(r->body);
  REQUIRE_FALSE(names.empty());
  CHECK(names.back() == "response.completed");
  CHECK(std::count(names.begin(), names.end(), "error") == 0);
  // A drop before the terminal event is still reported.
  fake.script("responses", {{"kind", "cut"}, {"after", 5}, {"drop", true}});
  auto cut = post(server->port, "/v1/responses", responses_body(true));
  REQUIRE(cut);
  CHECK(event_names(cut->body).back() == "error");
}

TEST_CASE("faults: a chat answer cut at the output limit inside a tool call finishes with length") {
  Env env;
  fake::FakeUpstream fake;
  auto server = start_relay(env, fake);
  fake.script("responses", {{"kind", "incomplete"}, {"tool_call", true}});
  auto body = chat_body(true);
  auto r = post(server->port, "/v1/chat/completions", body);
  REQUIRE(r);
  INFO(r->body);
  std::string finish;
  bool saw_call = false;
  for (const auto& c : chunks(r->body)) {
    for (const auto& ch : c.value("choices", json::array())) {
      saw_call = saw_call || ch["delta"].contains("tool_calls");
      if (ch["finish_reason"].is_string()) {
        finish = ch["finish_reason"];
      }
    }
  }
  CHECK(saw_call);
  CHECK(finish == "length");
  fake.script("responses", {{"kind", "incomplete"}, {"tool_call", true}});
  auto whole = post(server->port, "/v1/chat/completions", chat_body(false));
  REQUIRE(whole);
  CHECK(serve::body_json(whole)["choices"][0]["finish_reason"] == "length");
}

TEST_CASE("faults: include_usage gets a usage chunk even when the upstream reports no usage") {
  Env env;
  fake::FakeUpstream fake;
  auto server = start_relay(env, fake);
  fake.script("responses", {{"kind", "text"}, {"usage", nullptr}});
  auto body = chat_body(true);
  body["stream_options"] = {{"include_usage", true}};
  auto r = post(server->port, "/v1/chat/completions", body);
  REQUIRE(r);
  INFO(r->body);
  auto all = chunks(r->body);
  REQUIRE(all.size() >= 2);
  CHECK(all.back()["choices"] == json::array());
  CHECK(all.back()["usage"]["total_tokens"] == 0);
  CHECK(all.back()["usage"]["prompt_tokens"] == 0);
  CHECK(r->body.find("data: [DONE]") != std::string::npos);
}

TEST_CASE("faults: silence before the first content is one 504 and one upstream POST, no retries") {
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.idle_timeout_s = 1;
  s.retry_attempts = 2; // a 5xx would be retried twice; a timeout is not
  auto server = start_relay(env, fake, s);
  fake.script("responses", {{"kind", "stall"}, {"after", 2}});
  auto t0 = Clock::now();
  auto r = post(server->port, "/v1/chat/completions", chat_body(true));
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 504);
  CHECK(serve::openai_error(r));
  CHECK(error_code(r) == "upstream_timeout");
  CHECK(fake.count("/backend-api/codex/responses") == 1);
  CHECK(seconds_since(t0) < 8.0);
}

TEST_CASE("faults: the wait for the first content is capped by first_content_timeout_seconds") {
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.idle_timeout_s = 5;
  env.vars["AIRELAYS_FIRST_CONTENT_TIMEOUT_SECONDS"] = "1";
  auto server = start_relay(env, fake, s);
  // Pre-content events 900 ms apart keep the idle timeout from firing; content would come late.
  fake.script("responses", {{"kind", "text"}, {"delay_ms", 900}});
  auto t0 = Clock::now();
  auto r = post(server->port, "/v1/chat/completions", chat_body(true));
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 504);
  CHECK(serve::openai_error(r));
  CHECK(serve::body_json(r)["error"]["message"].get<std::string>().find(
            "first_content_timeout_seconds") != std::string::npos);
  CHECK(seconds_since(t0) < 4.0);
  CHECK(fake.count("/backend-api/codex/responses") == 1);
}

TEST_CASE("faults: a non-stream request gets request_timeout_seconds of upstream silence") {
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.idle_timeout_s = 8;
  env.vars["AIRELAYS_REQUEST_TIMEOUT_SECONDS"] = "1";
  auto server = start_relay(env, fake, s);
  fake.script("responses", {{"kind", "stall"}, {"after", 4}}); // content, then silence
  auto t0 = Clock::now();
  auto r = post(server->port, "/v1/chat/completions", chat_body(false));
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 504);
  CHECK(error_code(r) == "upstream_timeout");
  CHECK(seconds_since(t0) >= 0.9);
  CHECK(seconds_since(t0) < 5.0);
  CHECK(fake.count("/backend-api/codex/responses") == 1);
}

TEST_CASE("faults: serve refuses a timeout of 0 with a message naming the key") {
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.idle_timeout_s = 0;
  configure(env, s);
  auto r = run_airelays(env, {"serve", "--port", "0"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("[upstream] stream_idle_timeout_seconds: must be greater than 0") !=
        std::string::npos);
}
