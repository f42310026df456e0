// What the terminal wants (private to the cli layer): colours only when stdout is a TTY and
// NO_COLOR is unset or empty, CLICOLOR is not "0" and TERM is not "dumb" (reference §1.2);
// whether the machine looks headless (the login hint then suggests `login --device`); and
// the one way commands print JSON (2-space indent, non-ASCII escaped).
#pragma once

#include <airelays/paths.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace airelays::cli::term {

// Whether stdout should get ANSI colours, given the environment and whether it is a TTY.
bool wants_color(const paths::Env& env, bool stdout_is_tty);
bool stdout_color();

// SSH_CONNECTION or SSH_TTY set, or (on Linux) neither DISPLAY nor WAYLAND_DISPLAY.
bool looks_headless(const paths::Env& env);
bool looks_headless();

// Prints a --json document on stdout.
void print_json(const nlohmann::ordered_json& doc);

} // namespace airelays::cli::term
