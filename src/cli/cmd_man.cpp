// `airelays __man-sections` (hidden): the man page's ENVIRONMENT and FILES sections in roff,
// printed from the config key table and the data-dir layout that the binary itself uses, so
// the man page (cmake/man_page.cmake appends this output) lists every AIRELAYS_* variable and
// every path and cannot drift from the code or from docs/configuration.md (same table).
#include "command.hpp"

#include <airelays/config_keys.hpp>

#include <iostream>

namespace airelays::cli {

namespace {

constexpr const char* k_command = "__man-sections";

// Text safe inside a roff paragraph: backslashes and minus signs escaped, no leading dot.
std::string roff(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) {
    out.insert(0, "\\&");
  }
  return out;
}

void print_environment() {
  std::cout << "[ENVIRONMENT]\nEach setting of the configuration file can be given by a "
               "variable (variables win over the file, command-line options over both).\n";
  for (const config::Key& key : config::keys()) {
    if (key.env.empty()) {
      continue;
    }
    std::string names;
    for (const std::string& var : key.env) {
      names += (names.empty() ? "" : ", ") + var;
    }
    std::cout << ".TP\n.B " << roff(names) << "\n" << roff(key.display() + ": " + key.doc) << "\n";
  }
  std::cout << ".TP\n.B AIRELAYS_CONFIG, AIRELAY_CONFIG, OPENAI_ENDPOINT_CONFIG\nThe configuration "
               "file (--config wins).\n"
               ".TP\n.B AIRELAYS_BEARER_TOKEN\nThe relay token clients must send; wins over the "
               "token file.\n";
}

void print_files() {
  config::Config cfg;
  cfg.data_dir = "~/.airelays";
  cfg.logs_dir = cfg.data_dir + "/logs";
  cfg.bearer_token_file = cfg.data_dir + "/relay" + "-token";
  paths::Layout l = paths::layout(cfg);
  const std::pair<std::string, const char*> files[] = {
      {"~/.config/airelays/config.toml", "Configuration (AIRELAYS_CONFIG or --config elsewhere); "
                                         "written by airelays init."},
      {l.data_dir + "/", "State directory (0700): [paths] data_dir, --data-dir."},
      {l.token_file, "The relay token (0600)."},
      {l.auth_file, "The ChatGPT login with file storage (0600); keyring storage keeps it in the "
                    "Secret Service."},
      {l.auth_lock, "Lock held while the login is refreshed."},
      {l.login_state, "Set when the login must be renewed (airelays login clears it)."},
      {l.runtime_file, "pid, host and port of a running airelays serve."},
      {l.files_dir + "/", "Uploaded files (/v1/files)."},
      {l.conversations_dir + "/", "Stored conversations and responses."},
      {l.logs_dir + "/", "Traffic logs: [paths] logs_dir, --logs-dir."},
  };
  std::cout << "[FILES]\n";
  for (const auto& [path, what] : files) {
    std::cout << ".TP\n.I " << roff(path) << "\n" << roff(what) << "\n";
  }
}

} // namespace

void register_man(Registry& r) {
  CLI::App* sub = r.app().add_subcommand(k_command, "Print the man page's ENVIRONMENT and FILES");
  sub->group(""); // hidden
  r.bind(sub, [] {
    print_environment();
    print_files();
    return ExitCode::ok;
  });
}

} // namespace airelays::cli
