// What happens to every request, apart from the HTTP library (private to the server layer).
// server.cpp turns httplib's request into an http::Request and asks this module, in order:
// begin() (request id, clock), check_edge() (edge.hpp, before any body is read), dispatch()
// (router → handler, 404/405 in the OpenAI shape), finish() (traffic-log summary, metrics,
// the concurrency slot given back). Keeping this free of httplib keeps server.cpp thin and
// lets the same steps serve both plain and streamed responses.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/edge.hpp>
#include <airelays/http_types.hpp>
#include <airelays/router.hpp>
#include <airelays/services.hpp>
#include <airelays/traffic_log.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/stat.h>

namespace airelays::server {

using services::Services;

// The relay token clients must present, re-read only when the token file changes (inode,
// size or mtime), so `airelays token rotate` in another process takes effect at once
// without a read per request. AIRELAYS_BEARER_TOKEN, when set, wins and never changes.
class TokenSource {
public:
  explicit TokenSource(const config::Config& cfg);
  std::optional<std::string> current();

private:
  config::Config m_cfg;
  std::mutex m_mutex;
  bool m_loaded = false;
  struct stat m_seen {};
  std::optional<std::string> m_token;
};

// One request on its way through the relay.
struct Exchange {
  http::Request req;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string route = "unmatched"; // the matched pattern, for metrics and the log
  std::string rejected;            // edge reason when refused before the handler
  bool holds_slot = false;         // a per-IP concurrency slot to give back
  bool counted = false;            // counts toward requests_total
  bool finished = false;
  int64_t body_reserved = 0; // bytes of the in-flight body budget this request holds
  bool over_budget = false;  // its body did not fit the budget (503)
};

class Flow {
public:
  Flow(Services& state, Router& router);

  // The address the listener is bound to (the Host check accepts it; pages show it).
  void set_bound(const std::string& host, int port);
  // The client IP: the TCP peer, or the X-Forwarded-For element trusted_proxy_hops from the
  // right (the one the first of the user's proxies appended) when trust_x_forwarded_for is on
  // and the peer is loopback.
  std::string client_ip(const std::string& remote_addr, const std::string& forwarded_for) const;
  // Starts an exchange: request id, start time, in-flight gauge.
  std::unique_ptr<Exchange> begin(http::Request req);
  // The edge rules; a response when the request is refused.
  std::optional<http::Response> check_edge(Exchange& ex);
  // The largest body accepted for this request (uploads get the upload cap plus framing).
  int64_t body_cap(const Exchange& ex) const;
  // Counts the first `total` bytes of ex's body against [server] max_request_bytes_in_flight;
  // false (and ex.over_budget set) when they do not fit. The bytes are held until finish().
  bool reserve_body(Exchange& ex, int64_t total);
  // The 503 with Retry-After for a body that did not fit the in-flight budget.
  api_error::ApiError over_budget() const;
  // An error response for ex (413, 400, ...) built by api_error.
  http::Response refuse(Exchange& ex, const api_error::ApiError& e, std::string reason);
  // The 404/405 for a request no route takes, decided before its body is read; nullopt when
  // a route takes it.
  std::optional<http::Response> check_route(const Exchange& ex) const;
  // Routes ex to its handler: the handler's response, or 404/405; an exception is a 500.
  http::Response dispatch(Exchange& ex);
  // Writes the summary record and the metrics and releases the concurrency slot; once.
  void finish(Exchange& ex, int status, size_t response_bytes, bool streamed, bool completed,
              const http::Response* response);
  // Seconds on the monotonic clock the edge's limits use.
  double now() const;

private:
  http::Response route_error(const Exchange& ex, Router::Match match) const;
  traffic_log::Record summary(const Exchange& ex, int status, size_t response_bytes, bool streamed,
                              bool completed, const http::Response* response) const;
  Services& m_state;
  Router& m_router;
  edge::Settings m_settings;
  TokenSource m_tokens;
  std::atomic<int64_t> m_body_bytes{0}; // request body bytes held by requests in flight
};

// "req_" + 32 lowercase hex characters from the OS random generator.
std::string new_request_id();

// True when content_type is an SSE stream (text/event-stream with or without parameters).
bool is_event_stream(const std::string& content_type);

} // namespace airelays::server
