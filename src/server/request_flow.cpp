// The per-request steps of the relay, apart from httplib (see request_flow.hpp).
#include "request_flow.hpp"

#include <airelays/random.hpp>
#include <airelays/rate_limit.hpp>
#include <airelays/relay_token.hpp>
#include <airelays/traffic_log.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace airelays::server {

namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& s : items) {
    out += (out.empty() ? "" : sep) + s;
  }
  return out;
}

// The route pattern of a matched request: the path with each captured value put back as
// its {name}, so metrics labels stay few however many ids pass through.
std::string route_pattern(const std::string& path,
                          const std::map<std::string, std::string>& params) {
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i + 1);
    std::string seg = path.substr(i + 1, (j == std::string::npos ? path.size() : j) - i - 1);
    auto it = std::find_if(params.begin(), params.end(),
                           [&](const auto& p) { return !seg.empty() && p.second == seg; });
    out += "/" + (it == params.end() ? seg : "{" + it->first + "}");
    i = j == std::string::npos ? path.size() : j;
  }
  return out.empty() ? "/" : out;
}

bool is_loopback_peer(const std::string& addr) {
  return edge::is_loopback(addr) || addr == "::ffff:127.0.0.1";
}

// A large body's parsed copies are freed by now but malloc keeps them (in the worker's own
// arena), so one 7.5 MB request raised the relay's RSS by ~480 MB for good. Past this size
// the body is dropped and the freed pages go back to the system.
constexpr size_t k_trim_after_bytes = 1 << 20;

void release_large_body(Exchange& ex) {
  size_t bytes = http::body_size(ex.req); // its text may be gone already (release_body)
  for (const auto& part : ex.req.form) {
    bytes += part.content.size();
  }
  if (bytes < k_trim_after_bytes) {
    return;
  }
  std::string().swap(ex.req.body);
  std::vector<http::FormPart>().swap(ex.req.form);
#ifdef __GLIBC__
  ::malloc_trim(0);
#endif
}

// glibc raises its mmap threshold to the size of the largest block it has freed (up to
// 32 MiB on 64-bit): once a large body's text was freed, the next large blocks (the request
// sent upstream, its copies) came from a worker's arena, whose top malloc_trim does not give
// back, and ~20 MB stayed resident after every large request. A fixed threshold keeps large
// blocks in their own mappings, returned when freed.
void keep_large_blocks_returnable() {
#ifdef __GLIBC__
  ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(k_trim_after_bytes));
#endif
}

} // namespace

TokenSource::TokenSource(const config::Config& cfg) : m_cfg(cfg) {}

std::optional<std::string> TokenSource::current() {
  std::lock_guard lock(m_mutex);
  if (m_cfg.bearer_token_env && !m_cfg.bearer_token_env->empty()) {
    return m_cfg.bearer_token_env;
  }
  struct stat st {};
  bool exists = ::stat(m_cfg.bearer_token_file.c_str(), &st) == 0;
  bool same = m_loaded && exists && st.st_ino == m_seen.st_ino && st.st_size == m_seen.st_size &&
              st.st_mtim.tv_sec == m_seen.st_mtim.tv_sec &&
              st.st_mtim.tv_nsec == m_seen.st_mtim.tv_nsec;
  if (same) {
    return m_token;
  }
  auto resolved = relay_token::resolve(m_cfg);
  m_token = resolved ? *resolved : std::nullopt;
  m_seen = st;
  m_loaded = exists;
  return m_token;
}

std::string new_request_id() { return random::correlation_id("req_", 32); }

bool is_event_stream(const std::string& content_type) {
  return content_type.rfind("text/event-stream", 0) == 0;
}

Flow::Flow(Services& state, Router& router)
    : m_state(state), m_router(router), m_tokens(state.config) {
  keep_large_blocks_returnable();
  m_settings.bound_host = state.config.host;
  m_settings.allowed_hosts = state.config.allowed_hosts;
  m_settings.allowed_origins = state.config.allowed_origins;
  m_settings.require_auth = state.config.require_bearer_auth;
  m_state.metrics.describe("airelays_http_requests_total",
                           "Requests answered, by route pattern and status");
  m_state.metrics.describe("airelays_http_requests_in_flight", "Requests being answered now");
  m_state.metrics.describe("airelays_http_request_duration_seconds",
                           "Time from request line to the end of the response, by route");
  m_state.metrics.describe("airelays_edge_rejections_total",
                           "Requests refused by the edge (host, origin, block, rate, auth)");
  m_state.metrics.set("airelays_http_requests_in_flight", {}, 0);
}

void Flow::set_bound(const std::string& host, int port) {
  m_settings.bound_host = host;
  m_state.config.host = host;
  m_state.config.port = port;
}

std::string Flow::client_ip(const std::string& remote_addr,
                            const std::string& forwarded_for) const {
  if (m_state.config.trust_x_forwarded_for && is_loopback_peer(remote_addr)) {
    // Each trusted proxy appended one entry, so the client is trusted_proxy_hops entries from
    // the right; everything to its left was sent by the client and would let it pick its own
    // address (and dodge a block).
    size_t end = forwarded_for.size();
    size_t start = 0;
    for (int hop = 0; hop < m_state.config.trusted_proxy_hops; ++hop) {
      auto comma = end == 0 ? std::string::npos : forwarded_for.rfind(',', end - 1);
      start = comma == std::string::npos ? 0 : comma + 1;
      if (comma == std::string::npos || hop + 1 == m_state.config.trusted_proxy_hops) {
        break;
      }
      end = comma;
    }
    std::string entry = forwarded_for.substr(start, end - start);
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    if (!entry.empty()) {
      return entry;
    }
  }
  return remote_addr.empty() ? "unknown" : remote_addr;
}

double Flow::now() const { return m_state.clock.monotonic_seconds(); }

std::unique_ptr<Exchange> Flow::begin(http::Request req) {
  auto ex = std::make_unique<Exchange>();
  ex->req = std::move(req);
  ex->req.request_id = new_request_id();
  ex->req.max_json_depth = m_state.config.max_json_depth;
  ex->req.keep_body = m_state.traffic_log && m_state.traffic_log->content();
  m_state.metrics.add("airelays_http_requests_in_flight", {}, 1);
  return ex;
}

std::optional<http::Response> Flow::check_edge(Exchange& ex) {
  edge::RequestMeta meta;
  meta.path = ex.req.path;
  meta.client_ip = ex.req.client_ip;
  meta.method = ex.req.method;
  if (ex.req.has_header("Upgrade")) {
    meta.upgrade = ex.req.header("Upgrade");
  }
  if (ex.req.has_header("Host")) {
    meta.host = ex.req.header("Host");
  }
  if (ex.req.has_header("Origin")) {
    meta.origin = ex.req.header("Origin");
  }
  if (ex.req.has_header("Authorization")) {
    meta.authorization = ex.req.header("Authorization");
  }
  if (ex.req.has_header("x-api-key")) {
    meta.api_key = ex.req.header("x-api-key"); // the Anthropic SDKs' way to send the token
  }
  if (ex.req.has_header("Sec-Fetch-Site")) {
    meta.sec_fetch_site = ex.req.header("Sec-Fetch-Site");
  }
  if (ex.req.has_header("Sec-Fetch-Mode")) {
    meta.sec_fetch_mode = ex.req.header("Sec-Fetch-Mode");
  }
  std::optional<std::string> token;
  if (m_settings.require_auth && edge::is_protected(ex.req.path)) {
    token = m_tokens.current();
  }
  auto d = edge::decide(m_settings, meta, token, *m_state.clients, now());
  ex.holds_slot = d.holds_slot;
  if (!d.error) {
    return std::nullopt;
  }
  m_state.metrics.inc("airelays_edge_rejections_total", {{"reason", d.reason}});
  if (d.started_block) {
    m_state.metrics.inc("airelays_edge_blocks_total");
  }
  return refuse(ex, *d.error, d.reason);
}

int64_t Flow::body_cap(const Exchange& ex) const {
  std::string type = ex.req.header("Content-Type");
  if (type.rfind("multipart/form-data", 0) == 0) {
    return m_state.config.max_upload_bytes + 1024 * 1024; // the file plus its form framing
  }
  return m_state.config.max_request_bytes;
}

bool Flow::reserve_body(Exchange& ex, int64_t total) {
  int64_t more = total - ex.body_reserved;
  if (more <= 0) {
    return true;
  }
  int64_t held = m_body_bytes.fetch_add(more) + more;
  if (held > m_state.config.max_request_bytes_in_flight) {
    m_body_bytes.fetch_sub(more);
    ex.over_budget = true;
    return false;
  }
  ex.body_reserved = total;
  return true;
}

api_error::ApiError Flow::over_budget() const {
  auto e = api_error::make(503,
                           "The relay is holding its limit of request bodies in flight ([server] "
                           "max_request_bytes_in_flight = " +
                               std::to_string(m_state.config.max_request_bytes_in_flight) +
                               " bytes); retry shortly.",
                           std::string("server_busy"));
  e.retry_after = 1;
  return e;
}

http::Response Flow::refuse(Exchange& ex, const api_error::ApiError& e, std::string reason) {
  ex.rejected = std::move(reason);
  return http::error(ex.req, e);
}

std::optional<http::Response> Flow::check_route(const Exchange& ex) const {
  const Handler* handler = nullptr;
  std::map<std::string, std::string> params;
  auto match = m_router.match(ex.req.method, ex.req.path, &handler, params);
  if (match == Router::Match::found) {
    return std::nullopt;
  }
  return route_error(ex, match);
}

http::Response Flow::route_error(const Exchange& ex, Router::Match match) const {
  if (match == Router::Match::none) {
    auto e = api_error::make(404, "Invalid URL (" + ex.req.method + " " + ex.req.path + ")",
                             std::string("unknown_route"));
    e.type = "invalid_request_error";
    return http::error(ex.req, e);
  }
  auto allowed = m_router.allowed_methods(ex.req.path);
  auto e = api_error::make(405,
                           "Method " + ex.req.method + " is not allowed on " + ex.req.path +
                               "; allowed: " + join(allowed, ", ") + ".",
                           std::string("method_not_allowed"));
  e.headers.push_back({"Allow", join(allowed, ", ")});
  return http::error(ex.req, e);
}

http::Response Flow::dispatch(Exchange& ex) {
  const Handler* handler = nullptr;
  std::map<std::string, std::string> params;
  auto match = m_router.match(ex.req.method, ex.req.path, &handler, params);
  if (match != Router::Match::found) {
    return route_error(ex, match);
  }
  ex.req.path_params = params;
  ex.route = route_pattern(ex.req.path, params);
  ex.counted = ex.route != "/healthz" && ex.route != "/v1/relay/status";
  try {
    return (*handler)(ex.req);
  } catch (const std::exception& err) {
    return http::error(ex.req, api_error::make(500, std::string("Internal error: ") + err.what(),
                                               std::string("internal_error")));
  }
}

traffic_log::Record Flow::summary(const Exchange& ex, int status, size_t response_bytes,
                                  bool streamed, bool completed,
                                  const http::Response* response) const {
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - ex.started)
                .count();
  traffic_log::Record rec;
  rec.text("phase", "request");
  rec.text("request_id", ex.req.request_id);
  rec.text("method", ex.req.method);
  rec.text("path", ex.req.path);
  rec.text("route", ex.route);
  rec.text("client_ip", ex.req.client_ip);
  rec.integer("status", status);
  rec.real("duration_ms", std::round(ms * 100.0) / 100.0);
  rec.count("request_bytes", http::body_size(ex.req));
  rec.count("response_bytes", response_bytes);
  rec.boolean("streamed", streamed);
  if (streamed) {
    rec.boolean("completed", completed);
  }
  if (!ex.rejected.empty()) {
    rec.text("rejected", ex.rejected);
  }
  if (ex.req.annotations && ex.req.annotations->is_object()) {
    for (auto it = ex.req.annotations->begin(); it != ex.req.annotations->end(); ++it) {
      rec.value(it.key(), it.value()); // the exchange outlives the write
    }
  }
  bool content = m_state.traffic_log && m_state.traffic_log->content();
  if (content) {
    nlohmann::json query = nlohmann::json::object();
    for (const auto& [k, v] : ex.req.query) {
      query[k] = v;
    }
    rec.owned("query", std::move(query));
    rec.owned("request_body",
              traffic_log::body_snapshot(ex.req.body, ex.req.header("Content-Type"), true));
    if (response && !streamed) {
      rec.owned("response_body",
                traffic_log::body_snapshot(response->body, response->content_type, true));
    }
  }
  return rec;
}

void Flow::finish(Exchange& ex, int status, size_t response_bytes, bool streamed, bool completed,
                  const http::Response* response) {
  if (ex.finished) {
    return;
  }
  ex.finished = true;
  if (ex.holds_slot) {
    m_state.clients->release(ex.req.client_ip);
  }
  m_body_bytes.fetch_sub(ex.body_reserved);
  ex.body_reserved = 0;
  auto& m = m_state.metrics;
  m.add("airelays_http_requests_in_flight", {}, -1);
  m.inc("airelays_http_requests_total", {{"route", ex.route}, {"status", std::to_string(status)}});
  m.observe("airelays_http_request_duration_seconds", {{"route", ex.route}},
            std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.started).count());
  if (ex.counted && ex.rejected.empty()) {
    m.inc("airelays_relay_requests_total");
  }
  if (m_state.traffic_log && ex.route != "/healthz") {
    m_state.traffic_log->write(summary(ex, status, response_bytes, streamed, completed, response),
                               std::chrono::system_clock::now());
  }
  release_large_body(ex);
}

} // namespace airelays::server
