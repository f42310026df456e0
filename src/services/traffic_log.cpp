// Hourly JSONL traffic log with redaction and retention (see traffic_log.hpp).
#include <airelays/http_types.hpp>
#include <airelays/sha256.hpp>
#include <airelays/text.hpp>
#include <airelays/traffic_log.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

namespace airelays::traffic_log {

namespace fs = std::filesystem;

namespace {

constexpr int k_max_logged_depth = 256;

// Keys whose values are secrets wherever they stand, compared without case, `_`, `-` or `.`
// (so `apiKey`, `openai_api_key` and `X-Api-Key` all match): a key matches when it contains
// one of k_secret_parts, ends with "token" (access_token, sessionToken; not max_tokens) or
// is one of k_secret_names.
const char* const k_secret_parts[] = {"apikey", "secret",        "password",
                                      "passwd", "authorization", "cookie"};
const char* const k_secret_names[] = {"filedata", "code"};
// Query parameter names that carry keys in URLs (`?key=`) besides the above.
const char* const k_secret_query_names[] = {"key", "sig", "signature"};

// The key folded for matching: lower case without `_`, `-` and `.`.
std::string fold_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (unsigned char c : key) {
    if (c != '_' && c != '-' && c != '.') {
      out.push_back(static_cast<char>(std::tolower(c)));
    }
  }
  return out;
}

bool is_secret_key(std::string_view key, bool in_error_object, bool in_query) {
  std::string k = fold_key(key);
  if (k == "code") {
    return !in_error_object; // an error's code is a category, an OAuth code is a secret
  }
  if (in_query && std::any_of(std::begin(k_secret_query_names), std::end(k_secret_query_names),
                              [&](const char* n) { return k == n; })) {
    return true;
  }
  return k.ends_with("token") ||
         std::any_of(std::begin(k_secret_parts), std::end(k_secret_parts),
                     [&](const char* p) { return k.find(p) != std::string::npos; }) ||
         std::any_of(std::begin(k_secret_names), std::end(k_secret_names),
                     [&](const char* n) { return k == n; });
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

// Replaces, inside free text, every `Bearer <credential>` and every `sk-...` key with
// [REDACTED]; returns false (and leaves text alone) when there was none.
bool scrub_text(std::string& text) {
  std::string out;
  size_t copied = 0;
  for (size_t i = 0; i < text.size();) {
    size_t start = std::string::npos;
    size_t end = i;
    bool word_start = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    if (word_start && i + 7 < text.size() &&
        text::iequals(std::string_view(text).substr(i, 7), "bearer ")) {
      end = i + 7;
      while (end < text.size() && text[end] == ' ') {
        ++end;
      }
      size_t token_start = end;
      while (end < text.size() && token_char(text[end])) {
        ++end;
      }
      start = end > token_start ? i : std::string::npos;
    } else if (word_start && text.compare(i, 3, "sk-") == 0) {
      end = i + 3;
      while (end < text.size() && token_char(text[end])) {
        ++end;
      }
      start = end - i >= 11 ? i : std::string::npos; // sk- and at least 8 more
    }
    if (start == std::string::npos) {
      ++i;
      continue;
    }
    out.append(text, copied, start - copied);
    out += "[REDACTED]";
    copied = i = end;
  }
  if (copied == 0) {
    return false;
  }
  out.append(text, copied, std::string::npos);
  text = std::move(out);
  return true;
}

// Replaces secrets in v where they stand: values under secret keys, and credentials inside
// any string.
void redact_in(nlohmann::json& v, bool error_object, bool query = false) {
  if (v.is_object()) {
    auto message = v.find("message");
    bool has_message = message != v.end() && message->is_string();
    for (auto& [k, child] : v.items()) {
      if (is_secret_key(k, error_object || has_message, query)) {
        child = "[REDACTED]";
      } else {
        redact_in(child, text::iequals(k, "error"), text::iequals(k, "query"));
      }
    }
  } else if (v.is_array()) {
    for (auto& child : v) {
      redact_in(child, false);
    }
  } else if (v.is_string()) {
    scrub_text(v.get_ref<std::string&>());
  }
}

bool text_like(std::string_view content_type) {
  std::string t = text::lower(content_type);
  return t.empty() || t.rfind("text/", 0) == 0 || t.find("json") != std::string::npos ||
         t.find("xml") != std::string::npos || t.find("javascript") != std::string::npos ||
         t.find("x-www-form-urlencoded") != std::string::npos;
}

std::tm utc(TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

// The start of the hour a relative file name "YYYY/MM/DD-HH.log" stands for.
std::optional<std::time_t> hour_of(const std::string& rel) {
  int y = 0, mo = 0, d = 0, h = 0;
  char tail[8] = {};
  if (std::sscanf(rel.c_str(), "%4d/%2d/%2d-%2d.%3s", &y, &mo, &d, &h, tail) != 5 ||
      std::string(tail) != "log") {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  return timegm(&tm);
}

} // namespace

nlohmann::json redact(const nlohmann::json& v) {
  nlohmann::json copy = v;
  redact_in(copy, false);
  return copy;
}

nlohmann::json body_snapshot(std::string_view body, std::string_view content_type,
                             bool include_content) {
  if (body.empty()) {
    return {{"kind", "empty"}, {"bytes", 0}};
  }
  nlohmann::json snap = {{"bytes", body.size()}, {"sha256", sha256::hex(body)}};
  if (!text_like(content_type)) {
    snap["kind"] = "binary_summary";
    snap["note"] = "Binary payload omitted by default. This is explicit, not silent truncation.";
    return snap;
  }
  if (!include_content) { // the default: validating needs no DOM (it ran on every request)
    snap["kind"] = nlohmann::json::accept(body.begin(), body.end()) ? "json" : "text";
    return snap;
  }
  // Nesting deeper than requests may have is logged as text: redaction walks the tree.
  bool deep = http::json_too_deep(body, k_max_logged_depth).has_value();
  auto parsed = deep ? nlohmann::json(nlohmann::json::value_t::discarded)
                     : nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  snap["kind"] = parsed.is_discarded() ? "text" : "json";
  if (parsed.is_discarded()) {
    snap["text"] = std::string(body);
  } else {
    redact_in(parsed, false);
    snap["json"] = std::move(parsed);
  }
  return snap;
}

std::string iso_time(TimePoint t) {
  std::tm tm = utc(t);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count() % 1000000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lld+00:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros < 0 ? micros + 1000000 : micros));
  return buf;
}

std::string hour_file(TimePoint t) {
  std::tm tm = utc(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d/%02d/%02d-%02d.log", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour);
  return buf;
}

Log::Log(Options options) : m_options(std::move(options)) {}

Log::~Log() = default;

Log::File::~File() {
  if (fd >= 0) {
    ::close(fd);
  }
}

std::shared_ptr<Log::File> Log::open_for(const std::string& rel) {
  if (m_file && m_current == rel) {
    return m_file;
  }
  m_file.reset(); // the previous hour's file closes once its last writer is done
  m_current.clear();
  fs::path path = fs::path(m_options.dir) / rel;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  for (fs::path p = path.parent_path(); p.string().size() >= m_options.dir.size() && !p.empty();
       p = p.parent_path()) {
    ::chmod(p.c_str(), 0700);
    if (p == fs::path(m_options.dir)) {
      break;
    }
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return nullptr;
  }
  m_file = std::make_shared<File>();
  m_file->fd = fd;
  m_current = rel;
  return m_file;
}

namespace {

// One write(2) per record: O_APPEND places each whole at the end of the file, so records from
// concurrent requests never interleave and no lock is held while the kernel writes.
bool append_record(int fd, std::string_view line) {
  while (!line.empty()) {
    ssize_t n = ::write(fd, line.data(), line.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    line.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

} // namespace

bool Log::write(nlohmann::json record, TimePoint now) {
  redact_in(record, false);
  record["logged_at"] = iso_time(now);
  std::string line = record.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) + "\n";
  std::string rel = hour_file(now);
  bool new_hour = false;
  std::shared_ptr<File> file;
  {
    std::lock_guard lock(m_mutex);
    new_hour = m_current != rel;
    file = open_for(rel);
  }
  bool ok = file && append_record(file->fd, line);
  if (!ok) {
    std::lock_guard lock(m_mutex);
    if (!m_warned) {
      m_warned = true;
      std::cerr << "airelays: warning: cannot write the traffic log under " << m_options.dir
                << "; requests are served without it" << std::endl;
    }
  }
  if (new_hour) {
    purge(now); // once an hour: the first record of a new file
  }
  return ok;
}

size_t Log::purge(TimePoint now) {
  if (m_options.retention_days <= 0) {
    return 0;
  }
  std::time_t cutoff = std::chrono::system_clock::to_time_t(now) -
                       static_cast<std::time_t>(m_options.retention_days) * 86400;
  size_t removed = 0;
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (auto it = fs::recursive_directory_iterator(m_options.dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) {
      dirs.push_back(it->path());
      continue;
    }
    auto hour = hour_of(fs::relative(it->path(), m_options.dir, ec).generic_string());
    if (hour && *hour + 3600 <= cutoff && fs::remove(it->path(), ec)) {
      ++removed;
    }
  }
  std::sort(dirs.rbegin(), dirs.rend()); // deepest first
  for (const auto& d : dirs) {
    if (fs::is_empty(d, ec)) {
      fs::remove(d, ec);
    }
  }
  return removed;
}

} // namespace airelays::traffic_log
