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

namespace airelays::token_manager::detail {

struct Job {
  std::string reason;       // proactive_expiry | unauthorized_recovery
  std::string stale_access; // the token to replace; a different, fresh stored one is reused
  std::optional<auth_record::Record> held; // the manager's record
  bool held_unsaved = false;               // held is newer than the store (a save failed)
  std::optional<double> skew;              // issuer clock minus local clock, when known
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
