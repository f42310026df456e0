// The subscription usage windows the backend reports on every /responses reply (issue 16,
// upstream-contract.md "Response headers parsed on every /responses reply"): the 5-hour
// (`x-codex-primary-*`) and weekly (`x-codex-secondary-*`) windows and the credits. Pure: the
// relay keeps the latest snapshot per account; `status`, /v1/relay/status and the
// `x-ratelimit-*` headers of chat/completions/models render it from here. Times are passed in.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace airelays::usage_windows {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Window {
  double used_percent = 0;
  std::optional<long> window_minutes;
  std::optional<long> reset_at; // unix seconds
};

struct Snapshot {
  std::optional<Window> primary;   // x-codex-primary-* (the 5 h window)
  std::optional<Window> secondary; // x-codex-secondary-* (the weekly window)
  std::optional<bool> has_credits;
  std::optional<bool> unlimited;
  std::optional<std::string> balance;
  long observed_at = 0; // unix seconds
  bool operator==(const Snapshot&) const;
};

bool operator==(const Window& a, const Window& b);

// The windows in a reply's headers (names any case); nullopt when it names none.
std::optional<Snapshot> from_headers(const HeaderList& headers, long now);
// {"primary":{"used_percent","window_minutes","reset_at","reset_at_iso"},"secondary",
//  "credits":{…},"observed_at"}; and back (nullopt for anything else).
nlohmann::json to_json(const Snapshot& s);
std::optional<Snapshot> from_json(const nlohmann::json& j);
// The x-ratelimit-* headers of chat/completions/models responses (docs/api.md):
// x-ratelimit-{primary,secondary}-{used-percent,window-minutes,reset-at,reset-seconds}.
HeaderList ratelimit_headers(const Snapshot& s, long now);
// "5 h window" / "weekly window" / "N min window".
std::string window_label(const Window& w, const char* fallback);
// One line per window: "5 h window: 12 % used, resets 14:30"; `clock` renders a reset time.
std::vector<std::string> text_lines(const Snapshot& s,
                                    const std::function<std::string(long)>& clock);

} // namespace airelays::usage_windows
