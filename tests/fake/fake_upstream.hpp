// A fake OpenAI issuer + ChatGPT backend for tests, honouring the wire contract captured from
// the Codex CLI 0.169.0 (the captures are in tests/data, see its README.md). It listens on
// 127.0.0.1:0, logs every request, and is scriptable: tests queue steps per key ("responses",
// "refresh", "device_token", ...) that the next matching request consumes; with no step queued a
// route does its default (a successful answer). Used in-process by C++ tests, and out of process by
// the Node tests through the fake_upstream binary and its /__fake/ control routes.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
struct Request;
} // namespace httplib

namespace airelays::fake {

struct LoggedRequest {
  std::string method;
  std::string path;                           // without query
  std::string query;                          // raw query string
  std::map<std::string, std::string> headers; // lower-cased names
  std::string body;
};

class FakeUpstream {
public:
  FakeUpstream();
  ~FakeUpstream();
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  int port() const { return m_port; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  std::string issuer_url() const { return base_url(); }
  std::string backend_url() const { return base_url() + "/backend-api/codex"; }

  // Queues a step for key; steps are consumed first in, first out.
  void script(const std::string& key, nlohmann::json step);
  std::optional<nlohmann::json> next_step(const std::string& key);
  void reset();

  std::vector<LoggedRequest> requests() const;
  std::vector<LoggedRequest> requests_to(const std::string& path) const;
  size_t count(const std::string& path) const;

  // Shared mutable state of the routes (issued tokens, device codes, ...), guarded by mutex().
  nlohmann::json& state() { return m_state; }
  std::mutex& mutex() const { return m_mutex; }
  void log(LoggedRequest r);
  // Logs req; every route calls this first (control routes excepted).
  void log_request(const httplib::Request& req);

  // Stops accepting and joins the listener thread.
  void stop();

private:
  std::unique_ptr<httplib::Server> m_server;
  std::thread m_thread;
  int m_port = -1;
  mutable std::mutex m_mutex;
  std::map<std::string, std::deque<nlohmann::json>> m_scripts;
  std::vector<LoggedRequest> m_log;
  size_t m_log_limit = 0; // FAKE_UPSTREAM_LOG_LIMIT: keep about this many (0: all)
  nlohmann::json m_state = nlohmann::json::object();
};

// Route groups, each in its own file.
void register_issuer_routes(httplib::Server& server, FakeUpstream& fake);  // fake_issuer.cpp
void register_backend_routes(httplib::Server& server, FakeUpstream& fake); // fake_backend.cpp

// Makes a JWT-shaped token (unsigned) with the given claims, as the issuer would.
std::string make_jwt(const nlohmann::json& claims);

} // namespace airelays::fake
