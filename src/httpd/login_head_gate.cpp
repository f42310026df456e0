// The login listener's head gate (see login_head_gate.hpp). httplib's seam used, as in 0.11.4:
// Server::process_and_close_socket(socket_t) (a private virtual, overridden) and
// Server::process_request (protected), whose parameters newer versions changed.
#include "login_head_gate.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace airelays::oauth_login::detail {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t k_max_head_bytes = 8192; // a callback's head is a few hundred bytes
constexpr size_t k_max_waiting = 256;     // past it the oldest waiting connection is closed
constexpr auto k_tick = std::chrono::milliseconds(20);

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

// Runs httplib's per-connection job at once, on the accept thread.
class InlineQueue final : public httplib::TaskQueue {
public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

bool ready(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, timeout_ms) > 0 && (p.revents & events) != 0;
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage a{};
  socklen_t n = sizeof a;
  auto* sa = reinterpret_cast<sockaddr*>(&a);
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if ((peer ? ::getpeername(fd, sa, &n) : ::getsockname(fd, sa, &n)) == 0 &&
      ::getnameinfo(sa, n, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) ==
          0) {
    ip = host;
    port = std::atoi(serv);
  }
}

// A connected socket as httplib's Stream (the head is still in the kernel's buffer).
class SocketStream final : public httplib::Stream {
public:
  SocketStream(int fd, int timeout_ms) : m_fd(fd), m_timeout_ms(timeout_ms) {}
  // No `override`: the set of virtuals differs between httplib versions.
  bool is_readable() const { return ready(m_fd, POLLIN, m_timeout_ms); }
  bool is_writable() const { return ready(m_fd, POLLOUT, m_timeout_ms); }
  ssize_t read(char* ptr, size_t size) { return is_readable() ? ::recv(m_fd, ptr, size, 0) : -1; }
  ssize_t write(const char* ptr, size_t size) {
    return is_writable() ? ::send(m_fd, ptr, size, MSG_NOSIGNAL) : -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const {
    address_of(m_fd, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const {
    address_of(m_fd, false, ip, port);
  }
  socket_t socket() const { return m_fd; }

private:
  int m_fd;
  int m_timeout_ms;
};

} // namespace

GatedServer::GatedServer(size_t workers, std::chrono::milliseconds head_deadline,
                         std::chrono::milliseconds read_timeout)
    : m_head_deadline(head_deadline), m_read_timeout(read_timeout),
      m_workers(std::make_unique<httplib::ThreadPool>(workers)) {
  new_task_queue = [] { return new InlineQueue; };
  m_gate = std::thread([this] { run_gate(); });
}

GatedServer::~GatedServer() { stop_gate(); }

void GatedServer::stop_gate() {
  if (m_stopping.exchange(true)) {
    return;
  }
  m_gate.join();
  m_workers->shutdown();
}

bool GatedServer::process_and_close_socket(socket_t sock) {
  std::lock_guard lock(m_mutex);
  if (m_stopping) {
    ::close(sock);
    return false;
  }
  if (m_waiting.size() >= k_max_waiting) {
    ::close(m_waiting.front().fd);
    m_waiting.erase(m_waiting.begin());
  }
  m_waiting.push_back({sock, Clock::now() + m_head_deadline});
  return true;
}

void GatedServer::run_gate() {
  while (!m_stopping) {
    std::vector<Waiting> batch;
    {
      std::lock_guard lock(m_mutex);
      batch.swap(m_waiting);
    }
    std::vector<Waiting> still;
    auto now = Clock::now();
    for (const auto& w : batch) {
      if (!settle(w, now)) {
        still.push_back(w);
      }
    }
    {
      std::lock_guard lock(m_mutex);
      m_waiting.insert(m_waiting.begin(), still.begin(), still.end()); // oldest first
    }
    std::this_thread::sleep_for(k_tick);
  }
  std::lock_guard lock(m_mutex);
  for (const auto& w : m_waiting) {
    ::close(w.fd);
  }
  m_waiting.clear();
}

bool GatedServer::settle(const Waiting& w, Clock::time_point now) {
  char buf[k_max_head_bytes];
  ssize_t n = ::recv(w.fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
  std::string_view head(buf, n > 0 ? static_cast<size_t>(n) : 0);
  if (head.find("\r\n\r\n") != std::string_view::npos ||
      head.find("\n\n") != std::string_view::npos) {
    int fd = w.fd;
    m_workers->enqueue([this, fd] { serve(fd); });
    return true;
  }
  bool waiting = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  if ((n > 0 && head.size() < sizeof buf) || waiting) {
    if (now < w.deadline) {
      return false;
    }
  }
  ::close(w.fd); // too slow, too big, or the peer gave up
  return true;
}

// httplib 0.11's process_request takes the addresses from the stream; newer ones as arguments.
template <class Self>
void GatedServer::call_process_request(Self& self, httplib::Stream& strm, bool& closed) {
  if constexpr (requires { self.process_request(strm, true, closed, nullptr); }) {
    self.process_request(strm, true, closed, nullptr);
  } else {
    std::string ip, local_ip;
    int port = 0, local_port = 0;
    strm.get_remote_ip_and_port(ip, port);
    strm.get_local_ip_and_port(local_ip, local_port);
    self.process_request(strm, ip, port, local_ip, local_port, true, closed, nullptr);
  }
}

void GatedServer::serve(int fd) {
  SocketStream strm(fd, static_cast<int>(m_read_timeout.count()));
  bool closed = false;
  call_process_request(*this, strm, closed);
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

} // namespace airelays::oauth_login::detail
