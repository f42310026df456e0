// The relay's own bearer token: what clients send to airelays (never the upstream login).
// 32 bytes from the OS CSPRNG as unpadded base64url (43 characters), kept in the token file
// (0600, written atomically); AIRELAYS_BEARER_TOKEN overrides the file (reference §2.5).
#pragma once

#include <airelays/config.hpp>
#include <airelays/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace airelays::relay_token {

// A new random token.
std::string generate();

// The token clients must present: the environment override, else the file's trimmed
// contents; nullopt when neither gives one.
Result<std::optional<std::string>> resolve(const config::Config& cfg);

// Writes a new token to the token file atomically and returns it.
Result<std::string> rotate(const config::Config& cfg);

// First 12 hex characters of SHA-256(token): safe to show and log.
std::string fingerprint(std::string_view token);

} // namespace airelays::relay_token
