// The relay's HTTP client, and the only module that includes curl. A blocking call for small
// exchanges (issuer token calls, models, usage) and a streaming transfer pumped on the
// caller's thread for /responses (see DESIGN.md, "Streaming without losing real status
// codes").
#pragma once

#include <airelays/error.hpp>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace airelays::http_client {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method = "GET";
  std::string url;
  HeaderList headers;
  std::string body;
  // Streams only: when set, sent instead of `body` without a copy (a large request body
  // shared by every attempt of one call).
  std::shared_ptr<const std::string> shared_body;
  long connect_timeout_ms = 10000;
  long timeout_ms = 60000; // whole transfer; 0 = none
};

// Why a transfer failed before an HTTP response was complete.
// connect_timeout: no connection within connect_timeout_ms (nothing was sent; streams only).
enum class Failure { none, dns, connect, tls, timeout, aborted, other, connect_timeout };

struct Response {
  int status = 0;
  HeaderList headers; // names lower-cased
  std::string body;
  Failure failure = Failure::none; // set when status == 0
  std::string error;               // curl's text for failures (never contains secrets)

  std::string header(const std::string& lower_name) const;
};

// Call once in main() before threads start. On Linux libcurl is opened and initialised by the
// first transfer instead (src/io/curl_loader.cpp), so this loads nothing.
void global_init();
void global_cleanup();

// Performs a blocking request. Transport failures come back as status 0 with `failure` set.
Response perform(const Request& request);

// The caches shared by every transfer made with it: DNS and TLS sessions (a curl share
// handle), and a pool of transfer handles whose connections streams reuse. Thread-safe;
// create one per process (the upstream service owns it).
class Session {
public:
  Session();
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  void* native() const; // the CURLSH*, for http_client.cpp only

private:
  friend class Stream; // borrows pooled transfer handles
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Performs a blocking request reusing the session's connections.
Response perform(const Request& request, Session& session);

// Options of a streaming transfer: no total timeout; the transfer fails with
// Failure::timeout when no byte arrives for idle_timeout_s seconds.
struct StreamOptions {
  long connect_timeout_ms = 10000;
  long idle_timeout_s = 300;
  // Called between reads (at least every poll_interval_ms while idle); returning true
  // aborts the transfer with Failure::aborted (client gone, server stopping).
  std::function<bool()> should_abort;
  long poll_interval_ms = 100;
};

// A streaming HTTP transfer on libcurl's multi interface, pumped on the caller's thread: no
// background thread, no buffering beyond what one pump() returns. Not thread-safe; one
// thread drives it at a time (it may move between threads between calls).
class Stream {
public:
  // Starts the transfer (nothing is read until pump()).
  Stream(const Request& request, const StreamOptions& options, Session* session);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Drives the transfer until new body bytes arrived (appended to `out`) or it finished.
  // Returns false once the transfer is finished (then `out` may still have received its
  // last bytes); check failure() to tell a clean end from a failed one.
  bool pump(std::string& out);
  // Pumps until the response status and headers are known (or the transfer finished);
  // body bytes read meanwhile are appended to `out`.
  void wait_for_headers(std::string& out);
  // Replaces the abort check (e.g. once a client sink exists).
  void set_abort_check(std::function<bool()> should_abort);

  bool headers_complete() const;
  int status() const; // 0 until the headers are complete
  const HeaderList& headers() const;
  std::string header(const std::string& lower_name) const;
  bool finished() const;
  Failure failure() const; // none while running or after a clean end
  const std::string& error() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Percent-encodes a string for application/x-www-form-urlencoded and query strings.
std::string url_encode(const std::string& s);

} // namespace airelays::http_client
