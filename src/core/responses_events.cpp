// The upstream Responses event stream, read (see responses.hpp): which events commit a
// streaming answer, what a failure event means for the client (reference §10.2 with DESIGN's
// status decisions), and the final response object rebuilt from the events (§5.4.3).
#include <airelays/json_util.hpp>
#include <airelays/responses.hpp>

#include <cmath>
#include <cstdlib>

namespace airelays::responses {

namespace {

using json_util::string_or_empty;

using api_error::ApiError;
using nlohmann::json;

json parse_object(const std::string& data) {
  json j = json::parse(data, nullptr, false);
  return j.is_object() ? j : json();
}

std::string event_type(const sse::Event& ev, const json& data) {
  std::string type = string_or_empty(data, "type");
  return type.empty() ? ev.event : type;
}

// The error object carried by a failure event's data (reference §10.2).
json error_object(const json& data) {
  if (auto e = data.find("error"); e != data.end() && e->is_object()) {
    return *e;
  }
  if (auto r = data.find("response"); r != data.end() && r->is_object()) {
    if (auto e = r->find("error"); e != r->end() && e->is_object()) {
      return *e;
    }
  }
  json out = json::object();
  for (const char* key : {"code", "message", "param"}) {
    if (auto it = data.find(key); it != data.end()) {
      out[key] = *it;
    }
  }
  if (string_or_empty(out, "message").empty() && string_or_empty(out, "code").empty()) {
    return json();
  }
  return out;
}

bool one_of(const std::string& s, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (s == n) {
      return true;
    }
  }
  return false;
}

int status_for(const std::string& type, const std::string& code, const std::string& param) {
  auto quota = {"usage_limit_reached", "rate_limit_reached", "rate_limit_exceeded",
                "insufficient_quota"};
  if (one_of(type, quota) || one_of(code, quota)) {
    return 429;
  }
  auto invalid = {"context_length_exceeded", "invalid_prompt",        "invalid_value",
                  "unsupported_value",       "unsupported_parameter", "unknown_parameter",
                  "string_above_max_length"};
  if (type == "invalid_request_error" || one_of(code, invalid) || !param.empty()) {
    return 400;
  }
  return 502;
}

// "Please try again in 1.5s." / "in 250ms" → whole seconds, rounded up.
std::optional<long> retry_from_message(const std::string& msg) {
  auto at = msg.find("try again in ");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const char* start = msg.c_str() + at + 13;
  char* end = nullptr;
  double value = std::strtod(start, &end);
  if (end == start || !(value >= 0) || value > 1e7) {
    return std::nullopt;
  }
  if (std::string_view(end).rfind("ms", 0) == 0) {
    value /= 1000.0;
  } else if (*end != 's') {
    return std::nullopt;
  }
  return std::max(1L, static_cast<long>(std::ceil(value)));
}

std::optional<long> retry_after(const json& err) {
  if (auto r = err.find("resets_in_seconds"); r != err.end() && r->is_number()) {
    double v = r->get<double>();
    if (v > 0 && v < 1e9) {
      return static_cast<long>(std::ceil(v));
    }
  }
  return retry_from_message(string_or_empty(err, "message"));
}

} // namespace

EventKind classify(const sse::Event& event) {
  // The backend names every event in its `event:` field: then no JSON parse is needed here
  // (the accumulator or translator parses the data once, right after).
  std::string type = event.event;
  if (type.empty()) {
    json data = parse_object(event.data);
    if (data.is_null()) {
      return EventKind::ignored;
    }
    type = event_type(event, data);
  }
  if (type == "response.created" || type == "response.in_progress") {
    return EventKind::pre_content;
  }
  if (type == "response.completed" || type == "response.incomplete") {
    return EventKind::success;
  }
  if (type == "error" || type == "response.failed") {
    return EventKind::failure;
  }
  return EventKind::content;
}

ApiError failure_error(const json& event_data) {
  json err = event_data.is_object() ? error_object(event_data) : json();
  if (!err.is_object()) {
    return incomplete_stream_error();
  }
  std::string type = string_or_empty(err, "type");
  std::string code = string_or_empty(err, "code");
  std::string param = string_or_empty(err, "param");
  ApiError e = api_error::make(status_for(type, code, param), string_or_empty(err, "message"));
  if (e.message.empty()) {
    e.message = "The upstream response failed.";
  }
  if (!type.empty()) {
    e.type = type;
  }
  if (!code.empty()) {
    e.code = code;
  } else if (e.status == 429 && !type.empty()) {
    e.code = type; // usage_limit_reached arrives as a type only
  }
  if (!param.empty()) {
    e.param = param;
  }
  if (e.status == 429) {
    e.retry_after = retry_after(err);
  }
  e.extras = api_error::upstream_extras(err); // resets_at, plan_type, … of an in-stream limit
  return e;
}

ApiError incomplete_stream_error() {
  return api_error::make(502, "Upstream stream ended before response.completed.",
                         std::string("incomplete_stream"));
}

namespace {

// Events the rebuilt response takes nothing from (items arrive whole in output_item.done):
// skipped by their event: name without parsing their data.
bool unused_by_accumulator(const std::string& name) {
  if (!name.starts_with("response.") || name == "response.output_item.done") {
    return false;
  }
  return name.ends_with(".delta") || name.ends_with(".added") || name.ends_with(".done");
}

} // namespace

void ResponseAccumulator::feed(const sse::Event& event) {
  if (event.event == "response.output_text.delta") {
    m_deltas.push_back(event.data);
    return;
  }
  if (event.event == "response.created" || event.event == "response.in_progress") {
    m_early.push_back(
        event.data); // superseded by the terminal event's response: parsed only without one
    return;
  }
  if (unused_by_accumulator(event.event)) {
    return;
  }
  json data = parse_object(event.data);
  if (data.is_null()) {
    return;
  }
  std::string type = event_type(event, data);
  if ((type == "error" || type == "response.failed") && !m_failure) {
    m_failure = data; // before the response object is moved out below
  }
  if (auto r = data.find("response"); r != data.end() && r->is_object()) {
    m_saw_response = true;
    for (auto& [key, value] : r->items()) {
      m_response[key] = std::move(value); // data is ours: move, the response can be large
    }
  }
  if (type == "response.output_item.done") {
    auto item = data.find("item");
    auto index = data.find("output_index");
    if (item != data.end() && item->is_object()) {
      long at = index != data.end() && index->is_number_integer()
                    ? index->get<long>()
                    : static_cast<long>(m_items.size());
      m_items[at] = std::move(*item); // data is ours
    }
  } else if (type == "response.output_text.delta") { // an event without its event: name
    m_deltas.push_back(event.data);
  } else if (type == "response.completed" || type == "response.incomplete") {
    m_succeeded = true;
    m_terminal_response = data.contains("response") && data["response"].is_object();
  }
}

std::optional<json> ResponseAccumulator::early_response() const {
  std::optional<json> merged;
  for (const auto& raw : m_early) {
    json data = parse_object(raw);
    if (auto r = data.find("response"); r != data.end() && r->is_object()) {
      if (!merged) {
        merged = json::object();
      }
      for (auto& [key, value] : r->items()) {
        (*merged)[key] = std::move(value);
      }
    }
  }
  return merged;
}

std::variant<json, ApiError> ResponseAccumulator::finish() const {
  if (!m_succeeded) {
    if (m_failure) {
      return failure_error(*m_failure);
    }
    if (!m_saw_response && !early_response()) {
      return api_error::make(502, "Upstream stream ended without a response payload.");
    }
    return incomplete_stream_error();
  }
  json out = m_response;
  if (auto base = m_terminal_response ? std::nullopt : early_response()) {
    for (auto& [key, value] : out.items()) { // later keys win over the early snapshots
      (*base)[key] = std::move(value);
    }
    out = std::move(*base);
  }
  if (!m_items.empty()) {
    json items = json::array();
    for (const auto& [index, item] : m_items) {
      items.push_back(item);
    }
    out["output"] = std::move(items);
  } else if ((!out.contains("output") || !out["output"].is_array() || out["output"].empty()) &&
             !m_deltas.empty()) {
    std::string text;
    for (const auto& d : m_deltas) {
      text += string_or_empty(parse_object(d), "delta");
    }
    out["output"] = json::array({{{"type", "message"},
                                  {"role", "assistant"},
                                  {"status", "completed"},
                                  {"content", json::array({{{"type", "output_text"},
                                                            {"text", text},
                                                            {"annotations", json::array()}}})}}});
  }
  if (!out.contains("object")) {
    out["object"] = "response";
  }
  if (!out.contains("output") || !out["output"].is_array()) {
    out["output"] = json::array();
  }
  return out;
}

std::string output_text(const json& response) {
  std::string text;
  auto output = response.is_object() ? response.find("output") : response.end();
  if (!response.is_object() || output == response.end() || !output->is_array()) {
    return text;
  }
  for (const auto& item : *output) {
    if (string_or_empty(item, "type") != "message") {
      continue;
    }
    auto content = item.find("content");
    if (content == item.end() || !content->is_array()) {
      continue;
    }
    for (const auto& part : *content) {
      if (string_or_empty(part, "type") == "output_text") {
        text += string_or_empty(part, "text");
      }
    }
  }
  return text;
}

std::vector<json> function_calls(const json& response) {
  std::vector<json> calls;
  if (!response.is_object()) {
    return calls;
  }
  auto output = response.find("output");
  if (output == response.end() || !output->is_array()) {
    return calls;
  }
  for (const auto& item : *output) {
    if (string_or_empty(item, "type") == "function_call") {
      calls.push_back(item);
    }
  }
  return calls;
}

bool hit_length_limit(const json& response) {
  if (string_or_empty(response, "status") != "incomplete") {
    return false;
  }
  auto details = response.find("incomplete_details");
  std::string reason =
      details != response.end() ? string_or_empty(*details, "reason") : std::string();
  return reason.empty() || reason == "max_output_tokens" || reason == "max_tokens";
}

} // namespace airelays::responses
