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

// The objects below are filled key by key: the same trees as brace-initialised ones (nlohmann
// keeps keys by name either way), without building every key/value pair as a two-element array
// first (a third of a non-stream chat answer's cost).
json usage_from_responses(const json& usage) {
  if (!usage.is_object()) {
    return json();
  }
  long prompt = number(usage, "input_tokens");
  long completion = number(usage, "output_tokens");
  long total = usage.contains("total_tokens") ? number(usage, "total_tokens") : prompt + completion;
  json out = json::object();
  out["prompt_tokens"] = prompt;
  out["completion_tokens"] = completion;
  out["total_tokens"] = total;
  out["prompt_tokens_details"]["cached_tokens"] =
      number(child(usage, "input_tokens_details"), "cached_tokens");
  out["completion_tokens_details"]["reasoning_tokens"] =
      number(child(usage, "output_tokens_details"), "reasoning_tokens");
  return out;
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
  json message = json::object();
  message["role"] = "assistant";
  message["content"] = text.empty() ? json() : json(std::move(text));
  auto calls = responses::function_calls(response);
  if (!calls.empty()) {
    json list = json::array();
    for (const auto& call : calls) {
      std::string args = string_or_empty(call, "arguments");
      json entry = json::object();
      entry["id"] = string_or_empty(call, "call_id");
      entry["type"] = "function";
      json& function = entry["function"];
      function["name"] = string_or_empty(call, "name");
      function["arguments"] = args.empty() ? "{}" : std::move(args);
      list.push_back(std::move(entry));
    }
    message["tool_calls"] = std::move(list);
  }
  std::string refusal;
  if (const json& output = child(response, "output"); output.is_array()) {
    for (const auto& item : output) {
      const json& content = child(item, "content");
      if (!content.is_array()) {
        continue;
      }
      for (const auto& part : content) {
        if (string_or_empty(part, "type") == "refusal") {
          refusal += string_or_empty(part, "refusal");
        }
      }
    }
  }
  message["refusal"] = refusal.empty() ? json() : json(std::move(refusal));
  std::string up_model = string_or_empty(response, "model");
  json choice = json::object();
  choice["index"] = 0;
  choice["message"] = std::move(message);
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = finish_reason(response);
  json out = json::object();
  out["id"] = id;
  out["object"] = "chat.completion";
  out["created"] = created;
  out["model"] = up_model.empty() ? model : std::move(up_model);
  out["choices"] = json::array();
  out["choices"].push_back(std::move(choice));
  json usage = usage_from_responses(child(response, "usage"));
  if (!usage.is_null()) {
    out["usage"] = std::move(usage);
  }
  return out;
}

} // namespace airelays::translate_chat
