// `airelays serve [--host H] [--port P] [--no-auth] [--read-timeout S]`: run the relay
// (reference §1.9, issue 4). --host/--port override [server] host/port for this run (port 0
// binds a free port); --no-auth disables bearer auth for this process only. The global
// --bearer-token-file is accepted here too. Stopped by SIGINT/SIGTERM it exits 0.
#include "command.hpp"
#include "httpd_module.hpp"

namespace airelays::cli {

namespace {

struct ServeArgs {
  std::string host;
  int port = -1;
  bool no_auth = false;
  int read_timeout = 5;
};

ExitCode run_serve(const GlobalOptions& globals, const ServeArgs& args) {
  config::Config cfg = load_config(globals);
  if (!args.host.empty()) {
    cfg.host = args.host;
  }
  if (args.port >= 0) {
    cfg.port = args.port;
  }
  httpd::ServeOptions options;
  options.no_auth = args.no_auth;
  options.read_timeout_seconds = args.read_timeout;
  require(httpd_module().serve(cfg, options));
  return ExitCode::ok;
}

} // namespace

void register_serve(Registry& r) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* sub = r.app().add_subcommand("serve", "Run the OpenAI-compatible relay");
  sub->add_option("--host", args->host, "Address to listen on (default [server] host, 127.0.0.1)")
      ->type_name("HOST");
  sub->add_option("--port", args->port, "Port to listen on; 0 picks a free one (default 8080)")
      ->type_name("PORT")
      ->check(CLI::Range(0, 65535));
  sub->add_flag("--no-auth", args->no_auth,
                "Serve without the relay's bearer token (this process only)");
  sub->add_option("--read-timeout", args->read_timeout,
                  "Seconds a client may take to send each part of a request (default 5)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 3600));
  r.bind(sub, [&r, args] { return run_serve(r.globals(), *args); });
}

} // namespace airelays::cli
