// Terminal facts for human output (see term.hpp).
#include "term.hpp"

#include <iostream>
#include <unistd.h>

namespace airelays::cli::term {

namespace {

std::string get(const paths::Env& env, const char* name) {
  auto it = env.find(name);
  return it == env.end() ? std::string() : it->second;
}

} // namespace

bool wants_color(const paths::Env& env, bool stdout_is_tty) {
  return stdout_is_tty && get(env, "NO_COLOR").empty() && get(env, "CLICOLOR") != "0" &&
         get(env, "TERM") != "dumb";
}

bool stdout_color() { return wants_color(paths::environment(), ::isatty(1) == 1); }

bool looks_headless(const paths::Env& env) {
  if (!get(env, "SSH_CONNECTION").empty() || !get(env, "SSH_TTY").empty()) {
    return true;
  }
#ifdef __linux__
  return get(env, "DISPLAY").empty() && get(env, "WAYLAND_DISPLAY").empty();
#else
  return false;
#endif
}

bool looks_headless() { return looks_headless(paths::environment()); }

void print_json(const nlohmann::ordered_json& doc) {
  std::cout << doc.dump(2, ' ', true) << std::endl;
}

} // namespace airelays::cli::term
