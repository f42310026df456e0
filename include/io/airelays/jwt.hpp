// The claims of the issuer's JWTs that airelays reads: the id_token's email, plan and ChatGPT
// account id for `status`, and the access token's `exp` that drives proactive refresh.
// Signatures are never checked (upstream-contract §1.5): the tokens come straight from the
// issuer over TLS and are only read to describe the login, never to authorize anything.
// No clock, no I/O; in the io layer for its base64 decoder (OpenSSL).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace airelays::jwt {

struct Claims {
  std::string email;
  std::string plan;        // chatgpt_plan_type
  std::string account_id;  // chatgpt_account_id
  std::string user_id;     // chatgpt_user_id or user_id
  std::optional<long> exp; // unix seconds
};

// The payload of a three-part JWT as JSON, or nullopt when the token is not one.
std::optional<nlohmann::json> payload(std::string_view token);

// The claims airelays uses; every field is empty when the token is not a JWT or lacks it.
Claims claims(std::string_view token);

} // namespace airelays::jwt
