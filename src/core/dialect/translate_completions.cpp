// /v1/completions over the Responses backend (see translate_completions.hpp; reference §5.2
// with DESIGN differences 2, 3, 6): one string prompt in, its text out. Parameters that would
// change the output the client asked for (best_of>1, echo, logprobs, suffix, n>1) are
// rejected with the reason; the rest the backend cannot take are dropped and disclosed.
#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>
#include <airelays/translate_completions.hpp>

#include <algorithm>
#include <set>

namespace airelays::translate_completions {

namespace {

using api_error::ApiError;
using nlohmann::json;

std::string str(const json& obj, const char* key) {
  if (!obj.is_object()) {
    return {};
  }
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool set_to_something(const json& body, const char* key, const json& harmless) {
  auto it = body.find(key);
  return it != body.end() && !it->is_null() && *it != harmless;
}

std::optional<ApiError> reject_unservable(const json& body) {
  std::string names;
  auto add = [&](const char* n) { names += (names.empty() ? "" : ", ") + std::string(n); };
  if (set_to_something(body, "best_of", 1)) {
    add("best_of");
  }
  if (set_to_something(body, "echo", false)) {
    add("echo");
  }
  if (set_to_something(body, "logprobs", 0)) {
    add("logprobs");
  }
  if (set_to_something(body, "suffix", "")) {
    add("suffix");
  }
  if (!names.empty()) {
    return api_error::unprocessable(
        "Unsupported completions parameters for the subscription backend: " + names + ".",
        names.substr(0, names.find(',')));
  }
  if (set_to_something(body, "n", 1)) {
    return api_error::unprocessable(
        "Only `n=1` is supported: the subscription backend returns one choice.", "n");
  }
  return std::nullopt;
}

std::variant<std::string, ApiError> prompt_of(const json& body) {
  auto p = body.find("prompt");
  if (p == body.end()) {
    return std::string();
  }
  if (p->is_string()) {
    return p->get<std::string>();
  }
  if (p->is_array() && p->size() == 1 && (*p)[0].is_string()) {
    return (*p)[0].get<std::string>();
  }
  if (p->is_array()) {
    return ApiError(api_error::unprocessable(
        "Only a single string prompt is supported (not several prompts or token ids).", "prompt"));
  }
  return ApiError(
      api_error::bad_request("`prompt` must be a string or a single-item string array.", "prompt"));
}

std::optional<ApiError> check_basics(const json& body, CompletionsPlan& plan) {
  if (auto err = responses::check_store(body)) {
    return err;
  }
  plan.model = str(body, "model");
  if (plan.model.empty()) {
    return api_error::bad_request("Completions requests must include a `model` string.", "model");
  }
  if (auto err = responses::read_stream(body, plan)) {
    return err;
  }
  if (auto c = body.find("conversation"); c != body.end() && !c->is_null() && !c->is_string()) {
    return api_error::bad_request("`conversation` must be a string when provided.", "conversation");
  }
  if (auto r = body.find("reasoning_effort"); r != body.end() && !r->is_null() && !r->is_string()) {
    return api_error::bad_request("`reasoning_effort` must be a string.", "reasoning_effort");
  }
  return std::nullopt;
}

void build_upstream(const json& body, const std::string& prompt, CompletionsPlan& plan) {
  std::string instructions = str(body, "instructions");
  if (instructions.find_first_not_of(" \t\r\n") == std::string::npos) {
    instructions = ".";
  }
  json& up = plan.upstream;
  up = {{"model", plan.model},
        {"instructions", instructions},
        {"input",
         json::array({{{"type", "message"},
                       {"role", "user"},
                       {"content", json::array({{{"type", "input_text"}, {"text", prompt}}})}}})},
        {"tools", json::array()},
        {"tool_choice", "none"},
        {"parallel_tool_calls", false},
        {"store", false},
        {"stream", true},
        {"include", json::array()}};
  if (auto r = body.find("reasoning_effort"); r != body.end() && r->is_string()) {
    up["reasoning"] = {{"effort", *r}};
  }
  for (const char* key : {"metadata", "service_tier", "prompt_cache_key", "conversation"}) {
    if (auto it = body.find(key); it != body.end() && !it->is_null()) {
      up[key] = *it;
    }
  }
}

// Everything the translation uses; any other key is dropped and disclosed.
const std::set<std::string> k_handled = {"model",
                                         "prompt",
                                         "stream",
                                         "stream_options",
                                         "store",
                                         "n",
                                         "best_of",
                                         "echo",
                                         "logprobs",
                                         "suffix",
                                         "metadata",
                                         "service_tier",
                                         "prompt_cache_key",
                                         "conversation",
                                         "instructions",
                                         "reasoning_effort"};

} // namespace

std::variant<CompletionsPlan, ApiError> plan_request(const json& body_in) {
  json body = body_in;
  return responses::plan_translated(
      body, k_handled, [](json& request, CompletionsPlan& plan) -> std::optional<ApiError> {
        if (auto err = reject_unservable(request)) {
          return err;
        }
        if (auto err = check_basics(request, plan)) {
          return err;
        }
        auto prompt = prompt_of(request);
        if (auto* err = std::get_if<ApiError>(&prompt)) {
          return *err;
        }
        build_upstream(request, std::get<std::string>(prompt), plan);
        return std::nullopt;
      });
}

json completion_from_response(const json& response, const std::string& id, long created,
                              const std::string& model) {
  std::string up_model = str(response, "model");
  std::string reason = translate_chat::finish_reason(response);
  json out = {
      {"id", id},
      {"object", "text_completion"},
      {"created", created},
      {"model", up_model.empty() ? model : up_model},
      {"choices", json::array({{{"text", responses::output_text(response)},
                                {"index", 0},
                                {"logprobs", nullptr},
                                {"finish_reason", reason == "tool_calls" ? "stop" : reason}}})}};
  json usage = translate_chat::usage_from_responses(
      response.is_object() && response.contains("usage") ? response["usage"] : json());
  if (!usage.is_null()) {
    out["usage"] = std::move(usage);
  }
  return out;
}

} // namespace airelays::translate_completions
