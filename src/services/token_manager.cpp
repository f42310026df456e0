// The ChatGPT login lifecycle for the relay (see token_manager.hpp). Requests never call the
// issuer themselves: one background worker per manager does every refresh (token_refresh.cpp,
// under auth.lock), so refresh is single-flight inside the process, and a request whose access
// token is still valid never waits for it — it only asks the worker to refresh ahead of
// expiry. Requests whose token has expired wait for the worker's attempt, with a timeout.
// After a transient failure the worker backs off (5 s doubling to 5 min) instead of one issuer
// call per request; after an upstream 401 at most one forced refresh runs per 30 s. A refresh
// that cannot be stored is kept and served, and its save is retried in the background and
// before the next refresh. A logout, a new login or a "login required" written by another
// process shows at once: the store's change stamp (three stat calls) is compared on the first
// request after a change in the data directory (an inotify watch, read without blocking per
// request; on other systems, and whenever the watch is not there, on every request).
#include "token_refresh.hpp"

#include <airelays/metrics.hpp>
#include <airelays/secret_store.hpp>
#include <airelays/token_manager.hpp>
#include <airelays/upstream_error.hpp>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <unistd.h>
#ifdef __linux__
#include <sys/inotify.h>
#endif

namespace airelays::token_manager {

namespace {

using namespace detail;
using Steady = std::chrono::steady_clock;

double now_unix() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

Steady::time_point after(double seconds) {
  return Steady::now() +
         std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seconds));
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

Access missing() { return failed(upstream_error::login_missing()); }

Access login_required(const LoginRequired& s) {
  return failed(auth_error("upstream_auth_refresh_failed", "refresh_failed", s.message));
}

// Says whether the login files in the data directory (auth.json, login-state.json,
// auth.changed) may have changed since it last said no, without a stat per request: an inotify
// watch on the directory, drained without blocking. Armed by the first call, before the
// first stamp is taken, so a change after that stamp is an event. "Maybe" (so the caller stats)
// whenever it cannot be sure: no watch (not Linux, no inotify instance left, no directory yet: it
// tries again next time), an overflowed queue, the directory itself deleted, moved or unmounted
// (the watch is re-armed on a new one first), and at least once a second, for path changes no event
// shows (a parent directory renamed, a symlink to it swapped). Used under the manager's mutex.
class StoreWatch {
public:
  explicit StoreWatch(const paths::Layout& layout) : m_dir(layout.data_dir) {
    for (const std::string& path :
         {layout.auth_file, layout.login_state, layout.data_dir + "/auth.changed"}) {
      m_names.push_back(path.substr(path.find_last_of('/') + 1));
    }
  }
  ~StoreWatch() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  StoreWatch(const StoreWatch&) = delete;
  StoreWatch& operator=(const StoreWatch&) = delete;

  // True unless nothing can have changed since the last call that returned true.
  bool maybe_changed() {
    auto now = Steady::now();
    bool changed = m_watch < 0 || now >= m_next_check;
    if (m_watch < 0) {
      arm(); // before the caller's stat: a change after it is an event
    } else {
      changed = drain() || changed;
    }
    if (changed) {
      m_next_check = now + std::chrono::seconds(1);
    }
    return changed;
  }

private:
  void arm() {
#ifdef __linux__
    if (m_fd < 0 && !m_tried) { // on first use: `status` makes a manager it never syncs
      m_tried = true;
      m_fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    }
    if (m_fd >= 0) {
      m_watch = ::inotify_add_watch(m_fd, m_dir.c_str(),
                                    IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |
                                        IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |
                                        IN_MOVE_SELF | IN_ONLYDIR);
    }
#endif
  }

  // Reads every queued event; true when one may concern the login files.
  bool drain() {
    bool changed = false;
#ifdef __linux__
    alignas(struct inotify_event) char buf[4096];
    for (;;) {
      ssize_t n = ::read(m_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        if (n < 0 && errno != EAGAIN) { // the watch cannot be trusted: start over
          ::inotify_rm_watch(m_fd, m_watch);
          m_watch = -1;
          changed = true;
        }
        return changed;
      }
      for (ssize_t at = 0; at < n;) {
        const auto* ev = reinterpret_cast<const struct inotify_event*>(buf + at);
        at += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
        if (ev->mask & IN_Q_OVERFLOW) {
          changed = true;
        } else if (ev->wd != m_watch) {
          continue; // a watch given up before (its IN_IGNORED comes after)
        } else if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) {
          if (!(ev->mask & IN_IGNORED)) {
            ::inotify_rm_watch(m_fd, m_watch);
          }
          m_watch = -1; // the directory is gone from its path: re-armed on the next call
          changed = true;
        } else if (ev->len == 0) {
          changed = true;
        } else {
          std::string_view name(ev->name); // NUL-padded to len
          changed = changed || std::find(m_names.begin(), m_names.end(), name) != m_names.end();
        }
      }
      if (m_watch < 0) {
        return true;
      }
    }
#else
    return changed;
#endif
  }

  std::string m_dir;
  std::vector<std::string> m_names;
  int m_fd = -1;
  [[maybe_unused]] bool m_tried = false; // inotify_init1 was called (Linux; once)
  int m_watch = -1;
  Steady::time_point m_next_check{};
};

class Manager final : public TokenManager {
public:
  Manager(config::Config cfg, paths::Layout layout, metrics::Registry* metrics, Tuning tuning)
      : m_cfg(std::move(cfg)), m_layout(std::move(layout)), m_metrics(metrics), m_tuning(tuning),
        m_refresher(m_cfg, m_layout, m_tuning),
        m_store(secret_store::open(m_cfg.storage, m_layout.data_dir, m_layout.auth_file)),
        m_watch(m_layout) {}

  ~Manager() override {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_work_cv.notify_all();
    m_done_cv.notify_all();
    if (m_worker.joinable()) {
      m_worker.join();
    }
  }

  Access access() override {
    std::unique_lock lock(m_mutex);
    sync();
    if (auto blocked = blocked_state()) {
      return *blocked;
    }
    double now = now_unix();
    if (!needs_refresh(*m_record, now, m_skew)) {
      return granted(*m_record);
    }
    if (still_valid(*m_record, now, m_skew)) {
      request("proactive_expiry", m_record->access_token, false);
      return granted(*m_record); // the worker refreshes; this request does not wait
    }
    return wait_for_refresh(lock, "proactive_expiry", m_record->access_token);
  }

  Access after_unauthorized(const std::string& rejected) override {
    std::unique_lock lock(m_mutex);
    sync();
    if (auto blocked = blocked_state()) {
      return *blocked;
    }
    if (m_record->access_token != rejected && still_valid(*m_record, now_unix(), m_skew)) {
      return granted(*m_record); // another caller already refreshed
    }
    bool joining = m_in_flight || m_wanted;
    if (!joining && Steady::now() < m_forced_until) {
      return failed(
          auth_error("upstream_auth_rejected", "rejected",
                     "The upstream rejected the ChatGPT login again within " +
                         std::to_string(static_cast<int>(m_tuning.forced_cooldown_seconds)) +
                         " s of a refresh. Run `airelays login` if this persists."));
    }
    if (!joining) {
      m_forced_until = after(m_tuning.forced_cooldown_seconds);
    }
    return wait_for_refresh(lock, "unauthorized_recovery", rejected);
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
    s.save_failure = read_save_failure(m_layout);
    return s;
  }

private:
  // Re-reads the store when its change stamp moved (another process logged in or out,
  // refreshed, or wrote "login required"). Called with m_mutex held.
  void sync() {
    bool maybe_changed = m_watch.maybe_changed(); // the first call arms it (and says yes)
    if (m_synced && !maybe_changed) {
      return;
    }
    Stamp stamp = Stamp::now(m_layout);
    if (m_synced && stamp == m_stamp) {
      return;
    }
    m_stamp = stamp;
    m_synced = true;
    m_required = read_login_required(m_layout);
    auto text = m_store->load();
    if (!text) {
      if (!m_record) {
        m_load_error = failed(auth_error("upstream_auth_error", "", text.error().message));
      }
      return; // an unreadable store keeps the login in memory
    }
    if (!text->has_value() && !m_store->unanswered().empty() && m_record &&
        m_record_place != "file") {
      return; // nothing in the file and the keyring, which held it, away: not a logout
    }
    install_stored(*text);
  }

  void install_stored(const std::optional<std::string>& text) {
    if (!text) {
      drop(missing());
      return;
    }
    auto r = auth_record::parse(*text,
                                m_store->place() == "keyring" ? "the keyring" : m_layout.auth_file);
    if (!r) {
      drop(failed(auth_error("upstream_auth_error", "", r.error().message)));
    } else if (!auth_record::authenticated(*r)) {
      drop(failed(auth_error("upstream_auth_incomplete", "incomplete",
                             "Stored auth does not include an access token or refresh token.")));
    } else if (!(m_record && m_unsaved && newer(*m_record, *r))) {
      if (!m_record || m_record->refresh_token != r->refresh_token) {
        m_forced_until = {}; // another login: its own cooldown
      }
      m_record = std::move(*r);
      m_unsaved = false;
      m_record_place = m_store->place();
      m_record_stamp = m_stamp;
    }
  }

  void drop(Access why) {
    m_record.reset();
    m_record_place.clear();
    m_record_stamp.reset();
    m_unsaved = false;
    m_load_error = std::move(why);
  }

  std::optional<Access> blocked_state() const {
    if (m_required) {
      return login_required(*m_required);
    }
    if (!m_record) {
      return m_load_error ? *m_load_error : missing();
    }
    return std::nullopt;
  }

  // Asks the worker for a refresh (joined when one is queued or running); false in backoff.
  bool request(const std::string& reason, const std::string& stale, bool forced) {
    if (m_in_flight || m_wanted) {
      if (forced && m_wanted) {
        m_job_reason = reason;
        m_job_stale = stale;
      }
      return true;
    }
    if (Steady::now() < m_backoff_until) {
      return false;
    }
    m_wanted = true;
    m_job_reason = reason;
    m_job_stale = stale;
    if (!m_worker.joinable()) {
      m_worker = std::thread([this] { run_worker(); });
    }
    m_work_cv.notify_one();
    return true;
  }

  Access wait_for_refresh(std::unique_lock<std::mutex>& lock, const std::string& reason,
                          const std::string& stale) {
    bool forced = reason == "unauthorized_recovery";
    uint64_t target = m_in_flight ? m_started : m_started + 1;
    if (!request(reason, stale, forced)) {
      return backoff_error();
    }
    bool done = m_done_cv.wait_until(lock, after(m_tuning.wait_timeout_seconds),
                                     [&] { return m_completed >= target || m_stopping; });
    if (!done || m_stopping) {
      return failed(auth_error("upstream_auth_unavailable", "unavailable",
                               "Token refresh failed temporarily: it is taking longer than " +
                                   std::to_string(static_cast<int>(m_tuning.wait_timeout_seconds)) +
                                   " s. The login is kept; the next request retries."));
    }
    if (auto blocked = blocked_state()) {
      return *blocked;
    }
    double now = now_unix();
    if (m_record->access_token != stale && still_valid(*m_record, now, m_skew)) {
      return granted(*m_record);
    }
    if (m_last_error) {
      if (!forced && still_valid(*m_record, now, m_skew)) {
        return granted(*m_record);
      }
      return failed(*m_last_error);
    }
    return granted(*m_record);
  }

  Access backoff_error() const {
    api_error::ApiError e = m_last_error ? *m_last_error
                                         : auth_error("upstream_auth_unavailable", "unavailable",
                                                      "Token refresh failed temporarily.");
    auto left = std::chrono::duration<double>(m_backoff_until - Steady::now()).count();
    e.retry_after = std::max(1L, static_cast<long>(std::ceil(left)));
    return failed(std::move(e));
  }

  // --- the worker ---------------------------------------------------------------------------

  void run_worker() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
      if (m_wanted) {
        run_refresh(lock);
      } else if (m_unsaved && Steady::now() >= m_next_save) {
        run_save(lock);
      } else if (m_unsaved) {
        m_work_cv.wait_until(lock, m_next_save);
      } else {
        m_work_cv.wait(lock);
      }
    }
  }

  void run_refresh(std::unique_lock<std::mutex>& lock) {
    m_wanted = false;
    m_in_flight = true;
    ++m_started;
    Job job{m_job_reason, m_job_stale, m_record, m_unsaved, m_skew, m_record_place, m_record_stamp};
    lock.unlock();
    Outcome o = m_refresher.refresh(job);
    lock.lock();
    apply(o, job.reason);
    m_in_flight = false;
    ++m_completed;
    m_done_cv.notify_all();
  }

  void run_save(std::unique_lock<std::mutex>& lock) {
    auth_record::Record held = *m_record;
    lock.unlock();
    Outcome o = m_refresher.save(held);
    lock.lock();
    if (m_record && m_record->refresh_token == held.refresh_token) {
      apply(o, "save_retry");
    }
  }

  void apply(const Outcome& o, const std::string& reason) {
    m_last_error.reset();
    switch (o.kind) {
    case Kind::refreshed:
    case Kind::reused:
    case Kind::kept:
      m_record = o.record;
      m_record_stamp = o.stamp;
      m_record_place = o.place.empty() ? m_record_place : o.place;
      m_skew = o.skew ? o.skew : m_skew;
      m_backoff = 0;
      m_backoff_until = {};
      note_saved(o);
      count(o.kind == Kind::refreshed ? (o.unsaved ? "unsaved" : "ok")
            : o.kind == Kind::reused  ? "reused"
                                      : "saved",
            reason);
      break;
    case Kind::missing:
      drop(missing());
      break;
    case Kind::required:
      m_required = o.required;
      count("terminal", reason);
      break;
    case Kind::failed:
      m_last_error = o.error;
      count("failed", reason);
      break;
    case Kind::transient:
      m_backoff = m_backoff == 0 ? m_tuning.backoff_initial_seconds
                                 : std::min(m_backoff * 2, m_tuning.backoff_max_seconds);
      m_backoff_until = after(m_backoff);
      m_last_error = o.error;
      m_last_error->retry_after = std::max(1L, std::lround(m_backoff));
      count("transient", reason);
      break;
    }
  }

  // Logs a save that failed or recovered and schedules the background retry.
  void note_saved(const Outcome& o) {
    if (o.unsaved) {
      if (!m_unsaved || o.save_error != m_save_error) {
        std::cerr << "airelays: warning: the refreshed ChatGPT login could not be stored ("
                  << o.save_error << "); it is kept in memory and the save is retried\n";
      }
      m_save_delay = m_unsaved ? std::min(m_save_delay * 2, 60.0) : m_tuning.save_retry_seconds;
      m_next_save = after(m_save_delay);
      m_save_error = o.save_error;
    } else if (m_unsaved) {
      std::cerr << "airelays: the refreshed ChatGPT login is stored again\n";
    }
    m_unsaved = o.unsaved;
  }

  void count(const std::string& outcome, const std::string& reason) {
    if (m_metrics != nullptr) {
      m_metrics->inc("airelays_token_refresh_total", {{"outcome", outcome}, {"reason", reason}});
    }
  }

  config::Config m_cfg;
  paths::Layout m_layout;
  metrics::Registry* m_metrics;
  Tuning m_tuning;
  Refresher m_refresher;
  std::unique_ptr<secret_store::Store> m_store; // request side, under m_mutex
  StoreWatch m_watch;                           // under m_mutex

  std::mutex m_mutex;
  std::condition_variable m_work_cv; // the worker waits for work
  std::condition_variable m_done_cv; // requests wait for an attempt to complete
  std::thread m_worker;
  bool m_stopping = false;

  // The login as this process holds it.
  Stamp m_stamp;
  bool m_synced = false;
  std::optional<auth_record::Record> m_record;
  std::string m_record_place;          // where m_record was last stored (keyring | file | "")
  std::optional<Stamp> m_record_stamp; // the store's stamp when m_record was last the stored one
  std::optional<LoginRequired> m_required;
  std::optional<Access> m_load_error;
  std::optional<double> m_skew;

  // Refresh requests and their outcome.
  bool m_wanted = false;
  bool m_in_flight = false;
  uint64_t m_started = 0;
  uint64_t m_completed = 0;
  std::string m_job_reason;
  std::string m_job_stale;
  std::optional<api_error::ApiError> m_last_error;
  double m_backoff = 0;
  Steady::time_point m_backoff_until{};
  Steady::time_point m_forced_until{};

  // A refresh that could not be stored.
  bool m_unsaved = false;
  std::string m_save_error;
  double m_save_delay = 0;
  Steady::time_point m_next_save{};
};

} // namespace

std::unique_ptr<TokenManager> make(const config::Config& cfg, const paths::Layout& layout,
                                   metrics::Registry* metrics, const Tuning& tuning) {
  return std::make_unique<Manager>(cfg, layout, metrics, tuning);
}

} // namespace airelays::token_manager
