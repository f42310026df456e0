// The streaming half of /v1/completions (see translate_completions.hpp): output_text deltas
// become text_completion chunks; a message delivered only whole at output_item.done (the
// minimal upstream variant) is sent once as one chunk; the terminal event becomes the
// finish chunk, the optional usage chunk and [DONE]. Failures as in the chat stream.
#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>
#include <airelays/translate_completions.hpp>

#include <algorithm>

namespace airelays::translate_completions {

namespace {

using nlohmann::json;

std::string str(const json& obj, const char* key) {
  if (!obj.is_object()) {
    return {};
  }
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

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
    : m_id(std::move(id)), m_created(created), m_model(std::move(model)),
      m_include_usage(include_usage) {}

std::string CompletionsStream::chunk(const std::string& text, const json& finish_reason) {
  json c = {{"id", m_id},
            {"object", "text_completion"},
            {"created", m_created},
            {"model", m_model},
            {"choices", json::array({{{"text", text},
                                      {"index", 0},
                                      {"logprobs", nullptr},
                                      {"finish_reason", finish_reason}}})}};
  return sse::data_only(c.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string CompletionsStream::feed(const sse::Event& event) {
  if (m_done) {
    return {};
  }
  json data = json::parse(event.data, nullptr, false);
  if (!data.is_object()) {
    return {};
  }
  std::string type = str(data, "type");
  if (type.empty()) {
    type = event.event;
  }
  if (type == "response.output_text.delta") {
    for (auto& key : item_keys(str(data, "item_id"), data)) {
      if (std::find(m_text_items.begin(), m_text_items.end(), key) == m_text_items.end()) {
        m_text_items.push_back(key);
      }
    }
    std::string delta = str(data, "delta");
    return delta.empty() ? std::string() : chunk(delta, nullptr);
  }
  if (type == "response.output_item.done") {
    return on_item_done(data);
  }
  if (type == "response.completed" || type == "response.incomplete") {
    return on_terminal(data);
  }
  if (type == "error" || type == "response.failed") {
    return fail(responses::failure_error(data));
  }
  return {};
}

std::string CompletionsStream::on_item_done(const json& data) {
  auto item = data.find("item");
  if (item == data.end() || str(*item, "type") != "message") {
    return {};
  }
  for (auto& key : item_keys(str(*item, "id"), data)) {
    if (std::find(m_text_items.begin(), m_text_items.end(), key) != m_text_items.end()) {
      return {};
    }
  }
  std::string text = responses::output_text(json{{"output", json::array({*item})}});
  return text.empty() ? std::string() : chunk(text, nullptr);
}

std::string CompletionsStream::on_terminal(const json& data) {
  json response = data.contains("response") && data["response"].is_object() ? data["response"]
                                                                             : json::object();
  if (str(data, "type") == "response.incomplete" && !response.contains("status")) {
    response["status"] = "incomplete";
  }
  std::string reason = translate_chat::finish_reason(response);
  std::string out = chunk("", reason == "tool_calls" ? "stop" : reason);
  if (m_include_usage && response.contains("usage") && response["usage"].is_object()) {
    json c = {{"id", m_id},
              {"object", "text_completion"},
              {"created", m_created},
              {"model", m_model},
              {"choices", json::array()},
              {"usage", translate_chat::usage_from_responses(response["usage"])}};
    out += sse::data_only(c.dump());
  }
  out += sse::data_only("[DONE]");
  m_done = true;
  m_succeeded = true;
  return out;
}

std::string CompletionsStream::finish() {
  return m_done ? std::string() : fail(responses::incomplete_stream_error());
}

std::string CompletionsStream::fail(const api_error::ApiError& error) {
  if (m_done) {
    return {};
  }
  m_done = true;
  return api_error::sse_event(error);
}

} // namespace airelays::translate_completions
