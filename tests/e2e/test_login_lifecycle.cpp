// The login lifecycle of a running relay, end to end (issue 15): refreshes that cannot be
// stored on a real full filesystem (a small tmpfs on the data dir) keep requests working and
// never spend a refresh token twice; and a running `serve` notices within one request a
// logout, a login to another account and a "login required" written by another process; and
// the simulated day of issue 15, once on a file store with a full disk and once in the keyring
// (a private gnome-keyring) with a keyring outage and a full disk.
#include "fault_helpers.hpp"
#include "keyring_helpers.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <sys/mount.h>

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::faults;
namespace fs = std::filesystem;

namespace {

// The refresh tokens the relay sent to the issuer, in order.
std::vector<std::string> sent_refresh_tokens(const fake::FakeUpstream& fake) {
  std::vector<std::string> out;
  for (const auto& r : fake.requests_to("/oauth/token")) {
    auto j = json::parse(r.body, nullptr, false);
    if (j.is_object() && j.value("grant_type", "") == "refresh_token") {
      out.push_back(j.value("refresh_token", ""));
    }
  }
  return out;
}

bool no_reuse(const fake::FakeUpstream& fake) {
  auto sent = sent_refresh_tokens(fake);
  return std::set<std::string>(sent.begin(), sent.end()).size() == sent.size();
}

httplib::Result chat(int port) {
  auto c = serve::client(port);
  return c.Post("/v1/chat/completions", serve::bearer(), chat_body(false).dump(),
                "application/json");
}

json status_json(const Env& env) {
  auto r = run_airelays(env, {"status", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::string error_code(const httplib::Result& r) {
  auto j = serve::body_json(r);
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

void set_access_ttl(fake::FakeUpstream& fake, long seconds) {
  std::lock_guard lock(fake.mutex());
  fake.state()["access_ttl_seconds"] = seconds;
}

} // namespace

TEST_CASE(
    "login lifecycle: refreshes on a full disk keep requests working and spend no token twice") {
  Env env;
  SmallDisk disk(env.data_dir());
  if (!disk.mounted) {
    MESSAGE("cannot mount a tmpfs here (" << std::strerror(errno)
                                          << "): full-disk login test skipped");
    return;
  }
  fake::FakeUpstream fake;
  plant_login(env, -10);
  set_access_ttl(fake, 2); // every request needs a refresh
  auto relay = start_relay(env, fake);
  auto first = chat(relay->port);
  REQUIRE(first);
  REQUIRE(first->status == 200);

  disk.fill();
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    auto r = chat(relay->port);
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == 200);
  }
  CHECK(sent_refresh_tokens(fake).size() >= 5);
  CHECK(no_reuse(fake));
  auto s = status_json(env);
  INFO(s.dump(2));
  CHECK(s["auth"]["state"] == "ready");
  CHECK(s["auth"]["save_failure"].is_object());

  // Space again: the next refresh stores the newest login first, and nothing was lost.
  disk.free_space();
  auto after = chat(relay->port);
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(no_reuse(fake));
  CHECK(status_json(env)["auth"]["save_failure"].is_null());
  auto stored = json::parse(read_file(env.data_dir() + "/auth.json"));
  auto sent = sent_refresh_tokens(fake);
  CHECK(std::find(sent.begin(), sent.end(), stored["tokens"]["refresh_token"].get<std::string>()) ==
        sent.end()); // the stored refresh token is the live one
  CHECK(relay->process.output().find("could not be stored") != std::string::npos);
}

TEST_CASE(
    "login lifecycle: a running relay notices logout, another login and login required at once") {
  Env env;
  fake::FakeUpstream fake;
  auto relay = start_relay(env, fake);
  auto ok = chat(relay->port);
  REQUIRE(ok);
  REQUIRE(ok->status == 200);

  REQUIRE(run_airelays(env, {"logout"}).exit_code == 0);
  auto t0 = Clock::now();
  auto gone = chat(relay->port);
  REQUIRE(gone);
  CHECK(gone->status == 503);
  CHECK(error_code(gone) == "upstream_auth_missing");
  CHECK(seconds_since(t0) < 1.0);

  // A login to another account (written as `login` would, by another process).
  std::string other = "22222222-3333-4444-5555-666666666666";
  json auth = {{"chatgpt_account_id", other}};
  json record = {{"bound_account_id", other},
                 {"tokens",
                  {{"id_token", fake::make_jwt({{"https://api.openai.com/auth", auth}})},
                   {"access_token", fake::make_jwt({{"exp", unix_now() + 3600}})},
                   {"refresh_token", "rt_other"},
                   {"account_id", other}}},
                 {"last_refresh", "2030-01-01T00:00:00.000000+00:00"}};
  write_file(env.data_dir() + "/auth.json", record.dump(2) + "\n", 0600);
  auto again = chat(relay->port);
  REQUIRE(again);
  CHECK(again->status == 200);
  auto posts = fake.requests_to("/backend-api/codex/responses");
  REQUIRE_FALSE(posts.empty());
  CHECK(posts.back().headers["chatgpt-account-id"] == other);

  // "Login required" persisted by another process.
  write_file(env.data_dir() + "/login-state.json",
             json{{"state", "login_required"},
                  {"reason", "refresh_token_reused"},
                  {"message",
                   "Token refresh failed: 401 refresh_token_reused. Run `airelays login` again."},
                  {"time", "2030-01-01T00:00:00Z"}}
                 .dump(),
             0600);
  auto required = chat(relay->port);
  REQUIRE(required);
  CHECK(required->status == 503);
  CHECK(error_code(required) == "upstream_auth_refresh_failed");
}

namespace {

// `airelays doctor --json` (a CLI process on the same store) completed its smoke request.
bool cli_request_ok(const Env& env, std::string& why) {
  auto r = run_airelays(env, {"doctor", "--json"}, std::chrono::seconds(60));
  auto j = json::parse(r.out, nullptr, false);
  if (j.is_object() && j.contains("checks") && j["checks"].is_array()) {
    for (const auto& c : j["checks"]) {
      if (c.value("name", "") == "openai_response") {
        why = c.dump();
        return c.value("status", "") == "pass";
      }
    }
  }
  why = r.out + r.err;
  return false;
}

struct DayFigures {
  int requests = 0;
  std::vector<std::string> failures;
};

// The day's traffic for `seconds`: each relay asked in turn every 20 ms (a steady client, not
// a flood) and `doctor` (a CLI on the same store) every 4 s; `events(t)` runs the day's
// incidents before each round.
template <class Events>
DayFigures run_day(const Env& env, const std::vector<int>& ports, double seconds, Events events) {
  DayFigures day;
  auto t0 = Clock::now();
  double next_cli = 2;
  while (seconds_since(t0) < seconds) {
    double t = seconds_since(t0);
    events(t);
    for (int port : ports) {
      auto r = chat(port);
      ++day.requests;
      if (!r || r->status != 200) {
        day.failures.push_back("t=" + std::to_string(t) + " port " + std::to_string(port) + ": " +
                               (r ? std::to_string(r->status) + " " + r->body : "no answer"));
      }
    }
    if (t > next_cli) {
      std::string why;
      ++day.requests;
      if (!cli_request_ok(env, why)) {
        day.failures.push_back("t=" + std::to_string(t) + " cli: " + why);
      }
      next_cli = t + 4;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return day;
}

void report(const DayFigures& day, const fake::FakeUpstream& fake, const char* name) {
  for (const auto& f : day.failures) {
    MESSAGE(f);
  }
  auto sent = sent_refresh_tokens(fake);
  size_t reused = sent.size() - std::set<std::string>(sent.begin(), sent.end()).size();
  MESSAGE(std::string(name) << ": " << day.requests << " requests, " << sent.size()
                            << " refreshes, " << day.failures.size() << " failed, " << reused
                            << " reused refresh tokens");
}

} // namespace

// Issue 15's "simulated day", compressed: access tokens that live 20 s (so every request is
// inside the 5-minute window and the relays refresh continuously), single-use refresh tokens,
// two relays and a CLI on one data dir, and one interval with the data disk full. Every
// request must succeed and no refresh token may be sent twice. The same day in the keyring,
// with a keyring outage, follows.
TEST_CASE("login lifecycle: a simulated day of short tokens, two relays, a CLI and a full disk") {
  Env env;
  SmallDisk disk(env.data_dir());
  if (!disk.mounted) {
    MESSAGE("cannot mount a tmpfs here ("
            << std::strerror(errno) << "): the simulated day runs without its full-disk interval");
  }
  fake::FakeUpstream fake;
  set_access_ttl(fake, 20);
  plant_login(env, 20);
  Settings settings;
  settings.extra = "[security]\nrate_limit_per_minute = 1000000\nrate_limit_burst = 1000000\n";
  auto a = start_relay(env, fake, settings);
  auto b = start_server(env);
  bool filled = false;
  bool freed = false;
  auto day = run_day(env, {a->port, b->port}, 20, [&](double t) {
    if (disk.mounted && !filled && t > 6) {
      disk.fill();
      filled = true;
    }
    if (filled && !freed && t > 11) {
      disk.free_space();
      freed = true;
    }
  });
  report(day, fake, "simulated day");
  INFO("relay a: " << a->process.output());
  INFO("relay b: " << b->process.output());
  CHECK(day.failures.empty());
  CHECK(no_reuse(fake));
  CHECK(sent_refresh_tokens(fake).size() >= 10);
  if (disk.mounted) { // the full disk did bite: a refresh could not be stored
    CHECK((a->process.output() + b->process.output()).find("could not be stored") !=
          std::string::npos);
  }
  CHECK(status_json(env)["auth"]["save_failure"].is_null()); // stored again after the disk freed
}

// The simulated day in the keyring (`storage = "auto"`, gnome-keyring on a private session
// bus): the keyring daemon goes away for 9 s (the login lives only in the keyring when it
// does), the disk that holds the data dir and the keyring file is full for 4 s of that, and
// the daemon comes back. Requests keep working throughout, no refresh token is sent twice, and
// afterwards the newest login is back in the keyring and nowhere else (item 2).
TEST_CASE("login lifecycle: a simulated day in the keyring with a keyring outage and a full disk") {
  Env env;
  SmallDisk disk(env.data_dir());
  env.vars["XDG_DATA_HOME"] = env.data_dir() + "/xdg"; // the keyring file on the same disk
  keyring::Session keyring(env);
  if (!keyring.ok()) {
    MESSAGE("no private keyring (" << keyring.why() << "): the keyring day is skipped");
    return;
  }
  fake::FakeUpstream fake;
  set_access_ttl(fake, 20);
  plant_login(env, 20);
  Settings settings;
  settings.storage = "auto";
  settings.extra = "[security]\nrate_limit_per_minute = 1000000\nrate_limit_burst = 1000000\n";
  auto a = start_relay(env, fake, settings);
  auto b = start_server(env);
  // The first refresh moves the planted file login into the keyring.
  REQUIRE(eventually(
      [&] {
        (void)chat(a->port);
        return file_mode(env.data_dir() + "/auth.json") < 0;
      },
      std::chrono::seconds(20)));
  std::string user = keyring::username(env.data_dir());
  REQUIRE_FALSE(keyring.entry(user).empty());

  int stage = 0;
  auto day = run_day(env, {a->port, b->port}, 24, [&](double t) {
    if (stage == 0 && t > 4) {
      keyring.stop();
      ++stage;
    } else if (stage == 1 && t > 7 && disk.mounted) {
      disk.fill();
      ++stage;
    } else if (stage == 1 && t > 7) {
      stage = 3; // no tmpfs: the outage without the full disk
    } else if (stage == 2 && t > 11) {
      disk.free_space();
      ++stage;
    } else if (stage == 3 && t > 13) {
      REQUIRE(keyring.start());
      ++stage;
    }
  });
  report(day, fake, "simulated day in the keyring");
  INFO("relay a: " << a->process.output());
  INFO("relay b: " << b->process.output());
  CHECK(stage == 4);
  CHECK(day.failures.empty());
  CHECK(no_reuse(fake));
  CHECK(sent_refresh_tokens(fake).size() >= 10);
  // The outage did bite: a refresh was kept in auth.json while the keyring was away.
  CHECK((a->process.output() + b->process.output()).find("could not be stored") !=
        std::string::npos);

  // Afterwards: one more request each, then the newest login is in the keyring only.
  REQUIRE(chat(a->port));
  REQUIRE(chat(b->port));
  auto s = status_json(env);
  INFO(s.dump(2));
  CHECK(s["auth"]["state"] == "ready");
  CHECK(s["auth"]["stored_in"] == "keyring");
  CHECK(s["auth"]["save_failure"].is_null());
  CHECK(file_mode(env.data_dir() + "/auth.json") < 0);
  // The keyring holds the live refresh token (once a refresh still in flight has stored its).
  CHECK(eventually(
      [&] {
        auto stored = json::parse(keyring.entry(user), nullptr, false);
        auto sent = sent_refresh_tokens(fake);
        return stored.is_object() &&
               std::find(sent.begin(), sent.end(), stored["tokens"].value("refresh_token", "")) ==
                   sent.end();
      },
      std::chrono::seconds(10)));
}
