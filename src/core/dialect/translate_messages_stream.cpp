// The streaming half of the Messages dialect (see translate_messages.hpp): upstream Responses
// events in, Anthropic Messages events out — message_start and one ping first, then one
// content block per upstream item (text from output_text deltas, thinking from reasoning
// summary deltas when asked for, tool_use with input_json_delta from function-call argument
// deltas), message_delta with the stop reason and usage, message_stop. Items delivered only
// whole at output_item.done still produce their block, exactly once. Stop sequences are
// applied here: text that could be the start of one is held back until it is known not to be.
#include <airelays/json_util.hpp>
#include <airelays/responses.hpp>
#include <airelays/translate_messages.hpp>

#include <algorithm>

namespace airelays::translate_messages {

namespace {

using json_util::string_or_empty;
using nlohmann::json;

std::string event(const char* name, const json& data) {
  return std::string("event: ") + name +
         "\ndata: " + data.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

// The name an item is known by in its events: its id, else its output index.
std::string key_of(const std::string& item_id, const json& data) {
  if (!item_id.empty()) {
    return item_id;
  }
  auto it = data.find("output_index");
  return it != data.end() && it->is_number_integer() ? "#" + std::to_string(it->get<long>()) : "#";
}

// Bytes at the end of `text` that could begin one of `stops` (held back for now).
size_t held_back(const std::string& text, const std::vector<std::string>& stops) {
  size_t held = 0;
  for (const auto& s : stops) {
    for (size_t k = std::min(s.size() - 1, text.size()); k > held; --k) {
      if (text.compare(text.size() - k, k, s, 0, k) == 0) {
        held = k;
        break;
      }
    }
  }
  return held;
}

} // namespace

MessagesStream::MessagesStream(std::string id, Options options)
    : m_id(std::move(id)), m_options(std::move(options)) {}

std::string MessagesStream::start() {
  if (m_started) {
    return {};
  }
  m_started = true;
  json message = {{"id", m_id},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", m_options.model},
                  {"content", json::array()},
                  {"stop_reason", nullptr},
                  {"stop_sequence", nullptr},
                  {"usage", {{"input_tokens", 0}, {"output_tokens", 0}}}};
  return event("message_start", {{"type", "message_start"}, {"message", message}}) +
         event("ping", {{"type", "ping"}});
}

std::string MessagesStream::on_event(const dialect::UpstreamEvent& event) {
  const std::string& type = event.type;
  const json& data = event.data;
  std::string out = start();
  if (type == "response.output_text.delta") {
    std::string key = key_of(string_or_empty(data, "item_id"), data);
    if (std::find(m_text_items.begin(), m_text_items.end(), key) == m_text_items.end()) {
      m_text_items.push_back(key);
    }
    out += on_text(key, string_or_empty(data, "delta"));
  } else if (type == "response.reasoning_summary_text.delta") {
    out += on_thinking(data);
  } else if (type == "response.output_item.added") {
    out += on_item_added(data);
  } else if (type == "response.function_call_arguments.delta") {
    out += on_arguments(data);
  } else if (type == "response.output_item.done") {
    out += on_item_done(data);
  }
  return out;
}

// Once the message has started, every type on_event does not read is "" whatever its data
// (on_unparsed is the default); before that, any event starts it.
bool MessagesStream::ignores_type(std::string_view type) const {
  return m_started && type != "response.output_text.delta" &&
         (type != "response.reasoning_summary_text.delta" || !m_options.thinking) &&
         type != "response.output_item.added" && type != "response.function_call_arguments.delta" &&
         type != "response.output_item.done";
}

std::string MessagesStream::open_block(Block kind, const std::string& key, const json& block) {
  std::string out = close_block();
  m_open = kind;
  m_open_key = key;
  ++m_index;
  return out +
         event("content_block_start",
               {{"type", "content_block_start"}, {"index", m_index}, {"content_block", block}});
}

std::string MessagesStream::close_block() {
  if (m_open == Block::none) {
    return {};
  }
  std::string out;
  if (m_open == Block::text && m_text_sent < m_text.size()) {
    out = event("content_block_delta",
                {{"type", "content_block_delta"},
                 {"index", m_index},
                 {"delta", {{"type", "text_delta"}, {"text", m_text.substr(m_text_sent)}}}});
  }
  m_open = Block::none;
  m_text.clear();
  m_text_sent = 0;
  m_args_sent.clear();
  return out + event("content_block_stop", {{"type", "content_block_stop"}, {"index", m_index}});
}

std::string MessagesStream::on_text(const std::string& key, const std::string& delta) {
  std::string out;
  if (m_open != Block::text || m_open_key != key) {
    out = open_block(Block::text, key, {{"type", "text"}, {"text", ""}});
  }
  m_text += delta;
  size_t stop_at = std::string::npos;
  json stop = nullptr;
  for (const auto& s : m_options.stop_sequences) {
    size_t at = m_text.find(s);
    if (at < stop_at) {
      stop_at = at;
      stop = s;
    }
  }
  size_t upto =
      stop.is_null() ? m_text.size() - held_back(m_text, m_options.stop_sequences) : stop_at;
  if (upto > m_text_sent) {
    out += event(
        "content_block_delta",
        {{"type", "content_block_delta"},
         {"index", m_index},
         {"delta",
          {{"type", "text_delta"}, {"text", m_text.substr(m_text_sent, upto - m_text_sent)}}}});
    m_text_sent = upto;
  }
  if (!stop.is_null()) {
    m_text.resize(upto);
    out += end("stop_sequence", stop, usage_from_responses(json()));
  }
  return out;
}

std::string MessagesStream::on_thinking(const json& data) {
  std::string delta = string_or_empty(data, "delta");
  if (!m_options.thinking || delta.empty()) {
    return {};
  }
  std::string key = key_of(string_or_empty(data, "item_id"), data);
  std::string out;
  if (m_open != Block::thinking || m_open_key != key) {
    out = open_block(Block::thinking, key,
                     {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}});
  }
  return out + event("content_block_delta",
                     {{"type", "content_block_delta"},
                      {"index", m_index},
                      {"delta", {{"type", "thinking_delta"}, {"thinking", delta}}}});
}

std::string MessagesStream::on_item_added(const json& data) {
  auto item = data.find("item");
  if (item == data.end() || string_or_empty(*item, "type") != "function_call") {
    return {};
  }
  std::string call_id = string_or_empty(*item, "call_id");
  m_called_tool = true;
  return open_block(Block::tool, key_of(string_or_empty(*item, "id"), data),
                    {{"type", "tool_use"},
                     {"id", call_id.empty() ? string_or_empty(*item, "id") : call_id},
                     {"name", string_or_empty(*item, "name")},
                     {"input", json::object()}});
}

std::string MessagesStream::on_arguments(const json& data) {
  std::string delta = string_or_empty(data, "delta");
  if (m_open != Block::tool || m_open_key != key_of(string_or_empty(data, "item_id"), data) ||
      delta.empty()) {
    return {};
  }
  m_args_sent += delta;
  return event("content_block_delta",
               {{"type", "content_block_delta"},
                {"index", m_index},
                {"delta", {{"type", "input_json_delta"}, {"partial_json", delta}}}});
}

std::string MessagesStream::on_item_done(const json& data) {
  auto it = data.find("item");
  if (it == data.end() || !it->is_object()) {
    return {};
  }
  const json& item = *it;
  std::string type = string_or_empty(item, "type");
  std::string key = key_of(string_or_empty(item, "id"), data);
  std::string out;
  if (type == "message" &&
      std::find(m_text_items.begin(), m_text_items.end(), key) == m_text_items.end()) {
    std::string text = responses::output_text(json{{"output", json::array({item})}});
    out = text.empty() ? std::string() : on_text(key, text);
  } else if (type == "function_call") {
    if (m_open != Block::tool || m_open_key != key) {
      out = on_item_added(data);
    }
    std::string args = string_or_empty(item, "arguments");
    if (args.empty() && m_args_sent.empty()) {
      args = "{}";
    }
    if (args.size() > m_args_sent.size() && args.compare(0, m_args_sent.size(), m_args_sent) == 0) {
      json delta = {{"item_id", key}, {"delta", args.substr(m_args_sent.size())}};
      out += on_arguments(delta);
    }
  }
  if (!done() && m_open != Block::none && m_open_key == key) {
    out += close_block();
  }
  return out;
}

std::string MessagesStream::on_terminal(const dialect::UpstreamEvent& event) {
  json response = terminal_response(event.data);
  std::string reason = m_called_tool                           ? "tool_use"
                       : responses::hit_length_limit(response) ? "max_tokens"
                                                               : "end_turn";
  std::string out = start();
  return out + end(reason, nullptr,
                   usage_from_responses(response.contains("usage") ? response["usage"] : json()));
}

std::string MessagesStream::end(const std::string& stop_reason, const json& stop_sequence,
                                const json& usage) {
  std::string out = close_block();
  out += event("message_delta",
               {{"type", "message_delta"},
                {"delta", {{"stop_reason", stop_reason}, {"stop_sequence", stop_sequence}}},
                {"usage", usage}});
  out += event("message_stop", {{"type", "message_stop"}});
  succeed();
  return out;
}

std::string MessagesStream::error_event(const api_error::ApiError& error) const {
  return api_error::anthropic_sse_event(error);
}

} // namespace airelays::translate_messages
