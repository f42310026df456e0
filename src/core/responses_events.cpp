// The upstream Responses event stream, read (see responses.hpp): which events commit a
// streaming answer, and the final response object rebuilt from the events (§5.4.3). What a
// failure event means for the client is upstream_error's (the one classifier).
#include <airelays/json_util.hpp>
#include <airelays/responses.hpp>
#include <airelays/upstream_error.hpp>

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

// Output-text deltas kept unparsed (an item-less stream needs their text) up to this many
// bytes of data; past it they are parsed for their text, so a long stream's memory stays that
// of its text.
constexpr size_t k_max_unparsed_delta_bytes = 64 * 1024;

bool is_early(std::string_view type) {
  return type == "response.created" || type == "response.in_progress";
}

// Events feed() does nothing with unless they carry a response object.
bool is_inert(std::string_view type) {
  return !is_early(type) && type != "response.output_text.delta" &&
         type != "response.output_item.done" && type != "response.completed" &&
         type != "response.incomplete" && type != "error" && type != "response.failed";
}

// Names of events feed() parses whatever the scan would say: an event so named is either
// what its name says (parsed) or not (then parsed too, to learn what it is).
bool always_parsed(std::string_view name) {
  return name == "response.output_item.done" || name == "response.completed" ||
         name == "response.incomplete" || name == "error" || name == "response.failed";
}

void merge_response(std::optional<json>& into, json& data) {
  auto r = data.find("response");
  if (r == data.end() || !r->is_object()) {
    return;
  }
  json& target = into ? *into : into.emplace(json::object());
  for (auto& [key, value] : r->items()) {
    target[key] = std::move(value);
  }
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

// An event whose data names the same type as its `event:` field (so the type is the same
// whether or not the data parses) and that feed() would ignore is dropped unparsed.
void ResponseAccumulator::feed(sse::Event&& event) {
  if (always_parsed(event.event)) { // named as one it parses anyway: no scan first
    feed(dialect::UpstreamEvent(std::move(event)));
    return;
  }
  dialect::EventPeek top = dialect::peek(event);
  bool named = top.known;
  if (named && is_early(top.type)) {
    m_early_unparsed.push_back(std::move(event.data));
    return;
  }
  if (named && top.type == "response.output_text.delta") {
    m_saw_delta = true;
    if (m_items.empty()) { // else the items are the output: the text is never read
      m_delta_unparsed_bytes += event.data.size();
      m_delta_unparsed.push_back(std::move(event.data));
    }
    if (m_delta_unparsed_bytes > k_max_unparsed_delta_bytes) { // a long answer: bounded memory
      m_delta_text = delta_text();
      m_delta_unparsed.clear();
      m_delta_unparsed_bytes = 0;
    }
    return;
  }
  if (named && !top.has_response && is_inert(top.type)) {
    return;
  }
  feed(dialect::UpstreamEvent(std::move(event)));
}

std::optional<json> ResponseAccumulator::early() const {
  std::optional<json> merged = m_early;
  for (const auto& text : m_early_unparsed) {
    json data = parse_object(text);
    if (data.is_object()) {
      merge_response(merged, data);
    }
  }
  return merged;
}

std::string ResponseAccumulator::delta_text() const {
  std::string text = m_delta_text;
  for (const auto& data : m_delta_unparsed) {
    text += string_or_empty(parse_object(data), "delta");
  }
  return text;
}

void ResponseAccumulator::feed(dialect::UpstreamEvent&& event) {
  json& data = event.data;
  const std::string& type = event.type;
  if (type == "response.output_text.delta") {
    if (!m_delta_unparsed.empty()) { // keep the order of the text
      m_delta_text = delta_text();
      m_delta_unparsed.clear();
      m_delta_unparsed_bytes = 0;
    }
    m_saw_delta = true;
    if (m_items.empty()) {
      m_delta_text += string_or_empty(data, "delta");
    }
    return;
  }
  if (!data.is_object()) {
    return;
  }
  if (event.failure() && !m_failure) {
    m_failure = data; // before the response object is moved out below
  }
  auto r = data.find("response");
  bool has_response = r != data.end() && r->is_object();
  bool early = type == "response.created" || type == "response.in_progress";
  if (has_response && early && !m_early_unparsed.empty()) { // keep the order of the merges
    m_early = this->early();
    m_early_unparsed.clear();
  }
  if (has_response) {
    json& into = early ? (m_early ? *m_early : m_early.emplace(json::object())) : m_response;
    for (auto& [key, value] : r->items()) {
      into[key] = std::move(value); // data is ours: move, the response can be large
    }
    m_saw_response = m_saw_response || !early;
  }
  if (type == "response.output_item.done") {
    auto item = data.find("item");
    auto index = data.find("output_index");
    if (item != data.end() && item->is_object()) {
      long at = index != data.end() && index->is_number_integer()
                    ? index->get<long>()
                    : static_cast<long>(m_items.size());
      m_items[at] = std::move(*item); // data is ours
      // The items are the output from now on: the deltas' text is never read.
      m_delta_text.clear();
      m_delta_unparsed.clear();
      m_delta_unparsed_bytes = 0;
    }
  } else if (event.success()) {
    m_succeeded = true;
    m_terminal_response = has_response;
  }
}

std::variant<json, ApiError> ResponseAccumulator::finish() const {
  return ResponseAccumulator(*this).take();
}

std::variant<json, ApiError> ResponseAccumulator::take() {
  if (!m_succeeded) {
    if (m_failure) {
      return upstream_error::from_event(*m_failure);
    }
    if (!m_saw_response && !early()) {
      return api_error::make(502, "Upstream stream ended without a response payload.");
    }
    return upstream_error::incomplete_stream();
  }
  json out = std::move(m_response);
  m_response = json::object();
  if (auto base = m_terminal_response ? std::nullopt : early()) {
    for (auto& [key, value] : out.items()) { // later keys win over the early snapshots
      (*base)[key] = std::move(value);
    }
    out = std::move(*base);
  }
  if (!m_items.empty()) {
    json items = json::array();
    for (auto& [index, item] : m_items) {
      items.push_back(std::move(item));
    }
    m_items.clear();
    out["output"] = std::move(items);
  } else if ((!out.contains("output") || !out["output"].is_array() || out["output"].empty()) &&
             m_saw_delta) {
    const std::string text = delta_text();
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
