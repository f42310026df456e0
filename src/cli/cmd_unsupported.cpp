// `airelays accounts …` and `airelays claude …`: commands of AIRelays features airelays does
// not have (multi-account balancing, the Claude runtime; DESIGN.md "Compatibility target").
// They are accepted with any arguments, so a script written for AIRelays gets a clear answer
// instead of a usage error, and answered "not supported" with exit 1.
#include "command.hpp"

namespace airelays::cli {

namespace {

void add_unsupported(Registry& r, const char* name, const char* description,
                     const std::string& message) {
  CLI::App* sub = r.app().add_subcommand(name, description);
  sub->allow_extras();
  sub->fallthrough(false); // unknown options stay here as extras instead of failing above
  sub->prefix_command();   // everything after the command is its arguments
  r.bind(sub, [message]() -> ExitCode { throw CliError{make_error(message)}; });
}

} // namespace

void register_unsupported(Registry& r) {
  add_unsupported(r, "accounts", "Multi-account management of AIRelays (not supported)",
                  "`airelays accounts` is not supported: airelays uses one ChatGPT login "
                  "(see `airelays status`; sign in with `airelays login`, out with "
                  "`airelays logout`).");
  add_unsupported(r, "claude", "The Claude runtime of AIRelays (not supported)",
                  "`airelays claude` is not supported: airelays has no Claude runtime; "
                  "[providers.claude] settings are accepted and ignored.");
}

} // namespace airelays::cli
