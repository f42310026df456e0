// The backend's usage-window headers: read, rendered as text and as x-ratelimit-* headers.
#include <airelays/usage_windows.hpp>

#include <doctest/doctest.h>

using namespace airelays;

namespace {

const usage_windows::HeaderList k_headers = {
    {"X-Codex-Primary-Used-Percent", "12.0"},      {"x-codex-primary-window-minutes", "300"},
    {"x-codex-primary-reset-at", "1795340000"},    {"x-codex-secondary-used-percent", "39"},
    {"x-codex-secondary-window-minutes", "10080"}, {"x-codex-credits-has-credits", "false"},
    {"content-type", "text/event-stream"}};

} // namespace

TEST_CASE("usage_windows reads the x-codex-* windows and renders the status line") {
  auto snap = usage_windows::from_headers(k_headers, 1795330000);
  REQUIRE(snap);
  CHECK(snap->primary->used_percent == 12.0);
  CHECK(snap->secondary->window_minutes == 10080L);
  auto lines = usage_windows::text_lines(*snap, [](long) { return std::string("14:30"); });
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "5 h window: 12 % used, resets 14:30");
  CHECK(lines[1] == "weekly window: 39 % used");
  auto round = usage_windows::from_json(usage_windows::to_json(*snap));
  REQUIRE(round);
  CHECK(*round == *snap);
  CHECK_FALSE(usage_windows::from_headers({{"content-type", "x"}}, 0));
}

TEST_CASE("usage_windows as x-ratelimit-* headers") {
  auto snap = usage_windows::from_headers(k_headers, 0);
  auto h = usage_windows::ratelimit_headers(*snap, 1795340000 - 600);
  auto get = [&](const std::string& k) {
    for (const auto& [n, v] : h) {
      if (n == k) {
        return v;
      }
    }
    return std::string();
  };
  CHECK(get("x-ratelimit-primary-used-percent") == "12");
  CHECK(get("x-ratelimit-primary-reset-seconds") == "600");
  CHECK(get("x-ratelimit-secondary-window-minutes") == "10080");
}
