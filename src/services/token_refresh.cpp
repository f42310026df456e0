// One refresh under auth.lock (see token_refresh.hpp). Refresh tokens are single-use, so the
// order matters: the lock is taken first, the record re-read under it, a record this process
// could not store earlier is stored (or at least preferred) before anything else, and the
// issuer is called only when no other process already refreshed. A process that holds a
// newer unsaved login (auth-unsaved.json names it) is not overtaken: its refresh token is the
// live one and the stored one is spent.
#include "token_refresh.hpp"

#include <airelays/http_client.hpp>
#include <airelays/json_util.hpp>
#include <airelays/jwt.hpp>
#include <airelays/secret_store.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <sys/stat.h>
#include <unistd.h>
#include <variant>

namespace airelays::token_manager::detail {

namespace {

using json_util::string_or_empty;

constexpr long k_refresh_margin_seconds = 5 * 60;
constexpr double k_max_refresh_age_seconds = 8 * 24 * 3600;
// How long an empty unsaved-login marker (no pid: written on a full disk) holds back refreshes.
constexpr long k_anonymous_marker_seconds = 3600;
constexpr const char* k_terminal_codes[] = {"refresh_token_reused", "refresh_token_expired",
                                            "refresh_token_invalidated", "invalid_grant"};

// The access token's exp claim. Decoding it on every request showed in profiles; the token
// changes only at a refresh, so each thread keeps its last one.
std::optional<long> access_expiry(const std::string& token) {
  thread_local std::string t_token;
  thread_local std::optional<long> t_exp;
  if (token != t_token) {
    t_exp = jwt::claims(token).exp;
    t_token = token;
  }
  return t_exp;
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

bool is_terminal(const std::string& code) {
  for (const char* t : k_terminal_codes) {
    if (code == t) {
      return true;
    }
  }
  return false;
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

Outcome failure(Kind kind, api_error::ApiError e) {
  Outcome o;
  o.kind = kind;
  o.error = std::move(e);
  return o;
}

Outcome unavailable(const std::string& detail) {
  return failure(Kind::failed, auth_error("upstream_auth_unavailable", "unavailable",
                                          "Token refresh failed temporarily: " + detail +
                                              ". The login is kept; the next request retries."));
}

// The stored record: a record, nullopt when signed out, or an Outcome to return.
std::variant<std::optional<auth_record::Record>, Outcome> load_stored(secret_store::Store& store,
                                                                      const std::string& file) {
  auto text = store.load();
  if (!text || (!text->has_value() && !store.unanswered().empty())) {
    Outcome o = unavailable("the stored login cannot be read (" +
                            (text ? store.unanswered() : text.error().message) + ")");
    o.unreadable = true;
    return o;
  }
  if (!text->has_value()) {
    return std::optional<auth_record::Record>{};
  }
  auto r = auth_record::parse(**text, store.place() == "keyring" ? "the keyring" : file);
  if (!r) {
    return failure(Kind::failed, auth_error("upstream_auth_error", "", r.error().message));
  }
  return std::optional<auth_record::Record>{std::move(*r)};
}

// Another live process holds a newer login it could not store (its marker names it).
std::optional<long> unsaved_elsewhere(const paths::Layout& layout) {
  auto marker = read_save_failure(layout);
  if (!marker || marker->pid == ::getpid()) {
    return std::nullopt;
  }
  if (marker->pid > 0 && ::kill(static_cast<pid_t>(marker->pid), 0) != 0 && errno == ESRCH) {
    return std::nullopt; // it died: its login is lost, the stored one is all there is
  }
  struct stat st {};
  if (marker->pid == 0 && ::stat((layout.data_dir + "/auth-unsaved.json").c_str(), &st) == 0 &&
      std::time(nullptr) - st.st_mtime > k_anonymous_marker_seconds) {
    return std::nullopt; // an empty marker (written on a full disk) that nobody renewed
  }
  return marker->pid;
}

} // namespace

api_error::ApiError auth_error(const std::string& code, const std::string& header,
                               std::string message) {
  auto e = api_error::make(503, std::move(message), code);
  e.type = "authentication_error";
  if (!header.empty()) {
    e.headers.emplace_back("x-airelays-upstream-auth", header);
  }
  return e;
}

bool needs_refresh(const auth_record::Record& r, double now, std::optional<double> skew) {
  if (r.access_token.empty()) {
    return true;
  }
  if (auto exp = access_expiry(r.access_token)) {
    return static_cast<double>(*exp) - skew.value_or(0) - now < k_refresh_margin_seconds;
  }
  auto last = auth_record::parse_time(r.last_refresh);
  return !last || now - *last > k_max_refresh_age_seconds;
}

bool still_valid(const auth_record::Record& r, double now, std::optional<double> skew) {
  auto exp = access_expiry(r.access_token);
  return !r.access_token.empty() &&
         (!exp || static_cast<double>(*exp) - skew.value_or(0) > now + 5);
}

bool newer(const auth_record::Record& a, const auth_record::Record& b) {
  auto ta = auth_record::parse_time(a.last_refresh);
  auto tb = auth_record::parse_time(b.last_refresh);
  return ta && (!tb || *ta > *tb);
}

Refresher::Refresher(config::Config cfg, paths::Layout layout, Tuning tuning)
    : m_cfg(std::move(cfg)), m_layout(std::move(layout)), m_tuning(tuning),
      m_issuer(m_cfg.issuer_base_url) {
  while (!m_issuer.empty() && m_issuer.back() == '/') {
    m_issuer.pop_back();
  }
}

Stamp Stamp::now(const paths::Layout& l) {
  auto of = [](const std::string& path) {
    struct stat st {};
    File f;
    if (::stat(path.c_str(), &st) == 0) {
      f = {true, st.st_ino, st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec, st.st_size};
    }
    return f;
  };
  return {of(l.auth_file), of(l.login_state), of(l.data_dir + "/auth.changed")};
}

Outcome Refresher::refresh(const Job& job) {
  auto lock = secret_store::Lock::acquire_for(
      m_layout.auth_lock, static_cast<long>(m_tuning.lock_timeout_seconds * 1000));
  if (!lock) {
    return unavailable(lock.error().message);
  }
  Outcome o = refresh_locked(job);
  o.stamp = Stamp::now(m_layout);
  return o;
}

Outcome Refresher::refresh_locked(const Job& job) {
  if (auto required = read_login_required(m_layout)) {
    Outcome o;
    o.kind = Kind::required;
    o.required = required;
    return o;
  }
  auto store = secret_store::open(m_cfg.storage, m_layout.data_dir, m_layout.auth_file);
  auto loaded = load_stored(*store, m_layout.auth_file);
  std::string place = store->place();
  if (auto* early = std::get_if<Outcome>(&loaded)) {
    // The keyring is away: the login this process holds is still the stored one when nobody
    // stored, removed or marked anything since it last saw the store.
    if (!early->unreadable || !job.held || !job.held_stamp ||
        !(*job.held_stamp == Stamp::now(m_layout))) {
      return *early;
    }
    loaded = job.held;
    place = job.held_place;
  }
  auto stored = std::get<0>(std::move(loaded));
  if (!stored) {
    Outcome o;
    o.kind = Kind::missing;
    return o;
  }
  bool ours = job.held && job.held_unsaved && newer(*job.held, *stored);
  auth_record::Record current = ours ? *job.held : *stored;
  Outcome saved_first;
  if (ours) { // before the next refresh, store the one that could not be stored
    saved_first = this->store(current, Kind::reused);
  }
  double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  if (current.access_token != job.stale_access && !needs_refresh(current, now, job.skew)) {
    if (ours) {
      return saved_first;
    }
    Outcome o;
    o.kind = Kind::reused;
    o.record = std::move(current);
    o.place = place;
    return o;
  }
  if (!ours) {
    if (auto pid = unsaved_elsewhere(m_layout)) {
      return unavailable("airelays process " + std::to_string(*pid) +
                         " holds a newer login it could not store yet");
    }
  }
  if (current.refresh_token.empty()) {
    return failure(Kind::failed, auth_error("upstream_auth_incomplete", "incomplete",
                                            "Stored auth does not include a refresh token."));
  }
  return call_issuer(current, job.reason, now);
}

Outcome Refresher::save(const auth_record::Record& held) {
  auto lock = secret_store::Lock::acquire_for(
      m_layout.auth_lock, static_cast<long>(m_tuning.lock_timeout_seconds * 1000));
  if (!lock) {
    return store_failed_keep(held, lock.error().message);
  }
  Outcome o = save_locked(held);
  o.stamp = Stamp::now(m_layout);
  return o;
}

Outcome Refresher::save_locked(const auth_record::Record& held) {
  auto store = secret_store::open(m_cfg.storage, m_layout.data_dir, m_layout.auth_file);
  auto loaded = load_stored(*store, m_layout.auth_file);
  if (auto* stored = std::get_if<0>(&loaded)) {
    if (!stored->has_value()) {
      clear_save_failure(m_layout);
      Outcome o;
      o.kind = Kind::missing;
      return o;
    }
    if (!newer(held, **stored)) { // a login after ours: it wins
      clear_save_failure(m_layout);
      Outcome o;
      o.kind = Kind::reused;
      o.record = std::move(**stored);
      o.place = store->place();
      return o;
    }
  }
  return this->store(held, Kind::kept);
}

Outcome Refresher::store_failed_keep(const auth_record::Record& held, const std::string& why) {
  Outcome o;
  o.kind = Kind::kept;
  o.record = held;
  o.unsaved = true;
  o.save_error = why;
  return o;
}

Outcome Refresher::call_issuer(const auth_record::Record& current, const std::string& reason,
                               double now) {
  http_client::Request req;
  req.method = "POST";
  req.url = m_issuer + "/oauth/token";
  req.headers = {{"Content-Type", "application/json"},
                 {"originator", "codex_cli_rs"},
                 {"User-Agent", "airelays/" AIRELAYS_VERSION}};
  req.body = nlohmann::json{{"client_id", m_cfg.client_id},
                            {"grant_type", "refresh_token"},
                            {"refresh_reason", reason},
                            {"refresh_token", current.refresh_token}}
                 .dump();
  req.connect_timeout_ms = static_cast<long>(m_cfg.connect_timeout_seconds) * 1000;
  req.timeout_ms = 30000;
  auto res = http_client::perform(req);
  if (res.status >= 200 && res.status < 300) {
    return accept(current, res.body, now);
  }
  std::string code = refresh_error_code(nlohmann::json::parse(res.body, nullptr, false));
  if ((res.status == 400 || res.status == 401) && is_terminal(code)) {
    return terminal(res.status, code, now);
  }
  std::string detail = res.status == 0 ? "the issuer could not be reached (" + res.error + ")"
                                       : "the issuer answered " + std::to_string(res.status) +
                                             (code.empty() ? "" : " " + code);
  Outcome o = unavailable(detail);
  o.kind = Kind::transient;
  return o;
}

Outcome Refresher::accept(const auth_record::Record& current, const std::string& text, double now) {
  auto body = nlohmann::json::parse(text, nullptr, false);
  auto pick = [&body](const char* key, const std::string& old) {
    std::string v = string_or_empty(body, key);
    return v.empty() ? old : v;
  };
  auto rebuilt = auth_record::build(pick("id_token", current.id_token), pick("access_token", ""),
                                    pick("refresh_token", current.refresh_token),
                                    current.bound_account_id, now);
  if (!rebuilt) {
    return failure(Kind::transient,
                   auth_error("upstream_auth_refresh_failed", "refresh_failed",
                              "Token refresh failed: the issuer's answer carried no access "
                              "token. The next request retries."));
  }
  if (!current.bound_account_id.empty() && rebuilt->account_id != current.bound_account_id) {
    return failure(Kind::transient,
                   auth_error("upstream_auth_account_mismatch", "account_mismatch",
                              "Stored AIRelays auth is bound to a different upstream account "
                              "than the active token."));
  }
  std::optional<double> skew;
  auto expires_in = body.is_object() ? body.find("expires_in") : body.end();
  auto exp = jwt::claims(rebuilt->access_token).exp;
  if (exp && body.is_object() && expires_in != body.end() && expires_in->is_number()) {
    skew = static_cast<double>(*exp) - (now + expires_in->get<double>());
  }
  Outcome o = store(std::move(*rebuilt), Kind::refreshed);
  o.skew = skew;
  return o;
}

Outcome Refresher::terminal(int status, const std::string& code, double now) {
  LoginRequired state;
  state.reason = code;
  state.time = auth_record::format_time(now);
  state.message = "Token refresh failed: " + std::to_string(status) + " " + code + " (" +
                  terminal_phrase(code) + "). Run `airelays login` again.";
  (void)write_login_required(m_layout, state);
  Outcome o;
  o.kind = Kind::required;
  o.required = state;
  return o;
}

// Saves `record` (the caller holds auth.lock); on failure the marker says who holds it.
Outcome Refresher::store(auth_record::Record record, Kind kind) {
  auto store = secret_store::open(m_cfg.storage, m_layout.data_dir, m_layout.auth_file);
  auto saved = store->save(auth_record::serialize(record, m_cfg.storage == "file"));
  Outcome o;
  o.kind = kind;
  if (saved) {
    clear_save_failure(m_layout);
    mark_changed(m_layout);
    o.place = store->place();
  } else {
    o.unsaved = true;
    o.save_error = saved.error().message;
    write_save_failure(
        m_layout, SaveFailure{auth_record::format_time(static_cast<double>(std::time(nullptr))),
                              o.save_error, static_cast<long>(::getpid())});
    mark_changed(m_layout);
  }
  o.record = std::move(record);
  return o;
}

} // namespace airelays::token_manager::detail
