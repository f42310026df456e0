// Messages request → Responses request (see translate_messages.hpp). The model name is mapped
// by family; tools keep their input_schema as parameters (deferred tools, which the client
// has not loaded, are not offered); tool_choice and disable_parallel_tool_use map one to one;
// output_config.effort or a thinking budget becomes reasoning.effort. What the backend cannot
// honour (max_tokens, temperature, top_k, cache_control, context_management, …) is dropped
// and disclosed — never silently.
#include "translate_messages_content.hpp"

#include <airelays/json_util.hpp>
#include <airelays/packed_items.hpp>
#include <airelays/responses.hpp>
#include <airelays/translate_messages.hpp>

#include <set>

namespace airelays::translate_messages {

namespace {

using api_error::ApiError;
using json_util::string_or_empty;
using nlohmann::json;

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

std::optional<ApiError> check_basics(const json& body, MessagesPlan& plan) {
  auto model = body.find("model");
  if (model == body.end() || !model->is_string() || model->get<std::string>().empty()) {
    return api_error::bad_request("Messages requests must include a `model` string.", "model");
  }
  plan.options.model = model->get<std::string>();
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    return api_error::bad_request("Messages requests must include a non-empty `messages` array.",
                                  "messages");
  }
  if (auto s = body.find("stream"); s != body.end() && !s->is_null()) {
    if (!s->is_boolean()) {
      return api_error::bad_request("`stream` must be a boolean.", "stream");
    }
    plan.stream = s->get<bool>();
  }
  if (auto s = body.find("stop_sequences"); s != body.end() && !s->is_null()) {
    if (!s->is_array()) {
      return api_error::bad_request("`stop_sequences` must be an array of strings.",
                                    "stop_sequences");
    }
    for (const auto& seq : *s) {
      if (!seq.is_string()) {
        return api_error::bad_request("`stop_sequences` must be an array of strings.",
                                      "stop_sequences");
      }
      if (!seq.get<std::string>().empty()) {
        plan.options.stop_sequences.push_back(seq.get<std::string>());
      }
    }
  }
  return std::nullopt;
}

// input_schema as Responses parameters: "$schema" is a JSON Schema dialect marker the
// backend's function schema does not take.
json parameters_of(const json& tool) {
  auto schema = tool.find("input_schema");
  json params = schema != tool.end() && schema->is_object()
                    ? *schema
                    : json{{"type", "object"}, {"properties", json::object()}};
  params.erase("$schema");
  return params;
}

std::optional<ApiError> translate_tools(const json& body, json& up,
                                        std::vector<std::string>& ignored) {
  json tools = json::array();
  if (auto list = body.find("tools"); list != body.end() && !list->is_null()) {
    if (!list->is_array()) {
      return api_error::bad_request("`tools` must be an array when provided.", "tools");
    }
    for (size_t i = 0; i < list->size(); ++i) {
      const json& t = (*list)[i];
      std::string param = "tools[" + std::to_string(i) + "]";
      std::string type = string_or_empty(t, "type");
      std::string name = string_or_empty(t, "name");
      if (!t.is_object() || name.empty()) {
        return api_error::bad_request("Tools need a non-empty `name`.", param + ".name");
      }
      if (auto d = t.find("defer_loading"); d != t.end() && d->is_boolean() && d->get<bool>()) {
        continue; // not loaded by the client yet: not callable
      }
      if (!type.empty() && type != "custom") {
        ignored.push_back("tools." + type); // Anthropic's server-side tools
        continue;
      }
      json out = {{"type", "function"},
                  {"name", name},
                  {"parameters", parameters_of(t)},
                  {"strict", false}};
      if (auto d = t.find("description"); d != t.end() && d->is_string()) {
        out["description"] = *d;
      }
      tools.push_back(std::move(out));
    }
  }
  up["tools"] = tools;
  up["tool_choice"] = tools.empty() ? "none" : "auto";
  up["parallel_tool_calls"] = true;
  auto choice = body.find("tool_choice");
  if (choice == body.end() || choice->is_null()) {
    return std::nullopt;
  }
  std::string type = choice->is_object() ? string_or_empty(*choice, "type") : "";
  if (type == "auto" || type == "none") {
    up["tool_choice"] = type;
  } else if (type == "any") {
    up["tool_choice"] = "required";
  } else if (type == "tool" && !string_or_empty(*choice, "name").empty()) {
    up["tool_choice"] = {{"type", "function"}, {"name", string_or_empty(*choice, "name")}};
  } else {
    return api_error::bad_request("`tool_choice.type` must be auto, any, tool or none.",
                                  "tool_choice");
  }
  auto dp = choice->find("disable_parallel_tool_use");
  if (dp != choice->end() && dp->is_boolean() && dp->get<bool>()) {
    up["parallel_tool_calls"] = false;
  }
  if (tools.empty()) {
    up["tool_choice"] = "none";
  }
  return std::nullopt;
}

// Anthropic effort names → the backend's; "max" is the highest level every GPT model takes.
std::string effort_of(const std::string& effort) {
  if (effort == "max") {
    return "xhigh";
  }
  return effort == "low" || effort == "medium" || effort == "high" ? effort : "";
}

std::string effort_of_budget(const json& thinking) {
  auto b = thinking.find("budget_tokens");
  if (b == thinking.end() || !b->is_number()) {
    return "";
  }
  double budget = b->get<double>();
  return budget <= 4096 ? "low" : budget <= 16384 ? "medium" : "high";
}

void translate_reasoning(const json& body, json& up, Options& options) {
  std::string effort;
  if (auto oc = body.find("output_config"); oc != body.end() && oc->is_object()) {
    effort = effort_of(string_or_empty(*oc, "effort"));
  }
  auto thinking = body.find("thinking");
  bool on = false;
  if (thinking != body.end() && thinking->is_object()) {
    std::string type = string_or_empty(*thinking, "type");
    on = type == "enabled" || type == "adaptive";
    if (effort.empty() && type == "enabled") {
      effort = effort_of_budget(*thinking);
    }
    options.thinking = on && string_or_empty(*thinking, "display") != "omitted";
  }
  if (!effort.empty()) {
    up["reasoning"]["effort"] = effort;
  }
  if (options.thinking) {
    up["reasoning"]["summary"] = "auto";
  }
}

// metadata.user_id is the one Messages metadata field; Responses metadata takes strings.
// Claude Code's user_id is JSON carrying its session id, which becomes the prompt cache key
// (as Codex sends its conversation id) so the backend can reuse the long shared prefix.
void copy_metadata(const json& body, json& up) {
  auto m = body.find("metadata");
  if (m == body.end() || !m->is_object()) {
    return;
  }
  json out = json::object();
  for (const auto& [key, value] : m->items()) {
    if (value.is_string() && value.get_ref<const std::string&>().size() <= 512) {
      out[key] = value;
    }
  }
  if (!out.empty()) {
    up["metadata"] = std::move(out);
  }
  json user = json::parse(string_or_empty(*m, "user_id"), nullptr, false);
  if (user.is_object() && !string_or_empty(user, "session_id").empty()) {
    up["prompt_cache_key"] = string_or_empty(user, "session_id");
  }
}

void disclose_dropped(const json& body, const Converted& conv, std::vector<std::string>& ignored) {
  static const std::set<std::string> k_handled = {
      "model", "messages",    "system",   "stream",        "stop_sequences",
      "tools", "tool_choice", "thinking", "output_config", "metadata"};
  responses::disclose_unhandled(body, k_handled, ignored);
  if (auto oc = body.find("output_config"); oc != body.end() && oc->is_object()) {
    for (const auto& [key, value] : oc->items()) {
      if (key != "effort") {
        ignored.push_back("output_config." + key);
      }
    }
  }
  if (conv.cache_control) {
    ignored.push_back("cache_control");
  }
}

} // namespace

std::string map_model(const std::string& requested, const ModelMap& map) {
  if (requested.rfind("claude", 0) != 0) {
    return requested;
  }
  if (contains(requested, "opus")) {
    return map.opus;
  }
  return contains(requested, "haiku") ? map.haiku : map.sonnet;
}

std::variant<MessagesPlan, ApiError> plan_request(json body, const ModelMap& map) {
  if (!body.is_object()) {
    return api_error::bad_request("Request body must be a JSON object.");
  }
  MessagesPlan plan;
  responses::strip_parameters(body, plan.ignored);
  if (auto err = check_basics(body, plan)) {
    return *err;
  }
  auto converted = convert_messages(body);
  if (auto* err = std::get_if<ApiError>(&converted)) {
    return *err;
  }
  auto& conv = std::get<Converted>(converted);
  json& up = plan.upstream;
  up = {{"model", map_model(plan.options.model, map)},
        {"instructions", conv.instructions.empty() ? "." : conv.instructions},
        {"input", std::move(conv.input)}};
  if (auto err = translate_tools(body, up, plan.ignored)) {
    return *err;
  }
  translate_reasoning(body, up, plan.options);
  copy_metadata(body, up);
  up["store"] = false;
  up["stream"] = true;
  up["include"] = json::array();
  disclose_dropped(body, conv, plan.ignored);
  plan.model = string_or_empty(up, "model");
  plan.session_id = string_or_empty(up, "prompt_cache_key"); // Claude Code's session
  return plan;
}

ModelMap model_map(const config::Config& c) {
  return {c.messages_opus_model, c.messages_sonnet_model, c.messages_haiku_model};
}

std::variant<json, ApiError> count_tokens(const json& body, const ModelMap& map) {
  json request = body;
  if (request.is_object()) {
    request.erase("max_tokens"); // count_tokens bodies need none; plan_request does not either
  }
  auto plan = plan_request(std::move(request), map);
  if (auto* err = std::get_if<ApiError>(&plan)) {
    return *err;
  }
  const json& up = std::get<MessagesPlan>(plan).upstream;
  size_t bytes = up["instructions"].dump().size() + packed_items::dump(up["input"]).size() +
                 up["tools"].dump().size();
  return json{{"input_tokens", static_cast<long>((bytes + 3) / 4)}};
}

} // namespace airelays::translate_messages
