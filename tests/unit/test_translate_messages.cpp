// translate_messages request and result sides: a golden Messages body (tests/data/
// messages_tool_loop.json) must become exactly the Responses request the backend gets, with
// every dropped parameter disclosed; the request Claude Code 2.1.332 really sends (captured in
// tests/data/) must translate; claude-* names map by family; final responses become one
// Anthropic `message`; errors render in Anthropic's shape.
#include "xlate_test_data.hpp"

#include <airelays/api_error.hpp>
#include <airelays/translate_messages.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

namespace {

const translate_messages::ModelMap k_map{"gpt-opus-like", "gpt-sonnet-like", "gpt-haiku-like"};

translate_messages::MessagesPlan plan_ok(const json& body) {
  auto r = translate_messages::plan_request(body, k_map);
  if (auto* err = std::get_if<api_error::ApiError>(&r)) {
    FAIL("unexpected error " << err->status << ": " << err->message);
  }
  auto plan = std::get<translate_messages::MessagesPlan>(r);
  plan.upstream = xlate_test::as_sent(plan.upstream);
  return plan;
}

api_error::ApiError plan_err(const json& body) {
  auto r = translate_messages::plan_request(body, k_map);
  REQUIRE(std::holds_alternative<api_error::ApiError>(r));
  return std::get<api_error::ApiError>(r);
}

json base() {
  return {{"model", "claude-sonnet-5"},
          {"max_tokens", 100},
          {"messages", {{{"role", "user"}, {"content", "hi"}}}}};
}

const json* find_item(const json& input, const std::string& type) {
  for (const auto& item : input) {
    if (item["type"] == type) {
      return &item;
    }
  }
  return nullptr;
}

} // namespace

TEST_CASE("translate_messages matches the golden upstream request") {
  json golden = xlate_test::read_json("messages_tool_loop.json");
  translate_messages::ModelMap map{"gpt-6-astra", "gpt-6.1-sol", "gpt-6-luna"};
  auto r = translate_messages::plan_request(golden["request"], map);
  REQUIRE(std::holds_alternative<translate_messages::MessagesPlan>(r));
  auto& plan = std::get<translate_messages::MessagesPlan>(r);
  plan.upstream = xlate_test::as_sent(plan.upstream);
  CHECK(plan.upstream == golden["upstream"]);
  if (plan.upstream != golden["upstream"]) {
    MESSAGE("got: " << plan.upstream.dump(1));
  }
  CHECK(json(plan.ignored) == golden["ignored"]);
  CHECK(plan.stream);
  CHECK(plan.options.model == "claude-sonnet-5");
  CHECK(plan.options.stop_sequences == std::vector<std::string>{"END"});
  CHECK(plan.options.thinking);
}

TEST_CASE("translate_messages translates the request Claude Code 2.1.332 sends") {
  json captured = xlate_test::read_json("claude_code_2.1.332_tool_result_request.json")["request"];
  auto plan = plan_ok(captured);
  const json& up = plan.upstream;
  CHECK(up["model"] == "gpt-opus-like"); // claude-opus-5-5
  CHECK(plan.stream);
  std::string instructions = up["instructions"];
  CHECK(instructions.find("x-anthropic-billing-header") == std::string::npos);
  CHECK(instructions.find("Claude agent") != std::string::npos);
  const json* dev = nullptr;
  for (const auto& item : up["input"]) {
    if (item["type"] == "message" && item["role"] == "developer") {
      dev = &item;
    }
  }
  REQUIRE(dev != nullptr); // the system role inside messages
  const json* call = find_item(up["input"], "function_call");
  const json* output = find_item(up["input"], "function_call_output");
  REQUIRE(call != nullptr);
  REQUIRE(output != nullptr);
  CHECK((*call)["call_id"] == "toolu_01");
  CHECK((*call)["name"] == "Read");
  CHECK(json::parse((*call)["arguments"].get<std::string>())["file_path"] ==
        "/tmp/msgcap/work/notes.txt");
  CHECK((*output)["call_id"] == "toolu_01");
  CHECK((*output)["output"].get<std::string>().find("secret-content-42") != std::string::npos);
  CHECK(up["tools"].size() == 11); // the deferred placeholder is not offered
  for (const auto& t : up["tools"]) {
    CHECK(t["type"] == "function");
    CHECK_FALSE(t["parameters"].contains("$schema"));
  }
  CHECK(up["reasoning"] == json{{"effort", "medium"}}); // output_config.effort; display omitted
  CHECK(up["store"] == false);
  CHECK(up["prompt_cache_key"] == "f5816fd7-6cca-449c-a3f3-88f3f32f2343"); // its session
  for (const char* name : {"max_tokens", "context_management", "cache_control"}) {
    CAPTURE(name);
    CHECK(std::find(plan.ignored.begin(), plan.ignored.end(), name) != plan.ignored.end());
  }
}

TEST_CASE("translate_messages maps claude-* names by family and keeps other names") {
  CHECK(translate_messages::map_model("claude-opus-4-1-20250805", k_map) == "gpt-opus-like");
  CHECK(translate_messages::map_model("claude-3-5-haiku-latest", k_map) == "gpt-haiku-like");
  CHECK(translate_messages::map_model("claude-sonnet-5", k_map) == "gpt-sonnet-like");
  CHECK(translate_messages::map_model("claude-next", k_map) == "gpt-sonnet-like");
  CHECK(translate_messages::map_model("gpt-5.5", k_map) == "gpt-5.5");
}

TEST_CASE("translate_messages maps effort, thinking budgets and tool choices") {
  json b = base();
  b["output_config"] = {{"effort", "max"}};
  CHECK(plan_ok(b).upstream["reasoning"] == json{{"effort", "xhigh"}});
  b.erase("output_config");
  b["thinking"] = {{"type", "enabled"}, {"budget_tokens", 2000}};
  CHECK(plan_ok(b).upstream["reasoning"] == json{{"effort", "low"}, {"summary", "auto"}});
  b["thinking"] = {{"type", "disabled"}};
  CHECK_FALSE(plan_ok(b).upstream.contains("reasoning"));
  b = base();
  b["tools"] = {{{"name", "f"}, {"input_schema", {{"type", "object"}}}}};
  CHECK(plan_ok(b).upstream["tool_choice"] == "auto");
  b["tool_choice"] = {{"type", "tool"}, {"name", "f"}};
  CHECK(plan_ok(b).upstream["tool_choice"] == json{{"type", "function"}, {"name", "f"}});
  b["tool_choice"] = {{"type", "none"}};
  CHECK(plan_ok(b).upstream["tool_choice"] == "none");
}

TEST_CASE("translate_messages turns documents into input files and text") {
  json b = base();
  b["messages"][0]["content"] = {
      {{"type", "document"},
       {"source", {{"type", "base64"}, {"media_type", "application/pdf"}, {"data", "JVBERi0="}}}},
      {{"type", "document"},
       {"source", {{"type", "text"}, {"media_type", "text/plain"}, {"data", "plain words"}}}}};
  json content = plan_ok(b).upstream["input"][0]["content"];
  CHECK(content[0] == json{{"type", "input_file"},
                           {"filename", "document.pdf"},
                           {"file_data", "data:application/pdf;base64,JVBERi0="}});
  CHECK(content[1] == json{{"type", "input_text"}, {"text", "plain words"}});
}

TEST_CASE("translate_messages rejects malformed bodies with 400 naming the parameter") {
  json b = base();
  b.erase("model");
  CHECK(plan_err(b).param == "model");
  b = base();
  b["messages"] = json::array();
  CHECK(plan_err(b).param == "messages");
  b = base();
  b["messages"][0]["role"] = "tool";
  CHECK(plan_err(b).param == "messages[0].role");
  b = base();
  b["messages"][0]["content"] = {{{"type", "tool_result"}}};
  CHECK(plan_err(b).param == "messages[0].content[0].tool_use_id");
  b = base();
  b["stop_sequences"] = "END";
  auto e = plan_err(b);
  CHECK(e.status == 400);
  CHECK(e.param == "stop_sequences");
}

TEST_CASE("translate_messages builds one message from a final response") {
  json response = {
      {"status", "completed"},
      {"output",
       {{{"type", "reasoning"}, {"summary", {{{"type", "summary_text"}, {"text", "Hmm."}}}}},
        {{"type", "message"}, {"content", {{{"type", "output_text"}, {"text", "Let me look."}}}}},
        {{"type", "function_call"},
         {"call_id", "call_1"},
         {"name", "Read"},
         {"arguments", R"({"file_path":"/x"})"}}}},
      {"usage",
       {{"input_tokens", 100},
        {"input_tokens_details", {{"cached_tokens", 60}}},
        {"output_tokens", 7}}}};
  translate_messages::Options options{"claude-sonnet-5", {}, true};
  json m = translate_messages::message_from_response(response, "msg_1", options);
  CHECK(m["type"] == "message");
  CHECK(m["model"] == "claude-sonnet-5");
  CHECK(m["stop_reason"] == "tool_use");
  REQUIRE(m["content"].size() == 3);
  CHECK(m["content"][0]["type"] == "thinking");
  CHECK(m["content"][1] == json{{"type", "text"}, {"text", "Let me look."}});
  CHECK(m["content"][2] == json{{"type", "tool_use"},
                                {"id", "call_1"},
                                {"name", "Read"},
                                {"input", {{"file_path", "/x"}}}});
  CHECK(m["usage"] == json{{"input_tokens", 40},
                           {"cache_creation_input_tokens", 0},
                           {"cache_read_input_tokens", 60},
                           {"output_tokens", 7}});
}

TEST_CASE("translate_messages applies stop sequences and reports the output limit") {
  json response = {{"status", "completed"},
                   {"output",
                    {{{"type", "message"},
                      {"content", {{{"type", "output_text"}, {"text", "one two END three"}}}}}}}};
  translate_messages::Options options{"claude-haiku-4-5", {"END"}, false};
  json m = translate_messages::message_from_response(response, "msg_1", options);
  CHECK(m["content"][0]["text"] == "one two ");
  CHECK(m["stop_reason"] == "stop_sequence");
  CHECK(m["stop_sequence"] == "END");
  response["status"] = "incomplete";
  response["incomplete_details"] = {{"reason", "max_output_tokens"}};
  options.stop_sequences.clear();
  CHECK(translate_messages::message_from_response(response, "m", options)["stop_reason"] ==
        "max_tokens");
}

TEST_CASE("translate_messages estimates input tokens") {
  json b = base();
  b.erase("max_tokens");
  auto small = translate_messages::count_tokens(b, k_map);
  REQUIRE(std::holds_alternative<json>(small));
  b["messages"][0]["content"] = std::string(4000, 'a');
  auto large = translate_messages::count_tokens(b, k_map);
  REQUIRE(std::holds_alternative<json>(large));
  long n = std::get<json>(large)["input_tokens"];
  CHECK(n > 1000);
  CHECK(n < 1100);
  CHECK(std::get<json>(small)["input_tokens"].get<long>() < 50);
}

TEST_CASE("api_error renders Anthropic's error shape for /v1/messages paths") {
  auto e = api_error::make(429, "Slow down.", std::string("usage_limit_reached"));
  json body = json::parse(api_error::anthropic_body(e));
  CHECK(body == json{{"type", "error"},
                     {"error", {{"type", "rate_limit_error"}, {"message", "Slow down."}}}});
  CHECK(api_error::shape_for_path("/v1/messages") == api_error::Shape::anthropic);
  CHECK(api_error::shape_for_path("/v1/messages/count_tokens") == api_error::Shape::anthropic);
  CHECK(api_error::shape_for_path("/v1/chat/completions") == api_error::Shape::openai);
  CHECK(api_error::anthropic_type(401) == "authentication_error");
  CHECK(api_error::anthropic_type(503) == "overloaded_error");
  CHECK(api_error::anthropic_type(502) == "api_error");
  CHECK(api_error::anthropic_sse_event(e).rfind("event: error\ndata: {", 0) == 0);
}
