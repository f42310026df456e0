// The command line: parses arguments, runs one subcommand, and holds the program's single
// try/catch, which prints "airelays: error: <message>" once and returns the exit code.
#pragma once

namespace airelays::cli {

int run(int argc, char** argv);

} // namespace airelays::cli
