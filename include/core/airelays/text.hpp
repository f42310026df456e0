// Small ASCII text helpers that several modules need (header names, config values, hosts,
// HTML pages): one home each instead of a private copy per file. Pure: std only.
#pragma once

#include <string>
#include <string_view>

namespace airelays::text {

// c in lower case if it is an ASCII letter (std::tolower in the "C" locale, which the
// relay never leaves, without a call into libc per character).
inline unsigned char lower(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 'A' && u <= 'Z' ? static_cast<unsigned char>(u + ('a' - 'A')) : u;
}

// s with ASCII letters in lower case.
std::string lower(std::string_view s);

// Whether a and b are equal ignoring ASCII case, compared in place (no lower-cased copy:
// header lookups run this for every header of every upstream response).
bool iequals(std::string_view a, std::string_view b);

// s without leading and trailing ASCII white space (space, \t, \r, \n, \f, \v).
std::string_view trim(std::string_view s);

// Lower-case hex digits of the bytes, two per byte.
std::string hex(std::string_view bytes);

// Whether every character of s is a lower-case hex digit.
bool is_hex(std::string_view s);

// s with & < > " ' replaced by HTML entities, safe inside elements and quoted attributes.
std::string html_escape(std::string_view s);

} // namespace airelays::text
