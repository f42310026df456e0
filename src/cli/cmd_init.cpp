// `airelays init [--force] [--no-auth] [--show-token] [--json]`: first-run setup (reference
// §1.3). Writes the config file with the effective settings of this run (only when missing,
// or with --force), creates the data directory (0700) and, when bearer auth is on and no
// token resolves, a relay token. The token is printed only when it was just created or
// --show-token is given. --force rewrites the config file; it never replaces an existing
// token (that is `airelays token rotate`). Safe to run every time: an existing config and
// token are kept, and the report says so.
#include "command.hpp"
#include "term.hpp"
#include "token_state.hpp"

#include <airelays/atomic_file.hpp>
#include <airelays/config_keys.hpp>
#include <airelays/relay_token.hpp>
#include <airelays/secret_modes.hpp>
#include <airelays/status_report.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

namespace airelays::cli {

namespace {

struct InitOptions {
  bool force = false;
  bool no_auth = false;
  bool show_token = false;
  bool json = false;
};

struct InitResult {
  config::Config cfg;
  bool config_created = false;
  TokenState token;
  bool token_created = false;
  std::optional<std::string> revealed;
};

InitResult perform(const GlobalOptions& globals, const InitOptions& o) {
  paths::Flags flags = globals.flags();
  if (o.no_auth) {
    flags["security.require_bearer_auth"] = "false";
    flags["security.auto_generate_bearer_token"] = "false";
  }
  InitResult r;
  r.cfg = require(paths::load_config(flags));
  for (const std::string& w : r.cfg.warnings) {
    std::cerr << "airelays: warning: " << w << "\n";
  }
  std::error_code ec;
  if (o.force || !std::filesystem::exists(r.cfg.config_path, ec)) {
    require(atomic_file::write(r.cfg.config_path, config::render_toml(r.cfg), 0600));
    r.config_created = true;
  }
  require(paths::ensure_private_dir(r.cfg.data_dir));
  r.token = resolve_token(r.cfg);
  if (r.cfg.require_bearer_auth && !r.token.token) {
    r.token.token = require(relay_token::rotate(r.cfg));
    r.token.source = "file";
    r.token_created = true;
  }
  if (r.token_created || o.show_token) {
    r.revealed = r.token.token;
  }
  for (const auto& line : secret_modes::repair(paths::layout(r.cfg))) {
    std::cerr << "airelays: " << line << "\n";
  }
  return r;
}

std::vector<std::string> next_steps(const config::Config& cfg) {
  std::vector<std::string> steps;
  if (cfg.openai_enabled) {
    steps.push_back(status_report::login_hint(term::looks_headless()));
  }
  steps.push_back(status_report::serve_command(cfg));
  return steps;
}

void print_json(const InitResult& r) {
  using nlohmann::ordered_json;
  term::print_json(
      {{"app_name", status_report::k_product},
       {"config_path", r.cfg.config_path},
       {"config_created", r.config_created},
       {"bearer_token_file", r.cfg.bearer_token_file},
       {"bearer_token_created", r.token_created},
       {"bearer_token_source", r.token.token ? ordered_json(r.token.source) : ordered_json()},
       {"relay_token", r.revealed ? ordered_json(*r.revealed) : ordered_json()},
       {"client", status_report::client_json(r.cfg, r.revealed)},
       {"next_steps", next_steps(r.cfg)}});
}

void print_text(const InitResult& r) {
  status_report::Printer p(term::stdout_color());
  p.title("Init");
  p.section("Relay");
  p.field("App", status_report::k_product);
  p.field("Config file", r.cfg.config_path + (r.config_created ? " (created)" : " (existing)"));
  if (r.cfg.require_bearer_auth) {
    p.field("Relay token", r.token_created ? "created" : "existing");
    p.field("Token source", r.token.source);
    p.field("Token file", r.cfg.bearer_token_file);
  } else {
    p.field("Bearer auth", "disabled");
  }
  p.field("Client base URL", status_report::base_url(r.cfg));
  p.client_setup(r.cfg, r.revealed);
  if (!r.config_created && !r.token_created) {
    p.line("Kept the existing config and relay token (nothing changed; `init --force` rewrites "
           "the config, `airelays token rotate` replaces the token).");
  }
  p.steps(next_steps(r.cfg));
  std::cout << p.text() << std::flush;
}

} // namespace

void register_init(Registry& r) {
  CLI::App* sub = r.app().add_subcommand(
      "init", "Write the config file and create the relay token (first-run setup)");
  auto o = std::make_shared<InitOptions>();
  sub->add_flag("--force", o->force, "Rewrite the config file even if it exists");
  sub->add_flag("--no-auth", o->no_auth,
                "Write require_bearer_auth = false (an open local relay) and create no token");
  sub->add_flag("--show-token", o->show_token, "Print the relay token even if it already existed");
  sub->add_flag("--json", o->json, "Print the result as JSON");
  r.bind(sub, [&r, o] {
    InitResult res = perform(r.globals(), *o);
    if (o->json) {
      print_json(res);
    } else {
      print_text(res);
    }
    return ExitCode::ok;
  });
}

} // namespace airelays::cli
