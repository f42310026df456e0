// The `status --json` document (see status_report.hpp). Field names and types follow
// reference §1.7 so scripts written for AIRelays keep working; the additions (auth.state,
// auth.login_required_reason, auth.access_token_expires_at, server.*) are DESIGN.md's.
// Every field is documented in docs/status-json.md.
#include <airelays/status_report.hpp>

#include <ctime>

namespace airelays::status_report {

using nlohmann::ordered_json;

namespace {

const char* k_keyring_service = "AIRelays Auth";
const char* k_api_key_note =
    "No relay token is required. If your client insists on an api_key value, any non-empty "
    "placeholder string is acceptable. Upstream ChatGPT login from `airelays login` is still "
    "required.";

ordered_json or_null(const std::string& s) { return s.empty() ? ordered_json() : ordered_json(s); }

template <typename T> ordered_json or_null(const std::optional<T>& v) {
  return v ? ordered_json(*v) : ordered_json();
}

ordered_json provider_settings(const config::Config& c) {
  ordered_json openai = {{"enabled", c.openai_enabled},
                         {"models_cache_ttl_seconds", c.models_cache_ttl_seconds},
                         {"balance", c.balance},
                         {"account_cooldown_seconds", c.account_cooldown_seconds},
                         {"retry_attempts", c.retry_attempts},
                         {"retry_backoff_seconds", c.retry_backoff_seconds},
                         {"extra_models", c.extra_models}};
  ordered_json claude = {{"enabled", false},
                         {"bin", "claude"},
                         {"timeout_seconds", 600.0},
                         {"max_concurrent_requests", 2},
                         {"strip_api_key_env", true},
                         {"models", ordered_json::array()},
                         {"oauth_token_source", "none"},
                         {"oauth_token_fingerprint", nullptr}};
  return {{"openai", openai}, {"claude", claude}};
}

ordered_json relay_json(const Data& d) {
  const config::Config& c = d.cfg;
  ordered_json relay = {{"app_name", k_product},
                        {"config_path", c.config_path},
                        {"config_exists", c.config_file_exists},
                        {"host", c.host},
                        {"port", c.port},
                        {"auth_storage_mode", c.storage},
                        {"data_dir", c.data_dir},
                        {"auth_file", d.auth_file},
                        {"logs_dir", c.logs_dir},
                        {"browser_open", c.browser_open},
                        {"require_bearer_auth", c.require_bearer_auth},
                        {"bearer_token_file", c.bearer_token_file},
                        {"bearer_token_present", d.token.present},
                        {"bearer_token_source", or_null(d.token.source)},
                        {"bearer_token_fingerprint", or_null(d.token.fingerprint)},
                        {"auto_generate_bearer_token", c.auto_generate_bearer_token}};
  relay.update(edge_limits(c));
  relay.update(ordered_json{{"trust_x_forwarded_for", c.trust_x_forwarded_for},
                            {"max_upload_bytes", c.max_upload_bytes},
                            {"max_total_upload_bytes", c.max_total_upload_bytes},
                            {"client_base_url", base_url(c)},
                            {"providers", provider_settings(c)},
                            {"upstream_base_url", c.base_url}});
  return relay;
}

ordered_json models_cache_json(const config::Config& c) {
  bool enabled = c.models_cache_ttl_seconds > 0;
  const char* state = !c.openai_enabled ? "provider_disabled" : enabled ? "empty" : "disabled";
  return {{"configured", true},
          {"enabled", enabled},
          {"ttl_seconds", c.models_cache_ttl_seconds},
          {"state", state},
          {"age_seconds", nullptr},
          {"expires_in_seconds", nullptr},
          {"cached_model_count", 0}};
}

bool ready(const Data& d) { return d.cfg.openai_enabled && d.login.state == "ready"; }

// auth.save_failure: null, or when and why a refreshed login could not be stored.
ordered_json save_failure_json(const LoginFacts& l) {
  if (!l.save_failed) {
    return nullptr;
  }
  return {{"since", or_null(l.save_failed_since)}, {"error", or_null(l.save_failed_error)}};
}

ordered_json auth_json(const Data& d) {
  const LoginFacts& l = d.login;
  bool stored = l.state != "signed_out";
  ordered_json a = {
      {"enabled", d.cfg.openai_enabled},
      {"models_cache", models_cache_json(d.cfg)},
      {"authenticated", stored},
      {"credentials_present", stored},
      {"account_bound", stored && !l.account_id.empty()},
      {"ready_for_requests", ready(d)},
      {"email", or_null(l.email)},
      {"plan_type", or_null(l.plan)},
      {"account_id", or_null(l.account_id)},
      {"bound_account_id", or_null(l.account_id)},
      {"last_refresh", l.last_refresh ? ordered_json(iso8601(*l.last_refresh)) : ordered_json()},
      {"auth_store_path", d.auth_file},
      {"keyring_service", k_keyring_service},
      {"storage_mode", d.cfg.storage},
      {"state", l.state},
      {"login_required_reason", or_null(l.login_required_reason)},
      {"access_token_expires_at", l.access_token_expires_at
                                      ? ordered_json(iso8601(*l.access_token_expires_at))
                                      : ordered_json()},
      {"stored_in", or_null(l.storage)},
      {"storage_problem", or_null(l.storage_problem)}};
  a["save_failure"] = save_failure_json(l);
  return a;
}

const char* k_storage_step =
    "The keyring does not answer: start a Secret Service (e.g. gnome-keyring-daemon in a D-Bus "
    "session), or keep the login in a file: `--auth-storage file` ([auth] storage = \"file\").";

ordered_json server_json(const ServerFacts& s) {
  return {{"answering", s.answering}, {"pid", or_null(s.pid)}, {"port", or_null(s.port)}};
}

} // namespace

ordered_json edge_limits(const config::Config& c) {
  return {{"rate_limit_per_minute", c.rate_limit_per_minute},
          {"rate_limit_burst", c.rate_limit_burst},
          {"concurrent_requests_per_ip", c.concurrent_requests_per_ip},
          {"failed_auth_window_seconds", c.failed_auth_window_seconds},
          {"failed_auth_max_attempts", c.failed_auth_max_attempts},
          {"failed_auth_block_seconds", c.failed_auth_block_seconds}};
}

std::vector<std::string> next_steps(const Data& d) {
  std::vector<std::string> steps;
  bool token_ready = !d.cfg.require_bearer_auth || d.token.present;
  if (!token_ready) {
    steps.push_back("airelays init");
  }
  if (d.cfg.openai_enabled && !d.login.storage_problem.empty()) {
    steps.push_back(k_storage_step);
  }
  if (d.cfg.openai_enabled && !ready(d)) {
    steps.push_back(login_hint(d.headless));
  }
  if (ready(d) && token_ready && !d.server.answering) {
    steps.push_back(serve_command(d.cfg));
  }
  return steps;
}

ordered_json to_json(const Data& d) {
  ordered_json auth = auth_json(d);
  ordered_json claude = {{"enabled", false},
                         {"ready_for_requests", false},
                         {"notes",
                          {"The Claude runtime is not part of airelays; [providers.claude] "
                           "settings are accepted and ignored."}}};
  return {{"relay", relay_json(d)},
          {"auth", auth},
          {"providers", {{"openai", auth}, {"claude", claude}}},
          {"client", client_json(d.cfg, std::nullopt)},
          {"next_steps", next_steps(d)},
          {"server", server_json(d.server)},
          {"usage_windows", d.usage ? ordered_json(*d.usage) : ordered_json()}};
}

std::string login_hint(bool headless) {
  return headless ? "airelays login --device" : "airelays login";
}

std::string serve_command(const config::Config& cfg) {
  return "airelays serve --host " + cfg.host + " --port " + std::to_string(cfg.port) +
         (cfg.require_bearer_auth ? "" : " --no-auth");
}

std::string base_url(const config::Config& cfg) {
  bool v6 = cfg.host.find(':') != std::string::npos && cfg.host.front() != '[';
  std::string host = v6 ? "[" + cfg.host + "]" : cfg.host;
  return "http://" + host + ":" + std::to_string(cfg.port) + "/v1";
}

std::string iso8601(long unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return buf;
}

ordered_json client_json(const config::Config& cfg, const std::optional<std::string>& token) {
  std::string base = base_url(cfg);
  ordered_json c = {{"base_url", base}, {"models_url", base + "/models"}};
  if (!cfg.require_bearer_auth) {
    c["requires_bearer_auth"] = false;
    c["api_key_note"] = k_api_key_note;
    return c;
  }
  c["requires_bearer_auth"] = true;
  c["authorization_header"] = "Authorization: Bearer <airelays token>";
  c["token_file"] = cfg.bearer_token_file;
  c["reveal_token_command"] = "airelays token show";
  c["rotate_token_command"] = "airelays token rotate";
  if (token) {
    c["relay_token"] = *token;
  }
  return c;
}

} // namespace airelays::status_report
