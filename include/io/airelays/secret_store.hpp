// Where the ChatGPT login record is kept (reference §3.2): the OS keyring (libsecret's Secret
// Service on Linux, with the entries AIRelays/python-keyring use), or the 0600 file
// <data_dir>/auth.json, or "auto" (the keyring when a Secret Service answers, the file
// otherwise). Every place stores the record's text; parsing is auth_record's job. Also the
// advisory lock <data_dir>/auth.lock that serializes read-refresh-write across processes.
#pragma once

#include <airelays/error.hpp>

#include <memory>
#include <optional>
#include <string>

namespace airelays::secret_store {

class Store {
public:
  virtual ~Store() = default;
  // The record text, or nullopt when nothing is stored; an error when the place cannot be
  // read (no Secret Service, unreadable file).
  virtual Result<std::optional<std::string>> load() = 0;
  // Replaces the stored record.
  virtual Status save(const std::string& value) = 0;
  // Deletes the record; true when something was deleted.
  virtual Result<bool> remove() = 0;
  // Where the last successful load/save went: "keyring" or "file" ("" before any).
  virtual std::string place() const = 0;
  // A one-line notice for the user about the last operation (auto mode falling back to the
  // file), or "".
  virtual std::string notice() const { return {}; }
  // Why a place that may hold the record did not answer during the last load (auto mode: the
  // keyring), or "". A load that found nothing while the keyring was away does not prove that
  // nothing is stored: a running relay keeps the login it holds.
  virtual std::string unanswered() const { return {}; }
};

// The keyring service names: the current one and the legacy one migrated on read.
inline constexpr const char* k_keyring_service = "AIRelays Auth";
inline constexpr const char* k_legacy_keyring_service = "AIRelay Auth";

// "cli|" + the first 16 hex digits of SHA-256 of the canonical absolute data dir.
std::string keyring_username(const std::string& data_dir);

// The 0600 file (written atomically).
std::unique_ptr<Store> make_file(const std::string& path);
// The OS keyring entry for data_dir (legacy entry migrated on load). On platforms without a
// supported keyring every operation fails with a clear message.
std::unique_ptr<Store> make_keyring(const std::string& data_dir);
// Keyring first, file as the fallback (reference §3.2 "auto"). When both hold a record the
// newer one (last_refresh) wins and the stale copy is overwritten or removed, so a keyring
// entry left behind by a fallback never hides a newer file.
std::unique_ptr<Store> make_auto(const std::string& data_dir, const std::string& file_path);
// The store for [auth] storage: "keyring", "file", anything else behaves as "auto".
std::unique_ptr<Store> open(const std::string& storage, const std::string& data_dir,
                            const std::string& file_path);

// An exclusive flock on a lock file, released on destruction.
class Lock {
public:
  // Blocks until the lock is held (creating the file 0600 and its directory 0700).
  static Result<Lock> acquire(const std::string& path);
  // As acquire, but gives up after `timeout_ms` with an error saying another process holds
  // the lock.
  static Result<Lock> acquire_for(const std::string& path, long timeout_ms);
  Lock(Lock&& other) noexcept;
  Lock& operator=(Lock&& other) noexcept;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;
  ~Lock();

private:
  explicit Lock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

} // namespace airelays::secret_store
