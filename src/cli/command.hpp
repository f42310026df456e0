// How subcommands plug into the CLI (private to the cli layer). Each subcommand lives in its
// own cmd_<name>.cpp with a register function listed in cli.cpp's k_commands table; the
// register function adds its CLI11 subcommand and binds the action that runs when it is the
// one parsed.
#pragma once

#include <airelays/config.hpp>
#include <airelays/error.hpp>
#include <airelays/paths.hpp>

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace airelays::cli {

// Options accepted before or after any subcommand.
struct GlobalOptions {
  std::string config;
  std::string data_dir;
  std::string logs_dir;
  std::string auth_storage;
  std::string bearer_token_file;

  // The global options as config flags (paths::Flags), for paths::load_config.
  paths::Flags flags() const;
};

using Action = std::function<ExitCode()>;

class Registry {
public:
  explicit Registry(CLI::App& app, GlobalOptions& globals) : m_app(app), m_globals(globals) {}
  CLI::App& app() { return m_app; }
  const GlobalOptions& globals() const { return m_globals; }
  // Binds the action run when `sub` (a subcommand at any depth) is the innermost one parsed.
  void bind(CLI::App* sub, Action action) { m_actions.push_back({sub, std::move(action)}); }
  // The action of the innermost parsed subcommand, or null.
  Action* parsed_action();

private:
  CLI::App& m_app;
  GlobalOptions& m_globals;
  std::vector<std::pair<CLI::App*, Action>> m_actions;
};

// Loads the configuration from the global options, or throws CliError.
config::Config load_config(const GlobalOptions& globals);

// An error that ends the command: printed once as "airelays: error: <message>".
struct CliError {
  Error error;
};

// Returns the value or throws CliError.
template <typename T> T require(Result<T> r) {
  if (!r) {
    throw CliError{r.error()};
  }
  return std::move(r).value();
}

using Register = void (*)(Registry&);
void register_init(Registry&);
void register_token(Registry&);
void register_status(Registry&);
void register_login(Registry&);
void register_logout(Registry&);
void register_serve(Registry&);
void register_models(Registry&);
void register_doctor(Registry&);
void register_complete(Registry&);
void register_man(Registry&);         // hidden: the man page's ENVIRONMENT and FILES
void register_unsupported(Registry&); // accounts, claude: accepted, answered "not supported"
void register_env(Registry&);
void register_connect(Registry&);

} // namespace airelays::cli
