// `airelays status [--json]`: settings, relay token, ChatGPT login and whether a relay is
// answering, as text or as the JSON of docs/status-json.md. Never touches the network except
// one loopback GET /healthz (100 ms) of the relay that <data_dir>/serve.json names: without
// that file no relay of this data dir runs (another data dir's relay may hold the configured
// port). Always exits 0 once the settings load.
#include "command.hpp"
#include "term.hpp"
#include "token_state.hpp"

#include <airelays/atomic_file.hpp>
#include <airelays/loopback_probe.hpp>
#include <airelays/secret_modes.hpp>
#include <airelays/status_report.hpp>
#include <airelays/token_manager.hpp>
#include <airelays/upstream.hpp>

#include <ctime>
#include <iostream>
#include <memory>

namespace airelays::cli {

namespace {

struct RuntimeFile {
  std::optional<long> pid;
  std::optional<int> port;
  std::string host;
};

// <data_dir>/serve.json as serve writes it; nullopt when absent or unreadable.
std::optional<RuntimeFile> read_runtime_file(const std::string& path) {
  auto text = atomic_file::read(path);
  if (!text || !text->has_value()) {
    return std::nullopt;
  }
  auto doc = nlohmann::json::parse(**text, nullptr, false);
  if (!doc.is_object()) {
    return std::nullopt;
  }
  RuntimeFile rf;
  if (auto it = doc.find("pid"); it != doc.end() && it->is_number_integer()) {
    rf.pid = it->get<long>();
  }
  if (auto it = doc.find("port"); it != doc.end() && it->is_number_integer()) {
    rf.port = it->get<int>();
  }
  if (auto it = doc.find("host"); it != doc.end() && it->is_string()) {
    rf.host = it->get<std::string>();
  }
  return rf;
}

bool healthz_answers(const std::string& host, int port) {
  return loopback_probe::get_status(host, port, "/healthz", 100) == 200;
}

status_report::ServerFacts probe_server(const paths::Layout& l) {
  status_report::ServerFacts facts;
  std::optional<RuntimeFile> rf = read_runtime_file(l.runtime_file);
  if (!rf || !rf->port || *rf->port <= 0) {
    return facts;
  }
  std::string host = rf->host == "::1" || rf->host == "[::1]" ? "::1" : "127.0.0.1";
  facts.answering = healthz_answers(host, *rf->port);
  if (facts.answering) {
    facts.port = rf->port;
    facts.pid = rf->pid;
  }
  return facts;
}

// A refreshed login that a process holds but could not store (token_manager::SaveFailure).
void add_save_failure(status_report::LoginFacts& f, const token_manager::Summary& s) {
  if (s.save_failure) {
    f.save_failed = true;
    f.save_failed_since = s.save_failure->since;
    f.save_failed_error = s.save_failure->error;
  }
}

status_report::LoginFacts login_facts(const config::Config& cfg, const paths::Layout& l) {
  token_manager::Summary s = token_manager::make(cfg, l)->summary();
  status_report::LoginFacts f;
  f.state = token_manager::to_string(s.state);
  f.storage = s.storage;
  f.email = s.email;
  f.plan = s.plan;
  f.account_id = s.account_id;
  f.access_token_expires_at = s.access_token_expires_at;
  f.last_refresh = s.last_refresh;
  f.login_required_reason = s.login_required_reason;
  add_save_failure(f, s);
  f.storage_problem = s.storage_problem;
  return f;
}

// The usage windows the serving relay last kept for this account
// (<data_dir>/usage-windows.json, written by serve); nullopt when none.
std::optional<nlohmann::json> usage_facts(const config::Config& cfg, const std::string& account) {
  auto text = atomic_file::read(upstream::Upstream::usage_file(cfg));
  if (!text || !text->has_value()) {
    return std::nullopt;
  }
  auto doc = nlohmann::json::parse(**text, nullptr, false);
  if (!doc.is_object() || !doc.contains("accounts") || !doc["accounts"].is_object()) {
    return std::nullopt;
  }
  auto it = doc["accounts"].find(account);
  if (it == doc["accounts"].end() || !it->is_object()) {
    return std::nullopt;
  }
  return *it;
}

// "14:30" in local time, with the date when the reset is not today.
std::string local_clock(long t) {
  std::time_t when = static_cast<std::time_t>(t);
  std::time_t now = std::time(nullptr);
  std::tm a{}, b{};
  localtime_r(&when, &a);
  localtime_r(&now, &b);
  char buf[40];
  bool today = a.tm_year == b.tm_year && a.tm_yday == b.tm_yday;
  std::strftime(buf, sizeof buf, today ? "%H:%M" : "%a %d %b %H:%M", &a);
  return buf;
}

// Secrets other users can read (issue 14): a `file_mode_warnings` list in the JSON, one
// warning line each after the text.
void add_mode_warnings(nlohmann::ordered_json& doc,
                       const std::vector<secret_modes::Exposure>& exposures) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& e : exposures) {
    list.push_back({{"what", e.what}, {"path", e.path}, {"message", secret_modes::describe(e)}});
  }
  doc["file_mode_warnings"] = list;
}

void print_mode_warnings(const std::vector<secret_modes::Exposure>& exposures) {
  for (const auto& e : exposures) {
    std::cout << "Warning: " << secret_modes::describe(e) << "\n";
  }
  std::cout << std::flush;
}

ExitCode run_status(const GlobalOptions& globals, bool json) {
  status_report::Data d;
  d.cfg = load_config(globals);
  paths::Layout layout = paths::layout(d.cfg);
  d.auth_file = layout.auth_file;
  d.token = token_facts(resolve_token(d.cfg));
  d.login = login_facts(d.cfg, layout);
  d.server = probe_server(layout);
  d.headless = term::looks_headless();
  if (!d.login.account_id.empty()) {
    d.usage = usage_facts(d.cfg, d.login.account_id);
  }
  d.clock_text = local_clock;
  auto exposures = secret_modes::exposed(layout);
  if (json) {
    auto doc = status_report::to_json(d);
    add_mode_warnings(doc, exposures);
    term::print_json(doc);
  } else {
    std::cout << status_report::to_text(d, term::stdout_color()) << std::flush;
    print_mode_warnings(exposures);
  }
  return ExitCode::ok;
}

} // namespace

void register_status(Registry& r) {
  CLI::App* sub = r.app().add_subcommand(
      "status", "Show the settings, the relay token, the ChatGPT login and a running relay");
  auto json = std::make_shared<bool>(false);
  sub->add_flag("--json", *json, "Print the status as JSON (fields in docs/status-json.md)");
  r.bind(sub, [&r, json] { return run_status(r.globals(), *json); });
}

} // namespace airelays::cli
