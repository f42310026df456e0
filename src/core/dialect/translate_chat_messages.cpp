// Chat messages and tools → Responses input items and tools (reference §5.1 "Messages" and
// "Tools", with DESIGN difference 10: an assistant message whose content is null or absent
// next to tool_calls is the standard SDK tool loop and is accepted; the chat `file` part
// becomes input_file). Every shape error names the offending parameter, e.g. messages[2].content.
#include "translate_chat_messages.hpp"

#include <airelays/packed_items.hpp>

namespace airelays::translate_chat {

namespace {

using api_error::ApiError;
using nlohmann::json;

std::string str(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_text_part(const std::string& type) {
  return type == "text" || type == "input_text" || type == "output_text";
}

// Text of a system/developer/tool message's content; nullopt for an unusable shape.
std::optional<std::string> text_of(const json& content) {
  if (content.is_string()) {
    return content.get<std::string>();
  }
  if (content.is_null()) {
    return std::string();
  }
  if (!content.is_array()) {
    return std::nullopt;
  }
  std::string out;
  bool first = true;
  for (const auto& part : content) {
    if (!part.is_object()) {
      return std::nullopt;
    }
    std::string type = str(part, "type");
    std::string piece;
    if (is_text_part(type)) {
      piece = str(part, "text");
    } else if (type == "image_url") {
      piece = "[image]";
    } else {
      continue;
    }
    out += (first ? "" : "\n") + piece;
    first = false;
  }
  return out;
}

std::variant<json, ApiError> image_part(const json& part, const std::string& param) {
  auto iu = part.find("image_url");
  json out = {{"type", "input_image"}, {"detail", "auto"}};
  if (iu != part.end() && iu->is_string()) {
    out["image_url"] = *iu;
    return out;
  }
  if (iu == part.end() || !iu->is_object()) {
    return api_error::bad_request("`image_url` must be an object.", param + ".image_url");
  }
  if (auto d = iu->find("detail"); d != iu->end() && d->is_string()) {
    out["detail"] = *d;
  }
  if (auto f = iu->find("file_id"); f != iu->end() && f->is_string()) {
    out["file_id"] = *f; // resolved against the local store by expansion::expand
  } else {
    out["image_url"] = str(*iu, "url");
  }
  return out;
}

std::variant<json, ApiError> file_part(const json& part, const std::string& param) {
  auto f = part.find("file");
  if (f == part.end() || !f->is_object()) {
    return api_error::bad_request("`file` content parts must include a `file` object.",
                                  param + ".file");
  }
  json out = {{"type", "input_file"}};
  for (const char* key : {"file_id", "file_data", "filename"}) {
    if (auto it = f->find(key); it != f->end() && it->is_string()) {
      out[key] = *it;
    }
  }
  if (!out.contains("file_id") && !out.contains("file_data")) {
    return api_error::bad_request("`file` content parts need `file.file_id` or `file.file_data`.",
                                  param + ".file");
  }
  return out;
}

// One content part of a user/assistant message; null json = contributes nothing.
std::variant<json, ApiError> content_part(const json& part, const std::string& role,
                                          const std::string& param) {
  if (!part.is_object()) {
    return api_error::bad_request("Message content items must be objects.", param);
  }
  std::string type = str(part, "type");
  bool assistant = role == "assistant";
  if (is_text_part(type)) {
    std::string text = str(part, "text");
    return text.empty() ? json()
                        : json{{"type", assistant ? "output_text" : "input_text"}, {"text", text}};
  }
  if (type == "refusal") {
    if (!assistant) {
      return api_error::bad_request("Only assistant messages can include `refusal` content.",
                                    param);
    }
    std::string text = part.contains("refusal") ? str(part, "refusal") : str(part, "text");
    return text.empty() ? json() : json{{"type", "refusal"}, {"refusal", text}};
  }
  if (!assistant && type == "image_url") {
    return image_part(part, param);
  }
  if (!assistant && type == "file") {
    return file_part(part, param);
  }
  if (!assistant && (type == "input_image" || type == "input_file")) {
    return part; // already Responses-shaped
  }
  if (type == "input_audio") {
    return api_error::unprocessable("Audio input is not supported by the subscription backend.",
                                    param);
  }
  return api_error::bad_request("Unsupported chat content part `" + type + "`.", param + ".type");
}

// The parts of a user/assistant message (content null/absent → none).
std::variant<json, ApiError> message_parts(json& msg, const std::string& role,
                                           const std::string& param) {
  json parts = json::array();
  auto content = msg.find("content");
  const char* text_type = role == "assistant" ? "output_text" : "input_text";
  if (content == msg.end() || content->is_null()) {
    if (role != "assistant") {
      return api_error::bad_request("User messages must include `content`.", param + ".content");
    }
  } else if (content->is_string()) {
    if (!content->get_ref<const std::string&>().empty()) {
      parts.push_back({{"type", text_type}, {"text", std::move(*content)}});
    }
  } else if (content->is_array()) {
    for (size_t i = 0; i < content->size(); ++i) {
      auto part = content_part((*content)[i], role, param + ".content[" + std::to_string(i) + "]");
      if (auto* err = std::get_if<ApiError>(&part)) {
        return *err;
      }
      if (!std::get<json>(part).is_null()) {
        parts.push_back(std::get<json>(std::move(part)));
      }
    }
  } else {
    return api_error::bad_request("Unsupported chat message content.", param + ".content");
  }
  if (auto r = msg.find("refusal");
      r != msg.end() && r->is_string() && !r->get<std::string>().empty()) {
    if (role != "assistant") {
      return api_error::bad_request("Only assistant messages can include `refusal`.", param);
    }
    parts.push_back({{"type", "refusal"}, {"refusal", *r}});
  }
  return parts;
}

std::optional<ApiError> append_tool_calls(const json& msg, const std::string& role,
                                          const std::string& param, Converted& out) {
  auto calls = msg.find("tool_calls");
  if (calls == msg.end() || calls->is_null() || (calls->is_array() && calls->empty())) {
    return std::nullopt;
  }
  if (role != "assistant") {
    return api_error::bad_request("Only assistant messages can include `tool_calls`.",
                                  param + ".tool_calls");
  }
  if (!calls->is_array()) {
    return api_error::bad_request("`tool_calls` must be an array.", param + ".tool_calls");
  }
  for (size_t i = 0; i < calls->size(); ++i) {
    const json& call = (*calls)[i];
    std::string cparam = param + ".tool_calls[" + std::to_string(i) + "]";
    if (!call.is_object() || (call.contains("type") && call["type"] != "function")) {
      return api_error::unprocessable("Only function tool calls are supported.", cparam);
    }
    json fn = call.contains("function") && call["function"].is_object() ? call["function"]
                                                                        : json::object();
    std::string id = str(call, "id");
    json args = fn.contains("arguments") ? fn["arguments"] : json("{}");
    out.push({{"type", "function_call"},
              {"call_id", id.empty() ? "call_" + std::to_string(out.items) : id},
              {"name", str(fn, "name")},
              {"arguments", args.is_string() ? args.get<std::string>() : args.dump()}});
  }
  return std::nullopt;
}

std::optional<ApiError> convert_one(json& msg, const std::string& param, Converted& out) {
  if (!msg.is_object()) {
    return api_error::bad_request("Each message must be an object.", param);
  }
  std::string role = str(msg, "role");
  if (role == "system" || role == "developer" || role == "tool") {
    auto text = text_of(msg.contains("content") ? msg["content"] : json());
    if (!text) {
      return api_error::bad_request("Unsupported message content shape.", param + ".content");
    }
    if (role != "tool") {
      if (!text->empty()) {
        out.instructions += (out.instructions.empty() ? "" : "\n\n") + *text;
      }
      return std::nullopt;
    }
    std::string call_id = str(msg, "tool_call_id");
    if (call_id.empty()) {
      return api_error::bad_request("Tool messages must include `tool_call_id`.",
                                    param + ".tool_call_id");
    }
    out.push(
        {{"type", "function_call_output"}, {"call_id", call_id}, {"output", std::move(*text)}});
    return std::nullopt;
  }
  if (role != "user" && role != "assistant") {
    return api_error::bad_request("Unsupported message role `" + role + "`.", param + ".role");
  }
  auto parts = message_parts(msg, role, param);
  if (auto* err = std::get_if<ApiError>(&parts)) {
    return *err;
  }
  if (!std::get<json>(parts).empty()) {
    out.push({{"type", "message"}, {"role", role}, {"content", std::get<json>(std::move(parts))}});
  }
  return append_tool_calls(msg, role, param, out);
}

std::variant<json, ApiError> translate_tool(const json& tool, const std::string& param) {
  if (!tool.is_object()) {
    return api_error::bad_request("Each tool must be an object.", param);
  }
  if (tool.contains("type") && tool["type"] != "function") {
    return api_error::unprocessable("Only function tools are supported on chat routes.",
                                    param + ".type");
  }
  const json* fn = &tool;
  if (auto f = tool.find("function"); f != tool.end()) {
    if (!f->is_object()) {
      return api_error::bad_request("Function tools must include a `function` object.",
                                    param + ".function");
    }
    fn = &*f;
  }
  std::string name = str(*fn, "name");
  if (name.empty()) {
    return api_error::bad_request("Function tools require a non-empty `name`.", param + ".name");
  }
  json out = {{"type", "function"}, {"name", name}};
  auto params = fn->find("parameters");
  out["parameters"] = params != fn->end() && params->is_object()
                          ? *params
                          : json{{"type", "object"}, {"properties", json::object()}};
  for (const char* key : {"description", "strict"}) {
    if (auto it = fn->find(key); it != fn->end() && !it->is_null()) {
      out[key] = *it;
    }
  }
  return out;
}

std::variant<json, ApiError> translate_choice(const json& choice, const std::string& param) {
  if (choice.is_string()) {
    std::string s = choice.get<std::string>();
    if (s == "auto" || s == "none" || s == "required") {
      return choice;
    }
    return api_error::bad_request("Unsupported `" + param + "` value.", param);
  }
  if (choice.is_object()) {
    std::string name = str(choice, "name");
    if (name.empty() && choice.contains("function") && choice["function"].is_object()) {
      name = str(choice["function"], "name");
    }
    if (name.empty()) {
      return api_error::bad_request("Function tool choices require a non-empty `name`.", param);
    }
    return json{{"type", "function"}, {"name", name}};
  }
  return api_error::bad_request("`" + param + "` must be a string or object.", param);
}

} // namespace

void Converted::push(json&& item) {
  packed_items::append(input, std::move(item));
  ++items;
}

std::variant<Converted, ApiError> convert_messages(json& body) {
  Converted out;
  if (auto i = body.find("instructions"); i != body.end() && i->is_string()) {
    std::string s = i->get<std::string>();
    if (s.find_first_not_of(" \t\r\n") != std::string::npos) {
      out.instructions = s;
    }
  }
  // Each message goes once converted: the client's array empties as the Responses input grows.
  json& messages = body["messages"];
  for (size_t i = 0; i < messages.size(); ++i) {
    if (auto err = convert_one(messages[i], "messages[" + std::to_string(i) + "]", out)) {
      return *err;
    }
    messages[i] = json();
  }
  return out;
}

std::optional<ApiError> translate_tools(const json& body, json& up, bool no_tools) {
  const char* key = body.contains("tools") && !body["tools"].is_null() ? "tools" : "functions";
  json tools = json::array();
  if (auto list = body.find(key); list != body.end() && !list->is_null()) {
    if (!list->is_array()) {
      return api_error::bad_request("`" + std::string(key) + "` must be an array when provided.",
                                    key);
    }
    for (size_t i = 0; i < list->size(); ++i) {
      auto t = translate_tool((*list)[i], std::string(key) + "[" + std::to_string(i) + "]");
      if (auto* err = std::get_if<ApiError>(&t)) {
        return *err;
      }
      tools.push_back(std::get<json>(std::move(t)));
    }
  }
  const char* ckey = body.contains("tool_choice") && !body["tool_choice"].is_null()
                         ? "tool_choice"
                         : "function_call";
  json choice = tools.empty() ? json("none") : json("auto");
  if (auto c = body.find(ckey); c != body.end() && !c->is_null()) {
    auto t = translate_choice(*c, ckey);
    if (auto* err = std::get_if<ApiError>(&t)) {
      return *err;
    }
    choice = std::get<json>(std::move(t));
  }
  if (no_tools && (!tools.empty() || choice != "none")) {
    return api_error::unprocessable("This route disables tools.", "tools");
  }
  up["tools"] = std::move(tools);
  up["tool_choice"] = std::move(choice);
  return std::nullopt;
}

} // namespace airelays::translate_chat
