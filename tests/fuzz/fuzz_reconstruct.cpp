// Fuzzes the non-stream path: arbitrary upstream SSE → ResponseAccumulator → the response
// object or an error, then chat.completion and text_completion built from it. Every ending
// is a JSON object or an ApiError with a 4xx/5xx status; nothing throws.
#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>
#include <airelays/translate_completions.hpp>

#include <cstdint>
#include <cstdlib>

using nlohmann::json;
using namespace airelays;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sse::Parser parser;
  auto events = parser.feed(text);
  if (auto last = parser.finish()) {
    events.push_back(*last);
  }
  responses::ResponseAccumulator acc;
  for (const auto& ev : events) {
    (void)responses::classify(ev);
    acc.feed(ev);
  }
  auto r = acc.finish();
  if (auto* e = std::get_if<api_error::ApiError>(&r)) {
    if (e->status < 400 || e->message.empty()) {
      abort();
    }
    (void)api_error::sse_event(*e);
    return 0;
  }
  const json& resp = std::get<json>(r);
  if (!resp.is_object() || !resp["output"].is_array()) {
    abort();
  }
  auto chat = translate_chat::completion_from_response(resp, "chatcmpl-f", 1, "m");
  auto comp = translate_completions::completion_from_response(resp, "cmpl-f", 1, "m");
  (void)chat.dump();
  (void)comp.dump();
  (void)resp.dump();
  return 0;
}
