// The ChatGPT login as the relay uses it: "give me a valid access token" and "the upstream
// said 401". Refreshes when the access token expires within 5 minutes (or, with no exp, when
// the last refresh is older than 8 days), and once after an upstream 401; single-flight
// inside the process and across processes (<data_dir>/auth.lock, record re-read under the
// lock), because refresh tokens are single-use. Terminal refresh errors are persisted in
// <data_dir>/login-state.json and never retried in a loop (DESIGN.md, Decisions).
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/auth_record.hpp>
#include <airelays/config.hpp>
#include <airelays/paths.hpp>

#include <memory>
#include <optional>
#include <string>

namespace airelays::metrics {
class Registry;
}

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

// A refreshed login that could not be stored (disk full, read-only home, keyring locked):
// the process that holds it keeps serving it and retries the save; recorded in
// <data_dir>/auth-unsaved.json (an empty file when even that cannot be written).
struct SaveFailure {
  std::string since; // ISO-8601 UTC ("" when the marker is empty)
  std::string error; // why the save failed (no secrets)
  long pid = 0;      // the process holding the newer record (0 unknown)
};

// What status, /v1/relay/status and the home page show about the login (no secrets).
struct Summary {
  LoginState state = LoginState::signed_out;
  std::string storage; // keyring | file | "" when signed out
  std::string email;
  std::string plan;
  std::string account_id;
  std::optional<long> access_token_expires_at; // unix seconds
  std::optional<long> last_refresh;            // unix seconds
  std::string login_required_reason;           // when state == login_required
  std::optional<SaveFailure> save_failure;     // a refresh not yet stored
  std::string storage_problem; // why the login store could not be read ("" when it could)
};

// Timings of the refresh lifecycle (the defaults are the product's; tests shorten them).
struct Tuning {
  double lock_timeout_seconds = 15;    // waiting for auth.lock → 503 upstream_auth_unavailable
  double wait_timeout_seconds = 50;    // a request waiting for the refresh in flight
  double backoff_initial_seconds = 5;  // after a transient refresh failure, doubling…
  double backoff_max_seconds = 300;    // …up to this
  double forced_cooldown_seconds = 30; // at most one refresh after an upstream 401 per this
  double save_retry_seconds = 5;       // first retry of an unsaved refresh (doubling to 60)
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

// The real manager over the configured secret store and issuer. With `metrics`, refresh
// outcomes are counted as airelays_token_refresh_total{outcome,reason}.
std::unique_ptr<TokenManager> make(const config::Config& cfg, const paths::Layout& layout,
                                   metrics::Registry* metrics = nullptr,
                                   const Tuning& tuning = Tuning{});

// --- the stored login, for `login`, `logout` and `status` (no network) ---

struct SavedLogin {
  std::string place;  // keyring | file
  std::string notice; // one line when auto mode fell back to the file, else ""
  Summary summary;
};

// Stores a fresh login (under auth.lock) in the configured place and clears a persisted
// "login required" state.
Result<SavedLogin> save_login(const config::Config& cfg, const paths::Layout& layout,
                              const std::string& id_token, const std::string& access_token,
                              const std::string& refresh_token);

// The stored record from the configured place, or nullopt when signed out.
Result<std::optional<auth_record::Record>> load_login(const config::Config& cfg,
                                                      const paths::Layout& layout);

// Deletes the login from every place (keyring and file, whatever the mode) and the
// login-required state; true when a login was deleted.
Result<bool> remove_login(const config::Config& cfg, const paths::Layout& layout);

// The persisted "login required" state (<data_dir>/login-state.json).
struct LoginRequired {
  std::string reason;  // refresh_token_reused | ..._expired | ..._invalidated | invalid_grant
  std::string message; // the 503 message ("Token refresh failed: … Run `airelays login` again.")
  std::string time;    // ISO-8601 UTC
};
std::optional<LoginRequired> read_login_required(const paths::Layout& layout);
Status write_login_required(const paths::Layout& layout, const LoginRequired& state);
Status clear_login_required(const paths::Layout& layout);

// The unsaved-refresh marker (see SaveFailure). Writing falls back to an empty file, which
// needs no data block on a full disk.
std::optional<SaveFailure> read_save_failure(const paths::Layout& layout);
void write_save_failure(const paths::Layout& layout, const SaveFailure& failure);
void clear_save_failure(const paths::Layout& layout);

// Marks the stored login as changed (<data_dir>/auth.changed replaced by a new empty file: a
// new inode, no data block) so running relays notice a login, logout or refresh within one
// request, whatever the storage.
void mark_changed(const paths::Layout& layout);

// The summary of a record (claims decoded; no secrets).
Summary summarize(const auth_record::Record& r, const std::string& place);

} // namespace airelays::token_manager
