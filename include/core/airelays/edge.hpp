// The relay's edge: the decision taken for every request before its body is read, over the
// request's metadata only (DESIGN.md "Edge order" and item 14, issues 4 and 14):
//   1. Host must be a loopback name/address, the bound address or in allowed_hosts → 403
//      (DNS rebinding);
//   2. a browser Origin must be in allowed_origins → 403 (no wildcard CORS);
//   2a. a WebSocket upgrade on /v1/responses → 426 (issue 16: the Codex CLI's built-in provider
//       tries the Responses WebSocket transport first and falls back to HTTPS at once on a 426;
//       answered before the limits and the token so the probe never spends the bad-token budget);
//   3. a browser request whose fetch metadata says cross-site or same-site (Sec-Fetch-Site)
//      without an allowed Origin → 403, before authentication and never counted; only a
//      top-level navigation to a public page passes (a link to the home page);
// and, for protected paths (/v1/..., /no-tools/v1/..., /metrics):
//   4. the credential (the bearer token, or the x-api-key header when no bearer is sent;
//      constant time): none → 401 (never counted); wrong → 429 with Retry-After while the
//      IP is blocked, else 401 counted toward the block; right → served even from a blocked
//      IP, so a web page or another local program cannot lock the user out;
//   5. for the right token (or --no-auth): the per-IP token bucket → 429; the per-IP
//      concurrency cap → 429.
// Pure: the expected token and `now` are passed in; the only state is the Clients table.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/rate_limit.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airelays::edge {

struct Settings {
  std::string bound_host;                 // the address serve listens on
  std::vector<std::string> allowed_hosts; // extra Host names ([security] allowed_hosts)
  std::vector<std::string> allowed_origins;
  bool require_auth = true;
};

struct RequestMeta {
  std::string path;
  std::optional<std::string> host;           // Host header
  std::optional<std::string> origin;         // Origin header
  std::optional<std::string> authorization;  // Authorization header
  std::string method;                        // request method ("GET", ...)
  std::optional<std::string> upgrade;        // Upgrade header
  std::optional<std::string> api_key;        // x-api-key header (Anthropic clients)
  std::optional<std::string> sec_fetch_site; // Sec-Fetch-Site header (browsers only)
  std::optional<std::string> sec_fetch_mode; // Sec-Fetch-Mode header (browsers only)
  std::string client_ip;
};

struct Decision {
  std::optional<api_error::ApiError> error; // set when the request is refused
  bool holds_slot = false;    // admitted on a protected path: call Clients::release when done
  std::string reason;         // why it was refused: host_not_allowed, cross_site_request, ...
  bool started_block = false; // this 401 (a wrong credential) started a block of the IP
};

// True for paths behind the rate limits and the bearer token: /v1..., /no-tools/v1...,
// /metrics..., judged by path segments the way the router matches them (empty segments
// ignored), so "//v1/models" is protected like "/v1/models".
bool is_protected(std::string_view path);

// True for "GET /v1/responses" (or /no-tools/v1/responses) asking `Upgrade: websocket`.
bool is_responses_websocket(const RequestMeta& req);

// The host part of a Host header ("[::1]:8080" → "::1", "Example.COM:80" → "example.com").
std::string host_name(std::string_view host_header);

// True for localhost names and loopback addresses (127.0.0.0/8, ::1).
bool is_loopback(std::string_view host);

// The token of an "Authorization: Bearer <token>" header (scheme case-insensitive, trimmed);
// nullopt when missing, another scheme or empty.
std::optional<std::string> bearer_token(std::string_view authorization);

// Compares a presented token with the expected one in time independent of their contents.
bool token_matches(std::string_view presented, std::string_view expected);

// Runs the edge rules in order. `expected_token` is the relay token (nullopt: none
// configured, so every protected request fails auth while auth is required).
Decision decide(const Settings& settings, const RequestMeta& req,
                const std::optional<std::string>& expected_token, rate_limit::Clients& clients,
                double now);

} // namespace airelays::edge
