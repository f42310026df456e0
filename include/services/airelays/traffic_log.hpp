// The traffic log: what the relay did, for the person running it to look back on. One JSON
// object per line in hourly files <logs_dir>/YYYY/MM/DD-HH.log (UTC, the reference §9
// layout), one summary record per request (id, route, model, status, timings, sizes, usage,
// adaptations, retries, errors). Request and response contents are written only with
// [logging] content = true (DESIGN.md deliberate difference 8). Secrets are redacted from
// every record at write time, whatever the settings. Files older than [logging]
// retention_days are deleted. Writing never fails a request: an unwritable log is reported
// once on stderr and skipped (fail-open).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace airelays::traffic_log {

using TimePoint = std::chrono::system_clock::time_point;

struct Options {
  std::string dir;         // the logs directory
  bool content = false;    // [logging] content: also write bodies
  int retention_days = 14; // [logging] retention_days; 0 or less keeps everything
};

// A copy of v with every secret-bearing key's value replaced by "[REDACTED]", recursively:
// authorization, cookie, set-cookie, access_token, refresh_token, id_token, api_key,
// bearer_token, relay_token, token, password, client_secret, file_data, and `code` outside
// error objects; plus any string that starts with "Bearer ".
nlohmann::json redact(const nlohmann::json& v);

// The reference §9 snapshot of a body: kind (empty|json|text|binary_summary), bytes, sha256
// and, when include_content, the (redacted) JSON or text itself.
nlohmann::json body_snapshot(std::string_view body, std::string_view content_type,
                             bool include_content);

// "2026-11-22T07:12:45.947397+00:00".
std::string iso_time(TimePoint t);

// Relative path of the hour file holding records written at t: "2026/11/22-07.log"
// (YYYY/MM/DD-HH.log, UTC).
std::string hour_file(TimePoint t);

// One record as fields, written straight to its line without building a JSON tree for it:
// the line is exactly what dumping the object of these fields, redacted (redact) with
// "logged_at" added, would give (keys in name order, a later field of the same name wins,
// non-ASCII as \u escapes, invalid UTF-8 replaced).
class Record {
public:
  void text(std::string_view key, std::string value);
  void integer(std::string_view key, long long value);
  void count(std::string_view key, unsigned long long value);
  void real(std::string_view key, double value);
  void boolean(std::string_view key, bool value);
  // A JSON value by reference: it must outlive the write.
  void value(std::string_view key, const nlohmann::json& value);
  // A JSON value the record keeps.
  void owned(std::string_view key, nlohmann::json value);
  // The line (with its newline) for a record written at `now`.
  std::string line(TimePoint now) const;

private:
  struct Field {
    std::string key;
    enum class Kind { text, integer, count, real, boolean, json_ref, json } kind;
    std::string text;
    long long integer = 0;
    unsigned long long count = 0;
    double real = 0;
    bool boolean = false;
    const nlohmann::json* ref = nullptr;
    nlohmann::json json;
  };
  Field& add(std::string_view key, Field::Kind kind);
  std::vector<Field> m_fields;
};

class Log {
public:
  explicit Log(Options options);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends record (redacted, with "logged_at") to the hour file of now. Returns false when
  // it could not be written.
  bool write(const nlohmann::json& record, TimePoint now);
  // The same for a record given as fields.
  bool write(const Record& record, TimePoint now);
  // Deletes hour files that ended more than retention_days before now, and the directories
  // left empty; returns how many files were deleted.
  size_t purge(TimePoint now);
  bool content() const { return m_options.content; }
  const std::string& dir() const { return m_options.dir; }

private:
  // An open hour file; closed when the last writer holding it is done.
  struct File {
    int fd = -1;
    ~File();
  };
  std::shared_ptr<File> open_for(const std::string& rel);
  Options m_options;
  std::mutex m_mutex; // guards the fields below; records are written outside it
  std::shared_ptr<File> m_file;
  std::string m_current; // relative path of the open file
  bool m_warned = false;
};

} // namespace airelays::traffic_log
