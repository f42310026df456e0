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

class Log {
public:
  explicit Log(Options options);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends record (redacted, with "logged_at") to the hour file of now. Returns false when
  // it could not be written.
  bool write(nlohmann::json record, TimePoint now);
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
