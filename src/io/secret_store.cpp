// Store selection, the "auto" policy and the cross-process lock (see secret_store.hpp).
#include <airelays/secret_store.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

namespace airelays::secret_store {

namespace {

std::string sha256_hex(const std::string& s) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

// Keyring when it answers, else the file (reference §3.2).
class AutoStore final : public Store {
public:
  AutoStore(std::unique_ptr<Store> keyring, std::unique_ptr<Store> file, std::string file_path)
      : m_keyring(std::move(keyring)), m_file(std::move(file)), m_file_path(std::move(file_path)) {}

  Result<std::optional<std::string>> load() override {
    auto k = m_keyring->load();
    if (k && k->has_value()) {
      m_place = "keyring";
      return k;
    }
    auto f = m_file->load();
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

private:
  std::unique_ptr<Store> m_keyring;
  std::unique_ptr<Store> m_file;
  std::string m_file_path;
  std::string m_place;
  std::string m_notice;
};

} // namespace

std::string keyring_username(const std::string& data_dir) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(std::filesystem::absolute(data_dir), ec);
  std::string path = ec ? data_dir : canonical.string();
  while (path.size() > 1 && path.back() == '/') {
    path.pop_back();
  }
  return "cli|" + sha256_hex(path).substr(0, 16);
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

Result<Lock> Lock::acquire(const std::string& path) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
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
