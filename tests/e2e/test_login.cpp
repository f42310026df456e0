// `airelays login` / `logout` end to end: the real binary against the in-process fake issuer,
// through both flows, then `status --json`; the auto storage falling back to the 0600 file
// without a session bus; the failure messages users see; Ctrl-C; and no token in any output.
#include "fake_upstream.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace airelays;
using namespace airelays::test;
using json = nlohmann::json;

namespace {

void configure(const Env& env, const fake::FakeUpstream& fake, const std::string& extra = "",
               int callback_port = 0) {
  write_file(env.config_file(), "[upstream]\nissuer_base_url = \"" + fake.issuer_url() +
                                    "\"\nbase_url = \"" + fake.backend_url() +
                                    "\"\n[auth]\ncallback_port = " + std::to_string(callback_port) +
                                    "\n" + extra);
}

json status_json(const Env& env) {
  auto r = run_airelays(env, {"status", "--json"});
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

json stored_record(const Env& env) { return json::parse(read_file(env.data_dir() + "/auth.json")); }

// Neither output stream contains any of the stored tokens.
void check_no_tokens(const Env& env, const std::string& output) {
  auto rec = stored_record(env);
  for (const char* k : {"id_token", "access_token", "refresh_token"}) {
    std::string t = rec["tokens"][k].get<std::string>();
    REQUIRE(t.size() > 8);
    CHECK_MESSAGE(output.find(t) == std::string::npos, k << " leaked into the output");
  }
}

struct BrowserRun {
  std::unique_ptr<Process> login;
  std::string url;
};

BrowserRun start_browser_login(const Env& env, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {airelays_bin(), "login", "--browser", "--no-browser"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  BrowserRun b{std::make_unique<Process>(argv, env.vars), ""};
  auto m = b.login->wait_for_line(std::regex(R"((http://127\.0\.0\.1:\d+/oauth/authorize\?\S+))"));
  REQUIRE_MESSAGE(m.has_value(), b.login->output());
  b.url = (*m)[1].str();
  return b;
}

// GET url without following redirects: (status, location, body).
std::tuple<int, std::string, std::string> get(const std::string& url) {
  auto scheme_end = url.find("://") + 3;
  auto path_start = url.find('/', scheme_end);
  httplib::Client c(url.substr(0, path_start));
  c.set_follow_location(false);
  auto r = c.Get(url.substr(path_start).c_str());
  REQUIRE(r);
  return {r->status, r->get_header_value("Location"), r->body};
}

// The value of query parameter `name` in url (as written, not decoded).
std::string url_param(const std::string& url, const std::string& name) {
  for (char sep : {'?', '&'}) {
    auto at = url.find(sep + name + "=");
    if (at != std::string::npos) {
      auto start = at + name.size() + 2;
      return url.substr(start, url.find('&', start) - start);
    }
  }
  return {};
}

// The callback URL of a browser login's authorize URL, on the given loopback host.
std::string callback_base(const BrowserRun& b, const std::string& host) {
  auto [status, location, body] = get(b.url);
  REQUIRE(status == 302);
  return "http://" + host + location.substr(std::string("http://localhost").size());
}

// An idle connection to 127.0.0.1:port (as a browser keeps one open), -1 on failure.
int idle_connection(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A connection to 127.0.0.1:port that has sent the start of a request head (-1 on failure).
int open_slow_request(int port) {
  int fd = idle_connection(port);
  if (fd < 0) {
    return -1;
  }
  const char head[] = "GET /auth/callback HTTP/1.1\r\nHost: localhost\r\n";
  ::send(fd, head, sizeof head - 1, MSG_NOSIGNAL);
  return fd;
}

} // namespace

TEST_CASE("login --device against the fake issuer stores the login and status reports ready") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, fake);
  auto r = run_airelays(env, {"login", "--device"}, std::chrono::seconds(60));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("Device Login") != std::string::npos);
  CHECK(r.out.find("1. Open:            " + fake.issuer_url() + "/codex/device") !=
        std::string::npos);
  CHECK(std::regex_search(r.out, std::regex(R"(2\. Enter this code: ABCD-\d{4})")));
  CHECK(r.out.find("Successfully logged in") != std::string::npos);
  CHECK(r.out.find("user@example.com") != std::string::npos);
  // No session bus here: auto storage falls back to the 0600 file with a one-line notice.
  CHECK(r.err.find("No Secret Service keyring answered") != std::string::npos);
  CHECK(file_mode(env.data_dir() + "/auth.json") == 0600);
  check_no_tokens(env, r.out + r.err);
  // The device flow's wire contract: pending polls, then the exchange with the server's verifier.
  CHECK(fake.count("/api/accounts/deviceauth/usercode") == 1);
  CHECK(fake.count("/api/accounts/deviceauth/token") == 3);
  auto exchange = fake.requests_to("/oauth/token").at(0);
  CHECK(exchange.headers["content-type"] == "application/x-www-form-urlencoded");
  CHECK(exchange.body.find("grant_type=authorization_code") != std::string::npos);
  CHECK(exchange.body.find("deviceauth%2Fcallback") != std::string::npos);
  auto s = status_json(env);
  CHECK(s["auth"]["state"] == "ready");
  CHECK(s["auth"]["email"] == "user@example.com");
  CHECK(s["auth"]["plan_type"] == "plus");
  check_no_tokens(env, s.dump());
}

TEST_CASE("login --browser: authorize URL, redirect to the loopback callback, success page, status "
          "ready") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, fake, "storage = \"file\"\n");
  auto b = start_browser_login(env);
  CHECK(b.url.find("code_challenge_method=S256") != std::string::npos);
  CHECK(b.url.find("redirect_uri=http%3A%2F%2Flocalhost%3A") != std::string::npos);
  auto [status, location, body] = get(b.url);
  REQUIRE(status == 302);
  REQUIRE(location.rfind("http://localhost:", 0) == 0);
  // Follow to the loopback listener (127.0.0.1: the listener binds IPv4 loopback).
  std::string callback =
      "http://127.0.0.1" + location.substr(std::string("http://localhost").size());
  auto [cb_status, cb_location, page] = get(callback);
  CHECK(cb_status == 200);
  CHECK(page.find("Signed in to airelays") != std::string::npos);
  auto code = b.login->wait(std::chrono::seconds(20));
  INFO(b.login->output());
  REQUIRE(code == 0);
  auto out = b.login->output();
  CHECK(out.find("Open this URL in a browser ON THIS MACHINE") != std::string::npos);
  CHECK(out.find("airelays login --device") != std::string::npos);
  CHECK(out.find("Successfully logged in") != std::string::npos);
  check_no_tokens(env, out);
  CHECK(file_mode(env.data_dir() + "/auth.json") == 0600);
  // PKCE verified by the fake (it refuses a wrong verifier), so reaching here proves S256.
  auto s = status_json(env);
  CHECK(s["auth"]["state"] == "ready");
  CHECK(s["auth"]["email"] == "user@example.com");
  CHECK(s["auth"]["account_id"] == "11111111-2222-3333-4444-555555555555");
  CHECK(s["auth"]["stored_in"] == "file");
}

TEST_CASE("login --browser reports access_denied and the missing entitlement clearly") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, fake, "storage = \"file\"\n");
  fake.script("authorize",
              {{"error", "access_denied"}, {"error_description", "missing_codex_entitlement"}});
  auto b = start_browser_login(env);
  auto [status, location, body] = get(b.url);
  REQUIRE(status == 302);
  auto [cb_status, cb_loc, page] =
      get("http://127.0.0.1" + location.substr(std::string("http://localhost").size()));
  CHECK(page.find("Sign-in failed") != std::string::npos);
  CHECK(b.login->wait(std::chrono::seconds(20)) == 1);
  CHECK(b.login->output().find("Codex is not enabled for your ChatGPT workspace") !=
        std::string::npos);
  CHECK(status_json(env)["auth"]["state"] == "signed_out");
}

TEST_CASE("login --browser ignores a callback with the wrong state and stops on /cancel") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, fake, "storage = \"file\"\n");
  fake.script("authorize", {{"state", "forged"}});
  auto b = start_browser_login(env);
  auto [status, location, body] = get(b.url);
  std::string base = "http://127.0.0.1" + location.substr(std::string("http://localhost").size());
  auto [cb_status, cb_loc, page] = get(base);
  CHECK(cb_status == 400);
  CHECK(page == "State mismatch");
  CHECK(b.login->wait_for_line(std::regex("state does not match")).has_value());
  auto cancel = base.substr(0, base.find("/auth/callback")) + "/cancel";
  // Without the login's state (a web page's <img>), /cancel does nothing.
  auto [no_status, no_loc, no_body] = get(cancel);
  CHECK(no_status == 400);
  CHECK(std::get<0>(get(cancel + "?state=forged")) == 400);
  auto [c_status, c_loc, c_body] = get(cancel + "?state=" + url_param(b.url, "state"));
  CHECK(c_body == "Login cancelled");
  CHECK(b.login->wait(std::chrono::seconds(20)) == 1);
  CHECK(b.login->output().find("Login cancelled") != std::string::npos);
}

TEST_CASE("login --browser: connections trickling their request head do not stall the callback") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, fake, "storage = \"file\"\n");
  auto b = start_browser_login(env);
  std::string callback = callback_base(b, "127.0.0.1");
  int port = std::stoi(callback.substr(std::string("http://127.0.0.1:").size()));
  // 24 local connections, each sending one header line a second and never finishing.
  std::vector<int> slow;
  for (int i = 0; i < 24; ++i) {
    int fd = open_slow_request(port);
    REQUIRE(fd >= 0);
    slow.push_back(fd);
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      for (int fd : slow) {
        ::send(fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
      }
      for (int i = 0; i < 10 && !stop; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });
  // The slow ones connected first, so the listener takes them before this one.
  httplib::Client c("http://127.0.0.1:" + std::to_string(port));
  c.set_read_timeout(15);
  auto path = callback.substr(callback.find("/auth/callback"));
  auto r = c.Get(path.c_str());
  stop = true;
  trickle.join();
  for (int fd : slow) {
    ::close(fd);
  }
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find("Signed in to airelays") != std::string::npos);
  CHECK(b.login->wait(std::chrono::seconds(20)) == 0);
}

namespace {

// Local connections that each started a request head and add a header line every 500 ms.
struct Trickle {
  std::vector<int> fds;
  std::atomic<bool> stop{false};
  std::thread thread;
  Trickle(int port, int n) {
    for (int i = 0; i < n; ++i) {
      int fd = open_slow_request(port);
      REQUIRE(fd >= 0);
      fds.push_back(fd);
    }
    thread = std::thread([this] {
      while (!stop) {
        for (int fd : fds) {
          ::send(fd, "X: 1\r\n", 6, MSG_NOSIGNAL);
        }
        for (int i = 0; i < 5 && !stop; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    });
  }
  ~Trickle() {
    stop = true;
    thread.join();
    for (int fd : fds) {
      ::close(fd);
    }
  }
  // True once the listener closed the first connection (within `limit`).
  bool first_closed_within(std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    pollfd p{fds.front(), POLLIN, 0};
    char byte;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::poll(&p, 1, 200) > 0 && ::recv(fds.front(), &byte, 1, MSG_DONTWAIT) <= 0) {
        return true;
      }
    }
    return false;
  }
};

} // namespace

// Issue 14: a request head on the login listener had no total deadline (a connection adding a
// header line every 500 ms stayed open for as long as it went on, and kept `login` from
// exiting after the callback). Now a head not whole within 10 s (the relay's head deadline) is
// closed, and heads wait outside the workers, so a hundred slow ones do not delay the callback.
TEST_CASE("login --browser: slow request heads are closed at the head deadline and do not stall "
          "the callback") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, fake, "storage = \"file\"\n");
  auto b = start_browser_login(env);
  std::string callback = callback_base(b, "127.0.0.1");
  int port = std::stoi(callback.substr(std::string("http://127.0.0.1:").size()));
  {
    Trickle first(port, 100);
    CHECK(first.first_closed_within(std::chrono::seconds(16)));
  }
  Trickle second(port, 100);
  std::this_thread::sleep_for(std::chrono::milliseconds(600)); // the trickle has begun
  httplib::Client c("http://127.0.0.1:" + std::to_string(port));
  c.set_read_timeout(8);
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.Get(callback.substr(callback.find("/auth/callback")).c_str());
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body.find("Signed in to airelays") != std::string::npos);
  CHECK(took < 5.0);
  // `login` finishes while the slow connections still trickle.
  CHECK(b.login->wait(std::chrono::seconds(20)) == 0);
}

TEST_CASE("login --browser with the callback port busy points to login --device") {
  Env env;
  fake::FakeUpstream fake;
  httplib::Server squatter;
  int port = squatter.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  configure(env, fake, "", port);
  auto r = run_airelays(env, {"login", "--browser", "--no-browser"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("could not bind localhost:" + std::to_string(port)) != std::string::npos);
  CHECK(r.err.find("`airelays login --device`") != std::string::npos);
}

TEST_CASE("login without flags on a machine with no display uses the device flow and says so") {
  Env env; // no DISPLAY, no WAYLAND_DISPLAY
  fake::FakeUpstream fake;
  configure(env, fake, "storage = \"file\"\n");
  auto r = run_airelays(env, {"login"}, std::chrono::seconds(60));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("No local browser detected (SSH session or no display).") != std::string::npos);
  CHECK(r.out.find("airelays login --browser") != std::string::npos);
  CHECK(fake.count("/api/accounts/deviceauth/usercode") == 1);
}

TEST_CASE("login --device: Ctrl-C while waiting for approval exits 130 and stores nothing") {
  Env env;
  fake::FakeUpstream fake;
  {
    std::lock_guard lock(fake.mutex());
    fake.state()["device_pending_polls"] = 100000;
  }
  configure(env, fake, "storage = \"file\"\n");
  Process p({airelays_bin(), "login", "--device"}, env.vars);
  REQUIRE(p.wait_for_line(std::regex("Enter this code")).has_value());
  p.signal(SIGINT);
  auto code = p.wait(std::chrono::seconds(10));
  REQUIRE(code.has_value());
  CHECK(*code == 130);
  CHECK(p.output().find("Login cancelled.") != std::string::npos);
  CHECK(file_mode(env.data_dir() + "/auth.json") == -1);
}

TEST_CASE("login --device: a failed code exchange and a disabled device flow are reported") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, fake, "storage = \"file\"\n");
  fake.script("token",
              {{"status", 400},
               {"body", {{"error", "invalid_grant"}, {"error_description", "code expired"}}}});
  auto r = run_airelays(env, {"login", "--device"}, std::chrono::seconds(60));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("Token exchange failed: 400 code expired") != std::string::npos);
  fake.script("device_usercode", {{"status", 404}});
  r = run_airelays(env, {"login", "--device"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("Device-code login is not enabled") != std::string::npos);
}

TEST_CASE("logout revokes the refresh token, deletes the login and is idempotent") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, fake, "storage = \"file\"\n");
  REQUIRE(run_airelays(env, {"login", "--device"}, std::chrono::seconds(60)).exit_code == 0);
  std::string refresh = stored_record(env)["tokens"]["refresh_token"];
  auto unknown = run_airelays(env, {"logout", "someone@else.com"});
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("Unknown account `someone@else.com`. Known accounts: user@example.com.") !=
        std::string::npos);
  fake.script("revoke", {{"status", 500}}); // revoke errors are ignored
  auto r = run_airelays(env, {"logout", "--json"});
  REQUIRE(r.exit_code == 0);
  auto j = json::parse(r.out);
  CHECK(j["deleted"] == true);
  CHECK(j["signed_out"] == json::array({"user@example.com"}));
  CHECK(j["remaining"] == json::array());
  auto revokes = fake.requests_to("/oauth/revoke");
  REQUIRE(revokes.size() == 1);
  auto body = json::parse(revokes[0].body);
  CHECK(body["token"] == refresh);
  CHECK(body["token_type_hint"] == "refresh_token");
  CHECK(r.out.find(refresh) == std::string::npos);
  CHECK(file_mode(env.data_dir() + "/auth.json") == -1);
  CHECK(status_json(env)["auth"]["state"] == "signed_out");
  auto again = run_airelays(env, {"logout"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("already empty") != std::string::npos);
}

TEST_CASE("login --browser: two callbacks arriving together exchange the code once") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, fake, "storage = \"file\"\n");
  fake.script("token", {{"delay_ms", 500}}); // the first exchange is still running
  auto b = start_browser_login(env);
  std::string callback = callback_base(b, "127.0.0.1");
  std::vector<std::thread> tabs;
  std::vector<std::string> pages(2);
  for (int i = 0; i < 2; ++i) {
    tabs.emplace_back([&, i] { pages[i] = std::get<2>(get(callback)); });
  }
  for (auto& t : tabs) {
    t.join();
  }
  REQUIRE(b.login->wait(std::chrono::seconds(20)) == 0);
  INFO(b.login->output());
  CHECK(fake.count("/oauth/token") == 1);
  int signed_in = 0;
  for (const auto& p : pages) {
    signed_in += p.find("Signed in to airelays") != std::string::npos;
    CHECK(p.find("token_exchange_failed") == std::string::npos);
  }
  CHECK(signed_in == 1);
  CHECK(status_json(env)["auth"]["state"] == "ready");
}

namespace {

// A port the kernel just handed out and nobody listens on now.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

} // namespace

TEST_CASE("login --browser right after a login completed through the callback binds the same "
          "port at once (TIME_WAIT is not a listener), on 127.0.0.1 and ::1") {
  Env env;
  fake::FakeUpstream fake;
  int port = free_port();
  configure(env, fake, "storage = \"file\"\n", port);
  auto first = start_browser_login(env);
  int browser = idle_connection(port); // a browser's spare keep-alive connection
  REQUIRE(browser >= 0);
  auto [cb_status, cb_location, page] = get(callback_base(first, "127.0.0.1"));
  CHECK(cb_status == 200);
  REQUIRE(first.login->wait(std::chrono::seconds(20)) == 0);
  // The login closed the idle connection first (it exited): once the browser closes its end,
  // the listener's side of it is in TIME_WAIT on the callback port.
  ::close(browser);
  auto second = start_browser_login(env);
  CHECK(second.url.find("localhost%3A" + std::to_string(port)) != std::string::npos);
  std::string base = callback_base(second, "[::1]");
  auto [c_status, c_loc, c_body] = get(base.substr(0, base.find("/auth/callback")) +
                                       "/cancel?state=" + url_param(second.url, "state"));
  CHECK(c_body == "Login cancelled"); // answered on ::1 too (browsers may resolve localhost so)
  CHECK(second.login->wait(std::chrono::seconds(20)) == 1);
}
