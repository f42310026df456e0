// PKCE, the code exchange, the device-code flow and revoke (see oauth_login.hpp). Every issuer
// call goes through http_client::perform; the browser callback listener is in the HTTP module
// (src/httpd/oauth_login_browser.cpp). Nothing here prints or returns a token except in Tokens.
#include <airelays/base64.hpp>
#include <airelays/http_client.hpp>
#include <airelays/json_util.hpp>
#include <airelays/jwt.hpp>
#include <airelays/oauth_login.hpp>
#include <airelays/random.hpp>
#include <airelays/sha256.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

namespace airelays::oauth_login {

namespace {

using json_util::string_or_empty;

constexpr long k_issuer_timeout_ms = 30000;

// The issuer's explanation of a failure: error_description, error.message, error, raw body.
std::string issuer_detail(const http_client::Response& r) {
  if (r.status == 0) {
    return r.error;
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string d = string_or_empty(j, "error_description");
  if (d.empty() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    d = string_or_empty(j["error"], "message");
    if (d.empty()) {
      d = string_or_empty(j["error"], "code");
    }
  }
  if (d.empty()) {
    d = string_or_empty(j, "error");
  }
  if (d.empty()) {
    d = r.body.substr(0, 300);
  }
  return std::to_string(r.status) + (d.empty() ? "" : " " + d);
}

http_client::Response post(const Settings& s, const std::string& path, std::string content_type,
                           std::string body) {
  http_client::Request req;
  req.method = "POST";
  req.url = s.issuer + path;
  req.headers = {{"Content-Type", std::move(content_type)}, {"Accept", "*/*"}};
  req.body = std::move(body);
  req.timeout_ms = k_issuer_timeout_ms;
  return http_client::perform(req);
}

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    out += (out.empty() ? "" : "&") + http_client::url_encode(k) + "=" + http_client::url_encode(v);
  }
  return out;
}

int parse_interval(const nlohmann::json& j) {
  auto it = j.find("interval");
  int v = 0;
  if (it != j.end() && it->is_string()) {
    try {
      v = std::stoi(it->get<std::string>());
    } catch (const std::exception&) {
      v = 0;
    }
  } else if (it != j.end() && it->is_number_integer()) {
    v = it->get<int>();
  }
  return v > 0 ? v : 5;
}

bool sleep_unless_cancelled(std::chrono::milliseconds total, const CancelFlag& cancel) {
  auto end = std::chrono::steady_clock::now() + total;
  while (std::chrono::steady_clock::now() < end) {
    if (cancel.load()) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !cancel.load();
}

Error cancelled() { return make_error("Login cancelled.", ExitCode::aborted); }

std::string mmss(long seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld", seconds / 60, seconds % 60);
  return buf;
}

} // namespace

Settings settings_from(const config::Config& cfg, std::string workspace_id) {
  Settings s;
  s.issuer = cfg.issuer_base_url;
  while (!s.issuer.empty() && s.issuer.back() == '/') {
    s.issuer.pop_back();
  }
  s.client_id = cfg.client_id;
  s.client_version = cfg.client_version;
  s.callback_port = cfg.callback_port;
  s.timeout_seconds = cfg.login_timeout_seconds > 0 ? cfg.login_timeout_seconds : 900;
  s.workspace_id = std::move(workspace_id);
  return s;
}

std::string s256(const std::string& s) { return base64::encode_url(sha256::digest(s)); }

Pkce make_pkce() {
  Pkce p;
  p.verifier = random::url_token(64);
  p.challenge = s256(p.verifier);
  p.state = random::url_token(32);
  return p;
}

std::string authorize_url(const Settings& s, const Pkce& pkce, const std::string& redirect_uri) {
  std::vector<std::pair<std::string, std::string>> q = {
      {"response_type", "code"},
      {"client_id", s.client_id},
      {"redirect_uri", redirect_uri},
      {"scope", "openid profile email offline_access"},
      {"code_challenge", pkce.challenge},
      {"code_challenge_method", "S256"},
      {"id_token_add_organizations", "true"},
      {"codex_cli_simplified_flow", "true"},
      {"state", pkce.state},
      {"originator", "codex_cli_rs"},
  };
  if (!s.workspace_id.empty()) {
    q.emplace_back("allowed_workspace_id", s.workspace_id);
  }
  return s.issuer + "/oauth/authorize?" + form(q);
}

Result<Tokens> exchange_code(const Settings& s, const std::string& code,
                             const std::string& redirect_uri, const std::string& verifier) {
  auto r = post(s, "/oauth/token", "application/x-www-form-urlencoded",
                form({{"grant_type", "authorization_code"},
                      {"client_id", s.client_id},
                      {"code", code},
                      {"redirect_uri", redirect_uri},
                      {"code_verifier", verifier}}));
  if (r.status < 200 || r.status >= 300) {
    return make_error("Token exchange failed: " + issuer_detail(r));
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  Tokens t{string_or_empty(j, "id_token"), string_or_empty(j, "access_token"),
           string_or_empty(j, "refresh_token")};
  if (t.id_token.empty() || t.access_token.empty() || t.refresh_token.empty()) {
    return make_error("Token exchange failed: the issuer's token response is invalid (it must "
                      "carry id_token, access_token and refresh_token).");
  }
  return t;
}

Status check_workspace(const Settings& s, const Tokens& t) {
  if (s.workspace_id.empty()) {
    return ok_status();
  }
  if (jwt::claims(t.id_token).account_id != s.workspace_id) {
    return make_error("Login is restricted to workspace id " + s.workspace_id +
                      ", but you signed in to another workspace. Run `airelays login` again and "
                      "pick that workspace.");
  }
  return ok_status();
}

Result<DeviceCode> request_device_code(const Settings& s) {
  auto r = post(s, "/api/accounts/deviceauth/usercode", "application/json",
                nlohmann::json{{"client_id", s.client_id}}.dump());
  if (r.status == 404) {
    return make_error("Device-code login is not enabled for this server. Use the browser login: "
                      "airelays login --browser");
  }
  if (r.status < 200 || r.status >= 300) {
    return make_error("Device-code login could not start: " + issuer_detail(r));
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  DeviceCode d;
  d.device_auth_id = string_or_empty(j, "device_auth_id");
  d.user_code = string_or_empty(j, "user_code");
  if (d.user_code.empty()) {
    d.user_code = string_or_empty(j, "usercode");
  }
  if (d.user_code.empty() || d.device_auth_id.empty()) {
    return make_error("Device-code login returned an unexpected payload (no user code).");
  }
  d.interval_seconds = parse_interval(j);
  d.verification_url = s.issuer + "/codex/device";
  return d;
}

Result<Tokens> poll_device_code(const Settings& s, const DeviceCode& code, const CancelFlag& cancel,
                                const Notify& notify) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(s.timeout_seconds);
  auto last_notice = clock::now() - std::chrono::seconds(15);
  const std::string body =
      nlohmann::json{{"device_auth_id", code.device_auth_id}, {"user_code", code.user_code}}.dump();
  while (clock::now() < deadline) {
    if (!sleep_unless_cancelled(std::chrono::seconds(code.interval_seconds), cancel)) {
      return cancelled();
    }
    auto r = post(s, "/api/accounts/deviceauth/token", "application/json", body);
    if (r.status == 403 || r.status == 404) {
      if (notify && clock::now() - last_notice >= std::chrono::seconds(15)) {
        last_notice = clock::now();
        auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - clock::now());
        notify("  Waiting for approval... (expires in " + mmss(left.count()) +
               ", Ctrl-C to cancel)");
      }
      continue;
    }
    if (r.status == 0) {
      return make_error("Device-code login failed: the issuer could not be reached (" + r.error +
                        "). Request a fresh code with `airelays login --device`.");
    }
    if (r.status < 200 || r.status >= 300) {
      return make_error("Device-code login failed upstream (status " + std::to_string(r.status) +
                        "). Request a fresh code with `airelays login --device`.");
    }
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    std::string auth_code = string_or_empty(j, "authorization_code");
    std::string verifier = string_or_empty(j, "code_verifier");
    if (auth_code.empty() || verifier.empty()) {
      return make_error(
          "Device-code login returned an unexpected payload (no authorization code).");
    }
    return exchange_code(s, auth_code, s.issuer + "/deviceauth/callback", verifier);
  }
  long minutes = std::max(1, s.timeout_seconds / 60);
  return make_error("Device-code login was not approved within " + std::to_string(minutes) +
                    " minute(s). The code may have expired or the request was denied; run "
                    "`airelays login --device` to get a fresh code.");
}

bool revoke(const Settings& s, const std::string& refresh_token) {
  http_client::Request req;
  req.method = "POST";
  req.url = s.issuer + "/oauth/revoke";
  req.headers = {{"Content-Type", "application/json"}, {"originator", "codex_cli_rs"}};
  req.body = nlohmann::json{{"token", refresh_token},
                            {"token_type_hint", "refresh_token"},
                            {"client_id", s.client_id}}
                 .dump();
  req.connect_timeout_ms = 5000;
  req.timeout_ms = 10000;
  auto r = http_client::perform(req);
  return r.status >= 200 && r.status < 300;
}

} // namespace airelays::oauth_login
