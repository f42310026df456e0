// See sha256.hpp.
#include <airelays/sha256.hpp>
#include <airelays/text.hpp>

#include <openssl/evp.h>

namespace airelays::sha256 {

std::string digest(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string hex(std::string_view data) { return text::hex(digest(data)); }

} // namespace airelays::sha256
