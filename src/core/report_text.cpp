// Human output of status, init and token (see status_report.hpp): the fixed layout of
// reference §1.2 — a title line, sections, "Label:" fields padded to 18 columns, numbered
// next steps — with ANSI colours only when the caller says the terminal wants them.
#include <airelays/status_report.hpp>
#include <airelays/usage_windows.hpp>

namespace airelays::status_report {

namespace {

const char* k_title = "1;36";
const char* k_section = "1";
const char* k_label = "2";
const char* k_good = "32";
const char* k_warn = "33";
const char* k_bad = "31";

std::string yes_no(bool b) { return b ? "yes" : "no"; }
Printer::Tone good_if(bool b) { return b ? Printer::Tone::good : Printer::Tone::warn; }

std::string server_line(const ServerFacts& s) {
  if (!s.answering) {
    return "not running";
  }
  std::string out = "answering";
  if (s.port) {
    out += " on port " + std::to_string(*s.port);
  }
  if (s.pid) {
    out += " (pid " + std::to_string(*s.pid) + ")";
  }
  return out;
}

void relay_section(Printer& p, const Data& d) {
  const config::Config& c = d.cfg;
  p.section("Relay");
  p.field("Config file", c.config_path);
  p.field("Config exists", yes_no(c.config_file_exists));
  p.field("Base URL", base_url(c));
  p.field("Data dir", c.data_dir);
  p.field("Logs dir", c.logs_dir);
  p.field("Bearer auth", c.require_bearer_auth ? "enabled" : "disabled");
  if (!c.require_bearer_auth) {
    p.field("Relay token", "not required");
  } else {
    p.field("Relay token", d.token.present ? "present" : "missing",
            d.token.present ? Printer::Tone::good : Printer::Tone::bad);
    p.field("Token source", d.token.source);
    p.field("Token file", c.bearer_token_file);
  }
  p.field("Rate limit", std::to_string(c.rate_limit_per_minute) + "/min + burst " +
                            std::to_string(c.rate_limit_burst));
  p.field("Concurrent/IP", std::to_string(c.concurrent_requests_per_ip));
  p.field("Server", server_line(d.server),
          d.server.answering ? Printer::Tone::good : Printer::Tone::plain);
}

std::string state_words(const std::string& state) {
  if (state == "ready") {
    return "ready";
  }
  return state == "login_required" ? "login required" : "signed out";
}

void session_section(Printer& p, const Data& d) {
  const LoginFacts& l = d.login;
  p.section("Upstream Session");
  p.field("Enabled", yes_no(d.cfg.openai_enabled));
  if (!d.cfg.openai_enabled) {
    return;
  }
  p.field("Upstream base URL", d.cfg.base_url); // [upstream] base_url, which doctor refers to
  bool is_ready = l.state == "ready";
  p.field("Ready", yes_no(is_ready), good_if(is_ready));
  p.field("State", state_words(l.state),
          l.state == "login_required" ? Printer::Tone::bad : good_if(is_ready));
  if (l.state == "login_required") {
    p.field("Reason", l.login_required_reason);
  }
  if (!l.storage_problem.empty()) { // e.g. --auth-storage keyring with no Secret Service
    p.field("Login store", "unreachable: " + l.storage_problem, Printer::Tone::bad);
  }
  p.field("Email", l.email);
  p.field("Plan", l.plan);
  p.field("Account ID", l.account_id);
  p.field("Last refresh", l.last_refresh ? iso8601(*l.last_refresh) : "");
  p.field("Token expires", l.access_token_expires_at ? iso8601(*l.access_token_expires_at) : "");
  p.field("Storage mode", d.cfg.storage);
  p.field("Stored in", l.storage);
  p.field("Auth store", d.auth_file);
}

} // namespace

std::string Printer::paint(const std::string& s, const char* code) const {
  return m_color ? "\x1b[" + std::string(code) + "m" + s + "\x1b[0m" : s;
}

void Printer::title(const std::string& what) {
  m_out += paint("airelays " AIRELAYS_VERSION " " + what, k_title) + "\n";
}

void Printer::section(const std::string& name) { m_out += "\n" + paint(name, k_section) + "\n"; }

void Printer::field(const std::string& label, const std::string& value, Tone tone) {
  std::string l = label + ":";
  if (l.size() < 18) {
    l.append(18 - l.size(), ' ');
  }
  std::string v = value.empty() ? "not set" : value;
  const char* code = tone == Tone::good   ? k_good
                     : tone == Tone::warn ? k_warn
                     : tone == Tone::bad  ? k_bad
                                          : nullptr;
  m_out += "  " + paint(l, k_label) + " " + (code ? paint(v, code) : v) + "\n";
}

void Printer::steps(const std::vector<std::string>& steps) {
  if (steps.empty()) {
    return;
  }
  section("Next Steps");
  for (size_t i = 0; i < steps.size(); ++i) {
    m_out += "  " + std::to_string(i + 1) + ". " + steps[i] + "\n";
  }
}

void Printer::line(const std::string& text) { m_out += text + "\n"; }

void Printer::client_setup(const config::Config& cfg, const std::optional<std::string>& token) {
  nlohmann::ordered_json c = client_json(cfg, token);
  section("Client Setup");
  field("Base URL", c["base_url"].get<std::string>());
  field("Models URL", c["models_url"].get<std::string>());
  if (!cfg.require_bearer_auth) {
    field("Bearer auth", "disabled");
    field("Access mode", "open");
    field("Client key", "optional placeholder only");
    field("SDK note", c["api_key_note"].get<std::string>());
    return;
  }
  field("Bearer auth", "required");
  field("Token file", cfg.bearer_token_file);
  field("Auth header", c["authorization_header"].get<std::string>());
  if (token) {
    field("Relay token", *token);
  } else {
    field("Reveal token", "airelays token show");
  }
  field("Rotate token", "airelays token rotate");
}

// "Subscription Usage": the windows the backend last reported to a relay (issue 16).
void usage_section(Printer& p, const Data& d) {
  auto snap = d.usage ? usage_windows::from_json(*d.usage) : std::nullopt;
  if (!snap) {
    return;
  }
  p.section("Subscription Usage");
  auto clock = d.clock_text ? d.clock_text : [](long t) { return iso8601(t); };
  for (const auto& line : usage_windows::text_lines(*snap, clock)) {
    auto colon = line.find(": ");
    p.field(line.substr(0, colon), line.substr(colon + 2));
  }
  p.field("Reported", iso8601(snap->observed_at));
}

std::string to_text(const Data& d, bool color) {
  Printer p(color);
  p.title("Status");
  relay_section(p, d);
  session_section(p, d);
  p.section("Providers");
  p.field("OpenAI enabled", yes_no(d.cfg.openai_enabled));
  p.field("OpenAI ready", yes_no(d.cfg.openai_enabled && d.login.state == "ready"));
  p.field("Claude enabled", "no (not supported)");
  usage_section(p, d);
  p.client_setup(d.cfg, std::nullopt);
  p.steps(next_steps(d));
  return p.text();
}

} // namespace airelays::status_report
