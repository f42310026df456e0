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
  nlohmann::json input = nlohmann::json::array(); // Responses input items, packed where they can
  bool cache_control = false;                     // some block carried cache_control (ignored)
  // Appends one input item (packed_items::append).
  void push(nlohmann::json&& item);
};

// body.system and body.messages (a non-empty array) → instructions and input items; each
// message is emptied once converted (a large body is not held twice).
std::variant<Converted, api_error::ApiError> convert_messages(nlohmann::json& body);

} // namespace airelays::translate_messages
