// The stored login record (see auth_record.hpp), and the small ISO-8601 codec its
// last_refresh field needs (days-from-civil arithmetic; no clock, no locale).
#include <airelays/auth_record.hpp>
#include <airelays/jwt.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

namespace airelays::auth_record {

namespace {

std::string string_field(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string id_token_of(const nlohmann::json& tokens) {
  auto it = tokens.find("id_token");
  if (it == tokens.end()) {
    return {};
  }
  if (it->is_string()) {
    return it->get<std::string>();
  }
  if (it->is_object()) {
    return string_field(*it, "raw_jwt");
  }
  return {};
}

long days_from_civil(long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

void civil_from_days(long z, long& y, unsigned& m, unsigned& d) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<long>(yoe) + era * 400 + (m <= 2);
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) {
    return false;
  }
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Parses the offset at `pos` ("Z", "+HH:MM", "+HHMM"); seconds east of UTC.
std::optional<long> parse_offset(std::string_view s, size_t pos) {
  if (pos >= s.size()) {
    return std::nullopt;
  }
  if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
    return 0;
  }
  if (s[pos] != '+' && s[pos] != '-') {
    return std::nullopt;
  }
  int hh = 0;
  int mm = 0;
  size_t mpos = pos + 3 < s.size() && s[pos + 3] == ':' ? pos + 4 : pos + 3;
  if (!digits(s, pos + 1, 2, hh) || !digits(s, mpos, 2, mm) || mpos + 2 != s.size()) {
    return std::nullopt;
  }
  long off = hh * 3600L + mm * 60L;
  return s[pos] == '-' ? -off : off;
}

} // namespace

Result<Record> parse(std::string_view text, const std::string& where) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error("Stored airelays auth at " + where + " is not valid JSON.");
  }
  Record r;
  auto tokens = j.find("tokens");
  if (tokens != j.end() && tokens->is_object()) {
    r.id_token = id_token_of(*tokens);
    r.access_token = string_field(*tokens, "access_token");
    r.refresh_token = string_field(*tokens, "refresh_token");
    r.account_id = string_field(*tokens, "account_id");
  }
  if (r.account_id.empty()) {
    r.account_id = jwt::claims(r.id_token).account_id;
  }
  r.bound_account_id = string_field(j, "bound_account_id");
  if (r.bound_account_id.empty()) {
    r.bound_account_id = r.account_id;
  }
  r.last_refresh = string_field(j, "last_refresh");
  return r;
}

std::string serialize(const Record& r, bool pretty) {
  nlohmann::json tokens = {{"id_token", r.id_token},
                           {"access_token", r.access_token},
                           {"refresh_token", r.refresh_token},
                           {"account_id", r.account_id}};
  nlohmann::json j = {{"bound_account_id", r.bound_account_id},
                      {"tokens", std::move(tokens)},
                      {"last_refresh", r.last_refresh}};
  return pretty ? j.dump(2) + "\n" : j.dump();
}

bool authenticated(const Record& r) { return !r.access_token.empty() || !r.refresh_token.empty(); }

Result<Record> build(std::string id_token, std::string access_token, std::string refresh_token,
                     std::string bound_account_id, double now_unix) {
  if (id_token.empty() || access_token.empty() || refresh_token.empty()) {
    return make_error("Missing token fields while building auth payload.");
  }
  Record r;
  r.account_id = jwt::claims(id_token).account_id;
  r.bound_account_id = bound_account_id.empty() ? r.account_id : std::move(bound_account_id);
  r.id_token = std::move(id_token);
  r.access_token = std::move(access_token);
  r.refresh_token = std::move(refresh_token);
  r.last_refresh = format_time(now_unix);
  return r;
}

std::string format_time(double unix_seconds) {
  double whole = std::floor(unix_seconds);
  long secs = static_cast<long>(whole);
  long micros = std::lround((unix_seconds - whole) * 1e6);
  if (micros >= 1000000) {
    micros -= 1000000;
    ++secs;
  }
  long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  long rem = secs - days * 86400;
  long y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04ld-%02u-%02uT%02ld:%02ld:%02ld.%06ld+00:00", y, m, d,
                rem / 3600, (rem / 60) % 60, rem % 60, micros);
  return buf;
}

std::optional<double> parse_time(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) ||
      s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se) || mo < 1 ||
      mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  double frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    double scale = 0.1;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
      frac += (s[pos] - '0') * scale;
      scale /= 10;
    }
  }
  auto off = parse_offset(s, pos);
  if (!off) {
    return std::nullopt;
  }
  long days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return static_cast<double>(days * 86400L + h * 3600L + mi * 60L + se - *off) + frac;
}

} // namespace airelays::auth_record
