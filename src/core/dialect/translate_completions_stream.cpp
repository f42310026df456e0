// The streaming half of /v1/completions (see translate_completions.hpp): output_text deltas
// become text_completion chunks; a message delivered only whole at output_item.done (the
// minimal upstream variant) is sent once as one chunk; the terminal event becomes the
// finish chunk, the optional usage chunk and [DONE]. Failures as in the chat stream.
#include <airelays/json_util.hpp>
#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>
#include <airelays/translate_completions.hpp>

#include <algorithm>

namespace airelays::translate_completions {

namespace {

using json_util::string_or_empty;

using nlohmann::json;

std::vector<std::string> item_keys(const std::string& item_id, const json& data) {
  std::vector<std::string> keys;
  if (!item_id.empty()) {
    keys.push_back(item_id);
  }
  if (auto it = data.find("output_index"); it != data.end() && it->is_number_integer()) {
    keys.push_back("#" + std::to_string(it->get<long>()));
  }
  return keys;
}

} // namespace

CompletionsStream::CompletionsStream(std::string id, long created, std::string model,
                                     bool include_usage)
    : ChunkStream(std::move(id), "text_completion", created, std::move(model), include_usage) {}

std::string CompletionsStream::chunk(const std::string& text, const json& finish_reason) {
  return frame(json::array(
      {{{"text", text}, {"index", 0}, {"logprobs", nullptr}, {"finish_reason", finish_reason}}}));
}

std::string CompletionsStream::on_event(const dialect::UpstreamEvent& event) {
  const json& data = event.data;
  if (event.type == "response.output_text.delta") {
    for (auto& key : item_keys(string_or_empty(data, "item_id"), data)) {
      if (std::find(m_text_items.begin(), m_text_items.end(), key) == m_text_items.end()) {
        m_text_items.push_back(key);
      }
    }
    std::string delta = string_or_empty(data, "delta");
    return delta.empty() ? std::string() : chunk(delta, nullptr);
  }
  if (event.type == "response.output_item.done") {
    return on_item_done(data);
  }
  return {};
}

// Every type on_event reads; the rest are "" whatever their data (on_unparsed is the default).
bool CompletionsStream::ignores_type(std::string_view type) const {
  return type != "response.output_text.delta" && type != "response.output_item.done";
}

std::string CompletionsStream::on_item_done(const json& data) {
  auto item = data.find("item");
  if (item == data.end() || string_or_empty(*item, "type") != "message") {
    return {};
  }
  for (auto& key : item_keys(string_or_empty(*item, "id"), data)) {
    if (std::find(m_text_items.begin(), m_text_items.end(), key) != m_text_items.end()) {
      return {};
    }
  }
  std::string text = responses::output_text(json{{"output", json::array({*item})}});
  return text.empty() ? std::string() : chunk(text, nullptr);
}

std::string CompletionsStream::on_terminal(const dialect::UpstreamEvent& event) {
  json response = terminal_response(event.data);
  std::string reason = translate_chat::finish_reason(response);
  return chunk("", reason == "tool_calls" ? "stop" : reason) + close(response);
}

} // namespace airelays::translate_completions
