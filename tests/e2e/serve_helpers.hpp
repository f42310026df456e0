// Helpers shared by the `serve` end-to-end tests: a relay token in the isolated data dir, an
// HTTP client bound to the relay, and raw sockets for what no well-behaved client sends
// (malformed requests, chunked floods, half-sent requests).
#pragma once

#include "test_support.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace airelays::test::serve {

inline const std::string k_token = "e2e-relay-token-0123456789abcdefghijklmnopq";

// Writes the relay token file (0600) of env.
inline void give_token(const Env& env, const std::string& token = k_token) {
  write_file(env.data_dir() + "/relay-token", token + "\n", 0600);
}

// Writes env's config.toml.
inline void give_config(const Env& env, const std::string& toml) {
  write_file(env.config_file(), toml, 0600);
}

inline httplib::Client client(int port) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  c.set_read_timeout(10);
  return c;
}

inline httplib::Headers bearer(const std::string& token = k_token) {
  return {{"Authorization", "Bearer " + token}};
}

inline nlohmann::json body_json(const httplib::Result& r) {
  return nlohmann::json::parse(r->body, nullptr, false);
}

// True when the response carries an OpenAI-shaped error: {"error":{message,type,code,param}}.
inline bool openai_error(const httplib::Result& r) {
  auto j = body_json(r);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) {
    return false;
  }
  const auto& e = j["error"];
  return e.contains("message") && e["message"].is_string() && e.contains("type") &&
         e["type"].is_string() && e.contains("code") && e.contains("param");
}

// A connected TCP socket to 127.0.0.1:port (-1 on failure).
inline int connect_to(int port) {
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

// A connected TCP socket to 127.0.0.1:port from the loopback address `source` (another
// client IP as the relay's per-IP limits see it), -1 on failure.
inline int connect_from(const char* source, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &src.sin_addr);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

// True once `out` holds a whole HTTP response with a Content-Length body.
inline bool response_complete(const std::string& out) {
  auto end = out.find("\r\n\r\n");
  if (end == std::string::npos) {
    return false;
  }
  std::string head = out.substr(0, end);
  for (auto& c : head) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto cl = head.find("\r\ncontent-length:");
  if (cl == std::string::npos) {
    return false;
  }
  size_t length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
  return out.size() >= end + 4 + length;
}

// Reads until the peer closes or `timeout` passes; returns what arrived.
inline std::string
read_until_close(int fd, std::chrono::milliseconds timeout,
                 std::chrono::milliseconds idle_after_data = std::chrono::milliseconds(0)) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;
    }
    if (idle_after_data.count() > 0 && !out.empty()) {
      if (response_complete(out)) {
        break; // a kept-alive connection: the answer is complete
      }
      left = std::min(left, idle_after_data);
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// Sends raw bytes on a new connection and returns everything the server answers before it
// closes (or the timeout).
inline std::string raw_exchange(int port, const std::string& bytes,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  int fd = connect_to(port);
  if (fd < 0) {
    return {};
  }
  send_all(fd, bytes); // no half-close: httplib takes it for a client that went away
  std::string out = read_until_close(fd, timeout, std::chrono::milliseconds(500));
  ::close(fd);
  return out;
}

// The status code of a raw HTTP response ("HTTP/1.1 413 ..." → 413), or -1.
inline int raw_status(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) {
    return -1;
  }
  return std::atoi(response.c_str() + 9);
}

// The body of a raw, non-chunked HTTP response.
inline std::string raw_body(const std::string& response) {
  auto p = response.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : response.substr(p + 4);
}

} // namespace airelays::test::serve
