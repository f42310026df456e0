// `airelays serve` against peers that hold connections or send hostile heads (issue 14 items
// 2, 3, 4 and 5; issue 15 item 7): slow heads by the thousand and idle keep-alive connections
// must not starve /healthz or authenticated requests; connection caps close the oldest idle
// connection; huge heads get 431 without the relay's memory growing; ambiguous framing and
// folded or spaced header names get 400; credentials are compared as sent; 404/405 come
// before the body; a client that leaves a non-stream request ends its upstream call at once.
#include "fault_helpers.hpp"

#include <atomic>
#include <fstream>
#include <sys/resource.h>
#include <thread>
#include <vector>

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::faults;

namespace {

// Enough descriptors for 1,000 client sockets in this process.
void raise_fd_limit() {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &rl);
}

// A field of /proc/<pid>/status in KiB ("VmRSS", "VmHWM"), -1 when missing.
long proc_status_kib(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::atol(line.c_str() + field.size() + 1);
    }
  }
  return -1;
}

// Seconds a request takes to be answered 200 (or a large number when it is not).
double answered_in(int port, const std::string& path, bool with_token) {
  auto start = Clock::now();
  auto c = serve::client(port);
  c.set_connection_timeout(3);
  c.set_read_timeout(3);
  auto r = with_token ? c.Get(path.c_str(), serve::bearer()) : c.Get(path.c_str());
  return r && r->status == 200 ? seconds_since(start) : 99.0;
}

// Opens n connections that each send part of a request head and never finish it.
std::vector<int> slow_heads(int port, int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = serve::connect_to(port);
    if (fd < 0) {
      break;
    }
    serve::send_all(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n");
    fds.push_back(fd);
  }
  return fds;
}

// True when the peer has closed fd (EOF or reset), after reading whatever it sent.
bool closed_by_peer(int fd, std::chrono::milliseconds wait) {
  auto deadline = Clock::now() + wait;
  char buf[4096];
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) {
        return true;
      }
    }
  }
  return false;
}

// Sends `flood` on a new connection from another thread while reading the answer here.
std::string flood_exchange(int port, const std::string& head, size_t bytes, char fill) {
  int fd = serve::connect_to(port);
  REQUIRE(fd >= 0);
  std::thread sender([fd, head, bytes, fill] {
    if (!serve::send_all(fd, head)) {
      return;
    }
    std::string chunk;
    if (fill == 'h') {
      for (std::string line = "A: " + std::string(59, 'h') + "\r\n"; chunk.size() < (1u << 20);) {
        chunk += line; // short header lines, 64 bytes each
      }
    } else {
      chunk.assign(1u << 20, fill);
    }
    for (size_t sent = 0; sent < bytes; sent += chunk.size()) {
      if (!serve::send_all(fd, chunk)) {
        return;
      }
    }
  });
  std::string out =
      serve::read_until_close(fd, std::chrono::seconds(20), std::chrono::milliseconds(3000));
  ::shutdown(fd, SHUT_RDWR);
  sender.join();
  ::close(fd);
  return out;
}

} // namespace

TEST_CASE("serve: 1,000 slow-head connections leave /healthz and /v1/models answering") {
  raise_fd_limit();
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.extra = "[server]\nrequest_head_timeout_seconds = 3\n";
  auto server = start_relay(env, fake, s);
  REQUIRE(answered_in(server->port, "/v1/models", true) < 5.0); // warm the catalog cache
  auto fds = slow_heads(server->port, 1000);
  REQUIRE(fds.size() == 1000);
  for (int i = 0; i < 5; ++i) {
    CHECK(answered_in(server->port, "/healthz", false) < 1.0);
    CHECK(answered_in(server->port, "/v1/models", true) < 1.0);
  }
  // The head deadline closes them (with a 408) instead of letting them stay.
  CHECK(closed_by_peer(fds.front(), std::chrono::seconds(10)));
  CHECK(closed_by_peer(fds.back(), std::chrono::seconds(5)));
  for (int fd : fds) {
    ::close(fd);
  }
}

TEST_CASE("serve: idle keep-alive connections do not hold the workers") {
  Env env;
  serve::give_token(env);
  serve::give_config(env, "[server]\nworkers = 4\nkeep_alive_timeout_seconds = 30\n");
  auto server = start_server(env);
  std::vector<int> fds;
  for (int i = 0; i < 16; ++i) { // four times the workers, each kept alive after one request
    int fd = serve::connect_to(server->port);
    REQUIRE(fd >= 0);
    serve::send_all(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    std::string got;
    REQUIRE(read_until(fd, got, "\"ok\"", std::chrono::seconds(5)));
    fds.push_back(fd);
  }
  CHECK(answered_in(server->port, "/healthz", false) < 1.0);
  for (int fd : fds) {
    ::close(fd);
  }
}

TEST_CASE("serve: connections over max_connections_per_ip close the oldest idle one") {
  raise_fd_limit();
  Env env;
  serve::give_token(env);
  serve::give_config(env, "[server]\nmax_connections_per_ip = 20\n");
  auto server = start_server(env);
  auto fds = slow_heads(server->port, 60);
  CHECK(answered_in(server->port, "/healthz", false) < 1.0);
  int closed = 0;
  for (int fd : fds) {
    closed += closed_by_peer(fd, std::chrono::milliseconds(100)) ? 1 : 0;
    ::close(fd);
  }
  CHECK(closed >= 40);
}

TEST_CASE("serve: 100 MiB of header lines get 431 and leave the relay's memory as it was") {
  Env env;
  serve::give_token(env);
  auto server = start_server(env);
  int pid = server->process.pid();
  REQUIRE(answered_in(server->port, "/healthz", false) < 5.0);
  long before = proc_status_kib(pid, "VmHWM");
  std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  std::string lines = flood_exchange(server->port, head, 100u << 20, 'h');
  CHECK(serve::raw_status(lines) == 431);
  std::string one_line = flood_exchange(server->port, head + "X-Long: ", 64u << 20, 'a');
  CHECK(serve::raw_status(one_line) == 431);
  auto j = nlohmann::json::parse(serve::raw_body(one_line), nullptr, false);
  CHECK(j.is_object());
  CHECK(j["error"]["code"] == "request_header_fields_too_large");
  long after = proc_status_kib(pid, "VmHWM");
  CHECK_MESSAGE(after - before < 5 * 1024, "peak RSS grew by " << (after - before) << " KiB");
  CHECK(answered_in(server->port, "/healthz", false) < 1.0);
}

TEST_CASE("serve: more than max_request_header_lines header lines get 431") {
  Env env;
  serve::give_token(env);
  auto server = start_server(env);
  std::string ok_head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 99; ++i) {
    ok_head += "X-" + std::to_string(i) + ": v\r\n";
  }
  CHECK(serve::raw_status(serve::raw_exchange(server->port, ok_head + "\r\n")) == 200);
  std::string resp = serve::raw_exchange(server->port, ok_head + "X-100: v\r\n\r\n");
  CHECK(serve::raw_status(resp) == 431);
  CHECK(serve::raw_body(resp).find("request_header_fields_too_large") != std::string::npos);
}

TEST_CASE("serve: ambiguous framing and malformed header lines get 400 and a closed connection") {
  Env env;
  serve::give_token(env);
  auto server = start_server(env);
  std::string auth = "Authorization: Bearer " + serve::k_token + "\r\n";
  const std::vector<std::string> heads = {
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
          "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth +
          "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost : evil.example\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: a\r\n b\r\n\r\n",
  };
  for (const auto& head : heads) {
    CAPTURE(head);
    std::string resp = serve::raw_exchange(server->port, head);
    CHECK(serve::raw_status(resp) == 400);
    CHECK(serve::raw_body(resp).find("invalid_request_head") != std::string::npos);
  }
}

TEST_CASE("serve: the credential is compared as sent, not percent-decoded") {
  Env env;
  serve::give_token(env);
  auto server = start_server(env);
  auto c = serve::client(server->port);
  auto encoded = c.Get("/v1/relay/status", {{"Authorization", "Bearer%20" + serve::k_token}});
  REQUIRE(encoded);
  CHECK(encoded->status == 401);
  auto plain = c.Get("/v1/relay/status", serve::bearer());
  REQUIRE(plain);
  CHECK(plain->status == 200);
}

TEST_CASE("serve: 404 and 405 are answered before the body is sent") {
  Env env;
  serve::give_token(env);
  auto server = start_server(env);
  std::string auth = "Authorization: Bearer " + serve::k_token + "\r\n";
  const std::vector<std::pair<std::string, int>> cases = {
      {"POST /v1/no-such-route HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth, 404},
      {"POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", 405},
      {"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n", 401},
  };
  for (const auto& [head, status] : cases) {
    CAPTURE(head);
    int fd = serve::connect_to(server->port);
    REQUIRE(fd >= 0);
    // 1 MB announced, 10 bytes sent: the answer must not wait for the rest.
    serve::send_all(fd, head + "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
                               "{\"a\":1234");
    std::string got;
    CHECK(read_until(fd, got, "\r\n\r\n", std::chrono::seconds(3)));
    CHECK(serve::raw_status(got) == status);
    std::string lower = got;
    for (auto& ch : lower) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    CHECK(lower.find("connection: close") != std::string::npos);
    ::close(fd);
  }
}

TEST_CASE("faults: a client leaving a non-stream request while the upstream is silent ends it, "
          "unretried") {
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.idle_timeout_s = 30; // neither the idle timeout nor a retry is what ends it
  s.retry_attempts = 2;
  auto server = start_relay(env, fake, s);
  for (int i = 0; i < 3; ++i) {
    fake.script("responses", {{"kind", "stall"}, {"after", 0}});
  }
  int fd = serve::connect_to(server->port);
  REQUIRE(fd >= 0);
  REQUIRE(serve::send_all(fd, chat_request(server->port, chat_body(false))));
  REQUIRE(eventually([&] { return fake_counter(fake, "streams_open") == 1; },
                     std::chrono::seconds(10)));
  auto left_at = Clock::now();
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd); // reset, as a killed client's
  CHECK(eventually([&] { return fake_counter(fake, "streams_cut_by_client") == 1; },
                   std::chrono::seconds(5)));
  CHECK(seconds_since(left_at) < 2.0);
  // Nothing is retried for a client that has gone.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(fake_counter(fake, "responses_served") == 1);
  CHECK(fake_counter(fake, "streams_open") == 0);
}

// The relay sends a response's head together with its body (connection_guard.cpp): a head
// that has no body to wait for, or asks the client to go on, must still leave at once.
TEST_CASE("serve: 100 Continue comes before the body is sent, and a HEAD answer needs no body") {
  Env env;
  serve::give_token(env);
  auto server = start_server(env);
  int fd = serve::connect_to(server->port);
  REQUIRE(fd >= 0);
  REQUIRE(serve::send_all(fd, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Authorization: Bearer " +
                                  serve::k_token +
                                  "\r\nContent-Type: application/json\r\nContent-Length: 1\r\n"
                                  "Expect: 100-continue\r\n\r\n"));
  std::string got;
  REQUIRE(read_until(fd, got, "\r\n\r\n", std::chrono::seconds(3)));
  CHECK(serve::raw_status(got) == 100);
  got.clear();
  REQUIRE(serve::send_all(fd, "{"));
  CHECK(read_until(fd, got, "invalid_json", std::chrono::seconds(3)));
  CHECK(serve::raw_status(got) == 400);
  ::close(fd);

  fd = serve::connect_to(server->port);
  REQUIRE(fd >= 0);
  REQUIRE(serve::send_all(fd, "HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  got.clear();
  REQUIRE(read_until(fd, got, "\r\n\r\n", std::chrono::seconds(3)));
  CHECK(serve::raw_status(got) == 200);
  // The same connection serves the next request: nothing of the HEAD answer is left over.
  REQUIRE(serve::send_all(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::string next;
  CHECK(read_until(fd, next, "\r\n\r\n", std::chrono::seconds(3)));
  CHECK(serve::raw_status(next) == 200);
  ::close(fd);
}
