// Route group "public": what the relay says about itself. GET / (a small self-contained HTML
// page: version, login state, the client setup snippet — never the token), GET /healthz (the
// liveness probe), GET /v1/relay/status (protected: uptime, counters, limits, the caller's own
// limiter state, login and model-cache state), GET /metrics (protected: Prometheus text),
// and the 501 answers for OpenAI routes the subscription backend does not offer (reference
// §4.1, §8.2-8.4; issue 4).
#include "home_page.hpp"
#include "routes.hpp"

#include <airelays/rate_limit.hpp>
#include <airelays/status_report.hpp>
#include <airelays/token_manager.hpp>
#include <airelays/upstream.hpp>

#include <chrono>
#include <cmath>

namespace airelays::server {

namespace {

using nlohmann::json;

// OpenAI API families the relay does not serve: every method, every depth below them.
const char* const k_unsupported[] = {
    "embeddings",    "images",     "audio",   "realtime",   "moderations",
    "fine_tuning",   "fine-tunes", "batches", "assistants", "threads",
    "vector_stores", "uploads",    "evals",
};
constexpr size_t k_unsupported_depth = 5; // /v1/threads/{a}/runs/{b}/steps

double uptime_seconds(const Services& s) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - s.started).count();
}

json login_json(Services& s) {
  token_manager::Summary sum = s.tokens ? s.tokens->summary() : token_manager::Summary{};
  json out = {{"state", token_manager::to_string(sum.state)},
              {"ready", sum.state == token_manager::LoginState::ready},
              {"storage", sum.storage},
              {"email", sum.email},
              {"plan", sum.plan}};
  out["access_token_expires_at"] =
      sum.access_token_expires_at ? json(*sum.access_token_expires_at) : json(nullptr);
  if (sum.state == token_manager::LoginState::login_required) {
    out["login_required_reason"] = sum.login_required_reason;
  }
  return out;
}

json security_json(Services& s, const std::string& client_ip) {
  const auto& c = s.config;
  double now = s.clock.monotonic_seconds();
  json out = {{"protected_routes", {"/v1/*", "/no-tools/v1/*", "/metrics"}},
              {"require_bearer_auth", c.require_bearer_auth},
              {"allowed_hosts", c.allowed_hosts},
              {"allowed_origins", c.allowed_origins}};
  out.update(json(status_report::edge_limits(c)));
  if (s.clients) {
    auto totals = s.clients->totals(now);
    auto view = s.clients->view(client_ip, now);
    out["tracked_clients"] = totals.tracked;
    out["blocked_clients"] = totals.blocked;
    out["active_clients"] = totals.active;
    out["client"] = {{"ip", client_ip},
                     {"allowance_remaining", view.allowance_remaining},
                     {"active_requests", view.active_requests},
                     {"failed_auth_attempts", view.failed_auth_attempts},
                     {"blocked_for_seconds", view.blocked_for_seconds}};
  }
  return out;
}

json models_cache_json(const Services& s) {
  // Recorded by the model routes as gauges; absent until the catalog was first fetched.
  double cached = s.metrics.value("airelays_upstream_models_cached");
  return {{"state", cached > 0 ? "cached" : "empty"},
          {"models", static_cast<long>(s.metrics.value("airelays_upstream_models_cache_models"))}};
}

http::Response relay_status(Services& s, const http::Request& req) {
  json body = {
      {"object", "relay.status"},
      {"app_name", status_report::k_product},
      {"version", AIRELAYS_VERSION},
      {"uptime_seconds", std::round(uptime_seconds(s) * 10.0) / 10.0},
      {"requests_total", static_cast<long>(s.metrics.value("airelays_relay_requests_total"))},
      {"in_flight", static_cast<long>(s.metrics.value("airelays_http_requests_in_flight"))},
      {"stopping", s.stopping.load()},
      {"login", login_json(s)},
      {"security", security_json(s, req.client_ip)},
      {"upstream", {{"base_url", s.config.base_url}, {"models_cache", models_cache_json(s)}}},
      {"logging",
       {{"dir", s.config.logs_dir},
        {"content", s.config.log_content},
        {"retention_days", s.config.retention_days}}},
  };
  auto usage = s.upstream ? s.upstream->latest_usage() : std::nullopt;
  body["usage_windows"] = usage ? usage_windows::to_json(*usage) : json();
  return http::json(200, body);
}

http::Response metrics_text(Services& s) {
  double now = s.clock.monotonic_seconds();
  if (s.clients) {
    auto totals = s.clients->totals(now);
    s.metrics.set("airelays_blocked_clients", {}, static_cast<double>(totals.blocked));
    s.metrics.set("airelays_tracked_clients", {}, static_cast<double>(totals.tracked));
  }
  s.metrics.set("airelays_uptime_seconds", {}, uptime_seconds(s));
  http::Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = s.metrics.render();
  return r;
}

// One subtree route per method (78 in all, where a pattern per depth made 468 and 140 KiB of
// a relay's heap).
void add_unsupported(Router& r, const std::string& prefix, const std::string& family) {
  Handler answer = [](http::Request& req) { return http::error(api_error::unsupported(req.path)); };
  for (const char* method : {"GET", "POST", "DELETE"}) {
    r.add_subtree(method, prefix + "/" + family, k_unsupported_depth, answer);
  }
}

} // namespace

void register_public_routes(Router& r, Services& s) {
  r.add("GET", "/", [&s](http::Request& req) {
    http::Response res;
    res.content_type = "text/html; charset=utf-8";
    res.body = home_page(s, req);
    return res;
  });
  r.add("GET", "/healthz", [](http::Request&) {
    return http::json(
        200, {{"ok", true}, {"app_name", status_report::k_product}, {"version", AIRELAYS_VERSION}});
  });
  r.add("GET", "/v1/relay/status", [&s](http::Request& req) { return relay_status(s, req); });
  r.add("GET", "/metrics", [&s](http::Request&) { return metrics_text(s); });
  for (const char* prefix : {"/v1", "/no-tools/v1"}) {
    for (const char* family : k_unsupported) {
      add_unsupported(r, prefix, family);
    }
  }
}

} // namespace airelays::server
