// The edge decision: Host → Origin → fetch metadata → credential (block for wrong ones) →
// rate limit → concurrency (see edge.hpp).
#include <airelays/constant_time.hpp>
#include <airelays/edge.hpp>
#include <airelays/text.hpp>

#include <algorithm>
#include <cctype>

namespace airelays::edge {

namespace {

bool host_allowed(const Settings& settings, const std::string& host) {
  if (is_loopback(host) || host == host_name(settings.bound_host)) {
    return true;
  }
  return std::any_of(settings.allowed_hosts.begin(), settings.allowed_hosts.end(),
                     [&](const std::string& h) { return host_name(h) == host; });
}

bool origin_allowed(const Settings& settings, const std::string& origin) {
  std::string o = text::lower(text::trim(origin));
  while (!o.empty() && o.back() == '/') {
    o.pop_back();
  }
  return std::any_of(settings.allowed_origins.begin(), settings.allowed_origins.end(),
                     [&](const std::string& a) {
                       std::string allowed = text::lower(text::trim(a));
                       while (!allowed.empty() && allowed.back() == '/') {
                         allowed.pop_back();
                       }
                       return allowed == o;
                     });
}

api_error::ApiError rejection(int status, std::string message, std::string code,
                              std::optional<long> retry_after = std::nullopt) {
  auto e = api_error::make(status, std::move(message), std::move(code));
  e.retry_after = retry_after;
  return e;
}

Decision refuse(std::string reason, api_error::ApiError error) {
  Decision d;
  d.reason = std::move(reason);
  d.error = std::move(error);
  return d;
}

// A browser says where a request comes from in Sec-Fetch-Site: `cross-site` and `same-site`
// (another port or address of this machine is a site too: 127.0.0.2, localhost:3000) come
// from some other page. Such a request passes only with an Origin in allowed_origins, or as
// a top-level navigation to a public page; an <img> or no-cors fetch carries no Origin and
// no token, so it is refused here and never reaches the failed-auth count.
bool foreign_page(const Settings& settings, const RequestMeta& req) {
  if (!req.sec_fetch_site) {
    return false;
  }
  std::string site = text::lower(text::trim(*req.sec_fetch_site));
  if (site != "cross-site" && site != "same-site") {
    return false;
  }
  if (req.origin && origin_allowed(settings, *req.origin)) {
    return false;
  }
  bool navigation =
      req.sec_fetch_mode && text::lower(text::trim(*req.sec_fetch_mode)) == "navigate";
  return !(navigation && !is_protected(req.path));
}

std::optional<Decision> check_browser_rules(const Settings& settings, const RequestMeta& req) {
  if (req.host && !host_allowed(settings, host_name(*req.host))) {
    return refuse("host_not_allowed",
                  rejection(403,
                            "Host `" + host_name(*req.host) +
                                "` is not allowed: airelays answers loopback names, the address "
                                "it listens on and [security] allowed_hosts.",
                            "host_not_allowed"));
  }
  if (req.origin && !origin_allowed(settings, *req.origin)) {
    return refuse("origin_not_allowed",
                  rejection(403,
                            "Origin `" + std::string(text::trim(*req.origin)) +
                                "` is not allowed: add it to [security] allowed_origins to "
                                "call airelays from that web page.",
                            "origin_not_allowed"));
  }
  if (foreign_page(settings, req)) {
    return refuse("cross_site_request",
                  rejection(403,
                            "A request from another web site (Sec-Fetch-Site: " +
                                std::string(text::trim(*req.sec_fetch_site)) +
                                ") is refused: add the page's origin to [security] "
                                "allowed_origins to call airelays from it.",
                            "cross_site_request"));
  }
  return std::nullopt;
}

// The Responses WebSocket transport is not served: 426 tells Codex to use HTTPS right away
// (a 405 or 401 makes it retry the socket five times first).
std::optional<Decision> check_websocket_upgrade(const RequestMeta& req) {
  if (!is_responses_websocket(req)) {
    return std::nullopt;
  }
  auto e = rejection(426,
                     "The Responses WebSocket transport is not served by airelays; send the "
                     "request as HTTPS POST /v1/responses.",
                     "websocket_not_supported");
  e.type = "invalid_request_error";
  return refuse("websocket_upgrade", std::move(e));
}

std::optional<Decision> check_limits(const RequestMeta& req, rate_limit::Clients& clients,
                                     double now) {
  auto verdict = clients.admit(req.client_ip, now, rate_limit::BlockRule::waived);
  switch (verdict.admission) {
  case rate_limit::Admission::blocked: // waived above: the caller presented the right token
  case rate_limit::Admission::rate_limited:
    return refuse("request_rate_limit", rejection(429, "Request rate limit exceeded for this IP.",
                                                  "rate_limit_exceeded", verdict.retry_after));
  case rate_limit::Admission::too_many_concurrent:
    return refuse("concurrency_limit",
                  rejection(429, "Too many concurrent requests from this IP.",
                            "too_many_concurrent_requests", verdict.retry_after));
  case rate_limit::Admission::admitted:
    break;
  }
  return std::nullopt;
}

Decision unauthorized() {
  return refuse("invalid_api_key",
                rejection(401, "Missing or invalid AIRelays bearer token.", "invalid_api_key"));
}

// None → 401 uncounted; right → passes (whatever the block); wrong → 429 while the IP is
// blocked, else 401 counted toward the block. Only a wrong credential can be an attack on
// the token, and only it can cost the IP anything.
std::optional<Decision> check_credential(const RequestMeta& req,
                                         const std::optional<std::string>& expected_token,
                                         rate_limit::Clients& clients, double now) {
  // The bearer token, or the x-api-key header (the Anthropic SDKs') when no bearer is sent:
  // the same token, the same rules.
  std::optional<std::string> token;
  if (req.authorization && !text::trim(*req.authorization).empty()) {
    token = bearer_token(*req.authorization);
  } else if (req.api_key && !text::trim(*req.api_key).empty()) {
    token = *req.api_key;
  } else {
    return unauthorized();
  }
  if (token && expected_token && token_matches(*token, *expected_token)) {
    return std::nullopt;
  }
  if (long left = clients.blocked_for(req.client_ip, now); left > 0) {
    return refuse("auth_block_active",
                  rejection(429, "Too many invalid authentication attempts from this IP.",
                            "ip_temporarily_blocked", left));
  }
  Decision d = unauthorized();
  d.started_block = clients.record_auth_failure(req.client_ip, now);
  return d;
}

} // namespace

bool is_protected(std::string_view path) {
  // By segments, as the router matches them: "//v1/models" reaches /v1/models and must not
  // slip past the token because its raw prefix differs.
  std::vector<std::string_view> segs;
  for (size_t i = 0; i < path.size() && segs.size() < 2;) {
    size_t j = path.find('/', i);
    j = j == std::string_view::npos ? path.size() : j;
    if (j > i) {
      segs.push_back(path.substr(i, j - i));
    }
    i = j + 1;
  }
  if (segs.empty()) {
    return false;
  }
  if (segs[0] == "v1" || segs[0] == "metrics") {
    return true;
  }
  return segs[0] == "no-tools" && segs.size() > 1 && segs[1] == "v1";
}

bool is_responses_websocket(const RequestMeta& req) {
  if (req.method != "GET" || !req.upgrade ||
      text::lower(text::trim(*req.upgrade)).find("websocket") == std::string::npos) {
    return false;
  }
  std::string_view p = req.path;
  p = p.substr(0, p.find('?'));
  while (!p.empty() && p.back() == '/') {
    p.remove_suffix(1);
  }
  const std::string_view tail = "/v1/responses";
  return is_protected(p) && p.size() >= tail.size() && p.substr(p.size() - tail.size()) == tail;
}

std::string host_name(std::string_view host_header) {
  std::string_view h = text::trim(host_header);
  if (h.starts_with("[")) {
    auto close = h.find(']');
    return text::lower(close == std::string_view::npos ? h.substr(1) : h.substr(1, close - 1));
  }
  auto colon = h.find(':');
  if (colon != std::string_view::npos && h.find(':', colon + 1) == std::string_view::npos) {
    h = h.substr(0, colon); // name:port (a bare IPv6 address has several colons)
  }
  std::string out = text::lower(h);
  while (!out.empty() && out.back() == '.') {
    out.pop_back(); // "localhost." is localhost
  }
  return out;
}

bool is_loopback(std::string_view host) {
  std::string h = text::lower(host);
  if (h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" ||
      (h.size() > 10 && h.compare(h.size() - 10, 10, ".localhost") == 0)) {
    return true;
  }
  if (!h.starts_with("127.")) {
    return false;
  }
  return std::all_of(h.begin(), h.end(), [](char c) { return c == '.' || std::isdigit(c); });
}

std::optional<std::string> bearer_token(std::string_view authorization) {
  std::string_view a = text::trim(authorization);
  auto space = a.find(' ');
  if (space == std::string_view::npos || text::lower(a.substr(0, space)) != "bearer") {
    return std::nullopt;
  }
  std::string_view token = text::trim(a.substr(space + 1));
  if (token.empty()) {
    return std::nullopt;
  }
  return std::string(token);
}

bool token_matches(std::string_view presented, std::string_view expected) {
  return !expected.empty() && constant_time::equal(presented, expected);
}

Decision decide(const Settings& settings, const RequestMeta& req,
                const std::optional<std::string>& expected_token, rate_limit::Clients& clients,
                double now) {
  if (auto refused = check_browser_rules(settings, req)) {
    return *refused;
  }
  if (!is_protected(req.path)) {
    return {};
  }
  if (auto refused = check_websocket_upgrade(req)) {
    return *refused;
  }
  if (settings.require_auth) {
    if (auto refused = check_credential(req, expected_token, clients, now)) {
      return *refused;
    }
  }
  if (auto refused = check_limits(req, clients, now)) {
    return *refused;
  }
  Decision d;
  d.holds_slot = true;
  return d;
}

} // namespace airelays::edge
