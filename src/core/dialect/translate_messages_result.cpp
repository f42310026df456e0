// A final Responses response → one Messages `message` object (see translate_messages.hpp):
// reasoning summaries become thinking blocks when the client asked to see thinking, message
// text becomes text blocks, function calls tool_use blocks; the stop reason is tool_use,
// max_tokens (the backend's output limit), stop_sequence (cut here) or end_turn.
#include <airelays/json_util.hpp>
#include <airelays/responses.hpp>
#include <airelays/translate_messages.hpp>

namespace airelays::translate_messages {

namespace {

using json_util::string_or_empty;
using nlohmann::json;

long number_at(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<long>() : 0;
}

std::string summary_text(const json& item) {
  std::string out;
  auto summary = item.find("summary");
  if (summary == item.end() || !summary->is_array()) {
    return out;
  }
  for (const auto& part : *summary) {
    std::string t = string_or_empty(part, "text");
    out += (out.empty() || t.empty() ? "" : "\n\n") + t;
  }
  return out;
}

json tool_use_block(const json& item) {
  json input = json::parse(string_or_empty(item, "arguments"), nullptr, false);
  std::string id = string_or_empty(item, "call_id");
  return {{"type", "tool_use"},
          {"id", id.empty() ? string_or_empty(item, "id") : id},
          {"name", string_or_empty(item, "name")},
          {"input", input.is_object() ? input : json::object()}};
}

// Cuts `text` at the first stop sequence; returns the one found, or null.
json cut_at_stop(std::string& text, const std::vector<std::string>& stops) {
  size_t best = std::string::npos;
  json found = nullptr;
  for (const auto& s : stops) {
    size_t at = text.find(s);
    if (at < best) {
      best = at;
      found = s;
    }
  }
  if (best != std::string::npos) {
    text.resize(best);
  }
  return found;
}

} // namespace

json usage_from_responses(const json& usage) {
  if (!usage.is_object()) {
    return {{"input_tokens", 0}, {"output_tokens", 0}};
  }
  long input = number_at(usage, "input_tokens");
  long cached = 0;
  if (auto d = usage.find("input_tokens_details"); d != usage.end() && d->is_object()) {
    cached = number_at(*d, "cached_tokens");
  }
  return {{"input_tokens", input - cached},
          {"cache_creation_input_tokens", 0},
          {"cache_read_input_tokens", cached},
          {"output_tokens", number_at(usage, "output_tokens")}};
}

json message_from_response(const json& response, const std::string& id, const Options& options) {
  json content = json::array();
  json stop_sequence = nullptr;
  bool called = false;
  auto output = response.is_object() ? response.find("output") : response.end();
  if (response.is_object() && output != response.end() && output->is_array()) {
    for (const auto& item : *output) {
      std::string type = string_or_empty(item, "type");
      if (type == "reasoning" && options.thinking && !summary_text(item).empty()) {
        content.push_back(
            {{"type", "thinking"}, {"thinking", summary_text(item)}, {"signature", ""}});
      } else if (type == "message") {
        std::string text = responses::output_text(json{{"output", json::array({item})}});
        stop_sequence = cut_at_stop(text, options.stop_sequences);
        content.push_back({{"type", "text"}, {"text", text}});
        if (!stop_sequence.is_null()) {
          break;
        }
      } else if (type == "function_call") {
        content.push_back(tool_use_block(item));
        called = true;
      }
    }
  }
  std::string reason = !stop_sequence.is_null()                ? "stop_sequence"
                       : called                                ? "tool_use"
                       : responses::hit_length_limit(response) ? "max_tokens"
                                                               : "end_turn";
  return {{"id", id},
          {"type", "message"},
          {"role", "assistant"},
          {"model", options.model},
          {"content", std::move(content)},
          {"stop_reason", reason},
          {"stop_sequence", stop_sequence},
          {"usage", usage_from_responses(response.is_object() && response.contains("usage")
                                             ? response["usage"]
                                             : json())}};
}

} // namespace airelays::translate_messages
