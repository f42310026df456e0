// `airelays connect codex [--write]`: the Codex CLI configuration that points Codex at this
// relay (codex_config.hpp): printed, or with --write added to $CODEX_HOME/config.toml
// (~/.codex/config.toml) without touching the rest of the file (the previous file kept as
// config.toml.bak), plus the profile file airelays.config.toml when there is none. The key is not
// written: Codex reads it from CODEX_API_KEY, which `eval "$(airelays env)"` sets (issue 16).
#include "command.hpp"

#include <airelays/atomic_file.hpp>
#include <airelays/codex_config.hpp>
#include <airelays/status_report.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sys/stat.h>

namespace airelays::cli {

namespace {

std::string codex_home() {
  const char* ch = std::getenv("CODEX_HOME");
  if (ch != nullptr && *ch != '\0') {
    return ch;
  }
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') {
    throw CliError{make_error("Neither CODEX_HOME nor HOME is set: cannot find Codex's config.")};
  }
  return std::string(home) + "/.codex";
}

unsigned file_mode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0600;
}

// <CODEX_HOME>/airelays.config.toml, unless the user already has one.
void write_profile() {
  std::string path = codex_home() + "/airelays.config.toml";
  if (require(atomic_file::read(path))) {
    std::cout << "Kept the existing profile " << path << "\n";
    return;
  }
  require(atomic_file::write(path, codex_config::profile(), 0600));
  std::cout << "Wrote the profile " << path << "\n";
}

ExitCode write_config(const std::string& block) {
  std::string path = codex_home() + "/config.toml";
  auto old = require(atomic_file::read(path));
  std::string merged = require(codex_config::merged(old.value_or(""), block));
  unsigned mode = file_mode(path);
  if (old) {
    if (*old == merged) {
      std::cout << "Codex config already up to date: " << path << "\n";
      write_profile();
      return ExitCode::ok;
    }
    require(atomic_file::write(path + ".bak", *old, mode));
  }
  require(atomic_file::write(path, merged, mode));
  std::cout << "Added the airelays provider to " << path << "\n";
  if (old) {
    std::cout << "Previous file kept as " << path << ".bak\n";
  }
  write_profile();
  std::cout << "Next: eval \"$(airelays env)\" && codex --profile airelays\n";
  return ExitCode::ok;
}

ExitCode run_connect_codex(const GlobalOptions& globals, bool write) {
  config::Config cfg = load_config(globals);
  std::string block = codex_config::block(status_report::base_url(cfg));
  if (write) {
    return write_config(block);
  }
  std::cout << "# Add to " << codex_home()
            << "/config.toml (or run `airelays connect codex "
               "--write`):\n"
            << block << "\n# and to " << codex_home() << "/airelays.config.toml (the profile):\n"
            << codex_config::profile()
            << "\n# then: eval \"$(airelays env)\" && codex --profile airelays\n"
            << std::flush;
  return ExitCode::ok;
}

} // namespace

void register_connect(Registry& r) {
  CLI::App* sub = r.app().add_subcommand("connect", "Configure a client to use this relay");
  sub->require_subcommand(1);
  CLI::App* codex = sub->add_subcommand(
      "codex", "Print the Codex CLI provider/profile block for this relay (--write adds it)");
  auto write = std::make_shared<bool>(false);
  codex->add_flag("--write", *write,
                  "Add it to $CODEX_HOME/config.toml (~/.codex), keeping the rest and a .bak copy");
  r.bind(codex, [&r, write] { return run_connect_codex(r.globals(), *write); });
}

} // namespace airelays::cli
