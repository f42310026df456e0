// Fuzzes sse::Parser differentially: the events must be the same whether the bytes arrive
// whole or split at fuzzer-chosen offsets (the first two bytes pick the split pattern), and
// sse::format of every event must parse back to the same event.
#include <airelays/sse.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

using airelays::sse::Event;
using airelays::sse::Parser;

namespace {

std::vector<Event> run(std::string_view text, size_t step, size_t phase) {
  Parser p;
  std::vector<Event> out;
  size_t at = 0;
  size_t next = phase == 0 ? step : phase;
  while (at < text.size()) {
    size_t n = std::min(next, text.size() - at);
    auto evs = p.feed(text.substr(at, n));
    out.insert(out.end(), evs.begin(), evs.end());
    at += n;
    next = step;
  }
  if (auto last = p.finish()) {
    out.push_back(*last);
  }
  return out;
}

bool same(const std::vector<Event>& a, const std::vector<Event>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id) {
      return false;
    }
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  size_t step = data[0] % 17 + 1;
  size_t phase = data[1] % 29;
  std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  auto whole = run(text, text.size() + 1, 0);
  if (!same(whole, run(text, step, phase)) || !same(whole, run(text, 1, 0))) {
    abort(); // splitting changed the events
  }
  for (const auto& e : whole) {
    // Round trip: names and ids without line breaks survive format → parse unchanged.
    if (e.event.find_first_of("\r\n") != std::string::npos ||
        e.id.find_first_of("\r\n") != std::string::npos) {
      continue;
    }
    auto back = run(airelays::sse::format(e), 1000000, 0);
    if (back.size() != 1 || back[0].data != e.data || back[0].event != e.event) {
      abort();
    }
  }
  return 0;
}
