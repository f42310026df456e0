// See sha256.hpp.
//
// OpenSSL's direct SHA256_Init/Update/Final, deprecated in OpenSSL 3 but kept by it: the
// EVP one-shot goes through a provider fetch whose first call builds the providers' name map,
// 3.1 M instructions, a fifth of `airelays status --json` (callgrind of that command).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <airelays/sha256.hpp>
#include <airelays/text.hpp>

#include <openssl/sha.h>

namespace airelays::sha256 {

std::string digest(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(md, &ctx);
  return std::string(reinterpret_cast<const char*>(md), sizeof md);
}

std::string hex(std::string_view data) { return text::hex(digest(data)); }

} // namespace airelays::sha256
