// The relay's bearer token (see relay_token.hpp).
//
// SHA-256 here uses OpenSSL's direct SHA256_Init/Update/Final, deprecated in OpenSSL 3 but
// kept by it: the one-shot SHA256() goes through EVP_MD_fetch, whose first call builds the
// providers' name map, 3.1 M instructions, a fifth of `airelays status --json`.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <airelays/atomic_file.hpp>
#include <airelays/base64url.hpp>
#include <airelays/relay_token.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace airelays::relay_token {

namespace {

// The SHA-256 digest of data, without a provider fetch (see the top of this file).
void sha256(std::string_view data, unsigned char (&digest)[SHA256_DIGEST_LENGTH]) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(digest, &ctx);
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  auto first = s.find_first_not_of(ws);
  if (first == std::string::npos) {
    return {};
  }
  auto last = s.find_last_not_of(ws);
  return s.substr(first, last - first + 1);
}

} // namespace

std::string generate() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    throw std::runtime_error("the system random generator failed");
  }
  return base64url::encode(bytes, sizeof bytes);
}

Result<std::optional<std::string>> resolve(const config::Config& cfg) {
  if (cfg.bearer_token_env && !cfg.bearer_token_env->empty()) {
    return std::optional<std::string>(*cfg.bearer_token_env);
  }
  auto text = atomic_file::read(cfg.bearer_token_file);
  if (!text) {
    return text.error();
  }
  if (!text->has_value()) {
    return std::optional<std::string>{};
  }
  std::string token = trim(**text);
  if (token.empty()) {
    return std::optional<std::string>{};
  }
  return std::optional<std::string>(token);
}

Result<std::string> rotate(const config::Config& cfg) {
  std::string token = generate();
  Status written = atomic_file::write(cfg.bearer_token_file, token + "\n", 0600);
  if (!written) {
    return written.error();
  }
  return token;
}

std::string fingerprint(std::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  sha256(token, digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 6; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  // Compare digests so the time depends on neither length nor content of the secret.
  unsigned char da[SHA256_DIGEST_LENGTH];
  unsigned char db[SHA256_DIGEST_LENGTH];
  sha256(a, da);
  sha256(b, db);
  unsigned char diff = 0;
  for (size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    diff |= static_cast<unsigned char>(da[i] ^ db[i]);
  }
  return diff == 0;
}

} // namespace airelays::relay_token
