// Internal to translate_chat: the message and tool halves of the chat request translation.
#pragma once

#include <airelays/api_error.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

namespace airelays::translate_chat {

struct Converted {
  std::string instructions;                       // top-level instructions + system texts
  nlohmann::json input = nlohmann::json::array(); // Responses input items, packed where they can
  std::size_t items = 0;                          // how many items `input` holds
  // Appends one input item (packed_items::append).
  void push(nlohmann::json&& item);
};

// body.messages (a non-empty array) → instructions and input items; each message is emptied
// once converted (a large body is not held twice).
std::variant<Converted, api_error::ApiError> convert_messages(nlohmann::json& body);

// tools/functions and tool_choice/function_call → up.tools and up.tool_choice.
std::optional<api_error::ApiError> translate_tools(const nlohmann::json& body, nlohmann::json& up,
                                                   bool no_tools);

} // namespace airelays::translate_chat
