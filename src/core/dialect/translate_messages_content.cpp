// Messages content → Responses input (see translate_messages.hpp). A user turn's text, image
// and document blocks become one user message; its tool_result blocks become
// function_call_output items, in order; an assistant turn's text becomes an assistant message
// and its tool_use blocks function_call items (arguments as JSON text). A `system` role inside
// `messages` (Claude Code sends one after the first user turn) becomes a developer message at
// its place. Thinking blocks from an earlier answer are not sent back: the backend's reasoning
// is not replayable from a summary.
#include "translate_messages_content.hpp"

#include <airelays/json_util.hpp>
#include <airelays/packed_items.hpp>

namespace airelays::translate_messages {

namespace {

using api_error::ApiError;
using json_util::string_or_empty;
using nlohmann::json;

// Claude Code's first system block is a billing marker for Anthropic's servers, not a prompt.
bool is_billing_marker(const std::string& text) {
  return text.rfind("x-anthropic-billing-header:", 0) == 0;
}

struct Turn {
  std::string role; // user, assistant, developer
  std::string param;
  Converted& out;
  json parts = json::array(); // content of the message being gathered

  void flush() {
    if (!parts.empty()) {
      out.push({{"type", "message"}, {"role", role}, {"content", std::move(parts)}});
      parts = json::array();
    }
  }
  void text(std::string t) {
    parts.push_back(
        {{"type", role == "assistant" ? "output_text" : "input_text"}, {"text", std::move(t)}});
  }
};

std::variant<json, ApiError> source_part(const json& block, const std::string& param) {
  std::string type = string_or_empty(block, "type");
  auto src = block.find("source");
  if (src == block.end() || !src->is_object()) {
    return api_error::bad_request("`" + type + "` blocks need a `source` object.",
                                  param + ".source");
  }
  std::string kind = string_or_empty(*src, "type");
  std::string media = string_or_empty(*src, "media_type");
  if (type == "document" && kind == "text") {
    return json{{"type", "input_text"}, {"text", string_or_empty(*src, "data")}};
  }
  if (kind == "base64") {
    std::string uri = "data:" + media + ";base64," + string_or_empty(*src, "data");
    if (type == "image") {
      return json{{"type", "input_image"}, {"image_url", uri}, {"detail", "auto"}};
    }
    std::string name = string_or_empty(block, "title");
    return json{{"type", "input_file"},
                {"filename", name.empty() ? "document.pdf" : name},
                {"file_data", uri}};
  }
  if (kind == "url") {
    std::string url = string_or_empty(*src, "url");
    if (type == "image") {
      return json{{"type", "input_image"}, {"image_url", url}, {"detail", "auto"}};
    }
    return json{{"type", "input_file"}, {"file_url", url}};
  }
  return api_error::bad_request("Unsupported `source.type` for a " + type + " block.",
                                param + ".source.type");
}

// A tool_result's content: its text, or input parts when it carries images.
std::variant<json, ApiError> tool_output(const json& block, const std::string& param) {
  auto c = block.find("content");
  auto is_error = block.find("is_error");
  std::string prefix =
      is_error != block.end() && is_error->is_boolean() && is_error->get<bool>() ? "Error: " : "";
  if (c == block.end() || c->is_null()) {
    return json(prefix);
  }
  if (c->is_string()) {
    return json(prefix + c->get<std::string>());
  }
  if (!c->is_array()) {
    return api_error::bad_request("`content` must be a string or an array.", param + ".content");
  }
  std::string text = prefix;
  json parts = json::array();
  for (size_t i = 0; i < c->size(); ++i) {
    const json& b = (*c)[i];
    std::string type = string_or_empty(b, "type");
    if (type == "text") {
      text += (text.empty() || text == prefix ? "" : "\n") + string_or_empty(b, "text");
    } else if (type == "image" || type == "document") {
      auto part = source_part(b, param + ".content[" + std::to_string(i) + "]");
      if (auto* e = std::get_if<ApiError>(&part)) {
        return *e;
      }
      parts.push_back(std::get<json>(std::move(part)));
    }
  }
  if (parts.empty()) {
    return json(text);
  }
  parts.insert(parts.begin(), json{{"type", "input_text"}, {"text", text}});
  return parts;
}

std::optional<ApiError> tool_use(Turn& turn, const json& block) {
  std::string id = string_or_empty(block, "id");
  std::string name = string_or_empty(block, "name");
  if (id.empty() || name.empty()) {
    return api_error::bad_request("`tool_use` blocks need an `id` and a `name`.", turn.param);
  }
  auto input = block.find("input");
  json args = input != block.end() && input->is_object() ? *input : json::object();
  turn.flush();
  turn.out.push({{"type", "function_call"},
                 {"call_id", id},
                 {"name", name},
                 {"arguments", args.dump(-1, ' ', false, json::error_handler_t::replace)}});
  return std::nullopt;
}

std::optional<ApiError> tool_result(Turn& turn, const json& block, const std::string& param) {
  std::string id = string_or_empty(block, "tool_use_id");
  if (id.empty()) {
    return api_error::bad_request("`tool_result` blocks need a `tool_use_id`.",
                                  param + ".tool_use_id");
  }
  auto output = tool_output(block, param);
  if (auto* e = std::get_if<ApiError>(&output)) {
    return *e;
  }
  turn.flush();
  turn.out.push({{"type", "function_call_output"},
                 {"call_id", id},
                 {"output", std::get<json>(std::move(output))}});
  return std::nullopt;
}

std::optional<ApiError> block(Turn& turn, const json& b, const std::string& param) {
  if (!b.is_object()) {
    return api_error::bad_request("Content blocks must be objects.", param);
  }
  if (b.contains("cache_control")) {
    turn.out.cache_control = true;
  }
  std::string type = string_or_empty(b, "type");
  if (type == "text") {
    turn.text(string_or_empty(b, "text"));
  } else if ((type == "image" || type == "document") && turn.role != "assistant") {
    auto part = source_part(b, param);
    if (auto* e = std::get_if<ApiError>(&part)) {
      return *e;
    }
    turn.parts.push_back(std::get<json>(std::move(part)));
  } else if (type == "tool_use" && turn.role == "assistant") {
    return tool_use(turn, b);
  } else if (type == "tool_result" && turn.role == "user") {
    return tool_result(turn, b, param);
  } else if (type.empty()) {
    return api_error::bad_request("Content blocks need a `type`.", param + ".type");
  }
  return std::nullopt; // thinking, redacted_thinking, server tool blocks: not replayable
}

std::optional<ApiError> convert_one(json& msg, const std::string& param, Converted& out) {
  if (!msg.is_object()) {
    return api_error::bad_request("Each message must be an object.", param);
  }
  std::string role = string_or_empty(msg, "role");
  if (role != "user" && role != "assistant" && role != "system") {
    return api_error::bad_request("`role` must be user, assistant or system.", param + ".role");
  }
  Turn turn{role == "system" ? "developer" : role, param, out};
  auto content = msg.find("content");
  if (content != msg.end() && content->is_string()) {
    turn.text(std::move(content->get_ref<std::string&>()));
  } else if (content != msg.end() && content->is_array()) {
    for (size_t i = 0; i < content->size(); ++i) {
      if (auto e = block(turn, (*content)[i], param + ".content[" + std::to_string(i) + "]")) {
        return e;
      }
    }
  } else {
    return api_error::bad_request("`content` must be a string or an array of blocks.",
                                  param + ".content");
  }
  turn.flush();
  return std::nullopt;
}

std::optional<ApiError> system_prompt(const json& body, Converted& out) {
  auto sys = body.find("system");
  if (sys == body.end() || sys->is_null()) {
    return std::nullopt;
  }
  if (sys->is_string()) {
    out.instructions = sys->get<std::string>();
    return std::nullopt;
  }
  if (!sys->is_array()) {
    return api_error::bad_request("`system` must be a string or an array of text blocks.",
                                  "system");
  }
  for (const auto& b : *sys) {
    if (!b.is_object() || string_or_empty(b, "type") != "text") {
      return api_error::bad_request("`system` blocks must be text blocks.", "system");
    }
    out.cache_control = out.cache_control || b.contains("cache_control");
    std::string text = string_or_empty(b, "text");
    if (!is_billing_marker(text)) {
      out.instructions += (out.instructions.empty() ? "" : "\n\n") + text;
    }
  }
  return std::nullopt;
}

} // namespace

void Converted::push(json&& item) { packed_items::append(input, std::move(item)); }

std::variant<Converted, ApiError> convert_messages(json& body) {
  Converted out;
  if (auto e = system_prompt(body, out)) {
    return *e;
  }
  // Each message goes once converted: the client's array empties as the Responses input grows.
  json& messages = body["messages"];
  for (size_t i = 0; i < messages.size(); ++i) {
    if (auto e = convert_one(messages[i], "messages[" + std::to_string(i) + "]", out)) {
      return *e;
    }
    messages[i] = json();
  }
  return out;
}

} // namespace airelays::translate_messages
