// Hourly JSONL traffic log with redaction and retention (see traffic_log.hpp).
#include <airelays/http_types.hpp>
#include <airelays/sha256.hpp>
#include <airelays/text.hpp>
#include <airelays/traffic_log.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
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

// The key folded for matching: lower case without `_`, `-` and `.` (ASCII: what
// std::tolower does in the C locale the relay runs in), into `buf` when it fits.
std::string_view fold_key(std::string_view key, char* buf, size_t cap, std::string& spill) {
  size_t n = 0;
  if (key.size() > cap) {
    spill.reserve(key.size());
  }
  for (unsigned char c : key) {
    if (c == '_' || c == '-' || c == '.') {
      continue;
    }
    char folded = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    if (key.size() > cap) {
      spill.push_back(folded);
    } else {
      buf[n++] = folded;
    }
  }
  return key.size() > cap ? std::string_view(spill) : std::string_view(buf, n);
}

bool is_secret_key(std::string_view key, bool in_error_object, bool in_query) {
  char buf[64];
  std::string spill;
  std::string_view k = fold_key(key, buf, sizeof buf, spill);
  if (k == "code") {
    return !in_error_object; // an error's code is a category, an OAuth code is a secret
  }
  if (in_query && std::any_of(std::begin(k_secret_query_names), std::end(k_secret_query_names),
                              [&](const char* n) { return k == n; })) {
    return true;
  }
  return k.ends_with("token") ||
         std::any_of(std::begin(k_secret_parts), std::end(k_secret_parts),
                     [&](const char* p) { return k.find(p) != std::string_view::npos; }) ||
         std::any_of(std::begin(k_secret_names), std::end(k_secret_names),
                     [&](const char* n) { return k == n; });
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

// `text` with every `Bearer <credential>` and every `sk-...` key inside it replaced by
// [REDACTED]; nullopt when there was none.
std::optional<std::string> scrubbed(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t i = 0; i < text.size();) {
    size_t start = std::string::npos;
    size_t end = i;
    bool word_start = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    if (word_start && i + 7 < text.size() && text::iequals(text.substr(i, 7), "bearer ")) {
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
    return std::nullopt;
  }
  out.append(text, copied, std::string::npos);
  return out;
}

// Replaces, inside free text, every credential (see scrubbed); false when there was none.
bool scrub_text(std::string& text) {
  auto out = scrubbed(text);
  if (!out) {
    return false;
  }
  text = std::move(*out);
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

// Appends `s` as a JSON string the way nlohmann dumps it with ensure_ascii and invalid UTF-8
// replaced: plain printable ASCII as it is, anything else through nlohmann itself.
void put_string(std::string& out, std::string_view s) {
  bool plain = std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += s;
    out += '"';
    return;
  }
  out +=
      nlohmann::json(std::string(s)).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

void put_scrubbed(std::string& out, std::string_view s) {
  auto clean = scrubbed(s);
  put_string(out, clean ? std::string_view(*clean) : s);
}

template <typename T> void put_number(std::string& out, T n) {
  char buf[32];
  auto end = std::to_chars(buf, buf + sizeof buf, n).ptr;
  out.append(buf, end);
}

constexpr std::string_view k_redacted = "\"[REDACTED]\"";

// Appends v as redact_in would leave it, dumped: the same walk, written instead of changed.
void put_redacted(std::string& out, const nlohmann::json& v, bool error_object, bool query) {
  using value_t = nlohmann::json::value_t;
  switch (v.type()) {
  case value_t::object: {
    auto message = v.find("message");
    bool has_message = message != v.end() && message->is_string();
    out += '{';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) {
        out += ',';
      }
      first = false;
      put_string(out, it.key());
      out += ':';
      if (is_secret_key(it.key(), error_object || has_message, query)) {
        out += k_redacted;
      } else {
        put_redacted(out, it.value(), text::iequals(it.key(), "error"),
                     text::iequals(it.key(), "query"));
      }
    }
    out += '}';
    return;
  }
  case value_t::array: {
    out += '[';
    bool first = true;
    for (const auto& child : v) {
      if (!first) {
        out += ',';
      }
      first = false;
      put_redacted(out, child, false, false);
    }
    out += ']';
    return;
  }
  case value_t::string:
    put_scrubbed(out, v.get_ref<const std::string&>());
    return;
  case value_t::number_integer:
    put_number(out, v.get<std::int64_t>());
    return;
  case value_t::number_unsigned:
    put_number(out, v.get<std::uint64_t>());
    return;
  case value_t::boolean:
    out += v.get<bool>() ? "true" : "false";
    return;
  default: // null, floating point, binary: nlohmann's own text
    out += v.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    return;
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

Record::Field& Record::add(std::string_view key, Field::Kind kind) {
  Field& f = m_fields.emplace_back();
  f.key = key;
  f.kind = kind;
  return f;
}

void Record::text(std::string_view key, std::string value) {
  add(key, Field::Kind::text).text = std::move(value);
}

void Record::integer(std::string_view key, long long value) {
  add(key, Field::Kind::integer).integer = value;
}

void Record::count(std::string_view key, unsigned long long value) {
  add(key, Field::Kind::count).count = value;
}

void Record::real(std::string_view key, double value) { add(key, Field::Kind::real).real = value; }

void Record::boolean(std::string_view key, bool value) {
  add(key, Field::Kind::boolean).boolean = value;
}

void Record::value(std::string_view key, const nlohmann::json& value) {
  add(key, Field::Kind::json_ref).ref = &value;
}

void Record::owned(std::string_view key, nlohmann::json value) {
  add(key, Field::Kind::json).json = std::move(value);
}

std::string Record::line(TimePoint now) const {
  Field logged_at;
  logged_at.key = "logged_at";
  logged_at.kind = Field::Kind::text;
  logged_at.text = iso_time(now);
  std::vector<const Field*> order;
  order.reserve(m_fields.size() + 1);
  for (const auto& f : m_fields) {
    order.push_back(&f);
  }
  order.push_back(&logged_at); // last: it wins over a field of its name, as it did in the tree
  std::stable_sort(order.begin(), order.end(),
                   [](const Field* a, const Field* b) { return a->key < b->key; });
  // Of the fields of one name, the last set is the one an object would hold.
  std::vector<const Field*> fields;
  fields.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 == order.size() || order[i + 1]->key != order[i]->key) {
      fields.push_back(order[i]);
    }
  }
  auto json_of = [](const Field& f) -> const nlohmann::json* {
    return f.kind == Field::Kind::json_ref ? f.ref
           : f.kind == Field::Kind::json   ? &f.json
                                           : nullptr;
  };
  bool has_message = false;
  for (const Field* f : fields) {
    if (f->key == "message") {
      const nlohmann::json* j = json_of(*f);
      has_message = f->kind == Field::Kind::text || (j && j->is_string());
    }
  }
  std::string out = "{";
  bool first = true;
  for (const Field* f : fields) {
    if (!first) {
      out += ',';
    }
    first = false;
    put_string(out, f->key);
    out += ':';
    if (is_secret_key(f->key, has_message, false)) {
      out += k_redacted;
      continue;
    }
    switch (f->kind) {
    case Field::Kind::text:
      put_scrubbed(out, f->text);
      break;
    case Field::Kind::integer:
      put_number(out, f->integer);
      break;
    case Field::Kind::count:
      put_number(out, f->count);
      break;
    case Field::Kind::real:
      out += nlohmann::json(f->real).dump();
      break;
    case Field::Kind::boolean:
      out += f->boolean ? "true" : "false";
      break;
    case Field::Kind::json_ref:
    case Field::Kind::json:
      put_redacted(out, *json_of(*f), text::iequals(f->key, "error"),
                   text::iequals(f->key, "query"));
      break;
    }
  }
  out += "}\n";
  return out;
}

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

bool Log::write(const nlohmann::json& record, TimePoint now) {
  Record fields;
  if (record.is_object()) {
    for (auto it = record.begin(); it != record.end(); ++it) {
      fields.value(it.key(), it.value());
    }
  }
  return write(fields, now);
}

bool Log::write(const Record& record, TimePoint now) {
  std::string line = record.line(now);
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
