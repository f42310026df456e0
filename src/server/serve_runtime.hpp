// The life of a `serve` process around its listener (private to the server layer): the
// settings checks before binding (loopback unless allowed, a relay token unless --no-auth),
// the startup lines and the runtime file `status` reads, and the SIGINT/SIGTERM handling —
// stop accepting, let in-flight requests finish for a bounded time, end streams
// (Services::stopping), remove the runtime file, exit 0.
#pragma once

#include <airelays/server.hpp>
#include <airelays/services.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace airelays::server {

using services::Services;

// The settings serve runs with, or the error that keeps it from starting: a non-loopback host
// without [server] allow_non_loopback, or auth required and no relay token (one is generated
// when auto_generate_bearer_token is on).
Result<config::Config> prepare(const config::Config& cfg, const ServeOptions& options);

// Blocks SIGINT/SIGTERM in this and every later thread (Runtime waits for them on its own).
void block_stop_signals();

class Runtime {
public:
  explicit Runtime(Services& state);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Bound to port: writes the runtime file and the startup record, prints the banner and
  // the `listening on` line.
  Status started(int port);
  // Waits for SIGINT/SIGTERM on a thread of its own; then sets state.stopping and calls stop.
  void watch_signals(std::function<void()> stop);
  // The listener returned: removes the runtime file and ends the signal thread.
  void stopped();

private:
  void on_signal(const std::function<void()>& stop);
  Services& m_state;
  std::thread m_signals;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_done = false;
};

} // namespace airelays::server
