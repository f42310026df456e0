// Paths and the environment (see paths.hpp). Placeholder until the foundation lands.
#include <airelays/paths.hpp>

#include <cstdlib>

namespace airelays::paths {

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

Result<config::Config> load_config(const Flags& flags) {
  (void)flags;
  config::Inputs in;
  const char* home = std::getenv("HOME");
  in.home = home ? home : "";
  return config::resolve(in);
}

Status ensure_private_dir(const std::string& dir) {
  (void)dir;
  return ok_status();
}

} // namespace airelays::paths
