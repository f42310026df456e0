// See random.hpp.
#include <airelays/base64.hpp>
#include <airelays/random.hpp>
#include <airelays/text.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>

namespace airelays::random {

std::string bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("the system random generator failed");
  }
  return out;
}

std::string hex(size_t chars) {
  std::string out = text::hex(bytes((chars + 1) / 2));
  out.resize(chars);
  return out;
}

std::string url_token(size_t n) { return base64::encode_url(bytes(n)); }

std::string correlation_id(std::string_view prefix, size_t chars) {
  thread_local std::mt19937_64 generator{(static_cast<uint64_t>(std::random_device{}()) << 32) ^
                                         std::random_device{}()};
  std::string bytes((chars + 1) / 2, '\0');
  for (size_t i = 0; i < bytes.size(); i += 8) {
    uint64_t word = generator();
    std::memcpy(bytes.data() + i, &word, std::min<size_t>(8, bytes.size() - i));
  }
  std::string id(prefix);
  id += text::hex(bytes).substr(0, chars);
  return id;
}

} // namespace airelays::random
