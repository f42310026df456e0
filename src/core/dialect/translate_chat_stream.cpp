// The streaming half of the chat translation (see translate_chat.hpp, reference §5.1.2 with
// DESIGN differences 2 and 3): upstream Responses events in, chat.completion.chunk frames out.
// Function-call arguments are streamed as the upstream produces them (the first delta of a
// call carries its id, type and name); streams that only deliver whole items at
// response.output_item.done (the minimal variant of upstream-contract §4.7) still produce
// every piece of text and every call, exactly once.
#include <airelays/json_util.hpp>
#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>

#include <algorithm>

namespace airelays::translate_chat {

namespace {

using json_util::string_or_empty;

using nlohmann::json;

// Appends j as compact JSON, invalid UTF-8 replaced (the chunks' one serialisation).
void append(std::string& out, const json& j) {
  out += j.dump(-1, ' ', false, json::error_handler_t::replace);
}

long index_of(const json& data) {
  auto it = data.find("output_index");
  return it != data.end() && it->is_number_integer() ? it->get<long>() : -1;
}

// The keys a message item is known by: its id and its output index.
std::vector<std::string> item_keys(const std::string& item_id, long output_index) {
  std::vector<std::string> keys;
  if (!item_id.empty()) {
    keys.push_back(item_id);
  }
  if (output_index >= 0) {
    keys.push_back("#" + std::to_string(output_index));
  }
  return keys;
}

std::string message_text(const json& item) {
  return responses::output_text(json{{"output", json::array({item})}});
}

} // namespace

ChunkStream::ChunkStream(std::string id, const char* object, long created, std::string model,
                         bool include_usage)
    : m_model(std::move(model)), m_id(std::move(id)), m_object(object), m_created(created),
      m_include_usage(include_usage) {}

// The chunk object written as nlohmann would dump it (keys in name order: choices, created,
// id, model, object, usage), without building a tree for the envelope every chunk repeats.
std::string ChunkStream::frame(json choices, json usage) const {
  std::string rendered;
  append(rendered, choices);
  return frame_rendered(rendered, usage);
}

std::string ChunkStream::frame_rendered(std::string_view choices, const json& usage) const {
  std::string c = "{\"choices\":";
  c += choices;
  c += ",\"created\":";
  c += std::to_string(m_created);
  c += ",\"id\":";
  append(c, m_id);
  c += ",\"model\":";
  append(c, m_model);
  c += ",\"object\":";
  append(c, m_object);
  if (!usage.is_null()) {
    c += ",\"usage\":";
    append(c, usage);
  }
  c += '}';
  return sse::data_only(c);
}

std::string ChunkStream::close(const json& response) {
  std::string out;
  if (m_include_usage) { // always, as OpenAI does: zeros when the upstream gave no usage
    auto usage = response.find("usage");
    bool known = usage != response.end() && usage->is_object();
    out = frame(json::array(), usage_from_responses(known ? *usage : json::object()));
  }
  out += sse::data_only("[DONE]");
  succeed();
  return out;
}

std::string ChunkStream::error_event(const api_error::ApiError& error) const {
  return api_error::sse_event(error);
}

ChatStream::ChatStream(std::string id, long created, std::string model, bool include_usage)
    : ChunkStream(std::move(id), "chat.completion.chunk", created, std::move(model),
                  include_usage) {}

// One choice (keys in name order, as nlohmann writes them), serialised without a tree.
std::string ChatStream::chunk(const json& delta, const json& finish_reason) {
  std::string choices = "[{\"delta\":";
  append(choices, delta);
  choices += ",\"finish_reason\":";
  append(choices, finish_reason);
  choices += ",\"index\":0,\"logprobs\":null}]";
  return frame_rendered(choices, nullptr);
}

std::string ChatStream::content(const json& delta, const json& finish_reason) {
  std::string out;
  if (!m_role_sent) {
    m_role_sent = true; // OpenAI streams open with the assistant role
    out = chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
  }
  return out + chunk(delta, finish_reason);
}

std::string ChatStream::on_event(const dialect::UpstreamEvent& event) {
  const std::string& type = event.type;
  const json& data = event.data;
  if (type == "response.created" || type == "response.in_progress") {
    std::string model = data.contains("response") ? string_or_empty(data["response"], "model") : "";
    if (!model.empty() && !m_role_sent) {
      m_model = model;
    }
    return {};
  }
  if (type == "response.output_text.delta") {
    return on_text_delta(data);
  }
  if (type == "response.refusal.delta" && !string_or_empty(data, "delta").empty()) {
    return content({{"refusal", string_or_empty(data, "delta")}});
  }
  if (type == "response.output_item.added") {
    return on_item_added(data);
  }
  if (type == "response.function_call_arguments.delta") {
    return on_arguments_delta(data);
  }
  if (type == "response.output_item.done") {
    return on_item_done(data);
  }
  return {};
}

// Every type on_event reads; the rest are "" whatever their data (on_unparsed is the default).
bool ChatStream::ignores_type(std::string_view type) const {
  return type != "response.created" && type != "response.in_progress" &&
         type != "response.output_text.delta" && type != "response.refusal.delta" &&
         type != "response.output_item.added" && type != "response.function_call_arguments.delta" &&
         type != "response.output_item.done";
}

std::string ChatStream::on_text_delta(const json& data) {
  for (auto& key : item_keys(string_or_empty(data, "item_id"), index_of(data))) {
    if (std::find(m_text_items.begin(), m_text_items.end(), key) == m_text_items.end()) {
      m_text_items.push_back(key);
    }
  }
  std::string delta = string_or_empty(data, "delta");
  return delta.empty() ? std::string() : content({{"content", delta}});
}

std::string ChatStream::on_item_added(const json& data) {
  auto item = data.find("item");
  if (item == data.end() || string_or_empty(*item, "type") != "function_call" ||
      find_call(string_or_empty(*item, "id"), index_of(data))) {
    return {};
  }
  return emit_call_start(*item, index_of(data));
}

ChatStream::ToolCall* ChatStream::find_call(const std::string& item_id, long output_index) {
  for (auto& call : m_calls) {
    bool by_id = !item_id.empty() && !call.item_id.empty();
    if (by_id ? call.item_id == item_id : output_index >= 0 && call.output_index == output_index) {
      return &call;
    }
  }
  return nullptr;
}

std::string ChatStream::emit_call_start(const json& item, long output_index) {
  ToolCall call;
  call.item_id = string_or_empty(item, "id");
  call.output_index = output_index;
  call.index = static_cast<int>(m_calls.size());
  std::string call_id = string_or_empty(item, "call_id");
  if (call_id.empty()) {
    call_id = call.item_id.empty() ? "call_" + std::to_string(call.index) : call.item_id;
  }
  m_calls.push_back(call);
  json tc = {{"index", call.index},
             {"id", call_id},
             {"type", "function"},
             {"function", {{"name", string_or_empty(item, "name")}, {"arguments", ""}}}};
  return content({{"tool_calls", json::array({tc})}});
}

std::string ChatStream::on_arguments_delta(const json& data) {
  ToolCall* call = find_call(string_or_empty(data, "item_id"), index_of(data));
  std::string delta = string_or_empty(data, "delta");
  if (!call || delta.empty()) {
    return {};
  }
  call->arguments_sent += delta;
  json tc = {{"index", call->index}, {"function", {{"arguments", delta}}}};
  return content({{"tool_calls", json::array({tc})}});
}

std::string ChatStream::on_item_done(const json& data) {
  auto it = data.find("item");
  if (it == data.end() || !it->is_object()) {
    return {};
  }
  const json& item = *it;
  long output_index = index_of(data);
  std::string type = string_or_empty(item, "type");
  if (type == "message") {
    for (auto& key : item_keys(string_or_empty(item, "id"), output_index)) {
      if (std::find(m_text_items.begin(), m_text_items.end(), key) != m_text_items.end()) {
        return {}; // its text was streamed already
      }
    }
    std::string text = message_text(item);
    return text.empty() ? std::string() : content({{"content", text}});
  }
  if (type != "function_call") {
    return {};
  }
  std::string out;
  ToolCall* call = find_call(string_or_empty(item, "id"), output_index);
  if (!call) {
    out = emit_call_start(item, output_index);
    call = &m_calls.back();
  }
  std::string final_args = string_or_empty(item, "arguments");
  if (final_args.empty() && call->arguments_sent.empty()) {
    final_args = "{}";
  }
  if (final_args.size() > call->arguments_sent.size() &&
      final_args.compare(0, call->arguments_sent.size(), call->arguments_sent) == 0) {
    std::string rest = final_args.substr(call->arguments_sent.size());
    call->arguments_sent = final_args;
    json tc = {{"index", call->index}, {"function", {{"arguments", rest}}}};
    out += content({{"tool_calls", json::array({tc})}});
  }
  return out;
}

std::string ChatStream::on_terminal(const dialect::UpstreamEvent& event) {
  json response = terminal_response(event.data);
  std::string reason = finish_reason(response); // "length" wins over the calls streamed
  if (reason == "stop" && !m_calls.empty()) {
    reason = "tool_calls";
  }
  return content(json::object(), reason) + close(response);
}

} // namespace airelays::translate_chat
