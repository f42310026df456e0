// Start-up checks, runtime file and signal handling of `serve` (see serve_runtime.hpp).
#include "serve_runtime.hpp"

#include <airelays/atomic_file.hpp>
#include <airelays/edge.hpp>
#include <airelays/paths.hpp>
#include <airelays/relay_token.hpp>
#include <airelays/token_manager.hpp>
#include <airelays/traffic_log.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <unistd.h>

namespace airelays::server {

namespace {

// How long in-flight requests may take to finish after SIGINT/SIGTERM.
constexpr auto k_grace = std::chrono::seconds(10);

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

Status ensure_token(const config::Config& c) {
  if (!c.require_bearer_auth) {
    return ok_status();
  }
  auto token = relay_token::resolve(c);
  if (!token) {
    return token.error();
  }
  if (token->has_value()) {
    return ok_status();
  }
  if (c.auto_generate_bearer_token) {
    auto rotated = relay_token::rotate(c);
    if (!rotated) {
      return rotated.error();
    }
    return ok_status();
  }
  return make_error("Bearer authentication is enabled, but no relay token is configured. Run "
                    "`airelays init` or set AIRELAYS_BEARER_TOKEN.");
}

void print_banner(const Services& s, int port) {
  const auto& c = s.config;
  std::string base = "http://" + url_host(c.host) + ":" + std::to_string(port);
  auto login = s.tokens ? s.tokens->summary().state : token_manager::LoginState::signed_out;
  std::cout << "airelays " << AIRELAYS_VERSION
            << ": an OpenAI-compatible relay for your ChatGPT subscription\n"
            << "  Base URL:      " << base << "/v1\n"
            << "  Bearer auth:   "
            << (c.require_bearer_auth
                    ? "required (Authorization: Bearer <token>; `airelays token show` reveals it)"
                    : "disabled (open local relay)")
            << "\n"
            << "  ChatGPT login: " << token_manager::to_string(login)
            << (login == token_manager::LoginState::ready ? "" : " (run `airelays login`)") << "\n"
            << "  Traffic log:   " << c.logs_dir << "\n"
            << "listening on " << base << std::endl;
}

} // namespace

Result<config::Config> prepare(const config::Config& cfg, const ServeOptions& options) {
  config::Config c = cfg;
  if (options.no_auth) {
    c.require_bearer_auth = false;
    c.auto_generate_bearer_token = false;
  }
  if (!edge::is_loopback(edge::host_name(c.host)) && !c.allow_non_loopback) {
    return make_error("refusing to listen on " + c.host +
                      ": it is not a loopback address, so other machines could reach the "
                      "relay. Set [server] allow_non_loopback = true "
                      "(AIRELAYS_ALLOW_NON_LOOPBACK=true) to confirm, or use --host 127.0.0.1.");
  }
  if (c.port < 0 || c.port > 65535) {
    return make_error("invalid port " + std::to_string(c.port) + ": use 0-65535", ExitCode::usage);
  }
  if (auto dir = paths::ensure_private_dir(c.data_dir); !dir) {
    return dir.error();
  }
  if (auto token = ensure_token(c); !token) {
    return token.error();
  }
  return c;
}

void block_stop_signals() {
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr); // every thread started from now on inherits it
}

Runtime::Runtime(Services& state) : m_state(state) {}

Runtime::~Runtime() {
  if (m_signals.joinable()) {
    stopped();
  }
}

Status Runtime::started(int port) {
  const auto& c = m_state.config;
  auto now = std::chrono::system_clock::now();
  nlohmann::json runtime = {
      {"pid", static_cast<long>(::getpid())},
      {"host", c.host},
      {"port", port},
      {"started_at",
       std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()}};
  if (auto w = atomic_file::write(m_state.layout.runtime_file, runtime.dump() + "\n", 0600); !w) {
    std::cerr << "airelays: warning: cannot write " << m_state.layout.runtime_file << ": "
              << w.error().message << std::endl;
  }
  m_state.traffic_log->write({{"phase", "endpoint_security_ready"},
                              {"request_id", "startup"},
                              {"host", c.host},
                              {"port", port},
                              {"require_bearer_auth", c.require_bearer_auth},
                              {"bearer_token_file", c.bearer_token_file},
                              {"rate_limit_per_minute", c.rate_limit_per_minute},
                              {"rate_limit_burst", c.rate_limit_burst},
                              {"concurrent_requests_per_ip", c.concurrent_requests_per_ip}},
                             now);
  if (!edge::is_loopback(edge::host_name(c.host))) {
    std::cerr << "airelays: warning: listening on " << c.host
              << ", reachable from other machines; allowed Host names: loopback, " << c.host
              << " and [security] allowed_hosts" << std::endl;
  }
  print_banner(m_state, port);
  return ok_status();
}

void Runtime::watch_signals(std::function<void()> stop) {
  m_signals = std::thread([this, stop = std::move(stop)] { on_signal(stop); });
}

void Runtime::on_signal(const std::function<void()>& stop) {
  sigset_t set = stop_signals();
  int sig = 0;
  sigwait(&set, &sig);
  std::unique_lock lock(m_mutex);
  if (m_done) {
    return; // woken by stopped()
  }
  m_state.stopping = true;
  std::cerr << "airelays: stopping (" << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << "): finishing requests in flight" << std::endl;
  stop();
  if (!m_cv.wait_for(lock, k_grace, [this] { return m_done; })) {
    (void)atomic_file::remove(m_state.layout.runtime_file); // best effort: exiting anyway
    std::cerr << "airelays: requests still running after " << k_grace.count()
              << " s; exiting anyway" << std::endl;
    std::_Exit(0);
  }
}

void Runtime::stopped() {
  {
    std::lock_guard lock(m_mutex);
    m_done = true;
  }
  m_cv.notify_all();
  (void)atomic_file::remove(m_state.layout.runtime_file);
  if (m_signals.joinable()) {
    if (!m_state.stopping) {
      pthread_kill(m_signals.native_handle(), SIGTERM); // wake sigwait; m_done makes it return
    }
    m_signals.join();
  }
}

} // namespace airelays::server
