// Reading fields of JSON the relay did not write (client bodies, upstream events, stored
// records) without exceptions: nlohmann's value() and get() throw on a wrong type, so every
// module grew its own "the string at this key, if it is one". This is that, once.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace airelays::json_util {

// obj[key] when obj is an object and the value a string; nullopt otherwise.
std::optional<std::string> string_at(const nlohmann::json& obj, std::string_view key);

// The same, with "" for absent or not a string.
std::string string_or_empty(const nlohmann::json& obj, std::string_view key);

} // namespace airelays::json_util
