// Internal to translate_messages: the system prompt and the messages of a Messages request as
// Responses instructions and input items.
#pragma once

#include <airelays/api_error.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>

namespace airelays::translate_messages {

struct Converted {
  std::string instructions;                       // the top-level system prompt
  nlohmann::json input = nlohmann::json::array(); // Responses input items
  bool cache_control = false;                     // some block carried cache_control (ignored)
};

// body.system and body.messages (a non-empty array) → instructions and input items.
std::variant<Converted, api_error::ApiError> convert_messages(const nlohmann::json& body);

} // namespace airelays::translate_messages
