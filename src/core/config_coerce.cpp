// Lenient value coercion for the config loader (see config_coerce.hpp).
#include "config_coerce.hpp"

#include <airelays/text.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>

namespace airelays::config::detail {

namespace {

Coercion fail(std::string problem) { return {Outcome::error, std::move(problem)}; }
Coercion keep(std::string why = {}) { return {Outcome::use_default, std::move(why)}; }

// Python int(): optional sign, decimal digits, "_" between digits, surrounding whitespace.
bool parse_integer(const std::string& text, int64_t& out) {
  std::string t(text::trim(text));
  std::string digits;
  for (size_t k = 0; k < t.size(); ++k) {
    char c = t[k];
    bool between = c == '_' && k > 0 && k + 1 < t.size() && std::isdigit((unsigned char)t[k - 1]) &&
                   std::isdigit((unsigned char)t[k + 1]);
    if (!between) {
      digits += c;
    }
  }
  if (digits.empty()) {
    return false;
  }
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(digits.c_str(), &end, 10);
  bool only_digits = digits.find_first_not_of("+-0123456789") == std::string::npos;
  if (errno != 0 || end == nullptr || *end != '\0' || !only_digits) {
    return false;
  }
  out = v;
  return true;
}

bool parse_number(const std::string& text, double& out) {
  std::string t(text::trim(text));
  if (t.empty()) {
    return false;
  }
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end == nullptr || *end != '\0') {
    return false;
  }
  out = v;
  return true;
}

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

// The items of a list setting: a TOML array, or comma-separated text.
std::vector<Raw> list_items(const Raw& raw) {
  if (raw.type == Raw::Type::array) {
    return raw.items;
  }
  std::vector<Raw> out;
  for (const std::string& part : split_csv(raw.s)) {
    out.push_back(Raw::text(part));
  }
  return out;
}

} // namespace

Raw Raw::text(std::string s) {
  Raw r;
  r.type = Type::string;
  r.s = std::move(s);
  return r;
}

Raw Raw::from_node(const toml::node& n) {
  Raw r;
  if (auto v = n.value_exact<std::string>()) {
    r = text(*v);
  } else if (auto b = n.value_exact<bool>()) {
    r.type = Type::boolean;
    r.b = *b;
  } else if (auto i = n.value_exact<int64_t>()) {
    r.type = Type::integer;
    r.i = *i;
  } else if (auto d = n.value_exact<double>()) {
    r.type = Type::floating;
    r.d = *d;
  } else if (const toml::array* a = n.as_array()) {
    r.type = Type::array;
    for (const toml::node& item : *a) {
      r.items.push_back(from_node(item));
    }
  }
  return r;
}

std::string Raw::shown() const {
  switch (type) {
  case Type::string:
    return toml_quote(s);
  case Type::integer:
    return std::to_string(i);
  case Type::floating:
    return std::to_string(d);
  case Type::boolean:
    return b ? "true" : "false";
  case Type::array:
    return "an array";
  default:
    return "a table or date";
  }
}

Coercion coerce(const Raw& raw, std::string& out) {
  if (raw.type != Raw::Type::string) {
    return fail("expected a string, got " + raw.shown());
  }
  out = raw.s;
  return {};
}

Coercion coerce(const Raw& raw, int64_t& out) {
  switch (raw.type) {
  case Raw::Type::integer:
    out = raw.i;
    return {};
  case Raw::Type::floating:
    if (!std::isfinite(raw.d) || std::fabs(raw.d) > 9.2e18) {
      return fail("expected an integer, got " + raw.shown());
    }
    out = static_cast<int64_t>(std::trunc(raw.d));
    return {};
  case Raw::Type::string:
    if (parse_integer(raw.s, out)) {
      return {};
    }
    [[fallthrough]];
  default:
    return fail("expected an integer, got " + raw.shown());
  }
}

Coercion coerce(const Raw& raw, int& out) {
  int64_t wide = 0;
  Coercion c = coerce(raw, wide);
  if (c.outcome != Outcome::set) {
    return c;
  }
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    return fail("value " + std::to_string(wide) + " is out of range");
  }
  out = static_cast<int>(wide);
  return {};
}

Coercion coerce(const Raw& raw, bool& out) {
  switch (raw.type) {
  case Raw::Type::boolean:
    out = raw.b;
    return {};
  case Raw::Type::integer:
    out = raw.i != 0;
    return {};
  case Raw::Type::floating:
    out = raw.d != 0;
    return {};
  case Raw::Type::string: {
    std::string t = text::lower(text::trim(raw.s));
    if (t == "1" || t == "true" || t == "yes" || t == "on") {
      out = true;
      return {};
    }
    if (t == "0" || t == "false" || t == "no" || t == "off") {
      out = false;
      return {};
    }
    return keep(raw.shown() + " is not true/false/yes/no/on/off/1/0; using the default");
  }
  default:
    return fail("expected true or false, got " + raw.shown());
  }
}

Coercion coerce(const Raw& raw, double& out) {
  switch (raw.type) {
  case Raw::Type::integer:
    out = static_cast<double>(raw.i);
    return {};
  case Raw::Type::floating:
    out = raw.d;
    return {};
  case Raw::Type::string:
    if (parse_number(raw.s, out)) {
      return {};
    }
    [[fallthrough]];
  default:
    return fail("expected a number, got " + raw.shown());
  }
}

Coercion coerce(const Raw& raw, std::vector<std::string>& out) {
  if (raw.type != Raw::Type::array && raw.type != Raw::Type::string) {
    return fail("expected a list of strings, got " + raw.shown());
  }
  out.clear();
  for (const Raw& item : list_items(raw)) {
    if (item.type != Raw::Type::string) {
      return fail("expected a list of strings, got an item " + item.shown());
    }
    std::string t(text::trim(item.s));
    if (!t.empty()) {
      out.push_back(t);
    }
  }
  return out.empty() ? keep() : Coercion{};
}

Coercion coerce(const Raw& raw, std::vector<double>& out) {
  if (raw.type != Raw::Type::array && raw.type != Raw::Type::string) {
    return fail("expected a list of numbers, got " + raw.shown());
  }
  out.clear();
  for (const Raw& item : list_items(raw)) {
    if (item.type == Raw::Type::string && text::trim(item.s).empty()) {
      continue;
    }
    double v = 0;
    bool ok = item.type != Raw::Type::boolean && coerce(item, v).outcome == Outcome::set;
    if (!ok || !std::isfinite(v) || v < 0) {
      return keep("item " + item.shown() + " is not a non-negative number; using the default");
    }
    out.push_back(v);
  }
  return out.empty() ? keep() : Coercion{};
}

std::string expand_path(const std::string& p, const std::string& home, const std::string& cwd) {
  std::string s = p;
  if (s == "~" || s.rfind("~/", 0) == 0) {
    s = home + s.substr(1);
  }
  std::filesystem::path path(s);
  if (path.is_relative() && !cwd.empty()) {
    path = std::filesystem::path(cwd) / path;
  }
  std::string out = path.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') {
    out.pop_back();
  }
  return out;
}

Coercion Apply::finish(std::string& v) const {
  if (key.has(k_empty_is_default) && text::trim(v).empty()) {
    return keep();
  }
  if (key.has(k_lower)) {
    v = text::lower(text::trim(v));
  }
  if (key.has(k_strip_slash)) {
    while (!v.empty() && v.back() == '/') {
      v.pop_back();
    }
  }
  if (key.has(k_path)) {
    v = expand_path(v, in.home, in.cwd);
  }
  if (key.dotted() == "providers.openai.balance") {
    std::string b = text::lower(text::trim(v));
    std::replace(b.begin(), b.end(), '-', '_');
    if (b != "balanced" && b != "round_robin" && b != "ordered") {
      return keep(toml_quote(v) +
                  " is not \"balanced\", \"round_robin\" or \"ordered\"; using the default");
    }
    v = b;
  }
  return {};
}

namespace {

// A timeout of 0 used to fail every stream at once: refused, with the way out.
Coercion positive_seconds(double v) {
  char shown[32];
  std::snprintf(shown, sizeof shown, "%g", v);
  return fail(std::string("must be greater than 0 seconds (got ") + shown +
              "); a timeout cannot be turned off, use a large value instead");
}

} // namespace

Coercion Apply::finish(int& v) const {
  if (key.has(k_port) && (v < 0 || v > 65535)) {
    return fail("port " + std::to_string(v) + " is outside 0..65535");
  }
  if (key.has(k_positive) && v <= 0) {
    return positive_seconds(v);
  }
  if (key.has(k_clamp_nonneg) && v < 0) {
    v = 0;
  }
  return {};
}

Coercion Apply::finish(double& v) const {
  if (key.has(k_positive) && !(v > 0 && std::isfinite(v))) {
    return positive_seconds(v);
  }
  return {};
}

Coercion Apply::finish(int64_t& v) const {
  if (key.has(k_clamp_nonneg) && v < 0) {
    v = 0;
  }
  return {};
}

} // namespace airelays::config::detail
