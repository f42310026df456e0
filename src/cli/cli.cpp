// Argument parsing and dispatch; the program's one try/catch (see cli.hpp).
#include "command.hpp"

#include <airelays/cli.hpp>
#include <airelays/http_client.hpp>

#include <cstdio>
#include <iostream>

namespace airelays::cli {

namespace {

constexpr Register k_commands[] = {
    register_init,        register_login,  register_logout,  register_token,    register_status,
    register_serve,       register_models, register_doctor,  register_complete, register_man,
    register_unsupported, register_env,    register_connect,
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

const char* const k_globals_footer =
    "Global options (--config, --data-dir, --logs-dir, --auth-storage, --bearer-token-file) "
    "are accepted here too; see `airelays --help`.";

// Adds the global-options note to every visible subcommand's --help page, at any depth.
void add_globals_footer(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App* s) { return !s->get_group().empty(); })) {
    sub->footer(k_globals_footer);
    add_globals_footer(*sub);
  }
}

// True when `word` (an option, possibly `--name=value`) takes the next argument as its value.
bool takes_next_value(const CLI::App& app, const std::string& word) {
  if (word.find('=') != std::string::npos) {
    return false;
  }
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    if (const CLI::Option* o = a->get_option_no_throw(word)) {
      return o->get_expected_min() > 0;
    }
  }
  return false;
}

// app's subcommand called `name` (hidden ones included), or null.
CLI::App* subcommand_named(CLI::App& app, const std::string& name) {
  auto found = app.get_subcommands([&name](CLI::App* s) { return s->check_name(name); });
  return found.empty() ? nullptr : found.front();
}

// The names of app's visible subcommands, comma-separated.
std::string subcommand_names(const CLI::App& app) {
  std::string names;
  for (const CLI::App* s :
       app.get_subcommands([](const CLI::App* x) { return !x->get_group().empty(); })) {
    names += (names.empty() ? "" : ", ") + s->get_name();
  }
  return names;
}

// When a word stands where a subcommand is required and is none of them, the message that
// names it and lists the valid ones ("unknown command"); empty otherwise.
std::string unknown_subcommand(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;
  for (int i = 1; i < argc; ++i) {
    std::string w = argv[i];
    if (w == "--") {
      break;
    }
    if (w.size() > 1 && w[0] == '-') {
      i += takes_next_value(*at, w) ? 1 : 0;
      continue;
    }
    if (CLI::App* sub = subcommand_named(*at, w)) {
      at = sub;
      continue;
    }
    if (at->get_require_subcommand_min() == 0) {
      return {};
    }
    std::string scope = at == &app ? "command" : at->get_name() + " command";
    return "unknown " + scope + " \"" + w + "\"; valid " + scope + "s: " + subcommand_names(*at);
  }
  return {};
}

int usage_error(CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  std::string unknown = unknown_subcommand(app, argc, argv);
  std::cerr << "airelays: error: " << (unknown.empty() ? std::string(e.what()) : unknown) << "\n\n"
            << app.help() << std::flush;
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
  add_globals_footer(app);
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
    return usage_error(app, e, argc, argv);
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
