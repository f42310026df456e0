// Unpadded base64url encoding (see base64url.hpp).
#include <airelays/base64url.hpp>

#include <openssl/evp.h>

namespace airelays::base64url {

std::string encode(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  for (auto& c : out) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  return out;
}

} // namespace airelays::base64url
