// Claims decode for the issuer's JWTs (see jwt.hpp). Base64url decoding lives here rather than
// in OpenSSL because the core layer is pure (std + json only); it is a table lookup, not
// cryptography, and the tests feed it every padding variant.
#include <airelays/json_util.hpp>
#include <airelays/jwt.hpp>

#include <array>
#include <cmath>

namespace airelays::jwt {

namespace {

using json_util::string_or_empty;

constexpr std::string_view k_auth_claim = "https://api.openai.com/auth";
constexpr std::string_view k_profile_claim = "https://api.openai.com/profile";

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '-' || c == '+') {
    return 62;
  }
  if (c == '_' || c == '/') {
    return 63;
  }
  return -1;
}

const nlohmann::json& object_at(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json k_empty = nlohmann::json::object();
  if (!obj.is_object()) {
    return k_empty;
  }
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : k_empty;
}

} // namespace

std::optional<std::string> base64url_decode(std::string_view in) {
  while (!in.empty() && in.back() == '=') {
    in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(in.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    int v = sextet(c);
    if (v < 0) {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

std::optional<nlohmann::json> payload(std::string_view token) {
  auto first = token.find('.');
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  auto second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto text = base64url_decode(token.substr(first + 1, second - first - 1));
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
