// Server-sent events: an incremental parser fed arbitrary byte chunks (network reads split
// events anywhere, even inside "\r\n") and the writer of the events the relay emits.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airelays::sse {

struct Event {
  std::string event; // the "event:" field; empty when absent
  std::string data;  // "data:" lines joined with "\n"
  std::string id;
};

class Parser {
public:
  // Feeds bytes; returns the events completed by them, in order.
  std::vector<Event> feed(std::string_view chunk);
  // At end of stream: the event still pending without its blank line, if any.
  std::optional<Event> finish();

private:
  std::string m_line; // partial line carried between chunks
  bool m_cr = false;  // the previous chunk ended in '\r'
  Event m_current;
  bool m_has_data = false;
  bool m_has_field = false;
  bool m_started = false; // a leading UTF-8 BOM has been checked for
  void take_line(std::vector<Event>& out);
  void feed_bytes(std::string_view chunk, std::vector<Event>& out);
};

// "event: <name>\ndata: <data>\n\n" (event line omitted when name is empty; multi-line data
// becomes several data lines).
std::string format(const Event& e);
// "data: <data>\n\n".
std::string data_only(std::string_view data);

} // namespace airelays::sse
