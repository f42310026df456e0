// `airelays login [--device] [--browser] [--no-browser] [--workspace-id ID]` (reference §1.4,
// DESIGN.md "Browser login"): signs in to ChatGPT with the browser flow (loopback callback on
// [auth] callback_port) or the device-code flow (chosen automatically over SSH or without a
// display), stores the login in the configured place and prints the session. Ctrl-C is
// watched by a sigwait thread (no global flag) and ends the command with exit 130.
#include "command.hpp"
#include "httpd_module.hpp"
#include "term.hpp"
#include "token_state.hpp"

#include <airelays/oauth_login.hpp>
#include <airelays/status_report.hpp>
#include <airelays/token_manager.hpp>

#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <iostream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>

extern char** environ;

namespace airelays::cli {

namespace {

using status_report::Printer;

struct LoginOptions {
  bool device = false;
  bool browser = false;
  bool no_browser = false;
  std::string workspace_id;
};

// Turns SIGINT/SIGTERM into the cancel flag for as long as it lives.
class InterruptWatch {
public:
  InterruptWatch() {
    sigemptyset(&m_set);
    sigaddset(&m_set, SIGINT);
    sigaddset(&m_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &m_set, &m_old); // before any other thread starts
    m_thread = std::thread([this] {
      timespec tick{0, 100 * 1000 * 1000};
      while (!m_done.load()) {
        if (sigtimedwait(&m_set, nullptr, &tick) > 0) {
          m_cancel = true;
        }
      }
    });
  }
  ~InterruptWatch() {
    m_done = true;
    m_thread.join();
    pthread_sigmask(SIG_SETMASK, &m_old, nullptr);
  }
  const oauth_login::CancelFlag& flag() const { return m_cancel; }

private:
  sigset_t m_set{};
  sigset_t m_old{};
  oauth_login::CancelFlag m_cancel{false};
  std::atomic<bool> m_done{false};
  std::thread m_thread;
};

void say(const std::string& line) { std::cout << line << std::endl; }

void open_browser(const std::string& url) {
#ifdef __APPLE__
  const char* opener = "open";
#else
  const char* opener = "xdg-open";
#endif
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::string u = url;
  char* argv[] = {const_cast<char*>(opener), u.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, opener, &fa, nullptr, argv, environ) != 0) {
    std::cerr << "airelays: note: could not start " << opener << "; open the URL yourself\n";
  }
  posix_spawn_file_actions_destroy(&fa);
}

oauth_login::Tokens browser_flow(const config::Config& cfg, const oauth_login::Settings& s,
                                 const LoginOptions& o, bool headless,
                                 const InterruptWatch& watch) {
  auto login = require(httpd_module().start_browser_login(s));
  const std::string& redirect = login->redirect_uri(); // http://localhost:<bound port>/...
  std::string port = redirect.substr(17, redirect.find('/', 17) - 17);
  Printer p(term::stdout_color());
  p.title("Login");
  p.line("Open this URL in a browser ON THIS MACHINE (pick the profile you want):");
  p.line("  " + login->url());
  p.line("");
  p.line("  The URL will NOT work from another computer: after sign-in it");
  p.line("  redirects to localhost:" + port + " on the machine running the browser.");
  p.line("  From a remote machine, either run `airelays login --device`, or");
  p.line("  tunnel first: ssh -L " + port + ":localhost:" + port + " user@this-server");
  p.line("");
  p.line("Waiting for the sign-in to finish (Ctrl-C to cancel)...");
  std::cout << p.text() << std::flush;
  if (!o.no_browser && (cfg.browser_open || o.browser) && !headless) {
    open_browser(login->url());
  }
  auto notify = [](const std::string& l) { std::cerr << "airelays: " << l << std::endl; };
  return require(login->wait(watch.flag(), notify));
}

oauth_login::Tokens device_flow(const oauth_login::Settings& s, const InterruptWatch& watch) {
  auto code = require(oauth_login::request_device_code(s));
  Printer p(term::stdout_color());
  p.title("Device Login");
  p.line("Sign in from a browser on ANY device (phone or laptop):");
  p.line("");
  p.line("  1. Open:            " + code.verification_url);
  p.line("  2. Enter this code: " + code.user_code);
  p.line("");
  std::cout << p.text() << std::flush;
  return require(oauth_login::poll_device_code(s, code, watch.flag(), say));
}

void print_session(const config::Config& cfg, const token_manager::SavedLogin& saved) {
  TokenState t = resolve_token(cfg);
  const auto& s = saved.summary;
  Printer p(term::stdout_color());
  p.line("");
  p.section("OpenAI Session");
  p.field("Authenticated", "yes", Printer::Tone::good);
  p.field("Email", s.email);
  p.field("Plan", s.plan);
  p.field("Account ID", s.account_id);
  p.field("Stored in", saved.place == "file" ? "file " + paths::layout(cfg).auth_file : "keyring");
  if (cfg.require_bearer_auth) {
    p.field("Relay token", t.token ? "present" : "missing",
            t.token ? Printer::Tone::good : Printer::Tone::warn);
    p.field("Token file", cfg.bearer_token_file);
  } else {
    p.field("Bearer auth", "disabled");
  }
  p.client_setup(cfg, std::nullopt);
  bool need_init = cfg.require_bearer_auth && !t.token;
  p.steps({need_init ? "airelays init" : status_report::serve_command(cfg)});
  std::cout << p.text() << std::flush;
}

ExitCode execute(const GlobalOptions& globals, const LoginOptions& o) {
  InterruptWatch watch; // first: every thread started later inherits the blocked signals
  config::Config cfg = load_config(globals);
  if (!cfg.openai_enabled) {
    throw CliError{
        make_error("The OpenAI subscription runtime is disabled for this airelays "
                   "process. Enable `[providers.openai].enabled` to use `airelays login`.")};
  }
  paths::Layout layout = paths::layout(cfg);
  require(paths::ensure_private_dir(cfg.data_dir));
  auto settings = oauth_login::settings_from(cfg, o.workspace_id);
  bool headless = term::looks_headless();
  bool device = o.device || (!o.browser && headless);
  if (device && !o.device) {
    say("No local browser detected (SSH session or no display).");
    say("Using device-code login. Force the browser flow with: airelays login --browser");
    if (cfg.callback_port > 0) {
      std::string port = std::to_string(cfg.callback_port);
      say("(it needs a browser on this machine, or `ssh -L " + port + ":localhost:" + port +
          " user@this-server` first)");
    }
    say("");
  }
  auto tokens =
      device ? device_flow(settings, watch) : browser_flow(cfg, settings, o, headless, watch);
  require(oauth_login::check_workspace(settings, tokens));
  auto saved = require(token_manager::save_login(cfg, layout, tokens.id_token, tokens.access_token,
                                                 tokens.refresh_token));
  if (!saved.notice.empty()) {
    std::cerr << "airelays: note: " << saved.notice << std::endl;
  }
  say("");
  say("Successfully logged in");
  print_session(cfg, saved);
  return ExitCode::ok;
}

} // namespace

void register_login(Registry& r) {
  auto opts = std::make_shared<LoginOptions>();
  CLI::App* sub = r.app().add_subcommand("login", "Sign in to your ChatGPT subscription");
  auto* device = sub->add_flag("--device", opts->device, "Use the device-code flow (any device)");
  auto* browser = sub->add_flag("--browser", opts->browser,
                                "Use the browser flow (loopback callback on this machine)");
  sub->add_flag("--no-browser", opts->no_browser, "Print the URL only; never launch a browser");
  sub->add_option("--workspace-id", opts->workspace_id, "Restrict the login to this workspace")
      ->type_name("ID");
  device->excludes(browser);
  r.bind(sub, [opts, &r] { return execute(r.globals(), *opts); });
}

} // namespace airelays::cli
