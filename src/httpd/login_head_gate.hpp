// The browser login's loopback listener must answer the real callback however many local
// connections trickle their request head (issue 14): with httplib's model every accepted
// connection holds a worker while its head arrives, so a hundred slow heads held all 64 workers
// and the callback waited for as long as they went on. GatedServer keeps connections away from
// the workers until their request head has arrived whole: one gate thread peeks (MSG_PEEK, the
// bytes stay for httplib) at every waiting connection, hands a complete head to a worker, and
// closes a connection whose head is not whole within the head deadline (as the relay does), too
// big, or given up by its peer. Private to the HTTP module; only the login listener uses it.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace airelays::oauth_login::detail {

class GatedServer final : public httplib::Server {
public:
  GatedServer(size_t workers, std::chrono::milliseconds head_deadline,
              std::chrono::milliseconds read_timeout);
  ~GatedServer() override;
  GatedServer(const GatedServer&) = delete;
  GatedServer& operator=(const GatedServer&) = delete;

  // After stop() and the end of listen: closes the waiting connections, lets the workers
  // finish the requests they serve, and joins them.
  void stop_gate();

private:
  struct Waiting {
    int fd;
    std::chrono::steady_clock::time_point deadline;
  };

  // httplib's accept loop hands each connection here (on its own thread: the task queue runs
  // jobs inline); it only joins the gate's list.
  bool process_and_close_socket(socket_t sock) override;
  void run_gate();
  // True when the connection is done with the gate (handed to a worker or closed).
  bool settle(const Waiting& w, std::chrono::steady_clock::time_point now);
  void serve(int fd);
  template <class Self>
  static void call_process_request(Self& self, httplib::Stream& strm, bool& closed);

  std::chrono::milliseconds m_head_deadline;
  std::chrono::milliseconds m_read_timeout;
  std::unique_ptr<httplib::ThreadPool> m_workers;
  std::mutex m_mutex;
  std::vector<Waiting> m_waiting; // under m_mutex
  std::atomic<bool> m_stopping{false};
  std::thread m_gate;
};

} // namespace airelays::oauth_login::detail
