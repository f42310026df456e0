// The listen backlog. Debian's cpp-httplib listens with a backlog of 5, so a burst of clients
// connecting while the relay is busy saw their SYNs dropped and retried a second later; serve
// deepens the backlog of its bound socket (listen(SOMAXCONN)). The relay is stopped (SIGSTOP)
// so it accepts nothing: every handshake must then complete in the kernel's queue, and it does
// so at once, while an overflowing queue would hold the surplus for the 1 s SYN retry.
#include "serve_helpers.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <fcntl.h>
#include <vector>

using namespace airelays::test;
using namespace airelays::test::serve;

namespace {

// A non-blocking connect to 127.0.0.1:port; the socket, or -1.
int start_connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// How many of fds finish their handshake before the deadline.
size_t connected_by(std::vector<int>& fds, std::chrono::milliseconds within) {
  auto deadline = std::chrono::steady_clock::now() + within;
  std::vector<bool> done(fds.size(), false);
  size_t n = 0;
  while (n < fds.size() && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> waiting;
    std::vector<size_t> index;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!done[i]) {
        waiting.push_back({fds[i], POLLOUT, 0});
        index.push_back(i);
      }
    }
    ::poll(waiting.data(), waiting.size(), 20);
    for (size_t k = 0; k < waiting.size(); ++k) {
      int err = 0;
      socklen_t len = sizeof err;
      if ((waiting[k].revents & POLLOUT) != 0 &&
          ::getsockopt(waiting[k].fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        done[index[k]] = true;
        ++n;
      }
    }
  }
  return n;
}

} // namespace

TEST_CASE("serve: 64 clients connecting at once to a relay that accepts nothing yet all get "
          "through the handshake") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  REQUIRE(::kill(s->process.pid(), SIGSTOP) == 0);
  std::vector<int> fds;
  for (int i = 0; i < 64; ++i) {
    int fd = start_connect(s->port);
    REQUIRE(fd >= 0);
    fds.push_back(fd);
  }
  // Queued handshakes complete within microseconds; a dropped SYN is retried after 1 s.
  size_t connected = connected_by(fds, std::chrono::milliseconds(700));
  ::kill(s->process.pid(), SIGCONT);
  CHECK(connected == fds.size());
  for (int fd : fds) {
    ::close(fd);
  }
  auto r = client(s->port).Get("/healthz");
  REQUIRE(r);
  CHECK(r->status == 200);
}
