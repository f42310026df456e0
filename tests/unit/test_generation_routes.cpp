// The generation and model routes driven through the Router (no sockets on the client side)
// against the in-process fake backend: real statuses before the first byte, in-band errors
// after it, translated streams, rebuilt non-stream objects, disconnects that abort upstream.
#include "../../src/server/routes.hpp"
#include "upstream_test_support.hpp"

#include <airelays/router.hpp>
#include <airelays/upstream.hpp>

#include <doctest/doctest.h>

#include <chrono>

using namespace airelays;
using airelays::test::RecordingSink;
using nlohmann::json;

namespace {

struct Relay {
  fake::FakeUpstream fake;
  services::Services services; // by hand: a fixed login, no stores, no log
  server::Router router;
  Relay() {
    services.config = airelays::test::fake_config(fake);
    services.tokens = std::make_shared<airelays::test::StaticTokens>();
    services.upstream = std::make_shared<upstream::Upstream>(services.config, services.tokens);
    server::register_generation_routes(router, services);
    server::register_model_routes(router, services.config, *services.upstream);
  }
  http::Response call(const std::string& method, const std::string& path, const json& body = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.headers.emplace("Content-Type", "application/json");
    if (!body.is_null()) {
      req.body = body.dump();
    }
    const server::Handler* handler = nullptr;
    std::map<std::string, std::string> params;
    REQUIRE(router.match(method, path, &handler, params) == server::Router::Match::found);
    req.path_params = params;
    last_annotations = req.annotations;
    return (*handler)(req);
  }
  std::shared_ptr<json> last_annotations;
};

json chat_body(bool stream) {
  return {{"model", "gpt-5.5"},
          {"stream", stream},
          {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
}

// The data payloads of an SSE text, in order.
std::vector<std::string> data_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find("data: ", pos)) != std::string::npos) {
    auto end = text.find('\n', pos);
    out.push_back(text.substr(pos + 6, end - pos - 6));
    pos = end;
  }
  return out;
}

} // namespace

TEST_CASE("chat non-stream returns a chat.completion rebuilt from the upstream stream") {
  Relay relay;
  auto res = relay.call("POST", "/v1/chat/completions", chat_body(false));
  REQUIRE(res.status == 200);
  auto j = json::parse(res.body);
  CHECK(j["object"] == "chat.completion");
  CHECK(j["choices"][0]["message"]["content"] == "Hi there from the fake upstream.");
  CHECK(j["usage"]["prompt_tokens"] == 1234);
  CHECK((*relay.last_annotations)["upstream_status"] == 200);
}

TEST_CASE("chat stream commits 200 as text/event-stream and ends with [DONE]") {
  Relay relay;
  auto res = relay.call("POST", "/v1/chat/completions", chat_body(true));
  REQUIRE(res.status == 200);
  CHECK(res.content_type == "text/event-stream");
  REQUIRE(res.stream);
  RecordingSink sink;
  CHECK(res.stream(sink));
  auto data = data_lines(sink.all());
  REQUIRE(data.size() >= 3);
  CHECK(data.back() == "[DONE]");
  std::string text;
  for (const auto& d : data) {
    auto j = json::parse(d, nullptr, false);
    if (j.is_object() && j.contains("choices") && !j["choices"].empty()) {
      auto& delta = j["choices"][0]["delta"];
      if (delta.contains("content") && delta["content"].is_string()) {
        text += delta["content"].get<std::string>();
      }
    }
  }
  CHECK(text == "Hi there from the fake upstream.");
}

TEST_CASE("a quota error before the first byte is a real 429 with Retry-After, not a 200 stream") {
  Relay relay;
  relay.fake.script("responses", {{"kind", "usage_limit"}, {"resets_in_seconds", 3600}});
  auto res = relay.call("POST", "/v1/chat/completions", chat_body(true));
  CHECK(res.status == 429);
  CHECK_FALSE(res.stream);
  CHECK(res.headers.find("Retry-After")->second == "3600");
  CHECK(json::parse(res.body)["error"]["code"] == "usage_limit_reached");
}

TEST_CASE("an upstream failure after content is one in-band chat error and no [DONE]") {
  Relay relay;
  relay.fake.script("responses", {{"kind", "fail_after_content"}});
  auto res = relay.call("POST", "/v1/chat/completions", chat_body(true));
  REQUIRE(res.status == 200);
  RecordingSink sink;
  CHECK_FALSE(res.stream(sink));
  auto data = data_lines(sink.all());
  CHECK(data.back() != "[DONE]");
  CHECK(json::parse(data.back())["error"]["code"] == "server_is_overloaded");
}

TEST_CASE("a chat stream cut before its terminal event ends with an error, not [DONE]") {
  Relay relay;
  relay.fake.script("responses", {{"kind", "cut"}, {"after", 5}});
  auto res = relay.call("POST", "/v1/chat/completions", chat_body(true));
  REQUIRE(res.status == 200);
  RecordingSink sink;
  CHECK_FALSE(res.stream(sink));
  auto data = data_lines(sink.all());
  REQUIRE_FALSE(data.empty());
  CHECK(data.back() != "[DONE]");
  CHECK(json::parse(data.back()).contains("error"));
}

TEST_CASE("responses stream passes upstream events through verbatim") {
  Relay relay;
  auto res =
      relay.call("POST", "/v1/responses",
                 {{"model", "gpt-5.5"}, {"input", "hi"}, {"stream", true}, {"temperature", 0.2}});
  REQUIRE(res.status == 200);
  CHECK(res.headers.find("x-airelays-ignored-parameters")->second == "temperature");
  RecordingSink sink;
  CHECK(res.stream(sink));
  auto all = sink.all();
  CHECK(all.rfind("event: response.created\ndata: {", 0) == 0);
  CHECK(all.find("event: response.completed") != std::string::npos);
  CHECK(all.find("[DONE]") == std::string::npos);
  auto body = json::parse(relay.fake.requests_to("/backend-api/codex/responses").at(0).body);
  CHECK(body["store"] == false);
  CHECK(body["stream"] == true);
  CHECK_FALSE(body.contains("temperature"));
}

TEST_CASE("responses stream cut mid-way ends with an error event") {
  Relay relay;
  relay.fake.script("responses", {{"kind", "cut"}, {"after", 5}});
  auto res = relay.call("POST", "/v1/responses",
                        {{"model", "gpt-5.5"}, {"input", "hi"}, {"stream", true}});
  REQUIRE(res.status == 200);
  RecordingSink sink;
  CHECK_FALSE(res.stream(sink));
  // The last event of the stream is the error (it may share a write with the events before it).
  auto all = sink.all();
  auto last = all.rfind("event: ");
  REQUIRE(last != std::string::npos);
  CHECK(all.compare(last, 13, "event: error\n") == 0);
  CHECK(all.find("event: response.completed") == std::string::npos);
}

TEST_CASE("responses non-stream rebuilds the response object") {
  Relay relay;
  relay.fake.script("responses", {{"kind", "tool_call"}, {"name", "get_weather"}});
  auto res = relay.call("POST", "/v1/responses", {{"model", "gpt-5.5"}, {"input", "hi"}});
  REQUIRE(res.status == 200);
  auto j = json::parse(res.body);
  CHECK(j["status"] == "completed");
  CHECK(j["output"][0]["type"] == "function_call");
  CHECK(j["output"][0]["name"] == "get_weather");
}

TEST_CASE("completions non-stream returns a text_completion") {
  Relay relay;
  auto res = relay.call("POST", "/v1/completions", {{"model", "gpt-5.5"}, {"prompt", "Say hi"}});
  REQUIRE(res.status == 200);
  auto j = json::parse(res.body);
  CHECK(j["object"] == "text_completion");
  CHECK(j["choices"][0]["text"] == "Hi there from the fake upstream.");
}

TEST_CASE("a client that goes away aborts the upstream transfer within a second") {
  Relay relay;
  relay.fake.script("responses", {{"kind", "stall"}, {"after", 5}});
  auto res = relay.call("POST", "/v1/chat/completions", chat_body(true));
  REQUIRE(res.status == 200);
  RecordingSink sink;
  sink.accept_writes =
      1; // the first delta (with the role), then the client leaves while upstream is silent
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(res.stream(sink));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took < std::chrono::seconds(1));
  // The fake notices its client (the relay) left.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  bool seen = false;
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    std::lock_guard lock(relay.fake.mutex());
    seen = relay.fake.state().contains("client_gone_at_ms");
  }
  CHECK(seen);
}

TEST_CASE("a stopping server ends a stream with an in-band error") {
  Relay relay;
  relay.fake.script("responses", {{"kind", "stall"}, {"after", 4}});
  auto res = relay.call("POST", "/v1/responses",
                        {{"model", "gpt-5.5"}, {"input", "hi"}, {"stream", true}});
  REQUIRE(res.status == 200);
  relay.services.stopping = true;
  RecordingSink sink;
  CHECK_FALSE(res.stream(sink));
  CHECK(sink.chunks.back().find("server_stopping") != std::string::npos);
}

TEST_CASE("GET /v1/models lists the catalog with the airelays block, and one model by id") {
  Relay relay;
  auto res = relay.call("GET", "/v1/models");
  REQUIRE(res.status == 200);
  auto j = json::parse(res.body);
  CHECK(j["object"] == "list");
  CHECK(j["data"][0]["id"] == "gpt-6-astra");
  CHECK(j["data"][0]["airelays"]["capabilities"]["routes"]["chat_completions"] == true);
  auto one = relay.call("GET", "/v1/models/gpt-5.5");
  CHECK(one.status == 200);
  CHECK(relay.call("GET", "/v1/models/nope").status == 404);
}

TEST_CASE("subscription status normalises the usage windows") {
  Relay relay;
  auto res = relay.call("GET", "/v1/account/rate_limits");
  REQUIRE(res.status == 200);
  auto j = json::parse(res.body);
  CHECK(j["object"] == "subscription_status");
  CHECK(j["source"]["upstream_path"] == "/backend-api/wham/usage");
  auto& primary = j["rate_limits"]["default"]["primary_window"];
  CHECK(primary["window_label"] == "5h");
  CHECK(primary["remaining_percent"] == 86.0);
  CHECK(j["rate_limits"]["default"]["secondary_window"]["window_label"] == "weekly");
  CHECK(j["account"]["plan_type"] == "pro");
}

namespace {

// A sink whose second write throws, as a bug in the write path would; later writes work.
class ThrowingSink final : public http::ChunkSink {
public:
  RecordingSink recorded;
  int writes = 0;
  bool write(std::string_view data) override {
    if (++writes == 2) {
      throw std::runtime_error("boom while writing");
    }
    return recorded.write(data);
  }
  bool is_writable() override { return true; }
};

// Streams `body` to `path` into a ThrowingSink: the stream must end (false) without throwing.
// What was written before and after the throw.
std::string throw_mid_stream(Relay& relay, const std::string& path, const json& body) {
  relay.fake.script("responses", {{"kind", "text"}, {"delay_ms", 20}});
  auto res = relay.call("POST", path, body);
  REQUIRE(res.status == 200);
  ThrowingSink sink;
  bool ok = true;
  CHECK_NOTHROW(ok = res.stream(sink));
  CHECK_FALSE(ok);
  return sink.recorded.all();
}

} // namespace

TEST_CASE("an exception while writing a stream ends it with an in-band error, not the process") {
  for (const char* path : {"/v1/chat/completions", "/v1/responses"}) {
    CAPTURE(path);
    Relay relay;
    json body = std::string(path) == "/v1/responses"
                    ? json{{"model", "gpt-5.5"}, {"input", "hi"}, {"stream", true}}
                    : chat_body(true);
    auto all = throw_mid_stream(relay, path, body);
    CHECK(all.find("[DONE]") == std::string::npos);
    CHECK(all.find("response.completed") == std::string::npos);
    auto last = data_lines(all);
    REQUIRE_FALSE(last.empty());
    auto err = json::parse(last.back()); // chat: {"error":{…}}; responses: the error event
    CHECK((err.contains("error") ? err["error"]["code"] : err["code"]) == "internal_error");
    CHECK((*relay.last_annotations)["stream_outcome"] == "internal_error");
  }
}

TEST_CASE("an exception while writing a Messages stream ends it with an Anthropic error event") {
  Relay relay;
  json body = {{"model", "claude-sonnet-5"},
               {"max_tokens", 100},
               {"stream", true},
               {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  auto all = throw_mid_stream(relay, "/v1/messages", body);
  CHECK(all.find("message_stop") == std::string::npos);
  auto last = data_lines(all);
  REQUIRE_FALSE(last.empty());
  auto err = json::parse(last.back()); // what Anthropic SDKs read: {"type":"error","error":{…}}
  CHECK(err["type"] == "error");
  REQUIRE(err.contains("error"));
  CHECK(err["error"]["type"] == "api_error");
  CHECK(err["error"]["message"] == "Internal error while writing the stream; it was ended.");
}
