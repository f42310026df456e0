// The part of every stream translation that is the same for all dialects (see dialect.hpp):
// an upstream event parsed once, and the one dispatch of those events into the dialect's
// handlers, with the stream's end (success, failure, or an upstream that stopped early).
#include <airelays/dialect.hpp>
#include <airelays/json_util.hpp>
#include <airelays/upstream_error.hpp>

namespace airelays::dialect {

using nlohmann::json;

namespace {

constexpr const char* k_space = " \t\r\n";

// The end of the JSON string opening at s[at] (one past its quote); npos when unterminated.
size_t string_end(std::string_view s, size_t at, bool& escaped) {
  for (size_t i = at + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      escaped = true;
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Reads the string value after a top-level key ending at `end`; false when it is not one.
bool string_value(std::string_view s, size_t& end, std::string_view& value) {
  size_t v = s.find_first_not_of(k_space, end);
  if (v == std::string_view::npos || s[v] != ':') {
    return false;
  }
  v = s.find_first_not_of(k_space, v + 1);
  bool escaped = false;
  size_t close = v == std::string_view::npos || s[v] != '"' ? v : string_end(s, v, escaped);
  if (close == std::string_view::npos || s[v] != '"' || escaped) {
    return false;
  }
  value = s.substr(v + 1, close - v - 2);
  end = close;
  return true;
}

EventPeek scan_top_level(std::string_view s) {
  EventPeek top;
  size_t i = s.find_first_not_of(k_space);
  if (i == std::string_view::npos || s[i] != '{') {
    return {};
  }
  int depth = 0;
  bool expect_key = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      bool escaped = false;
      size_t end = string_end(s, i, escaped);
      if (end == std::string_view::npos || (depth == 1 && expect_key && escaped)) {
        return {};
      }
      if (depth == 1 && expect_key) {
        std::string_view key = s.substr(i + 1, end - i - 2);
        expect_key = false;
        top.has_response = top.has_response || key == "response";
        if (key == "type" && (!top.type.empty() || !string_value(s, end, top.type))) {
          return {};
        }
      }
      i = end - 1;
    } else if (c == '{' || c == '[') {
      expect_key = ++depth == 1;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        top.known = true;
        return top;
      }
    } else if (c == ',' && depth == 1) {
      expect_key = true;
    }
  }
  return {};
}

} // namespace

EventPeek peek(const sse::Event& event) {
  EventPeek top = scan_top_level(event.data);
  if (!top.known || top.type.empty() || top.type != event.event) {
    return {};
  }
  return top;
}

UpstreamEvent::UpstreamEvent(sse::Event event)
    : raw(std::move(event)), data(json::parse(raw.data, nullptr, false)) {
  if (!data.is_object()) {
    data = json();
  }
  type = json_util::string_or_empty(data, "type");
  if (type.empty()) {
    type = raw.event;
  }
}

std::string EventTranslator::feed(const UpstreamEvent& event) {
  if (m_done) {
    return {};
  }
  if (!event.data.is_object()) {
    return on_unparsed(event);
  }
  if (event.failure()) {
    return on_failure(event);
  }
  return event.success() ? on_terminal(event) : on_event(event);
}

namespace {

// A failure or a terminal: feed() always reads these.
bool ends_stream(std::string_view type) {
  return type == "error" || type == "response.failed" || type == "response.completed" ||
         type == "response.incomplete";
}

} // namespace

bool EventTranslator::ignores(const sse::Event& event) const {
  EventPeek top = peek(event);
  return top.known && !ends_stream(top.type) && ignores_type(top.type);
}

std::optional<std::string> EventTranslator::feed_unparsed(const sse::Event& event) {
  if (ends_stream(event.event)) { // known or not, it would be read: no scan first
    return std::nullopt;
  }
  EventPeek top = peek(event);
  if (!top.known || ends_stream(top.type)) {
    return std::nullopt;
  }
  if (m_done || ignores_type(top.type)) {
    return std::string();
  }
  if (passes_type(top.type)) {
    return sse::format(event);
  }
  return std::nullopt;
}

std::string EventTranslator::on_unparsed(const UpstreamEvent&) { return {}; }

std::string EventTranslator::on_failure(const UpstreamEvent& event) {
  return fail(upstream_error::from_event(event.data));
}

std::string EventTranslator::finish() {
  return m_done ? std::string() : fail(upstream_error::incomplete_stream());
}

std::string EventTranslator::fail(const api_error::ApiError& error) {
  if (m_done) {
    return {};
  }
  m_done = true;
  return error_event(error);
}

json EventTranslator::terminal_response(const json& data) {
  auto it = data.find("response");
  json response = it != data.end() && it->is_object() ? *it : json::object();
  if (json_util::string_or_empty(data, "type") == "response.incomplete" &&
      !response.contains("status")) {
    response["status"] = "incomplete";
  }
  return response;
}

} // namespace airelays::dialect
