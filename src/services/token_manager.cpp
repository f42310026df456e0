// The ChatGPT login lifecycle for the relay (see token_manager.hpp). One mutex makes refresh
// single-flight inside the process: it is held across the issuer call, so concurrent callers
// wait and then find the fresh record. auth.lock (flock) makes it single-flight across
// processes: the record is re-read after taking it, and a refresh another process already did
// is used instead of spending the (single-use) refresh token again. Terminal issuer answers
// become the persisted "login required" state; transport errors and 5xx stay transient.
#include <airelays/http_client.hpp>
#include <airelays/json_util.hpp>
#include <airelays/jwt.hpp>
#include <airelays/metrics.hpp>
#include <airelays/secret_store.hpp>
#include <airelays/token_manager.hpp>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

namespace airelays::token_manager {

namespace {

using json_util::string_or_empty;

constexpr long k_refresh_margin_seconds = 5 * 60;
constexpr double k_max_refresh_age_seconds = 8 * 24 * 3600;
constexpr const char* k_terminal_codes[] = {"refresh_token_reused", "refresh_token_expired",
                                            "refresh_token_invalidated", "invalid_grant"};

double now_unix() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

api_error::ApiError auth_error(const std::string& code, const std::string& header,
                               std::string message) {
  auto e = api_error::make(503, std::move(message), code);
  e.type = "authentication_error";
  if (!header.empty()) {
    e.headers.emplace_back("x-airelays-upstream-auth", header);
  }
  return e;
}

Access failed(api_error::ApiError e) {
  Access a;
  a.error = std::move(e);
  return a;
}

Access granted(const auth_record::Record& r) {
  Access a;
  a.credentials = Credentials{r.access_token, r.account_id};
  return a;
}

Access missing() {
  return failed(auth_error("upstream_auth_missing", "missing",
                           "No ChatGPT login found. Run `airelays login` first."));
}

Access login_required(const LoginRequired& s) {
  return failed(auth_error("upstream_auth_refresh_failed", "refresh_failed", s.message));
}

// The access token's exp claim. Decoding it (base64url and a JSON parse) on every request
// showed in profiles; the token changes only at a refresh, so each thread keeps its last one.
std::optional<long> access_expiry(const std::string& token) {
  thread_local std::string t_token;
  thread_local std::optional<long> t_exp;
  if (token != t_token) {
    t_exp = jwt::claims(token).exp;
    t_token = token;
  }
  return t_exp;
}

bool needs_refresh(const auth_record::Record& r, double now) {
  if (r.access_token.empty()) {
    return true;
  }
  if (auto exp = access_expiry(r.access_token)) {
    return static_cast<double>(*exp) - now < k_refresh_margin_seconds;
  }
  auto last = auth_record::parse_time(r.last_refresh);
  return !last || now - *last > k_max_refresh_age_seconds;
}

bool still_valid(const auth_record::Record& r, double now) {
  auto exp = access_expiry(r.access_token);
  return !r.access_token.empty() && (!exp || static_cast<double>(*exp) > now + 5);
}

// The issuer's error code: error.code, error (a string) or code.
std::string refresh_error_code(const nlohmann::json& body) {
  if (!body.is_object()) {
    return {};
  }
  auto err = body.find("error");
  if (err != body.end() && err->is_object()) {
    return string_or_empty(*err, "code");
  }
  std::string e = string_or_empty(body, "error");
  return e.empty() ? string_or_empty(body, "code") : e;
}

std::string terminal_phrase(const std::string& code) {
  if (code == "refresh_token_reused") {
    return "the refresh token was already used";
  }
  if (code == "refresh_token_expired") {
    return "the refresh token has expired";
  }
  if (code == "refresh_token_invalidated") {
    return "the refresh token was revoked";
  }
  return "the issuer rejected the refresh token";
}

class Manager final : public TokenManager {
public:
  Manager(config::Config cfg, paths::Layout layout, metrics::Registry* metrics)
      : m_cfg(std::move(cfg)), m_layout(std::move(layout)), m_metrics(metrics),
        m_store(secret_store::open(m_cfg.storage, m_layout.data_dir, m_layout.auth_file)) {
    m_issuer = m_cfg.issuer_base_url;
    while (!m_issuer.empty() && m_issuer.back() == '/') {
      m_issuer.pop_back();
    }
  }

  Access access() override {
    std::lock_guard lock(m_mutex);
    if (auto blocked = current_state()) {
      return *blocked;
    }
    if (needs_refresh(*m_record, now_unix())) {
      return refresh("proactive_expiry", m_record->access_token);
    }
    return granted(*m_record);
  }

  Access after_unauthorized(const std::string& rejected) override {
    std::lock_guard lock(m_mutex);
    if (auto blocked = current_state()) {
      return *blocked;
    }
    if (m_record->access_token != rejected && !needs_refresh(*m_record, now_unix())) {
      return granted(*m_record); // another caller already refreshed
    }
    return refresh("unauthorized_recovery", rejected);
  }

  Summary summary() override {
    // Its own store object: summary() must not wait for a refresh in progress.
    auto store = secret_store::open(m_cfg.storage, m_layout.data_dir, m_layout.auth_file);
    auto text = store->load();
    Summary s;
    if (!text) {
      s.storage_problem = text.error().message; // e.g. no Secret Service keyring answered
    }
    if (text && text->has_value()) {
      if (auto r = auth_record::parse(**text, m_layout.auth_file)) {
        s = summarize(*r, store->place());
      }
    }
    if (auto required = read_login_required(m_layout)) {
      s.state = LoginState::login_required;
      s.login_required_reason = required->reason;
    }
    return s;
  }

private:
  // Loads what is needed; an Access error when requests cannot proceed, nullopt when
  // m_record holds a usable login.
  std::optional<Access> current_state() {
    if (m_required) {
      if (auto still = read_login_required(m_layout)) {
        return login_required(*still);
      }
      m_required.reset(); // a new login cleared it
      m_record.reset();
    }
    if (!m_record) {
      if (auto required = read_login_required(m_layout)) {
        m_required = required;
        return login_required(*required);
      }
      auto loaded = load();
      if (!loaded.ok()) {
        return loaded;
      }
    }
    return std::nullopt;
  }

  // Reads the store into m_record; an Access error for signed out, unreadable or incomplete.
  Access load() {
    auto text = m_store->load();
    if (!text) {
      return failed(auth_error("upstream_auth_error", "", text.error().message));
    }
    if (!text->has_value()) {
      m_record.reset();
      return missing();
    }
    auto r = auth_record::parse(**text, m_store->place() == "keyring" ? "the keyring"
                                                                       : m_layout.auth_file);
    if (!r) {
      return failed(auth_error("upstream_auth_error", "", r.error().message));
    }
    if (!auth_record::authenticated(*r)) {
      m_record.reset();
      return failed(auth_error("upstream_auth_incomplete", "incomplete",
                               "Stored auth does not include an access token or refresh token."));
    }
    m_record = std::move(*r);
    return granted(*m_record);
  }

  // Refreshes under auth.lock unless another process already did. Called with m_mutex held.
  Access refresh(const std::string& reason, std::string stale_access_token) { // a copy: load() replaces m_record
    auto file_lock = secret_store::Lock::acquire(m_layout.auth_lock);
    if (!file_lock) {
      return failed(auth_error("upstream_auth_error", "", file_lock.error().message));
    }
    if (auto required = read_login_required(m_layout)) {
      m_required = required;
      return login_required(*required);
    }
    Access reread = load();
    if (!reread.ok()) {
      return reread;
    }
    const double now = now_unix();
    if (m_record->access_token != stale_access_token && !needs_refresh(*m_record, now)) {
      count("reused", reason); // another process refreshed while we waited for the lock
      return reread;
    }
    if (m_record->refresh_token.empty()) {
      return failed(auth_error("upstream_auth_incomplete", "incomplete",
                               "Stored auth does not include a refresh token."));
    }
    return call_issuer(reason, now);
  }

  Access call_issuer(const std::string& reason, double now) {
    http_client::Request req;
    req.method = "POST";
    req.url = m_issuer + "/oauth/token";
    req.headers = {{"Content-Type", "application/json"},
                   {"originator", "codex_cli_rs"},
                   {"User-Agent", "airelays/" AIRELAYS_VERSION}};
    req.body = nlohmann::json{{"client_id", m_cfg.client_id},
                              {"grant_type", "refresh_token"},
                              {"refresh_reason", reason},
                              {"refresh_token", m_record->refresh_token}}
                   .dump();
    req.connect_timeout_ms = static_cast<long>(m_cfg.connect_timeout_seconds) * 1000;
    req.timeout_ms = 30000;
    auto res = http_client::perform(req);
    if (res.status >= 200 && res.status < 300) {
      return accept(res, reason, now);
    }
    auto body = nlohmann::json::parse(res.body, nullptr, false);
    std::string code = refresh_error_code(body);
    if ((res.status == 400 || res.status == 401) && is_terminal(code)) {
      return terminal(res.status, code, reason, now);
    }
    return transient(res, code, reason, now);
  }

  static bool is_terminal(const std::string& code) {
    for (const char* t : k_terminal_codes) {
      if (code == t) {
        return true;
      }
    }
    return false;
  }

  Access accept(const http_client::Response& res, const std::string& reason, double now) {
    auto body = nlohmann::json::parse(res.body, nullptr, false);
    auto pick = [&body](const char* key, const std::string& old) {
      std::string v = string_or_empty(body, key);
      return v.empty() ? old : v;
    };
    auto rebuilt = auth_record::build(pick("id_token", m_record->id_token),
                                      pick("access_token", ""),
                                      pick("refresh_token", m_record->refresh_token),
                                      m_record->bound_account_id, now);
    if (!rebuilt) {
      count("failed", reason);
      return failed(auth_error("upstream_auth_refresh_failed", "refresh_failed",
                               "Token refresh failed: the issuer's answer carried no access "
                               "token. The next request retries."));
    }
    auto saved = m_store->save(auth_record::serialize(*rebuilt, m_cfg.storage == "file"));
    m_record = std::move(*rebuilt);
    // The old refresh token is spent either way: serve with the new one even if it could
    // not be stored (another process will then need a new login).
    count(saved ? "ok" : "unsaved", reason);
    return granted(*m_record);
  }

  Access terminal(int status, const std::string& code, const std::string& reason, double now) {
    LoginRequired state;
    state.reason = code;
    state.time = auth_record::format_time(now);
    state.message = "Token refresh failed: " + std::to_string(status) + " " + code + " (" +
                    terminal_phrase(code) + "). Run `airelays login` again.";
    (void)write_login_required(m_layout, state);
    m_required = state;
    count("terminal", reason);
    return login_required(state);
  }

  Access transient(const http_client::Response& res, const std::string& code,
                   const std::string& reason, double now) {
    count("transient", reason);
    if (reason == "proactive_expiry" && still_valid(*m_record, now)) {
      return granted(*m_record); // not expired yet: keep serving, retry at the next need
    }
    std::string detail = res.status == 0 ? "the issuer could not be reached (" + res.error + ")"
                                         : "the issuer answered " + std::to_string(res.status) +
                                               (code.empty() ? "" : " " + code);
    auto e = auth_error("upstream_auth_unavailable", "unavailable",
                        "Token refresh failed temporarily: " + detail +
                            ". The login is kept; the next request retries.");
    e.retry_after = 5;
    return failed(std::move(e));
  }

  void count(const std::string& outcome, const std::string& reason) {
    if (m_metrics != nullptr) {
      m_metrics->inc("airelays_token_refresh_total", {{"outcome", outcome}, {"reason", reason}});
    }
  }

  config::Config m_cfg;
  paths::Layout m_layout;
  metrics::Registry* m_metrics;
  std::unique_ptr<secret_store::Store> m_store;
  std::string m_issuer;
  std::mutex m_mutex;
  std::optional<auth_record::Record> m_record;
  std::optional<LoginRequired> m_required;
};

} // namespace

std::unique_ptr<TokenManager> make(const config::Config& cfg, const paths::Layout& layout,
                                   metrics::Registry* metrics) {
  return std::make_unique<Manager>(cfg, layout, metrics);
}

} // namespace airelays::token_manager
