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
