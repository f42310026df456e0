// See loopback_probe.hpp. A non-blocking socket driven by poll() against one deadline:
// connect, send the request, read until the status line is complete.
#include <airelays/loopback_probe.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace airelays::loopback_probe {

namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left until the deadline (0 when past).
int left_ms(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms > 0 ? static_cast<int>(ms) : 0;
}

// Waits for `events` on fd until the deadline; false on timeout or error.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, left_ms(deadline));
    if (n > 0) {
      return (p.revents & (events | POLLHUP)) != 0;
    }
    if (n == 0 || errno != EINTR) {
      return false;
    }
  }
}

// A non-blocking socket connected to host:port, or -1.
int connect_to(const std::string& host, int port, Clock::time_point deadline) {
  sockaddr_storage addr{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(*v4);
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(*v6);
  } else {
    return -1;
  }
  int fd = ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) {
    return fd;
  }
  int err = 0;
  socklen_t err_len = sizeof(err);
  if (errno == EINPROGRESS && wait_for(fd, POLLOUT, deadline) &&
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) == 0 && err == 0) {
    return fd;
  }
  ::close(fd);
  return -1;
}

bool send_all(int fd, const std::string& data, Clock::time_point deadline) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd, POLLOUT, deadline)) {
        return false;
      }
    } else {
      return false;
    }
  }
  return true;
}

// The status code of a complete status line ("HTTP/1.1 200 OK\r\n"), 0 if it is not one.
int parse_status(const std::string& line) {
  if (line.rfind("HTTP/", 0) != 0) {
    return 0;
  }
  auto space = line.find(' ');
  if (space == std::string::npos || space + 4 > line.size()) {
    return 0;
  }
  int code = 0;
  for (size_t i = space + 1; i < space + 4; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      return 0;
    }
    code = code * 10 + (line[i] - '0');
  }
  return code;
}

// Reads until the first line is complete; its status code, or 0.
int read_status(int fd, Clock::time_point deadline) {
  std::string head;
  char buf[512];
  while (head.find('\n') == std::string::npos && head.size() < 4096) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      head.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(fd, POLLIN, deadline)) {
        return 0;
      }
    } else {
      return 0; // closed before a status line
    }
  }
  return parse_status(head.substr(0, head.find('\n')));
}

} // namespace

int get_status(const std::string& host, int port, const std::string& path, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int fd = connect_to(host, port, deadline);
  if (fd < 0) {
    return 0;
  }
  std::string authority = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + authority + ":" +
                        std::to_string(port) + "\r\nConnection: close\r\n\r\n";
  int status = send_all(fd, request, deadline) ? read_status(fd, deadline) : 0;
  ::close(fd);
  return status;
}

} // namespace airelays::loopback_probe
