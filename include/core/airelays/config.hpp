// Settings of airelays: every key of AIRelays 0.12.1 (reference §2.2) plus the keys DESIGN.md
// adds, resolved as flags > environment > config file > defaults by one function driven by
// one key table. Pure: the environment, the file text and the flags are passed in.
#pragma once

#include <airelays/error.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace airelays::config {

struct Config {
  // [server]
  std::string host = "127.0.0.1";
  int port = 8080;
  int workers = 64;
  int64_t max_request_bytes = 41943040;
  bool allow_non_loopback = false;
  int max_json_depth = 128;
  int64_t max_request_bytes_in_flight = 268435456;
  int request_head_timeout_seconds = 10;
  int64_t max_request_head_bytes = 65536;
  int max_request_header_lines = 100;
  int max_connections = 2048;
  int max_connections_per_ip = 1024;
  int keep_alive_timeout_seconds = 5;
  // [paths] (absolute after resolution)
  std::string data_dir;
  std::string logs_dir;
  // [auth]
  std::string storage = "auto"; // auto | keyring | file
  bool browser_open = false;
  int login_timeout_seconds = 900;
  int callback_port = 1455;
  // [upstream]
  std::string base_url = "https://chatgpt.com/backend-api/codex";
  std::string issuer_base_url = "https://auth.openai.com";
  std::string client_id = "app_EMoamEEZ73f0CkXaXp7hrann";
  std::string client_version = "0.169.0";
  double request_timeout_seconds = 120.0;
  int connect_timeout_seconds = 10;
  int stream_idle_timeout_seconds = 300;
  int first_content_timeout_seconds = 300; // cap on the wait for a stream's first content
  // [security]
  bool require_bearer_auth = true;
  std::string bearer_token_file; // default <data_dir>/relay-token
  bool auto_generate_bearer_token = false;
  int rate_limit_per_minute = 120;
  int rate_limit_burst = 40;
  int concurrent_requests_per_ip = 50;
  int failed_auth_window_seconds = 300;
  int failed_auth_max_attempts = 8;
  int failed_auth_block_seconds = 900;
  bool trust_x_forwarded_for = false;
  int trusted_proxy_hops = 1; // proxies of yours that append to X-Forwarded-For
  std::vector<std::string> allowed_origins;
  std::vector<std::string> allowed_hosts;
  // [uploads]
  int64_t max_upload_bytes = 33554432;
  int64_t max_total_upload_bytes = 268435456;
  // [logging]
  bool stream_lines = false;
  bool log_content = false; // [logging] content
  int retention_days = 14;
  // [conversations]
  int max_stored_responses = 1000;
  // [providers.openai]
  bool openai_enabled = true;
  double models_cache_ttl_seconds = 300.0;
  std::string balance = "balanced";
  int account_cooldown_seconds = 300;
  int retry_attempts = 3;
  std::vector<double> retry_backoff_seconds = {5.0, 20.0, 60.0};
  std::vector<std::string> extra_models = {"gpt-5.6-sol", "gpt-5.6-terra"};
  // [messages]: the GPT models behind claude-* names on /v1/messages
  std::string messages_opus_model = "gpt-6-astra";
  std::string messages_sonnet_model = "gpt-6.1-sol";
  std::string messages_haiku_model = "gpt-6-luna";

  // Not a key: the relay token given in AIRELAYS_BEARER_TOKEN / AIRELAY_BEARER_TOKEN.
  std::optional<std::string> bearer_token_env;
  // Where the settings came from.
  std::string config_path; // the file consulted (may not exist)
  bool config_file_exists = false;
  // Unknown keys, values replaced by defaults, and (in one line) keys of features airelays
  // does not have: printed once on stderr by the CLI.
  std::vector<std::string> warnings;
};

// Everything resolution reads, gathered by the io layer (paths.cpp).
struct Inputs {
  std::map<std::string, std::string> env;   // the process environment
  std::map<std::string, std::string> flags; // CLI flags by key name ("server.port", ...)
  std::string home;                         // $HOME
  std::string cwd;                          // relative paths are made absolute against it
  std::string config_path;                  // resolved config file path
  std::optional<std::string> config_text;   // its contents, nullopt when missing
  bool legacy_data_dir_only = false;        // ~/.airelay exists and ~/.airelays does not
};

// Resolves the settings; an unparsable file or uncoercible value is an error naming the
// file, line and key.
Result<Config> resolve(const Inputs& inputs);

} // namespace airelays::config
