// The on-disk file store (see file_store.hpp for the crash-safety argument).
#include <airelays/atomic_file.hpp>
#include <airelays/file_store.hpp>
#include <airelays/paths.hpp>
#include <airelays/random.hpp>
#include <airelays/sha256.hpp>
#include <airelays/text.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace airelays::file_store {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_content = "content";
constexpr const char* k_meta = "meta.json";
constexpr size_t k_id_hex = 24;

// Reads <dir>/<name> without following a symlink at either step (the store never serves what
// a link planted in files/ points at, issue 14): the entry directory is opened O_NOFOLLOW and
// the file in it O_NOFOLLOW, and it must be a regular file. nullopt when either is missing.
Result<std::optional<std::string>> read_entry(const std::string& dir, const char* name) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0) {
    return errno == ENOENT ? Result<std::optional<std::string>>(std::nullopt)
                           : make_error(dir + " is not a plain directory: " + std::strerror(errno));
  }
  int fd = ::openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  int open_errno = errno;
  ::close(dfd);
  if (fd < 0) {
    return open_errno == ENOENT ? Result<std::optional<std::string>>(std::nullopt)
                                : make_error(dir + "/" + name +
                                             " is not a plain file: " + std::strerror(open_errno));
  }
  struct stat st {};
  std::string out;
  bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  char buf[65536];
  ssize_t n = 0;
  while (regular && (n = ::read(fd, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!regular || n < 0) {
    return make_error(dir + "/" + name + " is not a readable plain file");
  }
  return std::optional<std::string>(std::move(out));
}

// True when path is a regular file itself, not a symlink to one.
bool plain_file(const fs::path& path) {
  std::error_code ec;
  return fs::symlink_status(path, ec).type() == fs::file_type::regular;
}

bool is_file_id(const std::string& name) {
  if (name.size() != 5 + k_id_hex || name.compare(0, 5, "file-") != 0) {
    return false;
  }
  return text::is_hex(std::string_view(name).substr(5));
}

nlohmann::json meta_json(const FileInfo& f) {
  return {{"id", f.id},           {"filename", f.filename},
          {"purpose", f.purpose}, {"content_type", f.content_type},
          {"bytes", f.bytes},     {"created_at", f.created_at},
          {"sha256", f.sha256},   {"sequence", f.sequence}};
}

// Reads meta.json text back; nullopt when it is not a complete record.
std::optional<FileInfo> parse_meta(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) {
    return std::nullopt;
  }
  FileInfo f;
  auto str = [&](const char* key, std::string& out) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() && (out = it->get<std::string>(), true);
  };
  auto num = [&](const char* key, int64_t& out) {
    auto it = j.find(key);
    return it != j.end() && it->is_number_integer() && (out = it->get<int64_t>(), true);
  };
  bool ok = str("id", f.id) && str("filename", f.filename) && str("purpose", f.purpose) &&
            str("content_type", f.content_type) && str("sha256", f.sha256) &&
            num("bytes", f.bytes) && num("created_at", f.created_at) && num("sequence", f.sequence);
  return ok ? std::optional<FileInfo>(f) : std::nullopt;
}

api_error::ApiError too_large(int64_t size, int64_t limit) {
  return api_error::make(413,
                         "Uploaded file is " + std::to_string(size) +
                             " bytes, over the per-file upload limit of " + std::to_string(limit) +
                             " bytes ([uploads] max_upload_bytes).",
                         std::string("file_too_large"), std::string("file"));
}

api_error::ApiError over_quota(int64_t size, int64_t total, int64_t limit) {
  return api_error::make(413,
                         "Stored uploads would exceed the upload quota of " +
                             std::to_string(limit) +
                             " bytes ([uploads] max_total_upload_bytes): " + std::to_string(total) +
                             " bytes are stored and this file is " + std::to_string(size) +
                             " bytes. Delete files with DELETE /v1/files/{id}.",
                         std::string("upload_quota_exceeded"), std::string("file"));
}

} // namespace

nlohmann::json to_openai(const FileInfo& f) {
  return {{"id", f.id},
          {"object", "file"},
          {"bytes", f.bytes},
          {"created_at", f.created_at},
          {"expires_at", nullptr},
          {"filename", f.filename},
          {"purpose", f.purpose},
          {"status", "processed"},
          {"status_details", nullptr},
          {"content_type", f.content_type},
          {"sha256", f.sha256}};
}

int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

FileStore::FileStore(std::string dir, Limits limits, Clock now)
    : m_dir(std::move(dir)), m_limits(limits), m_now(std::move(now)) {}

Result<std::unique_ptr<FileStore>> FileStore::open(std::string dir, Limits limits, Clock now) {
  Status made = paths::ensure_private_dir(dir);
  if (!made) {
    return made.error();
  }
  std::unique_ptr<FileStore> store(new FileStore(std::move(dir), limits, std::move(now)));
  Status loaded = store->load();
  if (!loaded) {
    return loaded.error();
  }
  return store;
}

std::string FileStore::dir_of(const std::string& id) const { return m_dir + "/" + id; }

// Indexes every complete file and removes every incomplete one (a crash mid-upload or
// mid-delete): no meta.json, a meta.json that does not parse, or bytes that do not match it.
// A symlink in place of an entry, its meta.json or its content is removed too (the link,
// never its target): the store holds only what it wrote.
Status FileStore::load() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_dir, ec)) {
    std::string name = entry.path().filename().string();
    std::error_code link_ec;
    if (is_file_id(name) && entry.is_symlink(link_ec)) {
      fs::remove(entry.path(), link_ec);
      continue;
    }
    if (!is_file_id(name) || !entry.is_directory()) {
      continue;
    }
    auto meta = read_entry(entry.path().string(), k_meta);
    std::optional<FileInfo> info;
    if (meta && *meta) {
      info = parse_meta(**meta);
    }
    std::error_code size_ec;
    auto size = fs::file_size(entry.path() / k_content, size_ec);
    bool plain = plain_file(entry.path() / k_content);
    if (!info || info->id != name || size_ec || !plain ||
        static_cast<int64_t>(size) != info->bytes) {
      fs::remove_all(entry.path(), size_ec);
      continue;
    }
    m_total += info->bytes;
    m_next_sequence = std::max(m_next_sequence, info->sequence + 1);
    m_files.emplace(name, std::move(*info));
  }
  if (ec) {
    return make_error("cannot read the file store directory " + m_dir + ": " + ec.message());
  }
  return ok_status();
}

std::variant<FileInfo, api_error::ApiError> FileStore::add(const NewFile& file) {
  auto size = static_cast<int64_t>(file.bytes.size());
  if (size > m_limits.max_upload_bytes) {
    return too_large(size, m_limits.max_upload_bytes);
  }
  FileInfo info;
  {
    std::lock_guard lock(m_mutex);
    if (m_total + m_reserved + size > m_limits.max_total_upload_bytes) {
      return over_quota(size, m_total + m_reserved, m_limits.max_total_upload_bytes);
    }
    m_reserved += size;
    info.sequence = m_next_sequence++;
  }
  info.id = "file-" + random::hex(k_id_hex);
  info.filename = file.filename;
  info.purpose = file.purpose;
  info.content_type = file.content_type;
  info.bytes = size;
  info.created_at = m_now();
  info.sha256 = sha256::hex(file.bytes);

  // Bytes first, metadata last: the file is listed only once meta.json is complete.
  std::string dir = dir_of(info.id);
  Status written = atomic_file::write(dir + "/" + k_content, file.bytes);
  if (written) {
    // Never throws between the two writes (the handler refuses a name that is not UTF-8).
    auto meta = meta_json(info).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    written = atomic_file::write(dir + "/" + k_meta, meta);
  }
  std::lock_guard lock(m_mutex);
  m_reserved -= size;
  if (!written) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    return api_error::make(500, "Could not store the upload: " + written.error().message,
                           std::string("file_store_error"));
  }
  m_total += size;
  m_files.emplace(info.id, info);
  return info;
}

std::vector<FileInfo> FileStore::list(const std::optional<std::string>& purpose) const {
  std::vector<FileInfo> out;
  {
    std::lock_guard lock(m_mutex);
    for (const auto& [id, f] : m_files) {
      if (!purpose || f.purpose == *purpose) {
        out.push_back(f);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.sequence > b.sequence;
  });
  return out;
}

std::optional<FileInfo> FileStore::get(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  auto it = m_files.find(id);
  return it == m_files.end() ? std::nullopt : std::optional<FileInfo>(it->second);
}

std::optional<FileInfo> FileStore::find_by_filename(const std::string& filename) const {
  for (const auto& f : list()) {
    if (f.filename == filename) {
      return f;
    }
  }
  return std::nullopt;
}

Result<std::optional<std::string>> FileStore::read(const std::string& id) const {
  if (!get(id)) {
    return std::optional<std::string>{};
  }
  auto bytes = read_entry(dir_of(id), k_content);
  if (!bytes) {
    return bytes.error();
  }
  if (!*bytes) {
    return make_error("the stored bytes of " + id + " are missing");
  }
  return std::move(bytes.value());
}

// meta.json goes first, so an interrupted delete leaves an unlisted directory that the next
// open() removes.
Result<bool> FileStore::remove(const std::string& id) {
  std::lock_guard lock(m_mutex);
  auto it = m_files.find(id);
  if (it == m_files.end()) {
    return false;
  }
  std::string dir = dir_of(id);
  Status unlinked = atomic_file::remove(dir + "/" + k_meta);
  if (!unlinked) {
    return unlinked.error();
  }
  m_total -= it->second.bytes;
  m_files.erase(it);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return true;
}

int64_t FileStore::total_bytes() const {
  std::lock_guard lock(m_mutex);
  return m_total;
}

} // namespace airelays::file_store
