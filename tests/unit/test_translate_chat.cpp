// translate_chat request side: golden chat bodies (tests/data/chat_*.json) must become exactly
// the Responses request the backend gets, with every dropped parameter disclosed; bad input is
// a 400/422 naming the parameter, never an exception.
#include "xlate_test_data.hpp"

#include <airelays/translate_chat.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

namespace {

translate_chat::ChatPlan plan_ok(const json& body, bool no_tools = false) {
  auto r = translate_chat::plan_request(body, no_tools);
  if (auto* err = std::get_if<api_error::ApiError>(&r)) {
    FAIL("unexpected error " << err->status << ": " << err->message);
  }
  auto plan = std::get<translate_chat::ChatPlan>(r);
  plan.upstream = xlate_test::as_sent(plan.upstream);
  return plan;
}

api_error::ApiError plan_err(const json& body, bool no_tools = false) {
  auto r = translate_chat::plan_request(body, no_tools);
  REQUIRE(std::holds_alternative<api_error::ApiError>(r));
  return std::get<api_error::ApiError>(r);
}

json base() {
  return {{"model", "gpt-5.5"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
}

void check_golden(const char* name) {
  CAPTURE(name);
  json golden = xlate_test::read_json(name);
  auto plan = plan_ok(golden["request"]);
  CHECK(plan.upstream == golden["upstream"]);
  if (plan.upstream != golden["upstream"]) {
    MESSAGE("got: " << plan.upstream.dump(1));
  }
  CHECK(json(plan.ignored) == golden["ignored"]);
}

} // namespace

TEST_CASE("translate_chat matches the golden upstream requests") {
  check_golden("chat_simple.json");
  check_golden("chat_tool_loop.json");
  check_golden("chat_parts.json");
}

TEST_CASE("translate_chat reads stream and stream_options.include_usage") {
  auto plan = plan_ok(xlate_test::read_json("chat_tool_loop.json")["request"]);
  CHECK(plan.stream);
  CHECK(plan.include_usage);
  CHECK(plan.model == "gpt-5.5");
  auto plain = plan_ok(base());
  CHECK(!plain.stream);
  CHECK(!plain.include_usage);
  CHECK(plain.upstream["stream"] == true); // upstream always streams
}

TEST_CASE("translate_chat rejects parameters that would change the answer with 422") {
  auto b = base();
  b["n"] = 2;
  auto e = plan_err(b);
  CHECK(e.status == 422);
  CHECK(e.param == "n");
  CHECK(e.message.find("n=1") != std::string::npos);
  for (const char* key : {"audio", "prediction"}) {
    auto c = base();
    c[key] = json::object();
    CHECK(plan_err(c).status == 422);
  }
  auto m = base();
  m["modalities"] = {"text", "audio"};
  CHECK(plan_err(m).status == 422);
  m["modalities"] = {"text"};
  CHECK(plan_ok(m).ignored.empty());
  auto l = base();
  l["logprobs"] = true;
  CHECK(plan_err(l).status == 422);
  b["n"] = 1;
  CHECK(plan_ok(b).ignored.empty());
}

TEST_CASE("translate_chat answers malformed requests with 400 naming the parameter") {
  struct Case {
    json body;
    std::string param;
  };
  auto with = [](const char* key, json v) {
    json b = base();
    b[key] = std::move(v);
    return b;
  };
  std::vector<Case> cases = {
      {with("messages", json::array()), "messages"},
      {with("messages", "hi"), "messages"},
      {with("model", 5), "model"},
      {with("store", true), "store"},
      {with("stream", "yes"), "stream"},
      {with("messages", {42}), "messages[0]"},
      {with("messages", {{{"role", "wizard"}, {"content", "x"}}}), "messages[0].role"},
      {with("messages", {{{"role", "user"}, {"content", 5}}}), "messages[0].content"},
      {with("messages", {{{"role", "user"}, {"content", nullptr}}}), "messages[0].content"},
      {with("messages", {{{"role", "tool"}, {"content", "x"}}}), "messages[0].tool_call_id"},
      {with("messages", {{{"role", "user"}, {"content", {{{"type", "video"}}}}}}),
       "messages[0].content[0].type"},
      {with("messages", {{{"role", "user"}, {"content", "x"}, {"tool_calls", {{{"id", "c"}}}}}}),
       "messages[0].tool_calls"},
      {with("tools", "nope"), "tools"},
      {with("tools", {{{"type", "function"}, {"function", {{"name", ""}}}}}), "tools[0].name"},
      {with("tool_choice", "sometimes"), "tool_choice"},
      {with("response_format", {{"type", "json_schema"}}), "response_format.json_schema"},
      {with("response_format", {{"type", "yaml"}}), "response_format.type"},
      {with("reasoning_effort", 3), "reasoning_effort"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body.dump());
    auto e = plan_err(c.body);
    CHECK(e.status == 400);
    CHECK(e.param == c.param);
    CHECK(!e.message.empty());
  }
  CHECK(plan_err(json::array()).status == 400);
}

TEST_CASE("translate_chat rejects non-function tools and strict schemas it cannot serve with 422") {
  auto b = base();
  b["tools"] = {{{"type", "web_search"}}};
  CHECK(plan_err(b).status == 422);
  auto s = base();
  s["response_format"] = {
      {"type", "json_schema"},
      {"json_schema",
       {{"name", "x"}, {"schema", {{"type", "object"}, {"additionalProperties", true}}}}}};
  auto e = plan_err(s);
  CHECK(e.status == 422);
  CHECK(e.message.find("additionalProperties") != std::string::npos);
  s["response_format"]["json_schema"]["strict"] = false; // non-strict: taken as written
  CHECK(plan_ok(s).upstream["text"]["format"]["schema"]["additionalProperties"] == true);
}

TEST_CASE("translate_chat maps json_object, legacy functions and flat tools") {
  auto b = base();
  b["response_format"] = {{"type", "json_object"}};
  b["functions"] = {{{"name", "f"}, {"parameters", {{"type", "object"}}}}};
  b["function_call"] = {{"name", "f"}};
  auto up = plan_ok(b).upstream;
  CHECK(up["text"]["format"] == json{{"type", "json_object"}});
  CHECK(up["tools"][0]["name"] == "f");
  CHECK(up["tool_choice"] == json{{"type", "function"}, {"name", "f"}});
  auto flat = base();
  flat["tools"] = {{{"type", "function"}, {"name", "g"}}};
  auto fu = plan_ok(flat).upstream;
  CHECK(fu["tools"][0]["parameters"] == json{{"type", "object"}, {"properties", json::object()}});
  CHECK(fu["tool_choice"] == "auto");
}

TEST_CASE("translate_chat on the no-tools route refuses tools and tool_choice") {
  auto b = base();
  b["tools"] = {{{"type", "function"}, {"function", {{"name", "f"}}}}};
  auto e = plan_err(b, true);
  CHECK(e.status == 422);
  CHECK(e.message == "This route disables tools.");
  auto c = base();
  c["tool_choice"] = "required";
  CHECK(plan_err(c, true).status == 422);
  CHECK(plan_ok(base(), true).upstream["tool_choice"] == "none");
}

TEST_CASE("translate_chat keeps the conversation for expansion and assistant refusals") {
  auto b = base();
  b["conversation"] = "conv_1";
  b["messages"].push_back({{"role", "assistant"}, {"content", ""}, {"refusal", "no"}});
  auto up = plan_ok(b).upstream;
  CHECK(up["conversation"] == "conv_1");
  CHECK(up["input"][1]["content"][0] == json{{"type", "refusal"}, {"refusal", "no"}});
  auto bad = base();
  bad["conversation"] = 3;
  CHECK(plan_err(bad).param == "conversation");
}

TEST_CASE("translate_chat gives tool calls without ids a stable call id") {
  auto b = base();
  b["messages"].push_back(
      {{"role", "assistant"},
       {"tool_calls",
        {{{"type", "function"}, {"function", {{"name", "f"}, {"arguments", {{"a", 1}}}}}}}}});
  auto up = plan_ok(b).upstream;
  REQUIRE(up["input"].size() == 2);
  CHECK(up["input"][1]["call_id"] == "call_1");
  CHECK(up["input"][1]["arguments"] == "{\"a\":1}");
}
