// Claims decode for the issuer's JWTs (see jwt.hpp), over the one base64 decoder (OpenSSL's).
#include <airelays/base64.hpp>
#include <airelays/json_util.hpp>
#include <airelays/jwt.hpp>

#include <array>
#include <cmath>

namespace airelays::jwt {

namespace {

using json_util::string_or_empty;

constexpr std::string_view k_auth_claim = "https://api.openai.com/auth";
constexpr std::string_view k_profile_claim = "https://api.openai.com/profile";

const nlohmann::json& object_at(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json k_empty = nlohmann::json::object();
  if (!obj.is_object()) {
    return k_empty;
  }
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : k_empty;
}

} // namespace

std::optional<nlohmann::json> payload(std::string_view token) {
  auto first = token.find('.');
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto text = base64::decode_url(token.substr(first + 1, second - first - 1));
  if (!text) {
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  return j;
}

Claims claims(std::string_view token) {
  Claims c;
  auto p = payload(token);
  if (!p) {
    return c;
  }
  const auto& auth = object_at(*p, k_auth_claim);
  c.email = string_or_empty(*p, "email");
  if (c.email.empty()) {
    c.email = string_or_empty(object_at(*p, k_profile_claim), "email");
  }
  c.plan = string_or_empty(auth, "chatgpt_plan_type");
  c.account_id = string_or_empty(auth, "chatgpt_account_id");
  c.user_id = string_or_empty(auth, "chatgpt_user_id");
  if (c.user_id.empty()) {
    c.user_id = string_or_empty(auth, "user_id");
  }
  auto exp = p->find("exp");
  // A time far outside any plausible range (or not finite) is no expiry at all: converting it
  // to long would be undefined (found by fuzz_jwt).
  constexpr double k_limit = 1e15; // seconds: ~31 million years
  if (exp == p->end()) {
    return c;
  }
  if (exp->is_number_unsigned()) {
    if (exp->get<unsigned long>() < static_cast<unsigned long>(k_limit)) {
      c.exp = static_cast<long>(exp->get<unsigned long>());
    }
  } else if (exp->is_number_integer()) {
    c.exp = exp->get<long>();
  } else if (exp->is_number_float()) {
    double v = exp->get<double>();
    if (std::isfinite(v) && v > -k_limit && v < k_limit) {
      c.exp = static_cast<long>(v);
    }
  }
  return c;
}

} // namespace airelays::jwt
