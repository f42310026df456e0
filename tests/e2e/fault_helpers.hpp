// Helpers of the fault-injection end-to-end tests (test_faults_*.cpp): a relay signed in to the
// in-process fake upstream without going through `login` (a planted auth.json whose tokens the
// fake issuer will refresh), configured for fast failure (small idle timeout and backoff), and
// a raw streaming client that can read part of a stream and then vanish.
#pragma once

#include "fake_upstream.hpp"
#include "serve_helpers.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <sys/mount.h>

namespace airelays::test::faults {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

inline long unix_now() { return static_cast<long>(std::time(nullptr)); }

inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A port nothing listens on (bound, then released).
inline int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Writes a stored login (the §3.1 auth.json record, file storage) whose access token expires
// in `ttl` seconds; returns the access token.
inline std::string plant_login(const Env& env, long ttl = 3600,
                               const std::string& refresh_token = "rt_planted") {
  std::string account = "11111111-2222-3333-4444-555555555555";
  json auth = {{"chatgpt_account_id", account}, {"chatgpt_plan_type", "plus"}};
  std::string id_token =
      fake::make_jwt({{"email", "user@example.com"}, {"https://api.openai.com/auth", auth}});
  std::string access = fake::make_jwt({{"iat", unix_now()},
                                       {"exp", unix_now() + ttl},
                                       {"jti", refresh_token},
                                       {"https://api.openai.com/auth", auth}});
  char when[64];
  std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S.000000+00:00", std::gmtime(&now));
  json record = {{"bound_account_id", account},
                 {"tokens",
                  {{"id_token", id_token},
                   {"access_token", access},
                   {"refresh_token", refresh_token},
                   {"account_id", account}}},
                 {"last_refresh", when}};
  write_file(env.data_dir() + "/auth.json", record.dump(2) + "\n", 0600);
  return access;
}

// Relay settings for fault tests; `upstream` overrides the [upstream] URLs when non-empty.
struct Settings {
  std::string base_url;
  std::string issuer_url;
  int idle_timeout_s = 2;
  int retry_attempts = 2;
  std::string backoff = "[0.05, 0.05]";
  std::string extra;            // more TOML, appended
  std::string storage = "file"; // [auth] storage
};

inline void configure(const Env& env, const Settings& s) {
  serve::give_token(env);
  serve::give_config(env, "[auth]\nstorage = \"" + s.storage +
                              "\"\n"
                              "[upstream]\nbase_url = \"" +
                              s.base_url +
                              "\"\n"
                              "issuer_base_url = \"" +
                              s.issuer_url +
                              "\"\n"
                              "connect_timeout_seconds = 2\n"
                              "stream_idle_timeout_seconds = " +
                              std::to_string(s.idle_timeout_s) +
                              "\n"
                              "[providers.openai]\nretry_attempts = " +
                              std::to_string(s.retry_attempts) +
                              "\nretry_backoff_seconds = " + s.backoff + "\n" + s.extra);
}

// The usual case: the relay in env pointed at `fake`, signed in, listening.
inline std::unique_ptr<Server> start_relay(const Env& env, const fake::FakeUpstream& fake,
                                           Settings s = {}) {
  if (s.base_url.empty()) {
    s.base_url = fake.backend_url();
  }
  if (s.issuer_url.empty()) {
    s.issuer_url = fake.issuer_url();
  }
  configure(env, s);
  if (file_mode(env.data_dir() + "/auth.json") < 0) {
    plant_login(env);
  }
  return start_server(env);
}

inline json chat_body(bool stream, const std::string& text = "Say hi") {
  return {{"model", "gpt-5.5"},
          {"stream", stream},
          {"messages", json::array({{{"role", "user"}, {"content", text}}})}};
}

inline std::string chat_request(int port, const json& body) {
  std::string payload = body.dump();
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nAuthorization: Bearer " + serve::k_token +
         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
         std::to_string(payload.size()) + "\r\n\r\n" + payload;
}

// Reads from fd until `needle` has arrived (true) or the deadline passes (false).
inline bool read_until(int fd, std::string& got, const std::string& needle,
                       std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char buf[8192];
  while (got.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return false;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      return got.find(needle) != std::string::npos;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return true;
}

// Sends a request and reads the answer until the relay closes (no half-close: a client that
// shuts down its sending side looks gone to the server's liveness check).
inline std::string send_and_read(int port, const std::string& request,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  int fd = serve::connect_to(port);
  if (fd < 0) {
    return {};
  }
  serve::send_all(fd, request);
  std::string out = serve::read_until_close(fd, timeout);
  ::close(fd);
  return out;
}

// Polls `done` every 5 ms until it holds or `timeout` passes.
template <class F> bool eventually(F done, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

inline long fake_counter(const fake::FakeUpstream& fake, const char* key) {
  std::lock_guard lock(fake.mutex());
  auto& s = const_cast<fake::FakeUpstream&>(fake).state();
  auto it = s.find(key);
  return it != s.end() && it->is_number_integer() ? it->get<long>() : 0;
}

// Refresh-token grants the fake issuer received.
inline size_t refresh_grants(const fake::FakeUpstream& fake) {
  size_t n = 0;
  for (const auto& r : fake.requests_to("/oauth/token")) {
    auto j = json::parse(r.body, nullptr, false);
    n += j.is_object() && j.value("grant_type", "") == "refresh_token";
  }
  return n;
}

// A 1 MB tmpfs mounted on `dir` for the life of the object (needs CAP_SYS_ADMIN).
struct SmallDisk {
  std::string dir;
  bool mounted = false;
  explicit SmallDisk(std::string d) : dir(std::move(d)) {
    std::filesystem::create_directories(dir);
    mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m,mode=0700") == 0;
  }
  ~SmallDisk() {
    if (mounted) {
      ::umount2(dir.c_str(), MNT_DETACH);
    }
  }
  // Fills the disk to the last byte with a filler file.
  void fill() {
    std::FILE* f = std::fopen((dir + "/filler").c_str(), "wb");
    REQUIRE(f != nullptr);
    std::string block(4096, 'f');
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
    }
    std::setvbuf(f, nullptr, _IONBF, 0);
    while (std::fwrite("f", 1, 1, f) == 1) {
    }
    std::fclose(f);
  }
  void free_space() { std::filesystem::remove(dir + "/filler"); }
};

} // namespace airelays::test::faults
