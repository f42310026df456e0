// /v1/messages end to end (issue 17): the real binary against the scriptable fake, spoken to
// as Claude Code and the Anthropic SDKs do — HEAD / first, the relay token as x-api-key or a
// bearer, `?beta=true` on the path, a streamed answer in Anthropic's events, the claude-*
// model mapped to the configured GPT model, count_tokens, and errors in Anthropic's shape
// with the relay's statuses and Retry-After (a wrong x-api-key counts like a wrong bearer).
#include "fault_helpers.hpp"

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::faults;

namespace {

json messages_body(bool stream) {
  return {{"model", "claude-sonnet-5"},
          {"max_tokens", 512},
          {"stream", stream},
          {"system",
           {{{"type", "text"}, {"text", "Be brief."}, {"cache_control", {{"type", "ephemeral"}}}}}},
          {"messages", {{{"role", "user"}, {"content", "Say hi"}}}}};
}

httplib::Headers api_key(const std::string& key = serve::k_token) {
  return {{"x-api-key", key}, {"anthropic-version", "2023-06-01"}};
}

bool anthropic_error(const httplib::Result& r, const std::string& type) {
  auto body = serve::body_json(r);
  return body.is_object() && body["type"] == "error" && body["error"]["type"] == type &&
         body["error"]["message"].is_string() && !body["error"].contains("code");
}

std::vector<std::string> event_names(const std::string& sse) {
  std::vector<std::string> names;
  size_t at = 0;
  while ((at = sse.find("event: ", at)) != std::string::npos) {
    size_t end = sse.find('\n', at);
    names.push_back(sse.substr(at + 7, end - at - 7));
    at = end;
  }
  return names;
}

} // namespace

TEST_CASE("messages: HEAD / answers 200 and x-api-key or bearer authenticate /v1/messages") {
  Env env;
  fake::FakeUpstream fake;
  auto server = start_relay(env, fake);
  auto c = serve::client(server->port);
  auto head = c.Head("/");
  REQUIRE(head);
  CHECK(head->status == 200);

  auto r =
      c.Post("/v1/messages?beta=true", api_key(), messages_body(false).dump(), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  auto msg = serve::body_json(r);
  CHECK(msg["type"] == "message");
  CHECK(msg["model"] == "claude-sonnet-5");
  CHECK(msg["content"][0]["text"] == "Hi there from the fake upstream.");
  CHECK(msg["stop_reason"] == "end_turn");
  CHECK(msg["usage"]["cache_read_input_tokens"] == 1024);
  CHECK(r->get_header_value("x-airelays-ignored-parameters") == "max_tokens,cache_control");
  auto sent = json::parse(fake.requests_to("/backend-api/codex/responses").back().body);
  CHECK(sent["model"] == "gpt-6.1-sol");
  CHECK(sent["instructions"] == "Be brief.");

  auto b = c.Post("/v1/messages", serve::bearer(), messages_body(false).dump(), "application/json");
  REQUIRE(b);
  CHECK(b->status == 200);
}

TEST_CASE("messages: a streamed answer is Anthropic's event sequence") {
  Env env;
  fake::FakeUpstream fake;
  Settings settings;
  settings.extra = "[messages]\nsonnet_model = \"gpt-5.5\"\n";
  auto server = start_relay(env, fake, settings);
  auto r = serve::client(server->port)
               .Post("/v1/messages", api_key(), messages_body(true).dump(), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/event-stream");
  auto names = event_names(r->body);
  REQUIRE(names.size() >= 7);
  CHECK(names[0] == "message_start");
  CHECK(names[1] == "ping");
  CHECK(names[2] == "content_block_start");
  CHECK(names[names.size() - 3] == "content_block_stop");
  CHECK(names[names.size() - 2] == "message_delta");
  CHECK(names.back() == "message_stop");
  CHECK(r->body.find(R"("stop_reason":"end_turn")") != std::string::npos);
  auto sent = json::parse(fake.requests_to("/backend-api/codex/responses").back().body);
  CHECK(sent["model"] == "gpt-5.5"); // [messages] sonnet_model
}

TEST_CASE("messages: errors use Anthropic's shape with the relay's statuses") {
  Env env;
  fake::FakeUpstream fake;
  auto server = start_relay(env, fake);
  auto c = serve::client(server->port);

  fake.script("responses", {{"kind", "usage_limit"}, {"resets_in_seconds", 7200}});
  auto limited = c.Post("/v1/messages", api_key(), messages_body(true).dump(), "application/json");
  REQUIRE(limited);
  CHECK(limited->status == 429);
  CHECK(limited->get_header_value("Retry-After") == "7200");
  CHECK(anthropic_error(limited, "rate_limit_error"));

  json bad = messages_body(false);
  bad["messages"] = json::array();
  auto invalid = c.Post("/v1/messages", api_key(), bad.dump(), "application/json");
  REQUIRE(invalid);
  CHECK(invalid->status == 400);
  CHECK(anthropic_error(invalid, "invalid_request_error"));

  auto count = c.Post(
      "/v1/messages/count_tokens", api_key(),
      json{{"model", "claude-haiku-4-5"}, {"messages", {{{"role", "user"}, {"content", "hello"}}}}}
          .dump(),
      "application/json");
  REQUIRE(count);
  CHECK(count->status == 200);
  CHECK(serve::body_json(count)["input_tokens"].get<long>() > 0);

  // A wrong x-api-key is a wrong token: 401 each time, then the block (8 attempts).
  for (int i = 0; i < 8; ++i) {
    auto wrong = c.Post("/v1/messages", api_key("wrong-key"), messages_body(false).dump(),
                        "application/json");
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    CHECK(anthropic_error(wrong, "authentication_error"));
  }
  // The block refuses wrong keys only (issue 14): the right key is still served.
  auto blocked =
      c.Post("/v1/messages", api_key("wrong-key"), messages_body(false).dump(), "application/json");
  REQUIRE(blocked);
  CHECK(blocked->status == 429);
  CHECK(!blocked->get_header_value("Retry-After").empty());
  CHECK(anthropic_error(blocked, "rate_limit_error"));
  auto served = c.Post("/v1/messages", api_key(), messages_body(false).dump(), "application/json");
  REQUIRE(served);
  CHECK(served->status == 200);
}
