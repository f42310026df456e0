// Responses output → chat results (see translate_chat.hpp): the usage and finish_reason
// mapping of DESIGN difference 2 and the non-stream chat.completion.
#include <airelays/json_util.hpp>
#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>

namespace airelays::translate_chat {

namespace {

using json_util::string_or_empty;

using nlohmann::json;

long number(const json& obj, const char* key) {
  if (!obj.is_object()) {
    return 0;
  }
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) {
    return 0;
  }
  if (it->is_number_float()) { // clamp: casting an out-of-range double is undefined
    double v = it->get<double>();
    return v > 0 && v < 1e15 ? static_cast<long>(v) : 0;
  }
  return it->get<long>();
}

const json& child(const json& obj, const char* key) {
  static const json k_null;
  if (!obj.is_object()) {
    return k_null;
  }
  auto it = obj.find(key);
  return it != obj.end() ? *it : k_null;
}

} // namespace

json usage_from_responses(const json& usage) {
  if (!usage.is_object()) {
    return json();
  }
  long prompt = number(usage, "input_tokens");
  long completion = number(usage, "output_tokens");
  long total = usage.contains("total_tokens") ? number(usage, "total_tokens") : prompt + completion;
  return {
      {"prompt_tokens", prompt},
      {"completion_tokens", completion},
      {"total_tokens", total},
      {"prompt_tokens_details",
       {{"cached_tokens", number(child(usage, "input_tokens_details"), "cached_tokens")}}},
      {"completion_tokens_details",
       {{"reasoning_tokens", number(child(usage, "output_tokens_details"), "reasoning_tokens")}}}};
}

std::string finish_reason(const json& response) {
  // A response cut at max_output_tokens is "length" even when it called a tool: its last
  // call's arguments may be cut short, and the client must know the answer is incomplete.
  if (responses::hit_length_limit(response)) {
    return "length";
  }
  if (!responses::function_calls(response).empty()) {
    return "tool_calls";
  }
  if (string_or_empty(response, "status") == "incomplete" &&
      string_or_empty(child(response, "incomplete_details"), "reason") == "content_filter") {
    return "content_filter";
  }
  return "stop";
}

json completion_from_response(const json& response, const std::string& id, long created,
                              const std::string& model) {
  std::string text = responses::output_text(response);
  json message = {{"role", "assistant"}, {"content", text.empty() ? json() : json(text)}};
  auto calls = responses::function_calls(response);
  if (!calls.empty()) {
    json list = json::array();
    for (const auto& call : calls) {
      std::string args = string_or_empty(call, "arguments");
      list.push_back(
          {{"id", string_or_empty(call, "call_id")},
           {"type", "function"},
           {"function",
            {{"name", string_or_empty(call, "name")}, {"arguments", args.empty() ? "{}" : args}}}});
    }
    message["tool_calls"] = std::move(list);
  }
  std::string refusal;
  for (const auto& item :
       child(response, "output").is_array() ? response["output"] : json::array()) {
    const json& content = child(item, "content");
    for (const auto& part : content.is_array() ? content : json::array()) {
      if (string_or_empty(part, "type") == "refusal") {
        refusal += string_or_empty(part, "refusal");
      }
    }
  }
  message["refusal"] = refusal.empty() ? json() : json(refusal);
  std::string up_model = string_or_empty(response, "model");
  json out = {{"id", id},
              {"object", "chat.completion"},
              {"created", created},
              {"model", up_model.empty() ? model : up_model},
              {"choices", json::array({{{"index", 0},
                                        {"message", std::move(message)},
                                        {"logprobs", nullptr},
                                        {"finish_reason", finish_reason(response)}}})}};
  json usage = usage_from_responses(child(response, "usage"));
  if (!usage.is_null()) {
    out["usage"] = std::move(usage);
  }
  return out;
}

} // namespace airelays::translate_chat
