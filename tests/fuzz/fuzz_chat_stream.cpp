// Fuzzes the chat and completions stream translators with arbitrary upstream SSE (seeded with
// the captured streams, so mutations produce random event sequences). Invariants a client
// relies on: every frame is JSON or [DONE]; the stream ends with exactly one of [DONE] (after
// a finish chunk) or one error event; nothing follows the end; tool-call indexes are dense.
#include <airelays/translate_chat.hpp>
#include <airelays/translate_completions.hpp>

#include <cstdint>
#include <cstdlib>

using nlohmann::json;
using namespace airelays;

namespace {

void check_output(const std::string& out, bool succeeded) {
  sse::Parser p;
  auto frames = p.feed(out);
  if (p.finish()) {
    abort(); // a frame without its blank line
  }
  size_t ends = 0;
  size_t next_tool = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    const std::string& d = frames[i].data;
    if (ends > 0) {
      abort(); // something after [DONE] or the error
    }
    if (d == "[DONE]") {
      ++ends;
      continue;
    }
    json c = json::parse(d, nullptr, false);
    if (!c.is_object()) {
      abort();
    }
    if (c.contains("error")) {
      ++ends;
      continue;
    }
    for (const auto& ch : c["choices"]) {
      if (!ch.contains("delta")) {
        continue;
      }
      auto tcs = ch["delta"].find("tool_calls");
      if (tcs != ch["delta"].end()) {
        size_t idx = (*tcs)[0]["index"].get<size_t>();
        if (idx > next_tool) {
          abort();
        }
        next_tool = std::max(next_tool, idx + 1);
      }
    }
  }
  if (ends != 1 || (succeeded != (frames.back().data == "[DONE]"))) {
    abort();
  }
}

} // namespace

// Structured mode (first byte 0x01): each following byte is one well-formed upstream event,
// so the fuzzer explores event orders (duplicates, missing ids, deltas after done, …) rather
// than JSON syntax.
sse::Event make_event(uint8_t b) {
  int k = (b >> 4) % 3;
  std::string fc = "fc_" + std::to_string(k);
  json item_fc = {{"type", "function_call"},
                  {"id", fc},
                  {"call_id", "call_" + std::to_string(k)},
                  {"name", "f"},
                  {"arguments", "{\"a\":1}"}};
  json d;
  switch (b % 10) {
  case 0:
    d = {{"type", "response.created"}, {"response", {{"model", "m2"}}}};
    break;
  case 1:
    d = {{"type", "response.output_text.delta"},
         {"item_id", "msg_" + std::to_string(k)},
         {"output_index", k},
         {"delta", "x"}};
    break;
  case 2:
    item_fc["arguments"] = "";
    d = {{"type", "response.output_item.added"}, {"output_index", k}, {"item", item_fc}};
    break;
  case 3:
    d = {{"type", "response.function_call_arguments.delta"},
         {"output_index", k},
         {"delta", "{\"a\""}};
    if (b & 0x80) {
      d["item_id"] = fc;
    }
    break;
  case 4:
    d = {{"type", "response.output_item.done"}, {"output_index", k}, {"item", item_fc}};
    break;
  case 5:
    d = {{"type", "response.output_item.done"},
         {"output_index", k},
         {"item",
          {{"type", "message"},
           {"id", "msg_" + std::to_string(k)},
           {"content", {{{"type", "output_text"}, {"text", "t"}}}}}}};
    break;
  case 6:
    d = {{"type", "response.completed"},
         {"response", {{"usage", {{"input_tokens", 1}, {"output_tokens", 2}}}}}};
    break;
  case 7:
    d = {{"type", "response.incomplete"},
         {"response", {{"incomplete_details", {{"reason", "max_output_tokens"}}}}}};
    break;
  case 8:
    d = {{"type", "response.failed"},
         {"response", {{"error", {{"code", "server_is_overloaded"}, {"message", "busy"}}}}}};
    break;
  default:
    d = {{"type", "error"}, {"code", "rate_limit_exceeded"}, {"message", "try again in 20ms"}};
    break;
  }
  return {b & 0x40 ? std::string() : d["type"].get<std::string>(), d.dump(), ""};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<sse::Event> events;
  if (size > 0 && data[0] == 0x01) {
    for (size_t i = 1; i < size; ++i) {
      events.push_back(make_event(data[i]));
    }
  } else {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    sse::Parser parser;
    events = parser.feed(text);
    if (auto last = parser.finish()) {
      events.push_back(*last);
    }
  }
  translate_chat::ChatStream chat("chatcmpl-f", 1, "m", size % 2 == 0);
  translate_completions::CompletionsStream comp("cmpl-f", 1, "m", size % 3 == 0);
  std::string chat_out, comp_out;
  for (const auto& ev : events) {
    chat_out += chat.feed(ev);
    comp_out += comp.feed(ev);
  }
  chat_out += chat.finish();
  comp_out += comp.finish();
  if (!chat.done() || !comp.done()) {
    abort();
  }
  check_output(chat_out, chat.succeeded());
  check_output(comp_out, comp.succeeded());
  return 0;
}
