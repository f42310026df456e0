// Signing in to ChatGPT (upstream-contract §1–3, reference §3.4): the browser flow (PKCE S256
// with a loopback callback listener on [auth] callback_port) and the device-code flow, the
// form-encoded code exchange both end in, and the revoke call of logout. The issuer, client
// id and port come from config, so every flow runs against a local fake. Returns the token
// set; storing it is the caller's job (token_manager::save_login).
#pragma once

#include <airelays/config.hpp>
#include <airelays/error.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace airelays::oauth_login {

struct Settings {
  std::string issuer; // without a trailing slash
  std::string client_id;
  std::string client_version;
  int callback_port = 1455;
  int timeout_seconds = 900;
  std::string workspace_id; // --workspace-id: restrict the login to this account
};

Settings settings_from(const config::Config& cfg, std::string workspace_id = {});

struct Tokens {
  std::string id_token;
  std::string access_token;
  std::string refresh_token;
};

struct Pkce {
  std::string verifier;  // 86 chars: base64url of 64 random bytes
  std::string challenge; // base64url(SHA-256(verifier)), unpadded
  std::string state;     // 43 chars: base64url of 32 random bytes
};

Pkce make_pkce();
// base64url(SHA-256(s)) without padding.
std::string s256(const std::string& s);

// The authorize URL of the browser flow.
std::string authorize_url(const Settings& s, const Pkce& pkce, const std::string& redirect_uri);

// Set (from a SIGINT handler) to abandon a login; the flow then fails with ExitCode::aborted.
using CancelFlag = std::atomic<bool>;
// Receives progress lines meant for the user (never secrets).
using Notify = std::function<void(const std::string&)>;

// The browser flow: the callback listener is bound when it starts (by the HTTP module, which
// holds httplib: httpd::Module::start_browser_login, src/httpd/oauth_login_browser.cpp); wait()
// serves it until a good callback was exchanged, the user cancelled, /cancel was requested or
// the timeout passed.
class BrowserLogin {
public:
  virtual ~BrowserLogin() = default;
  virtual const std::string& url() const = 0;
  virtual const std::string& redirect_uri() const = 0;
  virtual Result<Tokens> wait(const CancelFlag& cancel, const Notify& notify) = 0;
};

struct DeviceCode {
  std::string device_auth_id;
  std::string user_code;
  std::string verification_url; // <issuer>/codex/device
  int interval_seconds = 5;
};

// Asks the issuer for a user code.
Result<DeviceCode> request_device_code(const Settings& s);
// Polls until the user approved (then exchanges the code), the timeout passed or cancel is set;
// `notify` gets a "Waiting for approval…" line at most every 15 seconds.
Result<Tokens> poll_device_code(const Settings& s, const DeviceCode& code, const CancelFlag& cancel,
                                const Notify& notify);

// The form-encoded authorization_code exchange at <issuer>/oauth/token.
Result<Tokens> exchange_code(const Settings& s, const std::string& code,
                             const std::string& redirect_uri, const std::string& verifier);

// Fails when --workspace-id was given and the login belongs to another account.
Status check_workspace(const Settings& s, const Tokens& t);

// Revokes a refresh token at <issuer>/oauth/revoke; true when the issuer answered 2xx.
bool revoke(const Settings& s, const std::string& refresh_token);

} // namespace airelays::oauth_login
