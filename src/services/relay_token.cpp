// The relay's bearer token (see relay_token.hpp).
#include <airelays/atomic_file.hpp>
#include <airelays/base64url.hpp>
#include <airelays/relay_token.hpp>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace airelays::relay_token {

namespace {

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
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
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
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
  unsigned char diff = 0;
  for (size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    diff |= static_cast<unsigned char>(da[i] ^ db[i]);
  }
  return diff == 0;
}

} // namespace airelays::relay_token
