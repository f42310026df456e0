// Store selection, the "auto" policy and the cross-process lock (see secret_store.hpp).
#include <airelays/auth_record.hpp>
#include <airelays/secret_store.hpp>
#include <airelays/sha256.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace airelays::secret_store {

namespace {

// Keyring when it answers, else the file (reference §3.2).
class AutoStore final : public Store {
public:
  AutoStore(std::unique_ptr<Store> keyring, std::unique_ptr<Store> file, std::string file_path)
      : m_keyring(std::move(keyring)), m_file(std::move(file)), m_file_path(std::move(file_path)) {}

  Result<std::optional<std::string>> load() override {
    auto k = m_keyring->load();
    auto f = m_file->load();
    m_unanswered = k ? std::string() : k.error().message;
    bool in_keyring = k && k->has_value();
    bool in_file = f && f->has_value();
    if (in_keyring && in_file) {
      return newest_of(**k, **f);
    }
    if (in_keyring) {
      m_place = "keyring";
      return k;
    }
    if (f) {
      m_place = f->has_value() ? "file" : (k ? "keyring" : "file");
    }
    return f;
  }

  Status save(const std::string& value) override {
    m_notice.clear();
    auto k = m_keyring->save(value);
    if (k) {
      m_place = "keyring";
      (void)m_file->remove();
      return k;
    }
    auto f = m_file->save(value);
    if (f) {
      m_place = "file";
      (void)m_keyring->remove(); // a keyring that answers again must not keep a stale copy
      m_notice = "No Secret Service keyring answered (" + k.error().message +
                 "); the login is kept in " + m_file_path + " (mode 0600).";
    }
    return f;
  }

  Result<bool> remove() override {
    auto k = m_keyring->remove();
    auto f = m_file->remove();
    if (!f) {
      return f;
    }
    return (k && *k) || *f;
  }

  std::string place() const override { return m_place; }
  std::string notice() const override { return m_notice; }
  std::string unanswered() const override { return m_unanswered; }

private:
  // Both places hold a record (a fallback left one behind): the newer one wins, the stale
  // copy is replaced by it (keyring) or removed (file).
  Result<std::optional<std::string>> newest_of(const std::string& keyring,
                                               const std::string& file) {
    if (!newer(file, keyring)) {
      m_place = "keyring";
      (void)m_file->remove();
      return std::optional<std::string>(keyring);
    }
    if (m_keyring->save(file)) {
      m_place = "keyring";
      (void)m_file->remove();
    } else {
      m_place = "file";
      (void)m_keyring->remove();
    }
    return std::optional<std::string>(file);
  }

  // True when record text `a` was refreshed after `b` (unparseable times never win).
  static bool newer(const std::string& a, const std::string& b) {
    auto ra = auth_record::parse(a, "");
    auto rb = auth_record::parse(b, "");
    if (!ra || !rb) {
      return ra.ok() && !rb.ok();
    }
    auto ta = auth_record::parse_time(ra->last_refresh);
    auto tb = auth_record::parse_time(rb->last_refresh);
    return ta && (!tb || *ta > *tb);
  }

  std::unique_ptr<Store> m_keyring;
  std::unique_ptr<Store> m_file;
  std::string m_file_path;
  std::string m_place;
  std::string m_notice;
  std::string m_unanswered;
};

} // namespace

std::string keyring_username(const std::string& data_dir) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(std::filesystem::absolute(data_dir), ec);
  std::string path = ec ? data_dir : canonical.string();
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return "cli|" + sha256::hex(path).substr(0, 16);
}

std::unique_ptr<Store> make_auto(const std::string& data_dir, const std::string& file_path) {
  return std::make_unique<AutoStore>(make_keyring(data_dir), make_file(file_path), file_path);
}

std::unique_ptr<Store> open(const std::string& storage, const std::string& data_dir,
                            const std::string& file_path) {
  if (storage == "keyring") {
    return make_keyring(data_dir);
  }
  if (storage == "file") {
    return make_file(file_path);
  }
  return make_auto(data_dir, file_path);
}

namespace {

// The lock file, created 0600 (and its directory 0700); -1 with errno on failure.
int open_lock_file(const std::string& path) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  return ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

} // namespace

Result<Lock> Lock::acquire(const std::string& path) {
  int fd = open_lock_file(path);
  if (fd < 0) {
    return make_error("cannot open lock file " + path + ": " + std::strerror(errno));
  }
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return make_error("cannot lock " + path + ": " + why);
    }
  }
  return Lock(fd);
}

Result<Lock> Lock::acquire_for(const std::string& path, long timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int fd = open_lock_file(path);
    if (fd < 0) {
      return make_error("cannot open lock file " + path + ": " + std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      return Lock(fd);
    }
    int err = errno;
    ::close(fd);
    if (err != EWOULDBLOCK && err != EINTR) {
      return make_error("cannot lock " + path + ": " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error("another airelays process has held " + path + " for " +
                        std::to_string(timeout_ms / 1000) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Lock::Lock(Lock&& other) noexcept : m_fd(other.m_fd) { other.m_fd = -1; }

Lock& Lock::operator=(Lock&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = other.m_fd;
    other.m_fd = -1;
  }
  return *this;
}

Lock::~Lock() {
  if (m_fd >= 0) {
    ::close(m_fd); // closing the last descriptor releases the flock
  }
}

} // namespace airelays::secret_store
