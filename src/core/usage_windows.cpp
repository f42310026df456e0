// Reading and rendering the backend's usage-window headers (see usage_windows.hpp).
#include <airelays/status_report.hpp>
#include <airelays/text.hpp>
#include <airelays/usage_windows.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace airelays::usage_windows {

namespace {

std::optional<std::string> find(const HeaderList& headers, const std::string& name) {
  for (const auto& [k, v] : headers) {
    if (text::iequals(k, name)) { // in place: every header of every upstream response
      return v;
    }
  }
  return std::nullopt;
}

std::optional<double> number(const std::optional<std::string>& v) {
  if (!v || v->empty()) {
    return std::nullopt;
  }
  char* end = nullptr;
  double d = std::strtod(v->c_str(), &end);
  return end && *end == '\0' && std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
}

std::optional<long> whole(const std::optional<std::string>& v) {
  auto d = number(v);
  return d ? std::optional<long>(static_cast<long>(std::llround(*d))) : std::nullopt;
}

std::optional<bool> flag(const std::optional<std::string>& v) {
  if (!v) {
    return std::nullopt;
  }
  std::string s = text::lower(*v);
  if (s == "true" || s == "1") {
    return true;
  }
  if (s == "false" || s == "0") {
    return false;
  }
  return std::nullopt;
}

std::optional<Window> window(const HeaderList& h, const std::string& family) {
  auto used = number(find(h, "x-codex-" + family + "-used-percent"));
  if (!used) {
    return std::nullopt;
  }
  Window w;
  w.used_percent = *used;
  w.window_minutes = whole(find(h, "x-codex-" + family + "-window-minutes"));
  w.reset_at = whole(find(h, "x-codex-" + family + "-reset-at"));
  return w;
}

nlohmann::json window_json(const std::optional<Window>& w) {
  if (!w) {
    return nullptr;
  }
  nlohmann::json j = {
      {"used_percent", w->used_percent},
      {"window_minutes", w->window_minutes ? nlohmann::json(*w->window_minutes) : nlohmann::json()},
      {"reset_at", w->reset_at ? nlohmann::json(*w->reset_at) : nlohmann::json()}};
  j["reset_at_iso"] =
      w->reset_at ? nlohmann::json(status_report::iso8601(*w->reset_at)) : nlohmann::json();
  return j;
}

std::optional<Window> window_from(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("used_percent") || !j["used_percent"].is_number()) {
    return std::nullopt;
  }
  Window w;
  w.used_percent = j["used_percent"].get<double>();
  if (j.contains("window_minutes") && j["window_minutes"].is_number_integer()) {
    w.window_minutes = j["window_minutes"].get<long>();
  }
  if (j.contains("reset_at") && j["reset_at"].is_number_integer()) {
    w.reset_at = j["reset_at"].get<long>();
  }
  return w;
}

std::string percent_text(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::round(p * 10) / 10);
  return buf;
}

void add_window(HeaderList& out, const std::optional<Window>& w, const std::string& family,
                long now) {
  if (!w) {
    return;
  }
  std::string p = "x-ratelimit-" + family + "-";
  out.emplace_back(p + "used-percent", percent_text(w->used_percent));
  if (w->window_minutes) {
    out.emplace_back(p + "window-minutes", std::to_string(*w->window_minutes));
  }
  if (w->reset_at) {
    out.emplace_back(p + "reset-at", std::to_string(*w->reset_at));
    out.emplace_back(p + "reset-seconds", std::to_string(std::max(0L, *w->reset_at - now)));
  }
}

} // namespace

bool operator==(const Window& a, const Window& b) {
  return a.used_percent == b.used_percent && a.window_minutes == b.window_minutes &&
         a.reset_at == b.reset_at;
}

bool Snapshot::operator==(const Snapshot& o) const {
  return primary == o.primary && secondary == o.secondary && has_credits == o.has_credits &&
         unlimited == o.unlimited && balance == o.balance;
}

std::optional<Snapshot> from_headers(const HeaderList& headers, long now) {
  Snapshot s;
  s.primary = window(headers, "primary");
  s.secondary = window(headers, "secondary");
  s.has_credits = flag(find(headers, "x-codex-credits-has-credits"));
  s.unlimited = flag(find(headers, "x-codex-credits-unlimited"));
  s.balance = find(headers, "x-codex-credits-balance");
  if (!s.primary && !s.secondary && !s.has_credits && !s.balance) {
    return std::nullopt;
  }
  s.observed_at = now;
  return s;
}

nlohmann::json to_json(const Snapshot& s) {
  nlohmann::json credits = nullptr;
  if (s.has_credits || s.unlimited || s.balance) {
    credits = {{"has_credits", s.has_credits ? nlohmann::json(*s.has_credits) : nlohmann::json()},
               {"unlimited", s.unlimited ? nlohmann::json(*s.unlimited) : nlohmann::json()},
               {"balance", s.balance ? nlohmann::json(*s.balance) : nlohmann::json()}};
  }
  return {{"primary", window_json(s.primary)},
          {"secondary", window_json(s.secondary)},
          {"credits", credits},
          {"observed_at", s.observed_at},
          {"observed_at_iso", status_report::iso8601(s.observed_at)}};
}

std::optional<Snapshot> from_json(const nlohmann::json& j) {
  if (!j.is_object()) {
    return std::nullopt;
  }
  Snapshot s;
  s.primary = window_from(j.value("primary", nlohmann::json()));
  s.secondary = window_from(j.value("secondary", nlohmann::json()));
  auto c = j.value("credits", nlohmann::json());
  if (c.is_object()) {
    if (c.contains("has_credits") && c["has_credits"].is_boolean()) {
      s.has_credits = c["has_credits"].get<bool>();
    }
    if (c.contains("unlimited") && c["unlimited"].is_boolean()) {
      s.unlimited = c["unlimited"].get<bool>();
    }
    if (c.contains("balance") && c["balance"].is_string()) {
      s.balance = c["balance"].get<std::string>();
    }
  }
  if (j.contains("observed_at") && j["observed_at"].is_number_integer()) {
    s.observed_at = j["observed_at"].get<long>();
  }
  if (!s.primary && !s.secondary && !s.has_credits && !s.balance) {
    return std::nullopt;
  }
  return s;
}

HeaderList ratelimit_headers(const Snapshot& s, long now) {
  HeaderList out;
  add_window(out, s.primary, "primary", now);
  add_window(out, s.secondary, "secondary", now);
  return out;
}

std::string window_label(const Window& w, const char* fallback) {
  if (!w.window_minutes) {
    return fallback;
  }
  long m = *w.window_minutes;
  if (m == 10080) {
    return "weekly window";
  }
  if (m % 60 == 0) {
    return std::to_string(m / 60) + " h window";
  }
  return std::to_string(m) + " min window";
}

std::vector<std::string> text_lines(const Snapshot& s,
                                    const std::function<std::string(long)>& clock) {
  std::vector<std::string> out;
  auto line = [&](const std::optional<Window>& w, const char* fallback) {
    if (!w) {
      return;
    }
    std::string l = window_label(*w, fallback) + ": " + percent_text(w->used_percent) + " % used";
    if (w->reset_at) {
      l += ", resets " + clock(*w->reset_at);
    }
    out.push_back(l);
  };
  line(s.primary, "primary window");
  line(s.secondary, "secondary window");
  if (s.unlimited && *s.unlimited) {
    out.push_back("credits: unlimited");
  } else if (s.has_credits && *s.has_credits) {
    out.push_back("credits: " + s.balance.value_or("?"));
  }
  return out;
}

} // namespace airelays::usage_windows
