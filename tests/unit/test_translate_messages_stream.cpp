// translate_messages stream side: the captured upstream streams (text, tool call, minimal)
// become the Messages event stream an Anthropic SDK accumulates into the right message — the
// same bytes however the upstream stream is split — with thinking from reasoning summaries,
// stop sequences cut across deltas, and failures as one Anthropic error event.
#include "xlate_test_data.hpp"

#include <airelays/translate_messages.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

namespace {

std::string translate(const std::string& sse_text, const std::vector<size_t>& cuts,
                      translate_messages::Options options = {"claude-sonnet-5", {}, false}) {
  translate_messages::MessagesStream stream("msg_test", std::move(options));
  std::string out;
  for (const auto& ev : xlate_test::parse_split(sse_text, cuts)) {
    out += stream.feed(ev);
  }
  return out + stream.finish();
}

// What the Anthropic SDK's MessageStream builds from the events.
struct Accumulated {
  std::vector<std::string> names; // event names in order
  json message;
  json error;
};

Accumulated accumulate(const std::string& out) {
  Accumulated a;
  std::vector<std::string> partial;
  for (const auto& ev : xlate_test::parse_all(out)) {
    a.names.push_back(ev.event);
    json d = json::parse(ev.data);
    REQUIRE(d["type"] == ev.event); // the SDK reads the type from the data
    if (ev.event == "message_start") {
      a.message = d["message"];
    } else if (ev.event == "content_block_start") {
      REQUIRE(d["index"] == a.message["content"].size());
      a.message["content"].push_back(d["content_block"]);
      partial.emplace_back();
    } else if (ev.event == "content_block_delta") {
      json& block = a.message["content"][d["index"].get<size_t>()];
      const json& delta = d["delta"];
      if (delta["type"] == "text_delta") {
        block["text"] = block["text"].get<std::string>() + delta["text"].get<std::string>();
      } else if (delta["type"] == "thinking_delta") {
        block["thinking"] =
            block["thinking"].get<std::string>() + delta["thinking"].get<std::string>();
      } else if (delta["type"] == "input_json_delta") {
        partial[d["index"].get<size_t>()] += delta["partial_json"].get<std::string>();
      }
    } else if (ev.event == "content_block_stop") {
      size_t i = d["index"];
      if (a.message["content"][i]["type"] == "tool_use" && !partial[i].empty()) {
        a.message["content"][i]["input"] = json::parse(partial[i]);
      }
    } else if (ev.event == "message_delta") {
      a.message["stop_reason"] = d["delta"]["stop_reason"];
      a.message["stop_sequence"] = d["delta"]["stop_sequence"];
      a.message["usage"] = d["usage"];
    } else if (ev.event == "error") {
      a.error = d;
    }
  }
  return a;
}

} // namespace

TEST_CASE("translate_messages streams a text answer the Anthropic SDK accumulates") {
  auto a = accumulate(translate(xlate_test::read_data("sample_sse_full.txt"), {}));
  REQUIRE(a.names.size() >= 7);
  CHECK(a.names[0] == "message_start");
  CHECK(a.names[1] == "ping");
  CHECK(a.names.back() == "message_stop");
  CHECK(a.message["id"] == "msg_test");
  CHECK(a.message["model"] == "claude-sonnet-5");
  REQUIRE(a.message["content"].size() == 1);
  CHECK(a.message["content"][0] == json{{"type", "text"}, {"text", "Hi there."}});
  CHECK(a.message["stop_reason"] == "end_turn");
  CHECK(a.message["usage"]["output_tokens"].get<long>() > 0);
  CHECK(a.error.is_null());
}

TEST_CASE("translate_messages streams a tool call as tool_use with input_json_delta") {
  std::string text = xlate_test::read_data("sample_sse_tool_call.txt");
  std::string whole = translate(text, {});
  auto a = accumulate(whole);
  REQUIRE(a.message["content"].size() == 1);
  CHECK(a.message["content"][0] == json{{"type", "tool_use"},
                                        {"id", "call_9b22bddebefee4b4a46d1e2b"},
                                        {"name", "exec_command"},
                                        {"input", {{"cmd", "echo hi"}}}});
  CHECK(a.message["stop_reason"] == "tool_use");
  CHECK(a.names.back() == "message_stop");
  for (size_t cut = 1; cut < text.size(); cut += 7) {
    CAPTURE(cut);
    CHECK(translate(text, {cut}) == whole);
  }
}

TEST_CASE("translate_messages streams items delivered only whole, exactly once") {
  auto a = accumulate(translate(xlate_test::read_data("sample_sse_minimal.txt"), {}));
  REQUIRE(a.message["content"].size() == 1);
  CHECK(a.message["content"][0]["type"] == "text");
  CHECK_FALSE(a.message["content"][0]["text"].get<std::string>().empty());
  CHECK(a.names.back() == "message_stop");
}

namespace {

std::string upstream(const std::vector<json>& events) {
  std::string out;
  for (const auto& e : events) {
    out += "event: " + e["type"].get<std::string>() + "\ndata: " + e.dump() + "\n\n";
  }
  return out;
}

json text_delta(const std::string& t) {
  return {{"type", "response.output_text.delta"},
          {"item_id", "msg_1"},
          {"output_index", 1},
          {"delta", t}};
}

json completed() {
  return {{"type", "response.completed"},
          {"response",
           {{"status", "completed"}, {"usage", {{"input_tokens", 10}, {"output_tokens", 3}}}}}};
}

} // namespace

TEST_CASE("translate_messages turns reasoning summaries into a thinking block when asked") {
  std::string text = upstream({{{"type", "response.reasoning_summary_text.delta"},
                                {"item_id", "rs_1"},
                                {"output_index", 0},
                                {"delta", "Pondering."}},
                               {{"type", "response.output_item.done"},
                                {"output_index", 0},
                                {"item", {{"id", "rs_1"}, {"type", "reasoning"}}}},
                               text_delta("Answer."),
                               completed()});
  auto shown = accumulate(translate(text, {}, {"claude-opus-4", {}, true}));
  REQUIRE(shown.message["content"].size() == 2);
  CHECK(shown.message["content"][0]["type"] == "thinking");
  CHECK(shown.message["content"][0]["thinking"] == "Pondering.");
  CHECK(shown.message["content"][1]["text"] == "Answer.");
  auto hidden = accumulate(translate(text, {}, {"claude-opus-4", {}, false}));
  REQUIRE(hidden.message["content"].size() == 1);
  CHECK(hidden.message["content"][0]["text"] == "Answer.");
}

TEST_CASE("translate_messages stops at a stop sequence split across deltas") {
  std::string text =
      upstream({text_delta("Count: one two ST"), text_delta("OP three"), completed()});
  auto a = accumulate(translate(text, {}, {"claude-haiku-4-5", {"STOP"}, false}));
  REQUIRE(a.message["content"].size() == 1);
  CHECK(a.message["content"][0]["text"] == "Count: one two ");
  CHECK(a.message["stop_reason"] == "stop_sequence");
  CHECK(a.message["stop_sequence"] == "STOP");
  CHECK(a.names.back() == "message_stop");
  // A partial match that turns out not to be one is sent after all.
  text = upstream({text_delta("a ST"), text_delta("ILL b"), completed()});
  a = accumulate(translate(text, {}, {"claude-haiku-4-5", {"STOP"}, false}));
  CHECK(a.message["content"][0]["text"] == "a STILL b");
  CHECK(a.message["stop_reason"] == "end_turn");
}

TEST_CASE("translate_messages reports failures as one Anthropic error event") {
  std::string text =
      upstream({text_delta("partial"),
                {{"type", "response.failed"},
                 {"response",
                  {{"error", {{"code", "server_is_overloaded"}, {"message", "Overloaded."}}}}}}});
  auto a = accumulate(translate(text, {}));
  CHECK(a.names.back() == "error");
  CHECK(a.error["type"] == "error");
  CHECK(a.error["error"]["message"] == "Overloaded.");
  CHECK(std::find(a.names.begin(), a.names.end(), "message_stop") == a.names.end());
  // A stream that just ends is an error too, never a clean finish.
  auto cut = accumulate(translate(upstream({text_delta("partial")}), {}));
  CHECK(cut.names.back() == "error");
  CHECK(cut.error["error"]["type"] == "api_error");
}
