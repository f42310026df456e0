// The ChatGPT login as the relay uses it: "give me a valid access token" and "the upstream
// said 401". Refreshes when the access token expires within 5 minutes (or, with no exp, when
// the last refresh is older than 8 days), and once after an upstream 401; single-flight
// inside the process and across processes (<data_dir>/auth.lock, record re-read under the
// lock), because refresh tokens are single-use. Terminal refresh errors are persisted in
// <data_dir>/login-state.json and never retried in a loop (DESIGN.md, Decisions).
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/config.hpp>
#include <airelays/paths.hpp>

#include <memory>
#include <optional>
#include <string>

namespace airelays::token_manager {

struct Credentials {
  std::string access_token;
  std::string account_id; // ChatGPT-Account-ID header value (may be empty)
};

// Either credentials or the 503 the relay must answer (upstream_auth_missing,
// upstream_auth_refresh_failed, upstream_auth_unavailable, ...), with the
// x-airelays-upstream-auth header already set on the error.
struct Access {
  std::optional<Credentials> credentials;
  api_error::ApiError error;
  bool ok() const { return credentials.has_value(); }
};

enum class LoginState { signed_out, ready, login_required };

// What status, /v1/relay/status and the home page show about the login (no secrets).
struct Summary {
  LoginState state = LoginState::signed_out;
  std::string storage;               // keyring | file | "" when signed out
  std::string email;
  std::string plan;
  std::string account_id;
  std::optional<long> access_token_expires_at; // unix seconds
  std::optional<long> last_refresh;            // unix seconds
  std::string login_required_reason;           // when state == login_required
};

std::string to_string(LoginState s);

class TokenManager {
public:
  virtual ~TokenManager() = default;
  // A valid access token, refreshing first when needed.
  virtual Access access() = 0;
  // The upstream rejected `rejected_access_token` with 401: refresh once (unless another
  // caller already did) and return the new credentials.
  virtual Access after_unauthorized(const std::string& rejected_access_token) = 0;
  // The login as stored now (reads the store; no network).
  virtual Summary summary() = 0;
};

// The real manager over the configured secret store and issuer.
std::unique_ptr<TokenManager> make(const config::Config& cfg, const paths::Layout& layout);

} // namespace airelays::token_manager
