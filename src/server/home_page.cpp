// The HTML home page (see home_page.hpp).
#include "home_page.hpp"

#include <airelays/edge.hpp>
#include <airelays/relay_token.hpp>
#include <airelays/text.hpp>
#include <airelays/token_manager.hpp>

#include <sstream>

namespace airelays::server {

namespace {

const char* const k_style = R"(
body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem;margin-bottom:.2rem} .sub{color:#555;margin-top:0}
.chip{display:inline-block;padding:.15rem .6rem;margin:.15rem;border-radius:1rem;font-size:.85rem}
.ok{background:#dcf5dc;color:#145214} .warn{background:#fde8c8;color:#7a4300}
pre{background:#f4f4f4;padding:.8rem;overflow-x:auto;border-radius:.3rem}
code{font-family:ui-monospace,monospace} td{padding:.1rem 1rem .1rem 0}
)";

struct Chip {
  bool ok;
  std::string text;
};

std::string chip(const Chip& c) {
  return std::string("<span class=\"chip ") + (c.ok ? "ok" : "warn") + "\" data-ok=\"" +
         (c.ok ? "true" : "false") + "\">" + text::html_escape(c.text) + "</span>";
}

// The base URL as the browser reached us when that Host is one we answer, else the bound one.
std::string base_url(const Services& s, const http::Request& req) {
  std::string host = req.header("Host");
  if (host.empty()) {
    std::string h =
        s.config.host.find(':') != std::string::npos ? "[" + s.config.host + "]" : s.config.host;
    host = h + ":" + std::to_string(s.config.port);
  }
  return "http://" + host + "/v1";
}

std::string next_step(token_manager::LoginState login, bool token_ok) {
  if (!token_ok) {
    return "Create a relay token: <code>airelays init</code> (then restart <code>airelays "
           "serve</code>).";
  }
  if (login == token_manager::LoginState::ready) {
    return "Ready: point any OpenAI client at the base URL below.";
  }
  return "Sign in to ChatGPT: <code>airelays login</code> (or <code>airelays login "
         "--device</code> on a machine without a browser).";
}

} // namespace

std::string home_page(Services& s, const http::Request& req) {
  const auto& c = s.config;
  auto login = s.tokens ? s.tokens->summary().state : token_manager::LoginState::signed_out;
  auto token = relay_token::resolve(c);
  bool token_present = token && token->has_value();
  bool token_ok = !c.require_bearer_auth || token_present;
  std::string base = base_url(s, req);
  std::ostringstream h;
  h << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    << "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    << "<title>airelays " << AIRELAYS_VERSION << "</title><style>" << k_style
    << "</style></head><body>\n"
    << "<h1>airelays " << AIRELAYS_VERSION << "</h1>\n"
    << "<p class=\"sub\">An OpenAI-compatible endpoint over your ChatGPT subscription login.</p>\n"
    << "<p id=\"status\">"
    << chip({login == token_manager::LoginState::ready,
             "Upstream ChatGPT login " +
                 std::string(login == token_manager::LoginState::ready ? "ready"
                             : login == token_manager::LoginState::login_required
                                 ? "needs airelays login"
                                 : "missing")})
    << chip(c.require_bearer_auth ? Chip{token_present, std::string("Relay client token ") +
                                                            (token_present ? "ready" : "missing")}
                                  : Chip{true, "Relay auth disabled"})
    << "</p>\n<p id=\"next\"><b>Next:</b> " << next_step(login, token_ok) << "</p>\n"
    << "<h2>Client setup</h2>\n<p>Base URL: <code id=\"base-url\">" << text::html_escape(base)
    << "</code></p>\n<pre id=\"snippet\"><code>export OPENAI_BASE_URL=" << text::html_escape(base)
    << "\n";
  if (c.require_bearer_auth) {
    h << "export OPENAI_API_KEY=\"$(airelays token show --json | jq -r "
         ".relay_token)\"</code></pre>\n"
      << "<p>The relay token is shown by <code>airelays token show</code> (kept in <code>"
      << text::html_escape(c.bearer_token_file)
      << "</code>); send it as <code>Authorization: Bearer "
      << "&lt;token&gt;</code>. <code>airelays token rotate</code> issues a new one.</p>\n";
  } else {
    h << "export OPENAI_API_KEY=unused</code></pre>\n<p>Bearer auth is off: any key works.</p>\n";
  }
  h << "<h2>Limits</h2>\n<table>"
    << "<tr><td>Requests per minute per IP</td><td>" << c.rate_limit_per_minute << " (burst "
    << c.rate_limit_burst << ")</td></tr>"
    << "<tr><td>Concurrent requests per IP</td><td>" << c.concurrent_requests_per_ip << "</td></tr>"
    << "<tr><td>Bad tokens before a block</td><td>" << c.failed_auth_max_attempts << " in "
    << c.failed_auth_window_seconds << " s → blocked " << c.failed_auth_block_seconds
    << " s</td></tr></table>\n"
    << "<h2>Routes</h2>\n<p><code>POST /v1/responses</code>, <code>POST /v1/chat/completions"
    << "</code>, <code>POST /v1/completions</code>, <code>GET /v1/models</code>, <code>/v1/files"
    << "</code>, <code>/v1/conversations</code>, <code>GET /v1/relay/status</code>, <code>GET "
    << "/metrics</code>; the same under <code>/no-tools/v1/</code>. Public: <code>GET /healthz"
    << "</code>.</p>\n</body></html>\n";
  return h.str();
}

} // namespace airelays::server
