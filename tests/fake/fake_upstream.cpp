// The fake upstream's listener, request log, scripts and control routes (see
// fake_upstream.hpp).
#include "fake_upstream.hpp"

#include <httplib.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <stdexcept>
#include <sys/socket.h>

namespace airelays::fake {

namespace {

std::string base64url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  for (auto& c : out) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  return out;
}

void register_control_routes(httplib::Server& s, FakeUpstream& fake) {
  s.Post("/__fake/script", [&fake](const httplib::Request& req, httplib::Response& res) {
    auto j = nlohmann::json::parse(req.body, nullptr, false);
    if (!j.is_object() || !j.contains("key") || !j.contains("step")) {
      res.status = 400;
      res.set_content(R"({"error":"expected {key, step}"})", "application/json");
      return;
    }
    fake.script(j["key"].get<std::string>(), j["step"]);
    res.set_content("{}", "application/json");
  });
  s.Post("/__fake/state", [&fake](const httplib::Request& req, httplib::Response& res) {
    auto j = nlohmann::json::parse(req.body, nullptr, false);
    if (!j.is_object()) {
      res.status = 400;
      res.set_content(R"({"error":"expected an object of state knobs"})", "application/json");
      return;
    }
    std::lock_guard lock(fake.mutex());
    fake.state().update(j); // email, account_id, access_ttl_seconds, ... (fake_issuer.cpp)
    res.set_content("{}", "application/json");
  });
  s.Post("/__fake/reset", [&fake](const httplib::Request&, httplib::Response& res) {
    fake.reset();
    res.set_content("{}", "application/json");
  });
  s.Get("/__fake/requests", [&fake](const httplib::Request&, httplib::Response& res) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : fake.requests()) {
      out.push_back({{"method", r.method},
                     {"path", r.path},
                     {"query", r.query},
                     {"headers", r.headers},
                     {"body", r.body}});
    }
    res.set_content(out.dump(), "application/json");
  });
}

} // namespace

std::string make_jwt(const nlohmann::json& claims) {
  return base64url(R"({"alg":"none","typ":"JWT"})") + "." + base64url(claims.dump()) + "." +
         base64url("fake-signature");
}

FakeUpstream::FakeUpstream() : m_server(std::make_unique<httplib::Server>()) {
  // FAKE_UPSTREAM_THREADS: more concurrent streams for benchmarks (tests/bench/).
  const char* threads = std::getenv("FAKE_UPSTREAM_THREADS");
  size_t n =
      threads != nullptr && std::atoi(threads) > 0 ? static_cast<size_t>(std::atoi(threads)) : 64;
  m_server->new_task_queue = [n] { return new httplib::ThreadPool(n); };
  // FAKE_UPSTREAM_LOG_LIMIT: a benchmark's millions of requests need not all be remembered.
  if (const char* limit = std::getenv("FAKE_UPSTREAM_LOG_LIMIT");
      limit != nullptr && std::atoi(limit) > 0) {
    m_log_limit = static_cast<size_t>(std::atoi(limit));
  }
  m_server->set_tcp_nodelay(true);
  m_server->set_keep_alive_max_count(1000); // httplib closes after 5 requests by default
  int listener = -1;
  m_server->set_socket_options([&listener](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listener = sock;
  });
  register_control_routes(*m_server, *this);
  register_issuer_routes(*m_server, *this);
  register_backend_routes(*m_server, *this);
  m_port = m_server->bind_to_any_port("127.0.0.1");
  if (m_port < 0) {
    throw std::runtime_error("fake upstream: cannot bind");
  }
  ::listen(listener, SOMAXCONN); // Debian's httplib listens with a backlog of 5: see server.cpp
  m_thread = std::thread([this] { m_server->listen_after_bind(); });
  // httplib ignores a stop() that comes before the listener runs (and then serves forever):
  // return only once it is running, so a test that never calls the fake still ends.
  while (!m_server->is_running()) {
    std::this_thread::yield();
  }
}

FakeUpstream::~FakeUpstream() { stop(); }

void FakeUpstream::stop() {
  if (m_thread.joinable()) {
    m_server->stop();
    m_thread.join();
  }
}

void FakeUpstream::script(const std::string& key, nlohmann::json step) {
  std::lock_guard lock(m_mutex);
  m_scripts[key].push_back(std::move(step));
}

std::optional<nlohmann::json> FakeUpstream::next_step(const std::string& key) {
  std::lock_guard lock(m_mutex);
  auto it = m_scripts.find(key);
  if (it == m_scripts.end() || it->second.empty()) {
    return std::nullopt;
  }
  auto step = std::move(it->second.front());
  it->second.pop_front();
  return step;
}

void FakeUpstream::reset() {
  std::lock_guard lock(m_mutex);
  m_scripts.clear();
  m_log.clear();
}

void FakeUpstream::log_request(const httplib::Request& req) {
  LoggedRequest r;
  r.method = req.method;
  r.path = req.path;
  auto q = req.target.find('?');
  r.query = q == std::string::npos ? "" : req.target.substr(q + 1);
  for (const auto& [k, v] : req.headers) {
    std::string name = k;
    for (auto& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    r.headers[name] = v;
  }
  r.body = req.body;
  log(std::move(r));
}

void FakeUpstream::log(LoggedRequest r) {
  std::lock_guard lock(m_mutex);
  if (m_log_limit > 0 && m_log.size() >= 2 * m_log_limit) {
    m_log.erase(m_log.begin(), m_log.begin() + static_cast<long>(m_log_limit));
  }
  m_log.push_back(std::move(r));
}

std::vector<LoggedRequest> FakeUpstream::requests() const {
  std::lock_guard lock(m_mutex);
  return m_log;
}

std::vector<LoggedRequest> FakeUpstream::requests_to(const std::string& path) const {
  std::vector<LoggedRequest> out;
  for (auto& r : requests()) {
    if (r.path == path) {
      out.push_back(r);
    }
  }
  return out;
}

size_t FakeUpstream::count(const std::string& path) const { return requests_to(path).size(); }

} // namespace airelays::fake
