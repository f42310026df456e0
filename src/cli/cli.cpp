// Argument parsing and dispatch; the program's one try/catch (see cli.hpp).
#include "command.hpp"

#include <airelays/cli.hpp>
#include <airelays/http_client.hpp>

#include <cstdio>
#include <iostream>

namespace airelays::cli {

namespace {

constexpr Register k_commands[] = {
    register_init,   register_login,  register_logout, register_token,
    register_status, register_serve,  register_models, register_doctor,
    register_complete, register_unsupported, register_env, register_connect,
};

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_option("--config", g.config, "Config file (default ~/.config/airelays/config.toml)")
      ->type_name("PATH");
  app.add_option("--data-dir", g.data_dir, "State directory (default ~/.airelays)")
      ->type_name("DIR");
  app.add_option("--logs-dir", g.logs_dir, "Traffic log directory (default <data-dir>/logs)")
      ->type_name("DIR");
  app.add_option("--auth-storage", g.auth_storage, "Where the ChatGPT login is kept")
      ->check(CLI::IsMember({"auto", "keyring", "file"}));
  app.add_option("--bearer-token-file", g.bearer_token_file,
                 "Relay token file (default <data-dir>/relay-token)")
      ->type_name("PATH");
}

int usage_error(CLI::App& app, const CLI::ParseError& e) {
  std::cerr << "airelays: error: " << e.what() << "\n\n" << app.help() << std::flush;
  return static_cast<int>(ExitCode::usage);
}

} // namespace

paths::Flags GlobalOptions::flags() const {
  paths::Flags f;
  auto put = [&f](const char* key, const std::string& v) {
    if (!v.empty()) {
      f[key] = v;
    }
  };
  put("config", config);
  put("paths.data_dir", data_dir);
  put("paths.logs_dir", logs_dir);
  put("auth.storage", auth_storage);
  put("security.bearer_token_file", bearer_token_file);
  return f;
}

config::Config load_config(const GlobalOptions& globals) {
  config::Config cfg = require(paths::load_config(globals.flags()));
  for (const std::string& w : cfg.warnings) {
    std::cerr << "airelays: warning: " << w << "\n";
  }
  return cfg;
}

Action* Registry::parsed_action() {
  Action* found = nullptr;
  size_t best_depth = 0;
  for (auto& [sub, action] : m_actions) {
    if (!sub->parsed()) {
      continue;
    }
    size_t depth = 0;
    for (const CLI::App* p = sub; p != nullptr; p = p->get_parent()) {
      ++depth;
    }
    if (depth > best_depth) {
      best_depth = depth;
      found = &action;
    }
  }
  return found;
}

int run(int argc, char** argv) {
  http_client::global_init();
  CLI::App app{"airelays: a local OpenAI-compatible relay for your ChatGPT subscription",
               "airelays"};
  app.set_version_flag("-V,--version", "airelays " AIRELAYS_VERSION);
  app.footer("Exit codes: 0 ok, 1 failure, 2 usage error, 130 aborted.\n"
             "Docs: man airelays, or docs/ in the source tree.");
  app.require_subcommand(1);
  app.fallthrough(); // global options are also accepted after the subcommand
  GlobalOptions globals;
  add_global_options(app, globals);
  Registry registry(app, globals);
  for (Register r : k_commands) {
    r(registry);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      return app.exit(e);
    }
    return usage_error(app, e);
  }
  Action* action = registry.parsed_action();
  if (action == nullptr) {
    std::cerr << app.help();
    return static_cast<int>(ExitCode::usage);
  }
  try {
    return static_cast<int>((*action)());
  } catch (const CliError& e) {
    std::fflush(stdout);
    std::cerr << "airelays: error: " << e.error.message << std::endl;
    return static_cast<int>(e.error.exit_code);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "airelays: error: " << e.what() << std::endl;
    return static_cast<int>(ExitCode::failure);
  }
}

} // namespace airelays::cli
