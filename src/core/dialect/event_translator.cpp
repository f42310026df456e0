// The part of every stream translation that is the same for all dialects (see dialect.hpp):
// an upstream event parsed once, and the one dispatch of those events into the dialect's
// handlers, with the stream's end (success, failure, or an upstream that stopped early).
#include <airelays/dialect.hpp>
#include <airelays/json_util.hpp>
#include <airelays/upstream_error.hpp>

namespace airelays::dialect {

using nlohmann::json;

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
