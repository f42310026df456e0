// `airelays env [--shell sh|fish]`: the variables an OpenAI SDK or the Codex CLI needs to use
// this relay, as shell code for `eval "$(airelays env)"` (fish: `airelays env --shell fish |
// source`): OPENAI_BASE_URL, OPENAI_API_KEY and CODEX_API_KEY (the variable the Codex CLI's
// built-in provider and `airelays connect codex`'s profile read). The README's earlier
// `$(airelays token show)` handed users a whole report instead of a key (issues 9, 16).
// The relay token is printed, as `token show` does: the output is meant for eval, not a log.
#include "command.hpp"
#include "token_state.hpp"

#include <airelays/status_report.hpp>

#include <iostream>
#include <memory>

namespace airelays::cli {

namespace {

// The key clients send when the relay does not check one (SDKs refuse an empty key).
constexpr const char* k_no_auth_key = "airelays-no-auth";

// 'value' for POSIX shells and fish alike: single quotes, an embedded ' closed and escaped.
std::string quoted(const std::string& v, bool fish) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'') {
      out += fish ? "\\'" : "'\\''";
    } else if (fish && c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  return out + "'";
}

ExitCode run_env(const GlobalOptions& globals, const std::string& shell) {
  config::Config cfg = load_config(globals);
  TokenState t = resolve_token(cfg);
  std::string key;
  if (!cfg.require_bearer_auth) {
    key = t.token.value_or(k_no_auth_key);
  } else if (t.token) {
    key = *t.token;
  } else {
    throw CliError{make_error("There is no relay token yet. Run `airelays init` first.")};
  }
  bool fish = shell == "fish";
  std::vector<std::pair<std::string, std::string>> vars = {
      {"OPENAI_BASE_URL", status_report::base_url(cfg)},
      {"OPENAI_API_KEY", key},
      {"CODEX_API_KEY", key}};
  for (const auto& [name, value] : vars) {
    std::cout << (fish ? "set -gx " + name + " " : "export " + name + "=") << quoted(value, fish)
              << (fish ? ";" : "") << "\n";
  }
  std::cout << std::flush;
  return ExitCode::ok;
}

} // namespace

void register_env(Registry& r) {
  CLI::App* sub = r.app().add_subcommand(
      "env",
      "Print OPENAI_BASE_URL, OPENAI_API_KEY and CODEX_API_KEY for eval \"$(airelays env)\"");
  auto shell = std::make_shared<std::string>("sh");
  sub->add_option("--shell", *shell, "Shell syntax: sh (bash, zsh, ...) or fish")
      ->check(CLI::IsMember({"sh", "bash", "zsh", "fish"}));
  r.bind(sub, [&r, shell] { return run_env(r.globals(), *shell); });
}

} // namespace airelays::cli
