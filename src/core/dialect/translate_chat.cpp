// Chat request → Responses request (see translate_chat.hpp; reference §5.1 with DESIGN's
// differences): system/developer messages become `instructions`, user/assistant/tool messages
// become input items (assistant tool_calls history and tool results included, content null
// allowed), tools are flattened, response_format becomes text.format. Parameters the backend
// cannot honour are either rejected (they would change what the client gets) or dropped and
// disclosed — never dropped silently.
#include "translate_chat_messages.hpp"

#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>

#include <algorithm>
#include <set>

namespace airelays::translate_chat {

namespace {

using api_error::ApiError;
using nlohmann::json;

bool is_null_or(const json& body, const char* key, const json& allowed) {
  auto it = body.find(key);
  return it == body.end() || it->is_null() || *it == allowed;
}

// Parameters whose loss would change the answer the client gets: 422 with the reason.
std::optional<ApiError> reject_unservable(const json& body) {
  std::string names;
  for (const char* key : {"audio", "prediction"}) {
    if (body.contains(key) && !body[key].is_null()) {
      names += (names.empty() ? "" : ", ") + std::string(key);
    }
  }
  if (auto m = body.find("modalities");
      m != body.end() && !m->is_null() && *m != json::array({"text"})) {
    names += (names.empty() ? "" : ", ") + std::string("modalities");
  }
  if (!names.empty()) {
    return api_error::unprocessable(
        "Unsupported chat.completions parameters for the subscription backend: " + names + ".",
        names.substr(0, names.find(',')));
  }
  if (!is_null_or(body, "n", 1)) {
    return api_error::unprocessable(
        "Only `n=1` is supported: the subscription backend returns one choice.", "n");
  }
  if (!is_null_or(body, "logprobs", false) || !is_null_or(body, "top_logprobs", 0)) {
    return api_error::unprocessable(
        "Log probabilities are not available from the subscription backend.", "logprobs");
  }
  return std::nullopt;
}

std::optional<ApiError> check_basics(const json& body, ChatPlan& plan) {
  if (auto err = responses::check_store(body)) {
    return err;
  }
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty()) {
    return api_error::bad_request(
        "Chat completions requests must include a non-empty `messages` array.", "messages");
  }
  auto model = body.find("model");
  if (model == body.end() || !model->is_string() || model->get<std::string>().empty()) {
    return api_error::bad_request("Chat completions requests must include a `model` string.",
                                  "model");
  }
  plan.model = model->get<std::string>();
  return responses::read_stream(body, plan);
}

std::optional<ApiError> translate_format(const json& body, json& up) {
  auto rf = body.find("response_format");
  if (rf == body.end() || rf->is_null()) {
    return std::nullopt;
  }
  if (!rf->is_object()) {
    return api_error::bad_request("`response_format` must be an object.", "response_format");
  }
  auto type = rf->find("type");
  if (type != rf->end() && *type == "text") {
    return std::nullopt;
  }
  if (type != rf->end() && *type == "json_object") {
    up["text"]["format"] = {{"type", "json_object"}};
    return std::nullopt;
  }
  if (type == rf->end() || *type != "json_schema") {
    return api_error::bad_request("Unsupported `response_format` value.", "response_format.type");
  }
  auto js = rf->find("json_schema");
  if (js == rf->end() || !js->is_object()) {
    return api_error::bad_request(
        "`response_format.type=json_schema` requires a `json_schema` object.",
        "response_format.json_schema");
  }
  json format = {{"type", "json_schema"}};
  for (auto& [key, value] : js->items()) {
    format[key] = value;
  }
  if (auto err = responses::normalize_format(format, "response_format.json_schema")) {
    return err;
  }
  up["text"]["format"] = std::move(format);
  return std::nullopt;
}

std::optional<ApiError> copy_options(const json& body, json& up) {
  if (auto r = body.find("reasoning_effort"); r != body.end() && !r->is_null()) {
    if (!r->is_string()) {
      return api_error::bad_request("`reasoning_effort` must be a string.", "reasoning_effort");
    }
    up["reasoning"] = {{"effort", *r}};
  }
  if (auto v = body.find("verbosity"); v != body.end() && v->is_string()) {
    up["text"]["verbosity"] = *v;
  }
  if (auto p = body.find("parallel_tool_calls"); p != body.end() && p->is_boolean()) {
    up["parallel_tool_calls"] = *p;
  } else {
    up["parallel_tool_calls"] = true;
  }
  for (const char* key : {"metadata", "service_tier", "prompt_cache_key"}) {
    if (auto it = body.find(key); it != body.end() && !it->is_null()) {
      up[key] = *it;
    }
  }
  if (auto c = body.find("conversation"); c != body.end() && !c->is_null()) {
    if (!c->is_string()) {
      return api_error::bad_request("`conversation` must be a string when provided.",
                                    "conversation");
    }
    up["conversation"] = *c; // consumed by expansion::expand, never sent upstream
  }
  return std::nullopt;
}

// Everything the translation uses; any other key is dropped and disclosed.
const std::set<std::string> k_handled = {"model",
                                         "messages",
                                         "tools",
                                         "functions",
                                         "tool_choice",
                                         "function_call",
                                         "parallel_tool_calls",
                                         "response_format",
                                         "reasoning_effort",
                                         "verbosity",
                                         "stream",
                                         "stream_options",
                                         "store",
                                         "n",
                                         "metadata",
                                         "service_tier",
                                         "prompt_cache_key",
                                         "conversation",
                                         "instructions",
                                         "modalities",
                                         "logprobs",
                                         "top_logprobs",
                                         "audio",
                                         "prediction"};

std::optional<ApiError> build(json& body, ChatPlan& plan, bool no_tools) {
  json& up = plan.upstream;
  up = {{"model", plan.model}};
  auto converted = convert_messages(body);
  if (auto* err = std::get_if<ApiError>(&converted)) {
    return *err;
  }
  auto& conv = std::get<Converted>(converted);
  up["instructions"] = conv.instructions.empty() ? "." : conv.instructions;
  up["input"] = std::move(conv.input);
  if (auto err = translate_tools(body, up, no_tools)) {
    return err;
  }
  if (auto err = translate_format(body, up)) {
    return err;
  }
  if (auto err = copy_options(body, up)) {
    return err;
  }
  up["store"] = false;
  up["stream"] = true;
  up["include"] = json::array();
  return std::nullopt;
}

} // namespace

std::variant<ChatPlan, ApiError> plan_request(json chat_body, bool no_tools) {
  // By value: a caller done with its tree moves it in (no copy).
  return responses::plan_translated(
      chat_body, k_handled, [no_tools](json& body, ChatPlan& plan) -> std::optional<ApiError> {
        if (auto err = reject_unservable(body)) {
          return err;
        }
        if (auto err = check_basics(body, plan)) {
          return err;
        }
        return build(body, plan, no_tools);
      });
}

} // namespace airelays::translate_chat
