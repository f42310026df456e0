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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sse::Parser parser;
  auto events = parser.feed(text);
  if (auto last = parser.finish()) {
    events.push_back(*last);
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
