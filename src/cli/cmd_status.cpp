// `airelays status [--json]`: settings, relay token, ChatGPT login and whether a relay is
// answering, as text or as the JSON of docs/status-json.md. Never touches the network except
// one loopback GET /healthz (100 ms) of the relay that <data_dir>/serve.json names: without
// that file no relay of this data dir runs (another data dir's relay may hold the configured
// port). Always exits 0 once the settings load.
#include "command.hpp"
#include "term.hpp"
#include "token_state.hpp"

#include <airelays/atomic_file.hpp>
#include <airelays/http_client.hpp>
#include <airelays/status_report.hpp>
#include <airelays/token_manager.hpp>

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
  http_client::Request req;
  req.url = "http://" + host + ":" + std::to_string(port) + "/healthz";
  req.connect_timeout_ms = 100;
  req.timeout_ms = 100;
  return http_client::perform(req).status == 200;
}

status_report::ServerFacts probe_server(const paths::Layout& l) {
  status_report::ServerFacts facts;
  std::optional<RuntimeFile> rf = read_runtime_file(l.runtime_file);
  if (!rf || !rf->port || *rf->port <= 0) {
    return facts;
  }
  std::string host = rf->host == "::1" || rf->host == "[::1]" ? "[::1]" : "127.0.0.1";
  facts.answering = healthz_answers(host, *rf->port);
  if (facts.answering) {
    facts.port = rf->port;
    facts.pid = rf->pid;
  }
  return facts;
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
  f.storage_problem = s.storage_problem;
  return f;
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
  if (json) {
    term::print_json(status_report::to_json(d));
  } else {
    std::cout << status_report::to_text(d, term::stdout_color()) << std::flush;
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
