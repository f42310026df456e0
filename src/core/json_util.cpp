// See json_util.hpp.
#include <airelays/json_util.hpp>

namespace airelays::json_util {

std::optional<std::string> string_at(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) {
    return std::nullopt;
  }
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::string string_or_empty(const nlohmann::json& obj, std::string_view key) {
  return string_at(obj, key).value_or(std::string());
}

} // namespace airelays::json_util
