// What `airelays status` reports, as one data set with two renderings: the JSON of reference
// §1.7 (keys relay, auth, providers, client, next_steps, plus server and the auth.state
// fields DESIGN.md adds) and the human layout of §1.2 (sections "Relay" and "Upstream
// Session"). Pure: the caller gathers the facts (token, login summary, probe of a running
// relay) and passes them in. The output helpers (title, section, field lines, the "Client
// Setup" block) are shared with init and token.
#pragma once

#include <airelays/config.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace airelays::status_report {

// The product name as every report and endpoint spells it (`app_name`; DESIGN.md: "airelays";
// "AIRelays" is the Python predecessor).
inline constexpr const char* k_product = "airelays";

// The relay token as resolved now (never the token itself).
struct TokenFacts {
  bool present = false;
  std::string source;      // "env" | "file" | "" when none
  std::string fingerprint; // first 12 hex of SHA-256, "" when none
};

// The stored ChatGPT login, as token_manager summarises it.
struct LoginFacts {
  std::string state = "signed_out"; // signed_out | ready | login_required
  std::string storage;              // keyring | file | ""
  std::string email, plan, account_id;
  std::optional<long> access_token_expires_at; // unix seconds
  std::optional<long> last_refresh;            // unix seconds
  std::string login_required_reason;
  // A refreshed login that could not be stored yet (disk full, keyring locked), if any.
  bool save_failed = false;
  std::string save_failed_since; // ISO-8601, "" when unknown
  std::string save_failed_error;
  std::string storage_problem; // the login store could not be read (an unreachable keyring)
};

// A running `airelays serve`, found through <data_dir>/serve.json and one /healthz probe.
struct ServerFacts {
  bool answering = false;
  std::optional<long> pid;
  std::optional<int> port;
};

struct Data {
  config::Config cfg;
  std::string auth_file; // <data_dir>/auth.json
  TokenFacts token;
  LoginFacts login;
  ServerFacts server;
  bool headless = false; // the login hint is `airelays login --device`
  // The latest usage windows a relay saw for this login (usage_windows::to_json), if any.
  std::optional<nlohmann::json> usage;
  // Renders a reset time for the text output (local "14:30"); UTC ISO when unset.
  std::function<std::string(long)> clock_text;
};

// The whole `status --json` document.
nlohmann::ordered_json to_json(const Data& d);
// What to do next, in order (reference §1.7 rules; no serve step while a relay answers).
std::vector<std::string> next_steps(const Data& d);
// The human `status` output.
std::string to_text(const Data& d, bool color);

// Pieces shared with init and token --------------------------------------------------------

// "airelays login --device" on a headless machine, else "airelays login".
std::string login_hint(bool headless);
// "airelays serve --host H --port P" (+ " --no-auth").
std::string serve_command(const config::Config& cfg);
// http://host:port/v1
std::string base_url(const config::Config& cfg);
// Seconds since the epoch as ISO-8601 UTC ("2026-11-22T07:12:38+00:00").
std::string iso8601(long unix_seconds);

// The edge's per-IP limits as settings (rate, burst, concurrency, the bad-token block), in
// the order `status --json` lists them; /v1/relay/status shows the same.
nlohmann::ordered_json edge_limits(const config::Config& c);

// The client usage block of reference §1.2; relay_token is included when given.
nlohmann::ordered_json client_json(const config::Config& cfg,
                                   const std::optional<std::string>& relay_token);

// Builds human output in the fixed layout of reference §1.2.
class Printer {
public:
  enum class Tone { plain, good, warn, bad };
  explicit Printer(bool color) : m_color(color) {}
  void title(const std::string& what); // "airelays <version> <what>"
  void section(const std::string& name);
  void field(const std::string& label, const std::string& value, Tone tone = Tone::plain);
  void steps(const std::vector<std::string>& steps); // "Next Steps", omitted when empty
  void line(const std::string& text);
  // The "Client Setup" section; the token is shown when given.
  void client_setup(const config::Config& cfg, const std::optional<std::string>& relay_token);
  const std::string& text() const { return m_out; }

private:
  std::string paint(const std::string& s, const char* code) const;
  bool m_color;
  std::string m_out;
};

} // namespace airelays::status_report
