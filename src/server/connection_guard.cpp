// The guarded httplib server (see connection_guard.hpp). The only file that knows httplib's
// private seam: Server::process_and_close_socket(socket_t) (a private virtual, overridden) and
// Server::process_request(Stream&, bool, bool&, setup) (protected), both as in 0.11.4.
//
// A connection's life: httplib's accept loop hands the socket to process_and_close_socket,
// which runs inline (the task queue below runs jobs on the accept thread) and only parks it.
// The parking thread polls every parked socket, reads head bytes into the connection's
// buffer, and when a head is whole and sound gives the connection to a worker; it refuses
// (400/408/431, then closes) a head that is malformed, too big or too slow. The worker runs
// httplib's process_request over a Stream that serves the buffered bytes first. After the
// response it waits a moment for the client's next request (so a busy keep-alive client
// keeps its fast path), then parks the connection again: idle connections never hold workers.
#include "connection_guard.hpp"
#include "request_head.hpp"

#include <airelays/worker_pool.hpp>

#include <climits>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <netdb.h>
#include <optional>
#include <poll.h>
#include <string_view>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace airelays::server::connection_guard {

namespace {

using Clock = std::chrono::steady_clock;
using request_head::Verdict;

// How long a worker waits for a keep-alive client's next request before parking it.
constexpr int k_linger_ms = 10;
// How often the parking thread checks deadlines when nothing happens.
constexpr int k_sweep_ms = 200;
// Head bytes read from a socket at a time.
constexpr size_t k_read_chunk = 16384;
// File descriptors kept free of connections (upstream calls, files, logs).
constexpr long k_fd_reserve = 256;

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 // macOS: SO_NOSIGPIPE is set on each accepted socket instead
#endif

#ifdef POLLRDHUP
constexpr short k_hangup = POLLRDHUP | POLLHUP | POLLERR;
#else
constexpr short k_hangup = POLLHUP | POLLERR;
#endif

struct Conn {
  Conn(int f, uint64_t i) : fd(f), id(i) {}
  ~Conn() { ::close(fd); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  int fd;
  uint64_t id;
  std::string ip;
  int port = 0;
  std::string local_ip; // the listener's address as this connection reached it
  int local_port = 0;
  std::string buf;                 // bytes read and not yet consumed by a request
  request_head::Scan scan;         // of the head at the start of buf
  bool idle = false;               // keep-alive, waiting for the first byte of a request
  Clock::time_point head_deadline; // the whole head by then
  Clock::time_point deadline;      // closed when nothing happened by then
  Clock::time_point parked_at;
  int served = 0;
  request_head::RawHeaders raw_headers; // as sent, not decoded
};
using ConnPtr = std::shared_ptr<Conn>;

thread_local ConnPtr t_current; // the connection whose request runs on this thread

bool peer_gone(int fd) {
  pollfd p{fd, k_hangup, 0};
  if (::poll(&p, 1, 0) > 0 && (p.revents & k_hangup) != 0) {
    return true;
  }
#ifndef POLLRDHUP
  char c;
  ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
#else
  return false;
#endif
}

// httplib's Stream over a guarded connection: the buffered bytes first, then the socket.
class ConnStream final : public httplib::Stream {
public:
  ConnStream(Conn& c, int read_ms, int write_ms)
      : m_c(c), m_read_ms(read_ms), m_write_ms(write_ms) {}
  ~ConnStream() {
    if (!m_held.empty()) {
      (void)send_with_held(nullptr, 0); // a response without a body: its head alone
    }
    m_c.buf.erase(0, m_off);
  }
  // No `override` on these: the set of virtuals differs between httplib versions (0.11 has
  // is_readable/is_writable; newer ones add wait_readable/wait_writable/duration).

  bool is_readable() const { return m_off < m_c.buf.size() || wait(POLLIN, m_read_ms); }
  bool is_writable() const {
    pollfd p{m_c.fd, static_cast<short>(POLLOUT | k_hangup), 0};
    return ::poll(&p, 1, m_write_ms) > 0 && (p.revents & k_hangup) == 0 &&
           (p.revents & POLLOUT) != 0;
  }
  ssize_t read(char* ptr, size_t size) {
    if (m_off < m_c.buf.size()) {
      size_t n = std::min(size, m_c.buf.size() - m_off);
      std::memcpy(ptr, m_c.buf.data() + m_off, n);
      m_off += n;
      return static_cast<ssize_t>(n);
    }
    for (;;) {
      ssize_t n = ::recv(m_c.fd, ptr, size, MSG_DONTWAIT);
      if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        return n;
      }
      if (!wait(POLLIN, m_read_ms)) {
        return -1;
      }
    }
  }
  ssize_t write(const char* ptr, size_t size) {
    if (m_held.empty() && is_whole_response_head(std::string_view(ptr, size))) {
      m_held.assign(ptr, size); // sent with the body's first bytes (see send_with_held)
      return static_cast<ssize_t>(size);
    }
    if (!m_held.empty()) {
      return send_with_held(ptr, size);
    }
    for (;;) {
      ssize_t n = ::send(m_c.fd, ptr, size, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        return n;
      }
      if (!wait(POLLOUT, m_write_ms)) {
        return -1;
      }
    }
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const {
    ip = m_c.ip;
    port = m_c.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const {
    if (m_c.local_port == 0) {
      local_address(m_c.local_ip, m_c.local_port); // once per connection, not per request
    }
    ip = m_c.local_ip;
    port = m_c.local_port;
  }
  void local_address(std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t n = sizeof a;
    ::getsockname(m_c.fd, reinterpret_cast<sockaddr*>(&a), &n);
    char host[NI_MAXHOST] = "";
    char serv[NI_MAXSERV] = "";
    ::getnameinfo(reinterpret_cast<sockaddr*>(&a), n, host, sizeof host, serv, sizeof serv,
                  NI_NUMERICHOST | NI_NUMERICSERV);
    ip = host;
    port = std::atoi(serv);
  }
  socket_t socket() const { return m_c.fd; }
  // Newer httplib (0.2x and later):
  bool wait_readable() const { return is_readable(); }
  bool wait_writable() const { return is_writable(); }
  bool is_peer_alive() const { return !peer_gone(m_c.fd); }
  time_t duration() const {
    return static_cast<time_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - m_started).count());
  }

private:
  // httplib writes a response's head and then its body, two system calls and two packets
  // the client reads separately. A head of a response whose body follows at once (not 1xx,
  // not chunked: a stream's head must go out before its first event) is held back and sent
  // in one sendmsg with the body's first bytes, or alone when the request ends.
  static bool is_whole_response_head(std::string_view d) {
    return d.size() > 12 && d.substr(0, 7) == "HTTP/1." && d[9] >= '2' && d[9] <= '5' &&
           d.substr(d.size() - 4) == "\r\n\r\n" && d.find("chunked") == std::string_view::npos;
  }

  // Sends the held head and as much of ptr as the socket takes; returns the bytes of ptr
  // sent (0 is fine: httplib's write loop calls again), or -1.
  ssize_t send_with_held(const char* ptr, size_t size) {
    for (;;) {
      iovec iov[2] = {{m_held.data(), m_held.size()}, {const_cast<char*>(ptr), size}};
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = size > 0 ? 2 : 1;
      ssize_t n = ::sendmsg(m_c.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) {
        auto sent = static_cast<size_t>(n);
        if (sent < m_held.size()) {
          m_held.erase(0, sent);
          continue;
        }
        sent -= m_held.size();
        m_held.clear();
        return static_cast<ssize_t>(sent);
      }
      if ((errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
          !wait(POLLOUT, m_write_ms)) {
        m_held.clear();
        return -1;
      }
    }
  }

  bool wait(short events, int ms) const {
    pollfd p{m_c.fd, events, 0};
    int r;
    do {
      r = ::poll(&p, 1, ms);
    } while (r < 0 && errno == EINTR);
    return r > 0;
  }
  Conn& m_c;
  Clock::time_point m_started = Clock::now();
  size_t m_off = 0;
  std::string m_held; // a response head waiting for its body (see is_whole_response_head)
  int m_read_ms;
  int m_write_ms;
};

// httplib's task queue: runs each job at once on the accept thread (the job only parks the
// new connection); shutdown() stops the guard.
using EnqueueResult =
    decltype(std::declval<httplib::TaskQueue&>().enqueue(std::function<void()>{}));

class InlineQueue final : public httplib::TaskQueue {
public:
  explicit InlineQueue(std::function<void()> on_shutdown) : m_on_shutdown(std::move(on_shutdown)) {}
  EnqueueResult enqueue(std::function<void()> fn) override {
    fn();
    return static_cast<EnqueueResult>(true); // void in 0.11; "accepted" where it is bool
  }
  void shutdown() override { m_on_shutdown(); }

private:
  std::function<void()> m_on_shutdown;
};

long raise_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    return 1024;
  }
  rlim_t want = rl.rlim_max;
#ifdef OPEN_MAX
  want = std::min<rlim_t>(want, OPEN_MAX); // macOS refuses RLIM_INFINITY
#endif
  if (rl.rlim_cur < want) {
    rlimit raised{want, rl.rlim_max};
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      rl.rlim_cur = want;
    }
  }
  return rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : static_cast<long>(rl.rlim_cur);
}

class GuardedServer final : public httplib::Server {
public:
  GuardedServer(const Limits& limits, Refusal refusal)
      : m_limits(limits), m_refusal(std::move(refusal)),
        m_pool(static_cast<size_t>(std::max(1, limits.workers))) {
    long room = std::max(64L, raise_fd_limit() - k_fd_reserve);
    m_limits.max_connections = static_cast<int>(std::min<long>(m_limits.max_connections, room));
    m_limits.max_connections_per_ip =
        std::min(m_limits.max_connections_per_ip, m_limits.max_connections);
    int pipe_fds[2];
    if (::pipe(pipe_fds) == 0) {
      m_wake_read = pipe_fds[0];
      m_wake_write = pipe_fds[1];
      ::fcntl(m_wake_read, F_SETFL, O_NONBLOCK);
      ::fcntl(m_wake_write, F_SETFL, O_NONBLOCK);
    }
    new_task_queue = [this] { return new InlineQueue([this] { stop_guard(); }); };
    m_parker = std::thread([this] { park_loop(); });
  }
  ~GuardedServer() override {
    stop_guard();
    ::close(m_wake_read);
    ::close(m_wake_write);
  }

private:
  // --- httplib's seam (0.11.4) ---
  bool process_and_close_socket(socket_t sock) override {
#ifdef SO_NOSIGPIPE
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_NOSIGPIPE, &yes, sizeof yes);
#endif
    auto c = std::make_shared<Conn>(sock, ++m_next_id);
    sockaddr_storage a{};
    socklen_t n = sizeof a;
    char host[NI_MAXHOST] = "";
    char serv[NI_MAXSERV] = "";
    if (::getpeername(sock, reinterpret_cast<sockaddr*>(&a), &n) == 0) {
      ::getnameinfo(reinterpret_cast<sockaddr*>(&a), n, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    }
    c->ip = host;
    c->port = std::atoi(serv);
    start_head(*c);
    hand_to_parker(std::move(c), true);
    return true;
  }

  // Runs requests on c while its client keeps them coming, then parks or closes it.
  void serve(ConnPtr c) {
    for (;;) {
      if (!run_request(c)) {
        release(c);
        return;
      }
      c->scan = request_head::Scan{}; // buf now starts with the next request's bytes, if any
      auto next = await_next(*c);
      if (next.kind == Verdict::Kind::refused) {
        refuse(c, next);
        return;
      }
      if (next.kind == Verdict::Kind::incomplete) {
        if (!m_running || peer_gone(c->fd)) {
          release(c);
          return;
        }
        c->idle = c->buf.empty();
        if (c->idle) {
          std::string().swap(c->buf); // an idle connection holds no buffer
          c->deadline = Clock::now() + std::chrono::seconds(m_limits.keep_alive_seconds);
        } else {
          start_head(*c);
        }
        hand_to_parker(std::move(c), false);
        return;
      }
    }
  }

  // A head starts arriving: it has head_timeout in all, read_timeout between its bytes.
  void start_head(Conn& c) const {
    auto now = Clock::now();
    c.head_deadline = now + std::chrono::seconds(m_limits.head_timeout_seconds);
    c.deadline =
        std::min(c.head_deadline, now + std::chrono::seconds(m_limits.read_timeout_seconds));
  }

  // One request through httplib; false when the connection must close.
  bool run_request(const ConnPtr& c) {
    bool close_after = ++c->served >= 1000 || !m_running;
    bool closed = false;
    bool ok;
    {
      ConnStream strm(*c, static_cast<int>(read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000),
                      static_cast<int>(write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000));
      t_current = c;
      ok = call_process_request(*this, strm, *c, close_after, closed, [&c](httplib::Request& req) {
        restore_raw_headers(req, c->raw_headers);
      });
      t_current.reset();
    }
    return ok && !closed && !close_after && m_running;
  }

  // httplib's protected process_request: (strm, close, closed, setup) in 0.11; newer
  // versions also take the peer's and the local address.
  template <class Self>
  static bool call_process_request(Self& self, httplib::Stream& strm, const Conn& c, bool close,
                                   bool& closed,
                                   const std::function<void(httplib::Request&)>& setup) {
    if constexpr (requires { self.process_request(strm, close, closed, setup); }) {
      return self.process_request(strm, close, closed, setup);
    } else {
      std::string local_ip;
      int local_port = 0;
      strm.get_local_ip_and_port(local_ip, local_port);
      return self.process_request(strm, c.ip, c.port, local_ip, local_port, close, closed, setup);
    }
  }

  // httplib 0.11 percent-decodes header values; the relay compares them as sent.
  static void restore_raw_headers(httplib::Request& req, const request_head::RawHeaders& raw) {
    httplib::Headers kept;
    for (const char* name : {"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"}) {
      auto it = req.headers.find(name);
      if (it != req.headers.end()) {
        kept.emplace(it->first, it->second);
      }
    }
    req.headers = std::move(kept);
    for (const auto& [k, v] : raw) {
      req.headers.emplace(k, v);
    }
  }

  // The next head on a kept-alive connection: already buffered, or arriving within the linger.
  Verdict await_next(Conn& c) {
    auto until = Clock::now() + std::chrono::milliseconds(k_linger_ms);
    for (;;) {
      auto v = request_head::check(c.buf, m_head_limits, c.scan, &c.raw_headers);
      if (v.kind != Verdict::Kind::incomplete) {
        return v;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      pollfd p{c.fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0 ||
          read_some(c) <= 0) {
        return v;
      }
    }
  }

  // Reads what the socket has, up to one byte past the head cap.
  ssize_t read_some(Conn& c) {
    size_t room = m_limits.max_head_bytes + 1 > c.buf.size()
                      ? std::min(k_read_chunk, m_limits.max_head_bytes + 1 - c.buf.size())
                      : 0;
    if (room == 0) {
      return 0;
    }
    char chunk[k_read_chunk]; // a parked connection keeps only the bytes that came
    ssize_t n = ::recv(c.fd, chunk, room, MSG_DONTWAIT);
    if (n > 0) {
      c.buf.append(chunk, static_cast<size_t>(n));
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      return -2; // nothing yet
    }
    return n;
  }

  // Sends the refusal and closes.
  void refuse(ConnPtr& c, const Verdict& v) {
    std::string out = m_refusal(v.status, v.message, v.code);
    (void)::send(c->fd, out.data(), out.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    ::shutdown(c->fd, SHUT_WR);
    release(c);
  }

  // Gives back the connection's place in the caps; the socket closes with its last owner.
  void release(ConnPtr& c) {
    {
      std::lock_guard lock(m_mutex);
      --m_open;
      auto it = m_per_ip.find(c->ip);
      if (it != m_per_ip.end() && --it->second <= 0) {
        m_per_ip.erase(it);
      }
    }
    ::shutdown(c->fd, SHUT_RDWR);
    c.reset();
  }

  void hand_to_parker(ConnPtr c, bool is_new) {
    {
      std::lock_guard lock(m_mutex);
      if (!m_running) {
        if (!is_new) {
          --m_open;
          auto it = m_per_ip.find(c->ip);
          if (it != m_per_ip.end() && --it->second <= 0) {
            m_per_ip.erase(it);
          }
        }
        return;
      }
      (is_new ? m_arrived : m_returned).push_back(std::move(c));
    }
    wake_parker();
  }

  // One byte on the wake pipe. A failed write (a full pipe: EAGAIN) needs nothing more, as
  // a wake is then already pending.
  void wake_parker() {
    char b = 1;
    if (::write(m_wake_write, &b, 1) < 0) {
      return;
    }
  }

  // --- the parking thread ---
  void park_loop() {
    std::vector<pollfd> fds;
    std::vector<ConnPtr> polled;
    while (m_running) {
      fds.assign(1, pollfd{m_wake_read, POLLIN, 0});
      polled.clear();
      for (auto& [id, c] : m_parked) {
        fds.push_back(pollfd{c->fd, static_cast<short>(POLLIN | k_hangup), 0});
        polled.push_back(c);
      }
      int r = ::poll(fds.data(), fds.size(), k_sweep_ms);
      if (r > 0 && fds[0].revents != 0) {
        take_inbox();
      }
      for (size_t i = 1; r > 0 && i < fds.size(); ++i) {
        if (fds[i].revents != 0 && m_parked.count(polled[i - 1]->id) != 0) {
          on_readable(polled[i - 1]);
        }
      }
      sweep();
    }
    for (auto& [id, c] : m_parked) {
      ConnPtr dropped = c;
      release(dropped);
    }
    m_parked.clear();
  }

  void take_inbox() {
    char drain[256];
    while (::read(m_wake_read, drain, sizeof drain) > 0) {
    }
    std::vector<ConnPtr> arrived;
    std::vector<ConnPtr> returned;
    {
      std::lock_guard lock(m_mutex);
      arrived.swap(m_arrived);
      returned.swap(m_returned);
    }
    auto now = Clock::now();
    for (auto& c : returned) {
      c->parked_at = now;
      m_parked.emplace(c->id, c);
    }
    for (auto& c : arrived) {
      if (admit(*c)) {
        c->parked_at = now;
        m_parked.emplace(c->id, c);
      }
    }
  }

  // Counts a new connection against the caps, closing the oldest parked one to make room.
  bool admit(const Conn& c) {
    for (;;) {
      bool ip_full;
      bool all_full;
      {
        std::lock_guard lock(m_mutex);
        auto it = m_per_ip.find(c.ip);
        ip_full = it != m_per_ip.end() && it->second >= m_limits.max_connections_per_ip;
        all_full = m_open >= m_limits.max_connections;
        if (!ip_full && !all_full) {
          ++m_open;
          ++m_per_ip[c.ip];
          return true;
        }
      }
      if (!evict_oldest(all_full ? std::string() : c.ip)) {
        return false; // every connection is busy with a request: refuse the new one
      }
    }
  }

  bool evict_oldest(const std::string& ip) {
    auto oldest = m_parked.end();
    for (auto it = m_parked.begin(); it != m_parked.end(); ++it) {
      if ((ip.empty() || it->second->ip == ip) &&
          (oldest == m_parked.end() || it->second->parked_at < oldest->second->parked_at)) {
        oldest = it;
      }
    }
    if (oldest == m_parked.end()) {
      return false;
    }
    ConnPtr c = oldest->second;
    m_parked.erase(oldest);
    release(c);
    return true;
  }

  void on_readable(ConnPtr c) {
    ssize_t n = read_some(*c);
    if (n == 0 || (n < 0 && n != -2)) {
      m_parked.erase(c->id);
      release(c);
      return;
    }
    if (c->idle && !c->buf.empty()) {
      c->idle = false;
      start_head(*c);
    }
    c->deadline = std::min(c->head_deadline,
                           Clock::now() + std::chrono::seconds(m_limits.read_timeout_seconds));
    auto v = request_head::check(c->buf, m_head_limits, c->scan, &c->raw_headers);
    if (v.kind == Verdict::Kind::incomplete) {
      return;
    }
    m_parked.erase(c->id);
    if (v.kind == Verdict::Kind::refused) {
      refuse(c, v);
      return;
    }
    m_pool.submit([this, c] { serve(c); });
  }

  void sweep() {
    auto now = Clock::now();
    for (auto it = m_parked.begin(); it != m_parked.end();) {
      ConnPtr c = it->second;
      if (now < c->deadline) {
        ++it;
        continue;
      }
      it = m_parked.erase(it);
      if (c->idle) {
        release(c);
      } else {
        Verdict v;
        v.kind = Verdict::Kind::refused;
        v.status = 408;
        v.code = "request_head_timeout";
        v.message = "Request head not received in time: it must arrive whole within [server] "
                    "request_head_timeout_seconds (" +
                    std::to_string(m_limits.head_timeout_seconds) +
                    " s), with no pause longer than `serve --read-timeout` (" +
                    std::to_string(m_limits.read_timeout_seconds) + " s).";
        refuse(c, v);
      }
    }
  }

  void stop_guard() {
    {
      std::lock_guard lock(m_mutex);
      if (!m_running) {
        return;
      }
      m_running = false;
      m_arrived.clear(); // closed; the counts no longer matter
      m_returned.clear();
    }
    wake_parker();
    if (m_parker.joinable()) {
      m_parker.join();
    }
    m_pool.stop(); // requests in flight finish; their connections close
  }

  Limits m_limits;
  request_head::Limits m_head_limits{m_limits.max_head_bytes, m_limits.max_header_lines};
  Refusal m_refusal;
  WorkerPool m_pool;
  std::atomic<bool> m_running{true};
  std::atomic<uint64_t> m_next_id{0};
  int m_wake_read = -1;
  int m_wake_write = -1;
  std::thread m_parker;
  std::mutex m_mutex; // guards the inbox and the counts
  std::vector<ConnPtr> m_arrived;
  std::vector<ConnPtr> m_returned;
  long m_open = 0;
  std::unordered_map<std::string, int> m_per_ip;
  std::unordered_map<uint64_t, ConnPtr> m_parked; // the parking thread's own
};

} // namespace

std::function<bool()> client_watch() {
  if (!t_current) {
    return {};
  }
  return [c = t_current] { return peer_gone(c->fd); };
}

std::unique_ptr<httplib::Server> make_server(const Limits& limits, Refusal refusal) {
  return std::make_unique<GuardedServer>(limits, std::move(refusal));
}

} // namespace airelays::server::connection_guard
