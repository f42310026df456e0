// The configuration key table and the TOML writer that follows it (see config_keys.hpp).
// Adding a setting means adding a Config member and one row below; config.example.toml and
// docs/configuration.md must then list it too (a unit test compares them with this table).
#include <airelays/config_keys.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>

namespace airelays::config {

namespace {

// Env aliases of a key that AIRelays, AIRelay and the older openai-endpoint all read.
std::vector<std::string> three(const std::string& suffix) {
  return {"AIRELAYS_" + suffix, "AIRELAY_" + suffix, "OPENAI_ENDPOINT_" + suffix};
}
std::vector<std::string> two(const std::string& suffix) {
  return {"AIRELAYS_" + suffix, "AIRELAY_" + suffix};
}
std::vector<std::string> one(const std::string& suffix) { return {"AIRELAYS_" + suffix}; }

std::vector<Key> build_table() {
  using C = Config;
  const unsigned str = k_empty_is_default;
  const unsigned url = k_empty_is_default | k_strip_slash;
  const unsigned path = k_path | k_derived | k_empty_is_default;
  const unsigned no = k_unsupported;
  const unsigned secs = k_positive; // a timeout: 0 or less is refused, never "no timeout"
  return {
      {"server", "host", &C::host, three("HOST"), str, "Address serve listens on."},
      {"server", "port", &C::port, three("PORT"), k_port,
       "Port serve listens on (0 = any free port)."},
      {"server", "workers", &C::workers, one("WORKERS"), 0,
       "Worker threads serving requests (each stream holds one)."},
      {"server", "max_request_bytes", &C::max_request_bytes, one("MAX_REQUEST_BYTES"), 0,
       "Largest request body accepted; larger bodies get 413."},
      {"server", "allow_non_loopback", &C::allow_non_loopback, one("ALLOW_NON_LOOPBACK"), 0,
       "Allow serve to bind an address other than loopback."},
      {"server", "max_json_depth", &C::max_json_depth, one("MAX_JSON_DEPTH"), 0,
       "Deepest JSON nesting accepted in a request body; deeper gets 400 invalid_json."},
      {"server", "max_request_bytes_in_flight", &C::max_request_bytes_in_flight,
       one("MAX_REQUEST_BYTES_IN_FLIGHT"), 0,
       "Request body bytes held by all requests at once; past it 503 with Retry-After."},
      {"server", "request_head_timeout_seconds", &C::request_head_timeout_seconds,
       one("REQUEST_HEAD_TIMEOUT_SECONDS"), 0,
       "A request head (request line and headers) must arrive whole within this, or the connection "
       "is closed (408)."},
      {"server", "max_request_head_bytes", &C::max_request_head_bytes,
       one("MAX_REQUEST_HEAD_BYTES"), 0,
       "Largest request head accepted; a larger one gets 431 and the connection is closed."},
      {"server", "max_request_header_lines", &C::max_request_header_lines,
       one("MAX_REQUEST_HEADER_LINES"), 0,
       "Most header lines in one request; more get 431 and the connection is closed."},
      {"server", "max_connections", &C::max_connections, one("MAX_CONNECTIONS"), 0,
       "Open client connections in total (the oldest idle one is closed to make room)."},
      {"server", "max_connections_per_ip", &C::max_connections_per_ip,
       one("MAX_CONNECTIONS_PER_IP"), 0,
       "Open client connections from one IP (the oldest idle one is closed to make room)."},
      {"server", "keep_alive_timeout_seconds", &C::keep_alive_timeout_seconds,
       one("KEEP_ALIVE_TIMEOUT_SECONDS"), 0, "An idle keep-alive connection is closed after this."},
      {"paths", "data_dir", &C::data_dir, three("DATA_DIR"), path,
       "State directory (login record, relay token, files, logs). Default ~/.airelays."},
      {"paths", "logs_dir", &C::logs_dir, three("LOGS_DIR"), path,
       "Traffic log directory. Default <data_dir>/logs."},
      {"auth", "storage", &C::storage, three("AUTH_STORAGE"), str | k_lower,
       "Where the ChatGPT login is kept: auto, keyring or file."},
      {"auth", "browser_open", &C::browser_open, three("BROWSER_OPEN"), 0,
       "Whether `airelays login` launches a browser (the URL is always printed)."},
      {"auth", "login_timeout_seconds", &C::login_timeout_seconds, three("LOGIN_TIMEOUT_SECONDS"),
       secs, "How long `airelays login` waits for the sign-in to finish."},
      {"auth", "callback_port", &C::callback_port, one("CALLBACK_PORT"), k_port,
       "Loopback port of the browser login callback."},
      {"upstream", "base_url", &C::base_url, three("UPSTREAM_BASE_URL"), url,
       "ChatGPT backend the relay forwards to."},
      {"upstream", "issuer_base_url", &C::issuer_base_url, three("ISSUER_BASE_URL"), url,
       "OAuth issuer used for login and refresh."},
      {"upstream", "client_id", &C::client_id, three("CLIENT_ID"), str,
       "OAuth client id (the Codex CLI's)."},
      {"upstream", "client_version", &C::client_version, three("CLIENT_VERSION"), str,
       "Codex version sent upstream; the model list is filtered by it."},
      {"upstream", "request_timeout_seconds", &C::request_timeout_seconds,
       three("REQUEST_TIMEOUT_SECONDS"), secs,
       "The longest a non-streaming call may wait for the upstream's next byte."},
      {"upstream", "connect_timeout_seconds", &C::connect_timeout_seconds,
       one("CONNECT_TIMEOUT_SECONDS"), secs, "Timeout for connecting to the upstream."},
      {"upstream", "stream_idle_timeout_seconds", &C::stream_idle_timeout_seconds,
       one("STREAM_IDLE_TIMEOUT_SECONDS"), secs, "A stream silent this long is aborted."},
      {"upstream", "first_content_timeout_seconds", &C::first_content_timeout_seconds,
       one("FIRST_CONTENT_TIMEOUT_SECONDS"), secs,
       "The longest a request waits for the upstream's first content, retries included."},
      {"security", "require_bearer_auth", &C::require_bearer_auth, two("REQUIRE_BEARER_AUTH"), 0,
       "Require the relay token on /v1 routes (false = open local relay)."},
      {"security", "bearer_token_file", &C::bearer_token_file, two("BEARER_TOKEN_FILE"), path,
       "Relay token file. Default <data_dir>/relay-token."},
      {"security", "auto_generate_bearer_token", &C::auto_generate_bearer_token,
       two("AUTO_GENERATE_BEARER_TOKEN"), 0, "Create a relay token when serve starts without one."},
      {"security", "rate_limit_per_minute", &C::rate_limit_per_minute, two("RATE_LIMIT_PER_MINUTE"),
       0, "Requests per minute per client IP."},
      {"security", "rate_limit_burst", &C::rate_limit_burst, two("RATE_LIMIT_BURST"), 0,
       "Burst allowance on top of the per-minute rate."},
      {"security", "concurrent_requests_per_ip", &C::concurrent_requests_per_ip,
       two("CONCURRENT_REQUESTS_PER_IP"), 0, "Requests one IP may have in flight."},
      {"security", "failed_auth_window_seconds", &C::failed_auth_window_seconds,
       two("FAILED_AUTH_WINDOW_SECONDS"), 0, "Window in which bad tokens are counted."},
      {"security", "failed_auth_max_attempts", &C::failed_auth_max_attempts,
       two("FAILED_AUTH_MAX_ATTEMPTS"), 0, "Bad tokens within the window that block the IP."},
      {"security", "failed_auth_block_seconds", &C::failed_auth_block_seconds,
       two("FAILED_AUTH_BLOCK_SECONDS"), 0, "How long a blocked IP stays blocked."},
      {"security", "trust_x_forwarded_for", &C::trust_x_forwarded_for, two("TRUST_X_FORWARDED_FOR"),
       0, "Take the client IP from X-Forwarded-For (only behind a proxy you run)."},
      {"security", "allowed_origins", &C::allowed_origins, one("ALLOWED_ORIGINS"), 0,
       "Browser origins allowed to call the relay (comma-separated in the variable)."},
      {"security", "allowed_hosts", &C::allowed_hosts, one("ALLOWED_HOSTS"), 0,
       "Extra Host header names accepted (for LAN use with a non-loopback bind)."},
      {"security", "trusted_proxy_hops", &C::trusted_proxy_hops, one("TRUSTED_PROXY_HOPS"),
       k_positive,
       "With trust_x_forwarded_for: how many proxies of yours append to X-Forwarded-For."},
      {"uploads", "max_upload_bytes", &C::max_upload_bytes, two("MAX_UPLOAD_BYTES"), 0,
       "Largest single uploaded file."},
      {"uploads", "max_total_upload_bytes", &C::max_total_upload_bytes,
       two("MAX_TOTAL_UPLOAD_BYTES"), 0, "Total size of all stored uploads."},
      {"logging", "stream_lines", &C::stream_lines, one("LOG_STREAM_LINES"), 0,
       "Log each streamed event line (only with content = true)."},
      {"logging", "content", &C::log_content, one("LOG_CONTENT"), 0,
       "Write request and response contents to the traffic log."},
      {"logging", "retention_days", &C::retention_days, one("LOG_RETENTION_DAYS"), 0,
       "Traffic logs older than this are deleted."},
      {"conversations", "max_stored_responses", &C::max_stored_responses,
       one("MAX_STORED_RESPONSES"), 0,
       "Stored responses kept for previous_response_id (oldest dropped)."},
      {"providers.openai", "enabled", &C::openai_enabled, two("ENABLE_OPENAI"), 0,
       "Serve the OpenAI-compatible routes (false, as in AIRelays: /v1/models lists no model, "
       "generations answer 422 unknown model, files, conversations and subscription status answer "
       "501)."},
      {"providers.openai",
       "models_cache_ttl_seconds",
       &C::models_cache_ttl_seconds,
       {"AIRELAYS_MODELS_CACHE_TTL_SECONDS", "AIRELAYS_OPENAI_MODELS_CACHE_TTL_SECONDS",
        "AIRELAY_MODELS_CACHE_TTL_SECONDS", "AIRELAY_OPENAI_MODELS_CACHE_TTL_SECONDS"},
       0,
       "How long the upstream model list is cached (0 disables the cache)."},
      {"providers.openai", "balance", &C::balance, one("OPENAI_BALANCE"), no,
       "Multi-account balancing (not supported)."},
      {"providers.openai", "account_cooldown_seconds", &C::account_cooldown_seconds,
       one("OPENAI_ACCOUNT_COOLDOWN_SECONDS"), no, "Multi-account cooldown (not supported)."},
      {"providers.openai", "retry_attempts", &C::retry_attempts, one("OPENAI_RETRY_ATTEMPTS"),
       k_clamp_nonneg, "Retries of an upstream call that failed before its first byte."},
      {"providers.openai", "retry_backoff_seconds", &C::retry_backoff_seconds,
       one("OPENAI_RETRY_BACKOFF_SECONDS"), 0,
       "Waits between those retries (comma-separated in the variable)."},
      {"providers.openai", "extra_models", &C::extra_models, one("OPENAI_EXTRA_MODELS"), 0,
       "Model ids listed in /v1/models besides the upstream's."},
      {"messages", "opus_model", &C::messages_opus_model, one("MESSAGES_OPUS_MODEL"), str,
       "GPT model that /v1/messages runs for claude-*opus* names."},
      {"messages", "sonnet_model", &C::messages_sonnet_model, one("MESSAGES_SONNET_MODEL"), str,
       "GPT model for claude-*sonnet* names and any other claude-* name."},
      {"messages", "haiku_model", &C::messages_haiku_model, one("MESSAGES_HAIKU_MODEL"), str,
       "GPT model for claude-*haiku* names."},
      {"providers.claude",
       "enabled",
       {},
       {"AIRELAYS_ENABLE_CLAUDE", "AIRELAYS_ENABLE_CLAUDE_EXPERIMENTAL",
        "AIRELAY_ENABLE_CLAUDE_EXPERIMENTAL"},
       no,
       "Claude runtime (not supported)."},
      {"providers.claude",
       "oauth_token_file",
       {},
       one("CLAUDE_OAUTH_TOKEN_FILE"),
       no,
       "Claude runtime (not supported)."},
      {"providers.claude", "bin", {}, two("CLAUDE_BIN"), no, "Claude runtime (not supported)."},
      {"providers.claude",
       "timeout_seconds",
       {},
       two("CLAUDE_TIMEOUT_SECONDS"),
       no,
       "Claude runtime (not supported)."},
      {"providers.claude",
       "max_concurrent_requests",
       {},
       two("CLAUDE_MAX_CONCURRENT_REQUESTS"),
       no,
       "Claude runtime (not supported)."},
      {"providers.claude",
       "strip_api_key_env",
       {},
       two("CLAUDE_STRIP_API_KEY_ENV"),
       no,
       "Claude runtime (not supported)."},
      {"providers.claude",
       "models",
       {},
       two("CLAUDE_MODELS"),
       no,
       "Claude runtime (not supported)."},
      {"paths", "codex_home", {}, {}, no, "Ignored, as in AIRelays."},
  };
}

std::string format_number(double v) {
  if (std::isnan(v)) {
    return "nan";
  }
  if (std::isinf(v)) {
    return v > 0 ? "inf" : "-inf";
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".e") == std::string::npos) {
    s += ".0";
  }
  return s;
}

template <typename T> std::string join_array(const std::vector<T>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += ", ";
    }
    if constexpr (std::is_same_v<T, std::string>) {
      out += toml_quote(items[i]);
    } else {
      out += format_number(items[i]);
    }
  }
  return out + "]";
}

struct ValueText {
  const Config& cfg;
  std::string operator()(std::monostate) const { return {}; }
  std::string operator()(std::string Config::*m) const { return toml_quote(cfg.*m); }
  std::string operator()(int Config::*m) const { return std::to_string(cfg.*m); }
  std::string operator()(int64_t Config::*m) const { return std::to_string(cfg.*m); }
  std::string operator()(bool Config::*m) const { return cfg.*m ? "true" : "false"; }
  std::string operator()(double Config::*m) const { return format_number(cfg.*m); }
  std::string operator()(std::vector<std::string> Config::*m) const { return join_array(cfg.*m); }
  std::string operator()(std::vector<double> Config::*m) const { return join_array(cfg.*m); }
};

} // namespace

Kind Key::kind() const {
  static constexpr Kind k_kinds[] = {Kind::none,        Kind::string,     Kind::integer,
                                     Kind::integer64,   Kind::boolean,    Kind::number,
                                     Kind::string_list, Kind::number_list};
  return k_kinds[member.index()];
}

const std::vector<Key>& keys() {
  static const std::vector<Key> k_table = build_table();
  return k_table;
}

const Key* find_key(std::string_view section, std::string_view name) {
  for (const Key& k : keys()) {
    if (k.section == section && k.name == name) {
      return &k;
    }
  }
  return nullptr;
}

bool is_known_section(std::string_view section) {
  for (const Key& k : keys()) {
    if (k.section == section) {
      return true;
    }
  }
  return section == "providers";
}

bool is_unsupported_section(std::string_view section) { return section == "providers.claude"; }

std::string toml_value(const Config& cfg, const Key& key) {
  return std::visit(ValueText{cfg}, key.member);
}

std::string toml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string render_toml(const Config& cfg) {
  std::string out;
  std::string section;
  for (const Key& k : keys()) {
    if (k.has(k_unsupported)) {
      continue;
    }
    if (k.section != section) {
      out += (section.empty() ? "[" : "\n[") + k.section + "]\n";
      section = k.section;
    }
    out += k.name + " = " + toml_value(cfg, k) + "\n";
  }
  return out;
}

} // namespace airelays::config
