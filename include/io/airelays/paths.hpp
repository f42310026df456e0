// Where airelays keeps things (reference §2.3), and the one place that reads the process
// environment for settings: gathers config::Inputs and resolves the Config.
#pragma once

#include <airelays/config.hpp>
#include <airelays/error.hpp>

#include <map>
#include <string>

namespace airelays::paths {

// The files of one data directory.
struct Layout {
  std::string data_dir;
  std::string logs_dir;
  std::string token_file;        // relay token (config bearer_token_file)
  std::string auth_file;         // <data_dir>/auth.json
  std::string auth_lock;         // <data_dir>/auth.lock
  std::string login_state;       // <data_dir>/login-state.json
  std::string files_dir;         // <data_dir>/files
  std::string conversations_dir; // <data_dir>/conversations
  std::string runtime_file;      // <data_dir>/serve.json (pid, host, port of a running serve)
};

Layout layout(const config::Config& cfg);

// Global CLI options, by config key name ("paths.data_dir", ...), plus "config" for --config.
using Flags = std::map<std::string, std::string>;

// The process environment, by name.
using Env = std::map<std::string, std::string>;
Env environment();

// $XDG_CONFIG_HOME when set and absolute, else $HOME/.config.
std::string config_dir(const Env& env);

// The config file: --config > AIRELAYS_CONFIG > AIRELAY_CONFIG > OPENAI_ENDPOINT_CONFIG >
// <config_dir>/airelays/config.toml, or the legacy <config_dir>/airelay/config.toml when
// only that one exists. "~" is expanded.
std::string config_path(const Flags& flags, const Env& env);

// Reads the environment and the config file and resolves the settings.
Result<config::Config> load_config(const Flags& flags);
// The same with an explicit environment (tests).
Result<config::Config> load_config(const Flags& flags, const Env& env);

// Creates dir and its parents with mode 0700 (existing directories are left as they are).
Status ensure_private_dir(const std::string& dir);

} // namespace airelays::paths
