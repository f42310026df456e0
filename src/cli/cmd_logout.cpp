// `airelays logout [ACCOUNT] [--all] [--json]` (reference §1.5): revokes the refresh token at
// the issuer (errors ignored: the local login is deleted anyway) and deletes the stored login
// from every place (keyring and auth.json) plus the login-required state. One account
// exists, so ACCOUNT must name it (email, email prefix or account id) and --all is accepted.
#include "command.hpp"
#include "term.hpp"

#include <airelays/jwt.hpp>
#include <airelays/oauth_login.hpp>
#include <airelays/status_report.hpp>
#include <airelays/text.hpp>
#include <airelays/token_manager.hpp>

#include <algorithm>
#include <iostream>

namespace airelays::cli {

namespace {

using status_report::Printer;

struct LogoutOptions {
  std::string account;
  bool all = false;
  bool json = false;
};

bool matches(const std::string& wanted, const std::string& email, const std::string& account_id) {
  std::string w = text::lower(wanted);
  std::string e = text::lower(email);
  return (!e.empty() && (e == w || e.rfind(w, 0) == 0)) ||
         (!account_id.empty() && account_id == wanted);
}

ExitCode execute(const GlobalOptions& globals, const LogoutOptions& o) {
  config::Config cfg = load_config(globals);
  paths::Layout layout = paths::layout(cfg);
  auto loaded = token_manager::load_login(cfg, layout);
  std::optional<auth_record::Record> record = loaded ? *loaded : std::nullopt;
  std::string name;
  if (record) {
    name = jwt::claims(record->id_token).email;
    if (name.empty()) {
      name = record->account_id.empty() ? "openai" : record->account_id;
    }
  }
  if (!o.account.empty() && !o.all &&
      (!record || !matches(o.account, jwt::claims(record->id_token).email, record->account_id))) {
    throw CliError{make_error("Unknown account `" + o.account +
                              "`. Known accounts: " + (record ? name : "none") + ".")};
  }
  if (record && !record->refresh_token.empty()) {
    (void)oauth_login::revoke(oauth_login::settings_from(cfg), record->refresh_token);
  }
  bool deleted = require(token_manager::remove_login(cfg, layout)) || record.has_value();
  std::vector<std::string> signed_out;
  if (deleted) {
    signed_out.push_back(name.empty() ? "openai" : name);
  }
  if (o.json) {
    term::print_json({{"deleted", deleted},
                      {"signed_out", signed_out},
                      {"remaining", nlohmann::ordered_json::array()}});
    return ExitCode::ok;
  }
  Printer p(term::stdout_color());
  p.title("Logout");
  if (deleted) {
    p.field("Signed out", signed_out.front());
  } else {
    p.field("OpenAI session", "already empty");
  }
  p.steps({status_report::login_hint(term::looks_headless())});
  std::cout << p.text() << std::flush;
  return ExitCode::ok;
}

} // namespace

void register_logout(Registry& r) {
  auto opts = std::make_shared<LogoutOptions>();
  CLI::App* sub = r.app().add_subcommand("logout", "Sign out: revoke and delete the stored login");
  sub->add_option("ACCOUNT", opts->account, "The account to sign out (email or account id)");
  sub->add_flag("--all", opts->all, "Sign out every account");
  sub->add_flag("--json", opts->json, "Print JSON");
  r.bind(sub, [opts, &r] { return execute(r.globals(), *opts); });
}

} // namespace airelays::cli
