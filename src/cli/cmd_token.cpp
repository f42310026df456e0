// `airelays token show|rotate [--json|--raw]`: reveal the relay token clients send, or replace
// it (reference §1.6). `show` never changes anything; without a token it says how to get one
// and exits 1, so `token show || init` works in scripts. `--raw` prints the bare token and a
// newline, for `export OPENAI_API_KEY=$(airelays token show --raw)`. `rotate`
// writes a new token atomically (0600) and works even with bearer auth disabled. A running
// relay reads the token file per request, so a rotation takes effect at once — unless
// AIRELAYS_BEARER_TOKEN is set, which always wins (we say so).
#include "command.hpp"
#include "term.hpp"
#include "token_state.hpp"

#include <airelays/relay_token.hpp>
#include <airelays/secret_modes.hpp>
#include <airelays/status_report.hpp>

#include <iostream>
#include <memory>

namespace airelays::cli {

namespace {

using status_report::Printer;

nlohmann::ordered_json null_or(const std::optional<std::string>& s) {
  return s ? nlohmann::ordered_json(*s) : nlohmann::ordered_json();
}

enum class Form { report, json, raw };

struct TokenOptions {
  bool json = false;
  bool raw = false;
  Form form() const { return raw ? Form::raw : json ? Form::json : Form::report; }
};

// Adds --json and --raw (mutually exclusive) to a token subcommand.
void add_form_flags(CLI::App* cmd, TokenOptions& o) {
  CLI::Option* json = cmd->add_flag("--json", o.json, "Print as JSON");
  cmd->add_flag("--raw", o.raw, "Print only the token and a newline (for scripts)")->excludes(json);
}

ExitCode show(const GlobalOptions& globals, Form form) {
  config::Config cfg = load_config(globals);
  TokenState t = resolve_token(cfg);
  ExitCode code = t.token ? ExitCode::ok : ExitCode::failure;
  if (form == Form::raw) {
    if (!t.token) {
      std::cerr << "airelays: error: no relay token is configured; run `airelays init` or "
                   "`airelays token rotate`\n";
    } else {
      std::cout << *t.token << "\n" << std::flush;
    }
    return code;
  }
  bool json = form == Form::json;
  std::vector<std::string> steps;
  if (cfg.require_bearer_auth && !t.token) {
    steps = {"airelays init", "airelays token rotate"};
  }
  if (json) {
    term::print_json({{"bearer_token_present", t.token.has_value()},
                      {"bearer_token_file", cfg.bearer_token_file},
                      {"bearer_token_source",
                       t.token ? nlohmann::ordered_json(t.source) : nlohmann::ordered_json()},
                      {"relay_token", null_or(t.token)},
                      {"client", status_report::client_json(cfg, t.token)},
                      {"next_steps", steps}});
    return code;
  }
  Printer p(term::stdout_color());
  p.title("Token");
  p.section("Relay");
  if (!cfg.require_bearer_auth) {
    p.field("Relay token", t.token ? "present (not required)" : "not required");
  } else {
    p.field("Relay token", t.token ? "present" : "missing",
            t.token ? Printer::Tone::good : Printer::Tone::bad);
  }
  p.field("Token source", t.source);
  p.field("Token file", cfg.bearer_token_file);
  p.client_setup(cfg, t.token);
  p.steps(steps);
  std::cout << p.text() << std::flush;
  return code;
}

ExitCode rotate(const GlobalOptions& globals, Form form) {
  config::Config cfg = load_config(globals);
  require(paths::ensure_private_dir(cfg.data_dir));
  require(paths::ensure_private_dir(cfg.logs_dir));
  std::string token = require(relay_token::rotate(cfg));
  for (const auto& line : secret_modes::repair(paths::layout(cfg))) {
    std::cerr << "airelays: " << line << "\n";
  }
  bool env_wins = cfg.bearer_token_env && !cfg.bearer_token_env->empty();
  if (env_wins) {
    std::cerr << "airelays: warning: AIRELAYS_BEARER_TOKEN is set and still overrides the "
                 "token file; clients must keep using that value until it is unset\n";
  }
  if (form == Form::raw) {
    std::cout << token << "\n" << std::flush;
    return ExitCode::ok;
  }
  if (form == Form::json) {
    term::print_json({{"bearer_token_file", cfg.bearer_token_file},
                      {"bearer_token_source", "file"},
                      {"relay_token", token},
                      {"client", status_report::client_json(cfg, token)}});
    return ExitCode::ok;
  }
  Printer p(term::stdout_color());
  p.title("Token Rotation");
  p.section("Relay");
  p.field("Token file", cfg.bearer_token_file);
  p.field("Token source", "file");
  p.client_setup(cfg, token);
  p.steps({"Update any clients that still use the old relay token."});
  std::cout << p.text() << std::flush;
  return ExitCode::ok;
}

} // namespace

void register_token(Registry& r) {
  CLI::App* token = r.app().add_subcommand("token", "Show or rotate the relay token clients send");
  token->require_subcommand(1);
  CLI::App* show_cmd = token->add_subcommand("show", "Print the relay token (changes nothing)");
  auto show_opts = std::make_shared<TokenOptions>();
  add_form_flags(show_cmd, *show_opts);
  r.bind(show_cmd, [&r, show_opts] { return show(r.globals(), show_opts->form()); });
  CLI::App* rotate_cmd =
      token->add_subcommand("rotate", "Replace the relay token with a new random one");
  auto rotate_opts = std::make_shared<TokenOptions>();
  add_form_flags(rotate_cmd, *rotate_opts);
  r.bind(rotate_cmd, [&r, rotate_opts] { return rotate(r.globals(), rotate_opts->form()); });
}

} // namespace airelays::cli
