// Internal to translate_chat: the message and tool halves of the chat request translation.
#pragma once

#include <airelays/api_error.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>

namespace airelays::translate_chat {

struct Converted {
  std::string instructions;                       // top-level instructions + system texts
  nlohmann::json input = nlohmann::json::array(); // Responses input items
};

// body.messages (a non-empty array) → instructions and input items.
std::variant<Converted, api_error::ApiError> convert_messages(const nlohmann::json& body);

// tools/functions and tool_choice/function_call → up.tools and up.tool_choice.
std::optional<api_error::ApiError> translate_tools(const nlohmann::json& body, nlohmann::json& up,
                                                   bool no_tools);

} // namespace airelays::translate_chat
