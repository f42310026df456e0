// One refresh of the ChatGPT login as token_manager's background worker runs it: under
// auth.lock (taken with a timeout), the store re-read, the newer of the stored and the
// in-memory record kept (a refresh that could not be saved is never replaced by the older
// stored record), a save that failed before retried first, the issuer called at most once,
// and its answer stored. It returns what happened; the manager applies that to its state.
// Private to the services layer.
#pragma once

#include <airelays/token_manager.hpp>

#include <optional>
#include <string>
#include <sys/types.h>

namespace airelays::token_manager::detail {

// What a stat of the store's files says (auth.json, login-state.json, auth.changed); equal
// stamps mean no process stored, removed or marked a login in between (every save, logout and
// login marks auth.changed, under auth.lock).
struct Stamp {
  struct File {
    bool exists = false;
    ino_t ino = 0;
    long mtime_ns = 0;
    off_t size = 0;
    bool operator==(const File&) const = default;
  };
  File auth, state, changed;
  bool operator==(const Stamp&) const = default;
  static Stamp now(const paths::Layout& l);
};

struct Job {
  std::string reason;       // proactive_expiry | unauthorized_recovery
  std::string stale_access; // the token to replace; a different, fresh stored one is reused
  std::optional<auth_record::Record> held; // the manager's record
  bool held_unsaved = false;               // held is newer than the store (a save failed)
  std::optional<double> skew;              // issuer clock minus local clock, when known
  std::string held_place;                  // where held was last stored: keyring | file | ""
  // The store's stamp when held was last known to be the stored login: while it has not moved,
  // held may be refreshed when the store cannot be read (the keyring is away).
  std::optional<Stamp> held_stamp;
};

enum class Kind {
  refreshed, // the issuer answered; record holds the new login
  reused,    // another process (or a retried save) already made record current
  kept,      // a save retry: record stays, `unsaved` says whether it is stored now
  missing,   // nothing stored any more (logout)
  required,  // login required (persisted)
  failed,    // no refresh; error says why (lock timeout, unreadable store, ...)
  transient  // the issuer failed transiently (or answered for another account): back off
};

struct Outcome {
  Kind kind = Kind::failed;
  std::optional<auth_record::Record> record;
  bool unsaved = false;   // record could not be stored
  std::string save_error; // why, when unsaved
  std::optional<LoginRequired> required;
  api_error::ApiError error;
  std::optional<double> skew;
  bool unreadable = false;    // failed because the store could not be read
  std::string place;          // where record is stored (keyring | file), "" when unknown
  std::optional<Stamp> stamp; // the store's stamp when this outcome was decided (lock held)
};

// The 503 errors of the login, with the x-airelays-upstream-auth header.
api_error::ApiError auth_error(const std::string& code, const std::string& header,
                               std::string message);

// Refresh timing: the access token expires within 5 minutes (its exp read on the local clock
// through `skew`), or without exp the last refresh is older than 8 days.
bool needs_refresh(const auth_record::Record& r, double now, std::optional<double> skew);
// The access token can still be sent (more than 5 s left).
bool still_valid(const auth_record::Record& r, double now, std::optional<double> skew);
// True when `a` was refreshed after `b` (last_refresh; an unparseable time never wins).
bool newer(const auth_record::Record& a, const auth_record::Record& b);

class Refresher {
public:
  Refresher(config::Config cfg, paths::Layout layout, Tuning tuning);
  // Refreshes the login for `job` (see the file comment).
  Outcome refresh(const Job& job);
  // Stores `held`, a refresh that could not be saved, unless the store now holds a newer
  // login (then that one is returned) or none (logout).
  Outcome save(const auth_record::Record& held);

private:
  Outcome refresh_locked(const Job& job);
  Outcome save_locked(const auth_record::Record& held);
  Outcome call_issuer(const auth_record::Record& current, const std::string& reason, double now);
  Outcome accept(const auth_record::Record& current, const std::string& body, double now);
  Outcome terminal(int status, const std::string& code, double now);
  Outcome store(auth_record::Record record, Kind kind);
  static Outcome store_failed_keep(const auth_record::Record& held, const std::string& why);

  config::Config m_cfg;
  paths::Layout m_layout;
  Tuning m_tuning;
  std::string m_issuer;
};

} // namespace airelays::token_manager::detail
