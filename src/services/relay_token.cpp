// The relay's bearer token (see relay_token.hpp).
#include <airelays/atomic_file.hpp>
#include <airelays/random.hpp>
#include <airelays/relay_token.hpp>
#include <airelays/sha256.hpp>
#include <airelays/text.hpp>

namespace airelays::relay_token {

std::string generate() { return random::url_token(32); }

Result<std::optional<std::string>> resolve(const config::Config& cfg) {
  if (cfg.bearer_token_env && !cfg.bearer_token_env->empty()) {
    return std::optional<std::string>(*cfg.bearer_token_env);
  }
  auto stored = atomic_file::read(cfg.bearer_token_file);
  if (!stored) {
    return stored.error();
  }
  if (!stored->has_value()) {
    return std::optional<std::string>{};
  }
  std::string token(text::trim(**stored));
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

std::string fingerprint(std::string_view token) { return sha256::hex(token).substr(0, 12); }

} // namespace airelays::relay_token
