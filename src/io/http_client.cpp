// libcurl behind the relay's HTTP client interface (see http_client.hpp). This is the only
// file that includes curl. Blocking calls use the easy interface; streams use one multi
// handle each, pumped by the caller (DESIGN.md: the upstream call starts in the handler and
// continues in the chunked provider on the same worker thread). A share handle carries the
// connection, DNS and TLS-session caches between transfers.
#include <airelays/http_client.hpp>
#include <airelays/text.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string_view>

namespace airelays::http_client {

namespace {

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<HeaderList*>(user);
  std::string_view line(data, size * n); // read in place: only the name and value are kept
  if (line.starts_with("HTTP/")) {
    headers->clear(); // a new response (after 100-continue or a redirect)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    headers->emplace_back(text::lower(line.substr(0, colon)),
                          std::string(text::trim(line.substr(colon + 1))));
  }
  return size * n;
}

Failure classify(CURLcode code) {
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return Failure::dns;
  case CURLE_COULDNT_CONNECT:
    return Failure::connect;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
    return Failure::tls;
  case CURLE_OPERATION_TIMEDOUT:
    return Failure::timeout;
  case CURLE_ABORTED_BY_CALLBACK:
  case CURLE_WRITE_ERROR:
    return Failure::aborted;
  default:
    return Failure::other;
  }
}

// The host[:port] of url, for error messages ("" when it has none).
std::string host_of(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::string authority = url.substr(start, url.find_first_of("/?#", start) - start);
  size_t at = authority.rfind('@');
  return at == std::string::npos ? authority : authority.substr(at + 1);
}

// What went wrong, naming the host tried: curl's detailed message (errbuf, e.g. "Could not
// resolve host: chatgpt.com") when it has one, else the code's text, plus the host if absent.
std::string failure_text(CURLcode rc, const char* errbuf, const std::string& url) {
  std::string text = errbuf != nullptr && errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  std::string host = host_of(url);
  if (!host.empty() && text.find(host) == std::string::npos) {
    text += " (" + host + ")";
  }
  return text;
}

Response perform_with(const Request& request, CURLSH* share);

} // namespace

std::string Response::header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) {
      return v;
    }
  }
  return {};
}

void global_init() { curl_global_init(CURL_GLOBAL_DEFAULT); }
void global_cleanup() { curl_global_cleanup(); }

Response perform(const Request& request) { return perform_with(request, nullptr); }

Response perform(const Request& request, Session& session) {
  return perform_with(request, static_cast<CURLSH*>(session.native()));
}

namespace {
Response perform_with(const Request& request, CURLSH* share) {
  Response out;
  CURL* curl = curl_easy_init();
  if (!curl) {
    out.failure = Failure::other;
    out.error = "cannot initialise libcurl";
    return out;
  }
  curl_slist* list = nullptr;
  for (const auto& [k, v] : request.headers) {
    list = curl_slist_append(list, (k + ": " + v).c_str());
  }
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST" || !request.body.empty()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, request.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &out.headers);
  if (share != nullptr) {
    curl_easy_setopt(curl, CURLOPT_SHARE, share);
  }
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    out.status = static_cast<int>(status);
  } else {
    out.failure = classify(rc);
    out.error = failure_text(rc, errbuf, request.url);
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return out;
}
} // namespace

// --- the shared connection cache ---------------------------------------------------------

namespace {
using ShareLocks = std::array<std::mutex, CURL_LOCK_DATA_LAST>;
void share_lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
  (*static_cast<ShareLocks*>(user))[static_cast<size_t>(data)].lock();
}
void share_unlock(CURL*, curl_lock_data data, void* user) {
  (*static_cast<ShareLocks*>(user))[static_cast<size_t>(data)].unlock();
}
} // namespace

// A multi handle with one easy handle, kept between streams. The multi handle's connection
// cache is what lets the next stream reuse the upstream connection (a fresh multi handle per
// stream opened a new TCP/TLS connection for every request); the easy handle keeps its own
// caches across curl_easy_reset. Each slot serves one stream at a time.
struct Slot {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
};

Slot new_slot() { return Slot{curl_multi_init(), curl_easy_init()}; }

void free_slot(Slot slot) {
  curl_easy_cleanup(slot.easy);
  curl_multi_cleanup(slot.multi);
}

struct Session::Impl {
  std::once_flag created; // the share handle is made by the first transfer (see Session())
  CURLSH* share = nullptr;
  ShareLocks locks;
  std::mutex pool_mutex;
  std::vector<Slot> idle; // most recently used last: its connection is the warmest
  static constexpr size_t k_max_idle = 64;

  Slot acquire() {
    {
      std::lock_guard lock(pool_mutex);
      if (!idle.empty()) {
        Slot slot = idle.back(); // reset when its last stream ended (~Stream)
        idle.pop_back();
        return slot;
      }
    }
    return new_slot();
  }
  void release(Slot slot) {
    {
      std::lock_guard lock(pool_mutex);
      if (idle.size() < k_max_idle) {
        idle.push_back(slot);
        return;
      }
    }
    free_slot(slot);
  }
};

// Nothing calls libcurl until the first transfer: a relay that starts loads libcurl (see
// curl_loader.cpp) when it first calls the upstream, not before its first /healthz.
Session::Session() : m_impl(std::make_unique<Impl>()) {}

Session::~Session() {
  for (Slot slot : m_impl->idle) {
    free_slot(slot);
  }
  if (m_impl->share != nullptr) {
    curl_share_cleanup(m_impl->share);
  }
}

void* Session::native() const {
  Impl& m = *m_impl;
  std::call_once(m.created, [&m] {
    m.share = curl_share_init();
    curl_share_setopt(m.share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(m.share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(m.share, CURLSHOPT_USERDATA, &m.locks);
    // Connections are not shared through the share handle: libcurl documents that as unsafe
    // across threads; streams reuse them through the slot pool instead.
    curl_share_setopt(m.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(m.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  });
  return m.share;
}

// --- streaming transfers -----------------------------------------------------------------

struct Stream::Impl {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  Session* session = nullptr; // the pool the slot returns to, or none (freed)
  curl_slist* header_list = nullptr;
  std::shared_ptr<const std::string> body; // the request body (curl reads it in place)
  std::string pending;                     // body bytes received and not yet handed out
  HeaderList headers;
  int status_line = 0; // status of the latest status line
  int status = 0;      // set when the final header block ended
  bool finished = false;
  Failure failure = Failure::none;
  std::string error;
  std::string url;                   // for error messages
  char errbuf[CURL_ERROR_SIZE] = {}; // curl's detailed error message
  StreamOptions options;
  std::chrono::steady_clock::time_point last_abort_check{};
  std::chrono::steady_clock::time_point last_data{}; // start, then each byte from upstream

  static size_t on_data(char* data, size_t size, size_t n, void* user) {
    auto* self = static_cast<Impl*>(user);
    self->pending.append(data, size * n);
    self->last_data = std::chrono::steady_clock::now();
    return size * n;
  }
  static size_t on_header_line(char* data, size_t size, size_t n, void* user);
  void finish(Failure f, std::string text);
  void drain_messages();
  bool abort_requested();
  void step();
};

size_t Stream::Impl::on_header_line(char* data, size_t size, size_t n, void* user) {
  auto* self = static_cast<Impl*>(user);
  self->last_data = std::chrono::steady_clock::now();
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    auto space = line.find(' ');
    self->status_line = space == std::string_view::npos
                            ? 0
                            : std::atoi(std::string(line.substr(space + 1, 3)).c_str());
    self->headers.clear();
    return size * n;
  }
  if (line == "\r\n" || line == "\n") {
    if (self->status_line >= 200) {
      self->status = self->status_line;
    }
    return size * n;
  }
  return on_header(data, size, n, &self->headers);
}

void Stream::Impl::finish(Failure f, std::string text) {
  if (finished) {
    return;
  }
  finished = true;
  failure = f;
  error = std::move(text);
  if (easy != nullptr) {
    curl_multi_remove_handle(multi, easy);
  }
}

void Stream::Impl::drain_messages() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
    if (msg->msg != CURLMSG_DONE) {
      continue;
    }
    CURLcode rc = msg->data.result;
    if (rc == CURLE_OK) {
      long code = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
      status = static_cast<int>(code);
      finish(Failure::none, {});
    } else {
      // A stream sets no libcurl deadline but the connect timeout (the idle timer is ours):
      // its timeout means no connection, so nothing reached the upstream.
      Failure f = rc == CURLE_OPERATION_TIMEDOUT ? Failure::connect_timeout : classify(rc);
      finish(f, failure_text(rc, errbuf, url));
    }
  }
}

bool Stream::Impl::abort_requested() {
  if (!options.should_abort) {
    return false;
  }
  auto now = std::chrono::steady_clock::now();
  if (now - last_abort_check < std::chrono::milliseconds(options.poll_interval_ms / 2)) {
    return false;
  }
  last_abort_check = now;
  return options.should_abort();
}

// One round: let curl work, collect completions, and wait for the socket when idle.
void Stream::Impl::step() {
  int running = 0;
  curl_multi_perform(multi, &running);
  drain_messages();
  if (finished || !pending.empty()) {
    return;
  }
  if (abort_requested()) {
    finish(Failure::aborted, "transfer aborted");
    return;
  }
  // The idle timeout is ours rather than libcurl's low-speed check, which averages over
  // whole seconds and fired several seconds late.
  auto idle_limit = std::chrono::milliseconds(options.idle_timeout_s * 1000);
  auto idle = std::chrono::steady_clock::now() - last_data;
  if (idle >= idle_limit) {
    finish(Failure::timeout,
           "no data from upstream for " + std::to_string(options.idle_timeout_s) + " s");
    return;
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(idle_limit - idle).count() + 1;
  int wait_ms = static_cast<int>(std::min<long long>(options.poll_interval_ms, left));
  curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
}

Stream::Stream(const Request& request, const StreamOptions& options, Session* session)
    : m_impl(std::make_unique<Impl>()) {
  auto& m = *m_impl;
  m.options = options;
  // A shared body is not copied: a large request is not duplicated for every attempt.
  m.body =
      request.shared_body ? request.shared_body : std::make_shared<const std::string>(request.body);
  m.session = session;
  Slot slot = session != nullptr ? session->m_impl->acquire() : new_slot();
  m.multi = slot.multi;
  m.easy = slot.easy;
  m.last_data = std::chrono::steady_clock::now();
  for (const auto& [k, v] : request.headers) {
    m.header_list = curl_slist_append(m.header_list, (k + ": " + v).c_str());
  }
  m.header_list = curl_slist_append(m.header_list, "Expect:");
  CURL* c = m.easy;
  m.url = request.url;
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, m.errbuf);
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST" || !m.body->empty()) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, m.body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(m.body->size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, m.header_list);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Impl::on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, Impl::on_header_line);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &m);
  if (session != nullptr) {
    curl_easy_setopt(c, CURLOPT_SHARE, static_cast<CURLSH*>(session->native()));
  }
  curl_multi_add_handle(m.multi, c);
}

Stream::~Stream() {
  auto& m = *m_impl;
  if (!m.finished && m.status != 0) {
    // A reader that stopped at the stream's terminal event leaves the upstream's last bytes
    // unread (an HTTP/1.1 chunked body's terminating chunk, written right after it): read
    // what has arrived, without waiting, so the transfer can end cleanly and its connection
    // stay in the cache. Removing an unfinished transfer closes the connection, and the next
    // call connected anew (one streamed request in ten, on the fake upstream).
    int running = 0;
    curl_multi_perform(m.multi, &running);
    m.drain_messages();
  }
  if (!m.finished) {
    curl_multi_remove_handle(m.multi, m.easy); // an unfinished transfer closes its connection
  }
  // The easy handle still points at this stream's header list, body and callbacks: clear
  // them before anything else can see the slot.
  curl_easy_reset(m.easy);
  curl_slist_free_all(m.header_list);
  Slot slot{m.multi, m.easy};
  if (m.session != nullptr) {
    m.session->m_impl->release(slot);
  } else {
    free_slot(slot);
  }
}

bool Stream::pump(std::string& out) {
  auto& m = *m_impl;
  while (!m.finished && m.pending.empty()) {
    m.step();
  }
  out.append(m.pending);
  m.pending.clear();
  return !m.finished;
}

void Stream::wait_for_headers(std::string& out) {
  auto& m = *m_impl;
  while (!m.finished && m.status == 0) {
    m.step();
  }
  out.append(m.pending);
  m.pending.clear();
}

void Stream::set_abort_check(std::function<bool()> should_abort) {
  m_impl->options.should_abort = std::move(should_abort);
}

bool Stream::headers_complete() const { return m_impl->status != 0; }
int Stream::status() const { return m_impl->status; }
const HeaderList& Stream::headers() const { return m_impl->headers; }
std::string Stream::header(const std::string& lower_name) const {
  for (const auto& [k, v] : m_impl->headers) {
    if (k == lower_name) {
      return v;
    }
  }
  return {};
}
bool Stream::finished() const { return m_impl->finished; }
Failure Stream::failure() const { return m_impl->failure; }
const std::string& Stream::error() const { return m_impl->error; }

std::string url_encode(const std::string& s) {
  std::string out;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

} // namespace airelays::http_client
