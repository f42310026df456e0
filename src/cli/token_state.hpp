// The relay token as init, token and status see it (private to the cli layer): the token
// that resolves now and where it came from ("env" for AIRELAYS_BEARER_TOKEN, "file").
#pragma once

#include <airelays/config.hpp>
#include <airelays/status_report.hpp>

#include <optional>
#include <string>

namespace airelays::cli {

struct TokenState {
  std::optional<std::string> token;
  std::string source; // "env" | "file" | "" when none
};

// Resolves the token; throws CliError when the token file cannot be read.
TokenState resolve_token(const config::Config& cfg);

// What status may show about it (presence, source, fingerprint; never the token).
status_report::TokenFacts token_facts(const TokenState& t);

} // namespace airelays::cli
