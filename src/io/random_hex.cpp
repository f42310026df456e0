// See random_hex.hpp.
#include <airelays/random_hex.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace airelays::random_hex {

std::string make(size_t chars) {
  std::string bytes((chars + 1) / 2, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(bytes.size())) !=
      1) {
    throw std::runtime_error("the system random generator failed");
  }
  static const char* k_digits = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += k_digits[b >> 4];
    out += k_digits[b & 15];
  }
  out.resize(chars);
  return out;
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

} // namespace airelays::random_hex
