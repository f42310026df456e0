// The file store: <data_dir>/auth.json, mode 0600, replaced atomically (see secret_store.hpp).
#include <airelays/atomic_file.hpp>
#include <airelays/secret_store.hpp>

#include <filesystem>

namespace airelays::secret_store {

namespace {

class FileStore final : public Store {
public:
  explicit FileStore(std::string path) : m_path(std::move(path)) {}

  Result<std::optional<std::string>> load() override {
    auto r = atomic_file::read(m_path);
    if (r) {
      m_place = "file";
    }
    return r;
  }

  Status save(const std::string& value) override {
    auto s = atomic_file::write(m_path, value, 0600);
    if (s) {
      m_place = "file";
    }
    return s;
  }

  Result<bool> remove() override {
    std::error_code ec;
    bool existed = std::filesystem::exists(m_path, ec);
    auto s = atomic_file::remove(m_path);
    if (!s) {
      return s.error();
    }
    return existed;
  }

  std::string place() const override { return m_place; }

private:
  std::string m_path;
  std::string m_place;
};

} // namespace

std::unique_ptr<Store> make_file(const std::string& path) {
  return std::make_unique<FileStore>(path);
}

} // namespace airelays::secret_store
