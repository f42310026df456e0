// The one table of configuration keys. Every setting airelays reads is a row here: its TOML
// section and name, the Config member it fills, its environment variables in priority order
// (AIRELAYS_* first, then the legacy AIRELAY_* / OPENAI_ENDPOINT_* aliases of reference §2.2),
// how its value is normalised, and a one-line meaning. Resolution (config.cpp), the file
// `init` writes, config.example.toml's parity test and docs/configuration.md all follow it,
// so a key cannot exist in one of them and be missing from another.
#pragma once

#include <airelays/config.hpp>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace airelays::config {

// What a key's value is; derived from its Config member.
enum class Kind { string, integer, integer64, boolean, number, string_list, number_list, none };

// Normalisation and status flags of a key.
enum KeyFlag : unsigned {
  k_plain = 0,
  k_path = 1u << 0,             // "~" expanded, made absolute
  k_lower = 1u << 1,            // lower-cased
  k_strip_slash = 1u << 2,      // trailing "/" removed
  k_empty_is_default = 1u << 3, // an empty string falls through to the default
  k_clamp_nonneg = 1u << 4,     // negative values become 0
  k_derived = 1u << 5,          // default computed from other keys (data_dir, logs_dir, ...)
  k_port = 1u << 6,             // 0..65535
  k_unsupported = 1u << 7,      // accepted for AIRelays compatibility, not implemented
  k_positive = 1u << 8,         // must be > 0 (timeouts: there is no "0 = off")
};

using Member = std::variant<std::monostate, std::string Config::*, int Config::*, int64_t Config::*,
                            bool Config::*, double Config::*, std::vector<std::string> Config::*,
                            std::vector<double> Config::*>;

struct Key {
  std::string section; // "server", "providers.openai"
  std::string name;    // "port"
  Member member;       // monostate for unsupported keys without a Config member
  std::vector<std::string> env;
  unsigned flags = k_plain;
  std::string doc; // one line: what the key means

  Kind kind() const;
  bool has(KeyFlag f) const { return (flags & f) != 0; }
  // "server.port": the name used for command-line flags (config::Inputs::flags).
  std::string dotted() const { return section + "." + name; }
  // "[server] port": the name used in messages.
  std::string display() const { return "[" + section + "] " + name; }
};

// Every key, in the order of the file `init` writes (reference §2.4 order, new keys after).
const std::vector<Key>& keys();

// The key for a section and name, or null.
const Key* find_key(std::string_view section, std::string_view name);

// Sections that exist (a key outside them is unknown, inside them unknown or unsupported).
bool is_known_section(std::string_view section);
// Sections that belong to features airelays does not have ([providers.claude]).
bool is_unsupported_section(std::string_view section);

// The TOML text of a key's current value in cfg (`"127.0.0.1"`, `8080`, `120.0`,
// `[5.0, 20.0, 60.0]`); empty for keys without a member.
std::string toml_value(const Config& cfg, const Key& key);

// A TOML basic string literal with escapes.
std::string toml_quote(std::string_view s);

// The config file `init` writes: every supported key with its effective value, grouped by
// section (reference §2.4 format plus the keys airelays adds).
std::string render_toml(const Config& cfg);

} // namespace airelays::config
