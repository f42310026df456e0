// TLS failure injection (issue 8), end to end: the relay's [upstream] base_url is https:// but
// the port serves plain HTTP (the fake upstream, or a bare listener that counts connections),
// so every TLS handshake fails. The client must get a prompt 502 whose message names TLS and
// points at base_url — not a hang, not a 500 — after exactly the configured retries, and the
// relay must keep serving.
#include "fault_helpers.hpp"

#include <atomic>
#include <thread>

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::faults;

namespace {

// A plain-HTTP listener on 127.0.0.1:0 that counts the connections it accepts and answers each
// with "400 Bad Request", as an HTTP server does when a TLS ClientHello arrives.
class PlainListener {
public:
  PlainListener() {
    m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(m_fd, 64);
    socklen_t n = sizeof a;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &n);
    m_port = ntohs(a.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~PlainListener() {
    m_stop = true;
    m_thread.join();
    ::close(m_fd);
  }
  PlainListener(const PlainListener&) = delete;
  PlainListener& operator=(const PlainListener&) = delete;
  int port() const { return m_port; }
  int accepted() const { return m_accepted.load(); }

private:
  void serve() {
    while (!m_stop) {
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        continue;
      }
      int c = ::accept(m_fd, nullptr, nullptr);
      if (c < 0) {
        continue;
      }
      ++m_accepted;
      pollfd in{c, POLLIN, 0};
      char buf[4096];
      if (::poll(&in, 1, 2000) > 0) {
        (void)::recv(c, buf, sizeof buf, 0); // the ClientHello
      }
      serve::send_all(c,
                      "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      ::close(c);
    }
  }
  int m_fd = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_accepted{0};
  std::thread m_thread;
};

httplib::Result chat(int port, bool stream) {
  auto c = serve::client(port);
  c.set_read_timeout(30);
  return c.Post("/v1/chat/completions", serve::bearer(), chat_body(stream).dump(),
                "application/json");
}

void check_tls_502(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 502);
  CHECK(serve::openai_error(r));
  auto err = serve::body_json(r)["error"];
  CHECK(err["code"] == "upstream_connection_failed");
  std::string msg = err.value("message", "");
  CHECK(msg.find("TLS") != std::string::npos);
  CHECK(msg.find("base_url") != std::string::npos);
}

} // namespace

TEST_CASE("faults: https:// to the plain-HTTP fake is a prompt 502 naming TLS, stream or not") {
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.base_url = "https://127.0.0.1:" + std::to_string(fake.port()) + "/backend-api/codex";
  auto server = start_relay(env, fake, s); // 2 retries, 50 ms apart
  for (bool stream : {false, true}) {
    CAPTURE(stream);
    auto t0 = Clock::now();
    auto r = chat(server->port, stream);
    check_tls_502(r);
    if (r) {
      CHECK(r->get_header_value("Content-Type").find("application/json") != std::string::npos);
    }
    CHECK(seconds_since(t0) < 5.0);
  }
  CHECK(fake.count("/backend-api/codex/responses") == 0); // no request ever got through

  auto models = serve::client(server->port).Get("/v1/models", serve::bearer());
  REQUIRE(models);
  CHECK(models->status == 502);
  CHECK(serve::body_json(models)["error"].value("message", "").find("TLS") != std::string::npos);
  CHECK(serve::client(server->port).Get("/healthz")->status == 200); // still serving
}

TEST_CASE("faults: a failing TLS handshake is attempted exactly 1 + retry_attempts times") {
  for (int retries : {0, 2}) {
    CAPTURE(retries);
    Env env;
    fake::FakeUpstream fake; // the issuer; the backend is the plain listener
    PlainListener plain;
    Settings s;
    s.base_url = "https://127.0.0.1:" + std::to_string(plain.port()) + "/backend-api/codex";
    s.retry_attempts = retries;
    auto server = start_relay(env, fake, s);
    int before = plain.accepted();
    check_tls_502(chat(server->port, false));
    CHECK(plain.accepted() - before == 1 + retries);
  }
}
