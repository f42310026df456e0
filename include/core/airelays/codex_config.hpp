// The Codex CLI configuration `airelays connect codex` prints and writes (issue 16): a custom
// provider `[model_providers.airelays]` pointing at the relay's /v1 with the Responses wire
// API and the key in CODEX_API_KEY (what `airelays env` exports), plus the profile file
// `<CODEX_HOME>/airelays.config.toml` that selects it (`codex --profile airelays`; Codex 0.169
// refuses a legacy `[profiles.airelays]` table in config.toml), so the user's default provider
// is left alone. `--write` adds the block to config.toml without touching the rest of the
// file: a text edit that replaces only our table (and a legacy [profiles.airelays], and our
// marker comment) and appends the block; both the old and the new text must parse. Pure.
#pragma once

#include <airelays/error.hpp>

#include <string>

namespace airelays::codex_config {

// The provider table for a relay at `base_url` (http://host:port/v1).
std::string block(const std::string& base_url);
// The profile file's contents.
std::string profile();
// `existing` (a config.toml's text, may be empty) with our tables replaced by `block`; an
// error when `existing` is not valid TOML (nothing should be written then).
[[nodiscard]] Result<std::string> merged(const std::string& existing, const std::string& block);

} // namespace airelays::codex_config
