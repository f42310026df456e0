// Value coercion for the config loader (private to src/core). A setting arrives as a TOML
// node or as text (environment variable, command-line flag); both become a Raw value, which
// is coerced to the key's type the way AIRelays does it (reference §2.1): booleans from
// yes/no/on/off/1/0, integers from numeric text or truncated floats, lists from TOML arrays
// or comma-separated text, paths with "~" expanded and made absolute.
#pragma once

#include <airelays/config_keys.hpp>

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <vector>

namespace airelays::config::detail {

struct Raw {
  enum class Type { string, integer, floating, boolean, array, other };
  Type type = Type::other;
  std::string s;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  std::vector<Raw> items;

  static Raw text(std::string s);
  static Raw from_node(const toml::node& n);
  // How the value reads in a message: "abc" quoted, numbers as written.
  std::string shown() const;
};

enum class Outcome { set, use_default, error };

struct Coercion {
  Outcome outcome = Outcome::set;
  std::string problem; // the error, or why the default is used (empty: silently)
};

Coercion coerce(const Raw& raw, std::string& out);
Coercion coerce(const Raw& raw, int64_t& out);
Coercion coerce(const Raw& raw, int& out);
Coercion coerce(const Raw& raw, bool& out);
Coercion coerce(const Raw& raw, double& out);
Coercion coerce(const Raw& raw, std::vector<std::string>& out);
Coercion coerce(const Raw& raw, std::vector<double>& out);

// "~" → home, relative → cwd-based; lexically normalised.
std::string expand_path(const std::string& p, const std::string& home, const std::string& cwd);

// Coerces raw into the key's member of cfg and applies the key's flags; the member is left
// unchanged unless the outcome is `set`.
struct Apply {
  const Raw& raw;
  const Key& key;
  Config& cfg;
  const Inputs& in;

  Coercion operator()(std::monostate) const { return {Outcome::use_default, {}}; }
  template <typename T> Coercion operator()(T Config::*member) const {
    T value{};
    Coercion c = coerce(raw, value);
    if (c.outcome == Outcome::set) {
      c = finish(value);
    }
    if (c.outcome == Outcome::set) {
      cfg.*member = std::move(value);
    }
    return c;
  }

private:
  Coercion finish(std::string& v) const;
  Coercion finish(int& v) const;
  Coercion finish(int64_t& v) const;
  Coercion finish(bool&) const { return {}; }
  Coercion finish(double& v) const;
  Coercion finish(std::vector<std::string>&) const { return {}; }
  Coercion finish(std::vector<double>&) const { return {}; }
};

} // namespace airelays::config::detail
