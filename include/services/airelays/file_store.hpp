// The local store behind /v1/files. The ChatGPT backend has no file API, so uploads live on
// disk: one directory per file under the data dir's files/ holding `content` (the original
// bytes) and `meta.json` (filename, purpose, type, size, sha256, time), both written to a temp
// file, fsynced and renamed, mode 0600. A file exists for the store only when its meta.json is
// complete and matches the bytes, and meta.json is written last and removed first, so a kill
// -9 at any moment leaves either a whole file or an unlisted leftover that the next open()
// removes. The index and the total-bytes count are rebuilt from disk at open().
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace airelays::file_store {

struct FileInfo {
  std::string id; // file-<24 hex>
  std::string filename;
  std::string purpose;
  std::string content_type; // what the upload declared, or what its content showed
  int64_t bytes = 0;
  int64_t created_at = 0; // Unix seconds
  std::string sha256;     // lowercase hex
  int64_t sequence = 0;   // upload order, for a stable newest-first listing
};

// The OpenAI file object: {"id","object":"file","bytes","created_at","filename","purpose",
// "status":"processed",...} plus content_type and sha256.
nlohmann::json to_openai(const FileInfo& f);

struct Limits {
  int64_t max_upload_bytes = 33554432;        // [uploads] max_upload_bytes
  int64_t max_total_upload_bytes = 268435456; // [uploads] max_total_upload_bytes
};

// Unix seconds now; injected so tests control created_at.
using Clock = std::function<int64_t()>;
int64_t system_now();

// What add() stores.
struct NewFile {
  std::string filename;
  std::string purpose;
  std::string content_type; // as declared by the client; may be empty
  std::string_view bytes;
};

class FileStore {
public:
  // Opens the store in dir (created 0700), removing what an interrupted upload or delete
  // left behind and counting the stored bytes.
  static Result<std::unique_ptr<FileStore>> open(std::string dir, Limits limits,
                                                 Clock now = system_now);

  // Stores a file: 413 when it is larger than max_upload_bytes or would bring the total over
  // max_total_upload_bytes (equal is accepted), 500 when the disk write fails; nothing is
  // left behind on failure. Safe to call from several threads.
  std::variant<FileInfo, api_error::ApiError> add(const NewFile& file);

  // All files, newest first; only those with purpose `purpose` when it is set.
  std::vector<FileInfo> list(const std::optional<std::string>& purpose = std::nullopt) const;
  std::optional<FileInfo> get(const std::string& id) const;
  // The newest file uploaded under this filename.
  std::optional<FileInfo> find_by_filename(const std::string& filename) const;
  // The stored bytes of a file; nullopt when there is no such file.
  Result<std::optional<std::string>> read(const std::string& id) const;
  // Deletes a file; false when there is no such file.
  Result<bool> remove(const std::string& id);

  // Bytes of all stored files.
  int64_t total_bytes() const;
  const Limits& limits() const { return m_limits; }

private:
  FileStore(std::string dir, Limits limits, Clock now);
  Status load();
  std::string dir_of(const std::string& id) const;

  std::string m_dir;
  Limits m_limits;
  Clock m_now;
  mutable std::mutex m_mutex;
  std::map<std::string, FileInfo> m_files;
  int64_t m_total = 0;    // bytes of the files in m_files
  int64_t m_reserved = 0; // bytes of uploads being written
  int64_t m_next_sequence = 1;
};

} // namespace airelays::file_store
