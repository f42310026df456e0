// Paths and the environment (see paths.hpp). This file and config.cpp are the only readers
// of settings from the environment: load_config gathers the variables, the config file's
// text and the legacy-install facts (singular ~/.config/airelay and ~/.airelay, reused when
// the plural ones are absent) into config::Inputs and lets the pure resolver decide.
#include <airelays/atomic_file.hpp>
#include <airelays/paths.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

namespace airelays::paths {

namespace fs = std::filesystem;

namespace {

bool exists(const std::string& p) {
  std::error_code ec;
  return !p.empty() && fs::exists(p, ec);
}

std::string get(const Env& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

std::string current_dir() {
  std::error_code ec;
  fs::path p = fs::current_path(ec);
  return ec ? std::string() : p.string();
}

std::string expand_user(const std::string& p, const std::string& home) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    return home + p.substr(1);
  }
  return p;
}

} // namespace

Env environment() {
  Env env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) {
      env.emplace(std::string(*e, static_cast<size_t>(eq - *e)), std::string(eq + 1));
    }
  }
  return env;
}

std::string config_dir(const Env& env) {
  std::string xdg = get(env, "XDG_CONFIG_HOME");
  if (!xdg.empty() && xdg.front() == '/') {
    return xdg;
  }
  return get(env, "HOME") + "/.config";
}

std::string config_path(const Flags& flags, const Env& env) {
  std::string home = get(env, "HOME");
  if (auto f = flags.find("config"); f != flags.end() && !f->second.empty()) {
    return expand_user(f->second, home);
  }
  for (const char* var : {"AIRELAYS_CONFIG", "AIRELAY_CONFIG", "OPENAI_ENDPOINT_CONFIG"}) {
    std::string v = get(env, var);
    if (!v.empty()) {
      return expand_user(v, home);
    }
  }
  std::string dir = config_dir(env);
  std::string plural = dir + "/airelays/config.toml";
  std::string legacy = dir + "/airelay/config.toml";
  return !exists(plural) && exists(legacy) ? legacy : plural;
}

Layout layout(const config::Config& cfg) {
  Layout l;
  l.data_dir = cfg.data_dir;
  l.logs_dir = cfg.logs_dir;
  l.token_file = cfg.bearer_token_file;
  l.auth_file = cfg.data_dir + "/auth.json";
  l.auth_lock = cfg.data_dir + "/auth.lock";
  l.login_state = cfg.data_dir + "/login-state.json";
  l.files_dir = cfg.data_dir + "/files";
  l.conversations_dir = cfg.data_dir + "/conversations";
  l.runtime_file = cfg.data_dir + "/serve.json";
  return l;
}

Result<config::Config> load_config(const Flags& flags, const Env& env) {
  config::Inputs in;
  in.env = env;
  in.home = get(env, "HOME");
  in.cwd = current_dir();
  for (const auto& [key, value] : flags) {
    if (key != "config") {
      in.flags[key] = value;
    }
  }
  in.config_path = config_path(flags, env);
  auto text = atomic_file::read(in.config_path);
  if (!text) {
    return make_error("cannot read config file " + in.config_path + ": " + text.error().message);
  }
  in.config_text = *text;
  in.legacy_data_dir_only = !exists(in.home + "/.airelays") && exists(in.home + "/.airelay");
  auto cfg = config::resolve(in);
  if (cfg && !cfg->config_path.empty() && cfg->config_path.front() != '/') {
    cfg->config_path = (fs::path(in.cwd) / cfg->config_path).lexically_normal().string();
  }
  return cfg;
}

Result<config::Config> load_config(const Flags& flags) { return load_config(flags, environment()); }

Status ensure_private_dir(const std::string& dir) {
  if (dir.empty()) {
    return ok_status();
  }
  std::error_code ec;
  if (fs::is_directory(dir, ec)) {
    return ok_status();
  }
  fs::path parent = fs::path(dir).parent_path();
  if (!parent.empty() && parent != fs::path(dir)) {
    Status up = ensure_private_dir(parent.string());
    if (!up) {
      return up;
    }
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error("cannot create directory " + dir + ": " + std::strerror(errno));
  }
  return ok_status();
}

} // namespace airelays::paths
