// translate_chat result side: the captured upstream streams (text, tool call, minimal) become
// the chat.completion.chunk stream an OpenAI SDK accumulates into the right message — the same
// bytes however the upstream stream is split — and final responses become chat.completion
// objects with mapped usage and finish_reason.
#include "xlate_test_data.hpp"

#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

namespace {

// Runs a stream translator over SSE text split at `cuts`, as the relay does.
std::string translate(const std::string& sse_text, const std::vector<size_t>& cuts,
                      bool include_usage) {
  translate_chat::ChatStream stream("chatcmpl-test", 1700000000, "gpt-5.5", include_usage);
  std::string out;
  for (const auto& ev : xlate_test::parse_split(sse_text, cuts)) {
    out += stream.feed(ev);
  }
  return out + stream.finish();
}

// The data payloads of the frames a client receives.
std::vector<std::string> frames(const std::string& out) {
  std::vector<std::string> data;
  for (const auto& ev : xlate_test::parse_all(out)) {
    data.push_back(ev.data);
  }
  return data;
}

// What the openai SDK's stream accumulator would build from the chunks.
struct Accumulated {
  std::string role, content, finish_reason;
  json tool_calls = json::array();
  json usage;
  bool done = false;
  json error;
};

Accumulated accumulate(const std::string& out) {
  Accumulated a;
  for (const auto& d : frames(out)) {
    if (d == "[DONE]") {
      a.done = true;
      continue;
    }
    json c = json::parse(d);
    if (c.contains("error")) {
      a.error = c["error"];
      continue;
    }
    CHECK(c["object"] == "chat.completion.chunk");
    CHECK(c["id"] == "chatcmpl-test");
    if (c.contains("usage")) {
      a.usage = c["usage"];
    }
    for (const auto& ch : c["choices"]) {
      const json& delta = ch["delta"];
      if (delta.contains("role")) {
        a.role = delta["role"];
      }
      if (delta.contains("content") && delta["content"].is_string()) {
        a.content += delta["content"].get<std::string>();
      }
      for (const auto& tc : delta.value("tool_calls", json::array())) {
        size_t i = tc["index"];
        if (i >= a.tool_calls.size()) {
          REQUIRE(i == a.tool_calls.size()); // indexes are dense and stable
          CHECK(tc.contains("id"));          // id, type and name on the first delta
          CHECK(tc["type"] == "function");
          a.tool_calls.push_back(
              {{"id", tc["id"]}, {"name", tc["function"]["name"]}, {"arguments", ""}});
        }
        a.tool_calls[i]["arguments"] =
            a.tool_calls[i]["arguments"].get<std::string>() + tc["function"].value("arguments", "");
      }
      if (!ch["finish_reason"].is_null()) {
        a.finish_reason = ch["finish_reason"];
      }
    }
  }
  return a;
}

std::string events(std::initializer_list<json> list) {
  std::string out;
  for (const auto& j : list) {
    out += sse::format({j.value("type", ""), j.dump(), ""});
  }
  return out;
}

} // namespace

TEST_CASE("ChatStream turns the captured text stream into role, content, finish, usage, [DONE]") {
  std::string out = translate(xlate_test::read_data("sample_sse_full.txt"), {}, true);
  auto f = frames(out);
  REQUIRE(f.size() == 6);
  auto first = json::parse(f[0]);
  CHECK(first["choices"][0]["delta"] == json{{"role", "assistant"}, {"content", ""}});
  CHECK(json::parse(f[1])["choices"][0]["delta"] == json{{"content", "Hi"}});
  CHECK(json::parse(f[2])["choices"][0]["delta"] == json{{"content", " there."}});
  auto fin = json::parse(f[3]);
  CHECK(fin["choices"][0]["finish_reason"] == "stop");
  CHECK(fin["choices"][0]["delta"] == json::object());
  auto usage = json::parse(f[4]);
  CHECK(usage["choices"] == json::array());
  CHECK(usage["usage"] == json{{"prompt_tokens", 1234},
                               {"completion_tokens", 12},
                               {"total_tokens", 1246},
                               {"prompt_tokens_details", {{"cached_tokens", 1024}}},
                               {"completion_tokens_details", {{"reasoning_tokens", 0}}}});
  CHECK(f[5] == "[DONE]");
  CHECK(first["model"] == "gpt-5.5");
  CHECK(first["created"] == 1700000000);
}

TEST_CASE("ChatStream streams a tool call with a stable index and id and name first") {
  auto a = accumulate(translate(xlate_test::read_data("sample_sse_tool_call.txt"), {}, false));
  CHECK(a.role == "assistant");
  CHECK(a.content.empty());
  REQUIRE(a.tool_calls.size() == 1);
  CHECK(a.tool_calls[0]["id"] == "call_9b22bddebefee4b4a46d1e2b");
  CHECK(a.tool_calls[0]["name"] == "exec_command");
  CHECK(a.tool_calls[0]["arguments"] == "{\"cmd\":\"echo hi\"}");
  CHECK(a.finish_reason == "tool_calls");
  CHECK(a.usage.is_null()); // include_usage was not asked for
  CHECK(a.done);
}

TEST_CASE("ChatStream gives the minimal item-only stream its text exactly once") {
  auto a = accumulate(translate(xlate_test::read_data("sample_sse_minimal.txt"), {}, true));
  CHECK(a.content == "Hi there.");
  CHECK(a.finish_reason == "stop");
  CHECK(a.usage["total_tokens"] == 1246);
  CHECK(a.done);
}

TEST_CASE("ChatStream output is identical whole and split at every byte offset") {
  for (const char* name :
       {"sample_sse_full.txt", "sample_sse_tool_call.txt", "sample_sse_minimal.txt"}) {
    CAPTURE(name);
    std::string text = xlate_test::read_data(name);
    std::string whole = translate(text, {}, true);
    std::vector<size_t> every;
    for (size_t i = 1; i < text.size(); ++i) {
      every.push_back(i);
      if (translate(text, {i}, true) != whole) {
        FAIL("split at " << i << " changed the output");
      }
    }
    CHECK(translate(text, every, true) == whole);
  }
}

TEST_CASE("ChatStream sends a whole function call that only arrives at output_item.done") {
  std::string s = events({{{"type", "response.output_item.done"},
                           {"output_index", 0},
                           {"item",
                            {{"type", "function_call"},
                             {"id", "fc_1"},
                             {"call_id", "call_1"},
                             {"name", "f"},
                             {"arguments", "{\"x\":1}"}}}},
                          {{"type", "response.output_item.done"},
                           {"output_index", 1},
                           {"item",
                            {{"type", "function_call"},
                             {"id", "fc_2"},
                             {"call_id", "call_2"},
                             {"name", "g"},
                             {"arguments", ""}}}},
                          {{"type", "response.completed"}, {"response", {{"id", "r"}}}}});
  auto a = accumulate(translate(s, {}, false));
  REQUIRE(a.tool_calls.size() == 2);
  CHECK(a.tool_calls[0]["arguments"] == "{\"x\":1}");
  CHECK(a.tool_calls[1]["id"] == "call_2");
  CHECK(a.tool_calls[1]["arguments"] == "{}"); // always parseable JSON
  CHECK(a.finish_reason == "tool_calls");
}

TEST_CASE("ChatStream reports length when the upstream stops at the output limit") {
  std::string s = events(
      {{{"type", "response.output_text.delta"}, {"item_id", "m"}, {"delta", "abc"}},
       {{"type", "response.incomplete"},
        {"response",
         {{"status", "incomplete"}, {"incomplete_details", {{"reason", "max_output_tokens"}}}}}}});
  auto a = accumulate(translate(s, {}, false));
  CHECK(a.content == "abc");
  CHECK(a.finish_reason == "length");
  CHECK(a.done);
}

TEST_CASE("ChatStream ends a failed stream with one error event and no [DONE]") {
  std::string s = events({{{"type", "response.output_text.delta"}, {"delta", "partial"}},
                          {{"type", "response.failed"},
                           {"response",
                            {{"error",
                              {{"code", "server_is_overloaded"},
                               {"message", "Our servers are currently overloaded."}}}}}}});
  auto out = translate(s, {}, true);
  auto a = accumulate(out);
  CHECK(!a.done);
  CHECK(a.error["message"] == "Our servers are currently overloaded.");
  CHECK(a.error["code"] == "server_is_overloaded");
  CHECK(frames(out).back().find("\"error\"") != std::string::npos);
}

TEST_CASE("ChatStream treats a stream without a terminal event as a failure") {
  std::string s = events({{{"type", "response.output_text.delta"}, {"delta", "cut"}}});
  auto a = accumulate(translate(s, {}, false));
  CHECK(!a.done);
  CHECK(a.error["code"] == "incomplete_stream");
  CHECK(a.content == "cut");
}

TEST_CASE("ChatStream reports a transport failure once and nothing after the end") {
  translate_chat::ChatStream st("chatcmpl-x", 1, "m", false);
  auto err = st.fail(api_error::make(502, "Upstream connection failed: boom"));
  CHECK(err.find("Upstream connection failed: boom") != std::string::npos);
  CHECK(st.done());
  CHECK(!st.succeeded());
  CHECK(st.fail(api_error::make(502, "again")).empty());
  CHECK(st.finish().empty());
  CHECK(st.feed({"", "{\"type\":\"response.completed\",\"response\":{}}", ""}).empty());
}

TEST_CASE("ChatStream ignores non-JSON data and unknown events") {
  translate_chat::ChatStream st("chatcmpl-x", 1, "m", false);
  CHECK(st.feed({"", "not json", ""}).empty());
  CHECK(st.feed({"codex.rate_limits", "{\"type\":\"codex.rate_limits\"}", ""}).empty());
  CHECK(st.feed({"", "[1,2]", ""}).empty());
  CHECK(!st.done());
}

TEST_CASE("completion_from_response builds chat.completion with mapped usage") {
  auto events_list = xlate_test::parse_all(xlate_test::read_data("sample_sse_full.txt"));
  responses::ResponseAccumulator acc;
  for (const auto& ev : events_list) {
    acc.feed(ev);
  }
  auto r = acc.finish();
  REQUIRE(std::holds_alternative<json>(r));
  auto c =
      translate_chat::completion_from_response(std::get<json>(r), "chatcmpl-1", 42, "fallback");
  CHECK(c["id"] == "chatcmpl-1");
  CHECK(c["object"] == "chat.completion");
  CHECK(c["created"] == 42);
  CHECK(c["model"] == "gpt-5.5");
  CHECK(c["choices"][0]["message"]["content"] == "Hi there.");
  CHECK(c["choices"][0]["message"]["role"] == "assistant");
  CHECK(!c["choices"][0]["message"].contains("tool_calls"));
  CHECK(c["choices"][0]["finish_reason"] == "stop");
  CHECK(c["usage"]["prompt_tokens"] == 1234);
  CHECK(c["usage"]["completion_tokens"] == 12);
  CHECK(c["usage"]["prompt_tokens_details"]["cached_tokens"] == 1024);
}

TEST_CASE("completion_from_response reports tool calls with content null") {
  responses::ResponseAccumulator acc;
  for (const auto& ev : xlate_test::parse_all(xlate_test::read_data("sample_sse_tool_call.txt"))) {
    acc.feed(ev);
  }
  auto c =
      translate_chat::completion_from_response(std::get<json>(acc.finish()), "chatcmpl-2", 1, "m");
  const json& msg = c["choices"][0]["message"];
  CHECK(msg["content"].is_null());
  REQUIRE(msg["tool_calls"].size() == 1);
  CHECK(msg["tool_calls"][0] ==
        json{{"id", "call_9b22bddebefee4b4a46d1e2b"},
             {"type", "function"},
             {"function", {{"name", "exec_command"}, {"arguments", "{\"cmd\":\"echo hi\"}"}}}});
  CHECK(c["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(c["usage"]["total_tokens"] == 520);
}

TEST_CASE("finish_reason and usage mapping") {
  CHECK(translate_chat::finish_reason({{"status", "completed"}}) == "stop");
  CHECK(translate_chat::finish_reason(
            {{"status", "incomplete"},
             {"incomplete_details", {{"reason", "max_output_tokens"}}}}) == "length");
  CHECK(translate_chat::finish_reason(
            {{"status", "incomplete"}, {"incomplete_details", {{"reason", "content_filter"}}}}) ==
        "content_filter");
  CHECK(translate_chat::finish_reason({{"output", {{{"type", "function_call"}}}}}) == "tool_calls");
  CHECK(translate_chat::usage_from_responses(nullptr).is_null());
  auto u = translate_chat::usage_from_responses({{"input_tokens", 3}, {"output_tokens", 2}});
  CHECK(u["total_tokens"] == 5);
  CHECK(u["prompt_tokens_details"]["cached_tokens"] == 0);
  CHECK(u["completion_tokens_details"]["reasoning_tokens"] == 0);
  auto odd = translate_chat::usage_from_responses({{"input_tokens", "many"}});
  CHECK(odd["prompt_tokens"] == 0);
}

TEST_CASE("ChatStream keeps one index per call when the upstream repeats or omits ids") {
  json added = {
      {"type", "response.output_item.added"},
      {"output_index", 0},
      {"item", {{"type", "function_call"}, {"id", "fc_1"}, {"call_id", "call_1"}, {"name", "f"}}}};
  std::string s = events(
      {added,
       added,
       {{"type", "response.function_call_arguments.delta"},
        {"output_index", 0},
        {"delta", "{\"a\""}},
       {{"type", "response.function_call_arguments.delta"}, {"item_id", "fc_1"}, {"delta", ":1}"}},
       {{"type", "response.output_item.done"},
        {"output_index", 0},
        {"item",
         {{"type", "function_call"},
          {"id", "fc_1"},
          {"call_id", "call_1"},
          {"name", "f"},
          {"arguments", "{\"a\":1}"}}}},
       {{"type", "response.completed"}, {"response", {{"id", "r"}}}}});
  auto a = accumulate(translate(s, {}, false));
  REQUIRE(a.tool_calls.size() == 1);
  CHECK(a.tool_calls[0]["arguments"] == "{\"a\":1}");
}

TEST_CASE("ChatStream reports length, not tool_calls, when a call is cut at the output limit") {
  std::string s = events(
      {{{"type", "response.output_item.added"},
        {"output_index", 0},
        {"item",
         {{"type", "function_call"}, {"id", "fc_1"}, {"call_id", "call_1"}, {"name", "f"}}}},
       {{"type", "response.function_call_arguments.delta"},
        {"item_id", "fc_1"},
        {"delta", "{\"a\""}},
       {{"type", "response.incomplete"},
        {"response",
         {{"status", "incomplete"}, {"incomplete_details", {{"reason", "max_output_tokens"}}}}}}});
  auto a = accumulate(translate(s, {}, false));
  REQUIRE(a.tool_calls.size() == 1);
  CHECK(a.finish_reason == "length");
  CHECK(a.done);
}

TEST_CASE("finish_reason is length for an incomplete response even when it called a tool") {
  json r = {{"status", "incomplete"},
            {"incomplete_details", {{"reason", "max_output_tokens"}}},
            {"output", {{{"type", "function_call"}, {"call_id", "c"}, {"name", "f"}}}}};
  CHECK(translate_chat::finish_reason(r) == "length");
  auto c = translate_chat::completion_from_response(r, "chatcmpl-x", 1, "gpt-5.5");
  CHECK(c["choices"][0]["finish_reason"] == "length");
  CHECK(c["choices"][0]["message"]["tool_calls"].size() == 1);
}

TEST_CASE("ChatStream sends a zero usage chunk when asked for usage the upstream did not give") {
  std::string s =
      events({{{"type", "response.output_text.delta"}, {"item_id", "m"}, {"delta", "hi"}},
              {{"type", "response.completed"}, {"response", {{"id", "r"}}}}});
  auto out = translate(s, {}, true);
  auto f = frames(out);
  REQUIRE(f.size() >= 3);
  CHECK(f.back() == "[DONE]");
  auto usage = json::parse(f[f.size() - 2]);
  CHECK(usage["choices"] == json::array());
  CHECK(usage["usage"] == json{{"prompt_tokens", 0},
                               {"completion_tokens", 0},
                               {"total_tokens", 0},
                               {"prompt_tokens_details", {{"cached_tokens", 0}}},
                               {"completion_tokens_details", {{"reasoning_tokens", 0}}}});
  // Not asked for: no usage chunk at all.
  auto plain = accumulate(translate(s, {}, false));
  CHECK(plain.usage.is_null());
  CHECK(plain.done);
}

TEST_CASE("ChatStream: the events it says it ignores give nothing, so the relay need not parse "
          "them") {
  // The captured streams, and events named like ignored ones that are not: a data type other
  // than the name, a second type key, a failure, data that is not JSON.
  std::string odd =
      xlate_test::misnamed_events() +
      "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{}}\n\n";
  for (const std::string& text : {xlate_test::read_data("sample_sse_full.txt"),
                                  xlate_test::read_data("sample_sse_minimal.txt"), odd}) {
    translate_chat::ChatStream all("chatcmpl-test", 1700000000, "gpt-5.5", true);
    translate_chat::ChatStream skipping("chatcmpl-test", 1700000000, "gpt-5.5", true);
    std::string expected;
    std::string got;
    int skipped = 0;
    for (const auto& ev : xlate_test::parse_all(text)) {
      expected += all.feed(ev);
      if (skipping.ignores(ev)) {
        ++skipped;
      } else {
        got += skipping.feed(ev);
      }
    }
    CHECK(got + skipping.finish() == expected + all.finish());
    if (text == odd) {
      CHECK(skipped == 0); // none of them is what its name says
    }
    if (text != odd && text.find("event: response.content_part.added") != std::string::npos) {
      CHECK(skipped > 0); // the captured named events are skipped
    }
  }
}
