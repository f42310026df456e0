// config::resolve: precedence flags > env > file > defaults, lenient coercion as AIRelays
// does it, and every error and warning path naming where the bad value came from.
#include <airelays/config.hpp>
#include <airelays/config_keys.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace airelays;
using config::Inputs;

namespace {

Inputs base_inputs(std::optional<std::string> file = std::nullopt) {
  Inputs in;
  in.home = "/home/u";
  in.cwd = "/work";
  in.config_path = "/home/u/.config/airelays/config.toml";
  in.config_text = std::move(file);
  return in;
}

config::Config must(const Inputs& in) {
  auto r = config::resolve(in);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return *r;
}

std::string error_of(const Inputs& in) {
  auto r = config::resolve(in);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

bool has_warning(const config::Config& c, const std::string& part) {
  for (const auto& w : c.warnings) {
    if (w.find(part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("config::resolve with nothing set gives the documented defaults") {
  auto c = must(base_inputs());
  CHECK(c.host == "127.0.0.1");
  CHECK(c.port == 8080);
  CHECK(c.data_dir == "/home/u/.airelays");
  CHECK(c.logs_dir == "/home/u/.airelays/logs");
  CHECK(c.bearer_token_file == "/home/u/.airelays/relay-token");
  CHECK(c.client_version == "0.169.0");
  CHECK(c.require_bearer_auth);
  CHECK(c.concurrent_requests_per_ip == 50);
  CHECK(c.retry_backoff_seconds == std::vector<double>{5.0, 20.0, 60.0});
  CHECK_FALSE(c.config_file_exists);
  CHECK(c.warnings.empty());
  CHECK_FALSE(c.bearer_token_env.has_value());
}

TEST_CASE("config::resolve precedence is flag > env > file > default") {
  auto in = base_inputs("[server]\nport = 1111\nhost = \"10.0.0.1\"\n[auth]\nstorage = \"file\"\n");
  CHECK(must(in).port == 1111);
  CHECK(must(in).host == "10.0.0.1");
  in.env["OPENAI_ENDPOINT_PORT"] = "3333";
  CHECK(must(in).port == 3333);
  in.env["AIRELAY_PORT"] = "2222";
  CHECK(must(in).port == 2222);
  in.env["AIRELAYS_PORT"] = "4444";
  CHECK(must(in).port == 4444);
  in.flags["server.port"] = "5555";
  CHECK(must(in).port == 5555);
  in.env["AIRELAYS_AUTH_STORAGE"] = "KEYRING";
  CHECK(must(in).storage == "keyring");
  in.flags["auth.storage"] = "file";
  CHECK(must(in).storage == "file");
}

TEST_CASE("config::resolve skips an environment variable set to the empty string") {
  auto in = base_inputs("[server]\nport = 1111\n");
  in.env["AIRELAYS_PORT"] = "";
  in.env["AIRELAY_PORT"] = "2222";
  CHECK(must(in).port == 2222);
}

TEST_CASE("config::resolve loads the file AIRelays 0.12.1's init writes unchanged") {
  auto in = base_inputs(slurp(AIRELAYS_TEST_SOURCE_DIR "/tests/data/airelays-init-config.toml"));
  auto c = must(in);
  CHECK(c.config_file_exists);
  CHECK(c.data_dir == "/home/u/.airelays");
  CHECK(c.logs_dir == "/home/u/.airelays/logs");
  CHECK(c.bearer_token_file == "/home/u/.airelays/relay-token");
  CHECK(c.client_version == "0.124.0"); // the file's value wins over our default
  CHECK(c.request_timeout_seconds == 120.0);
  CHECK(c.login_timeout_seconds == 900);
  CHECK(c.extra_models == std::vector<std::string>{"gpt-5.6-sol", "gpt-5.6-terra"});
  // One warning, naming the unsupported features; no "unknown key" warnings.
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0].find("[providers.claude]") != std::string::npos);
  CHECK(c.warnings[0].find("[providers.openai] balance") != std::string::npos);
  CHECK(c.warnings[0].find("account_cooldown_seconds") != std::string::npos);
  CHECK(c.warnings[0].find("unknown") == std::string::npos);
}

TEST_CASE("config::resolve coerces values leniently, as AIRelays does") {
  auto in = base_inputs("[server]\nport = 9000.9\n"
                        "[auth]\nbrowser_open = \"Yes\"\nlogin_timeout_seconds = \"60\"\n"
                        "[upstream]\nbase_url = \"http://x/api///\"\nrequest_timeout_seconds = 5\n"
                        "client_id = \"\"\n"
                        "[providers.openai]\nretry_attempts = -3\n"
                        "extra_models = [\" a \", \"\", \"b\"]\n");
  in.env["AIRELAYS_TRUST_X_FORWARDED_FOR"] = "on";
  in.env["AIRELAYS_OPENAI_RETRY_BACKOFF_SECONDS"] = "1, 2.5,3";
  in.env["AIRELAYS_ALLOWED_HOSTS"] = "box.lan, ,relay.lan";
  auto c = must(in);
  CHECK(c.port == 9000);
  CHECK(c.browser_open);
  CHECK(c.login_timeout_seconds == 60);
  CHECK(c.base_url == "http://x/api");
  CHECK(c.request_timeout_seconds == 5.0);
  CHECK(c.client_id == "app_EMoamEEZ73f0CkXaXp7hrann"); // empty falls through to default
  CHECK(c.retry_attempts == 0);
  CHECK(c.extra_models == std::vector<std::string>{"a", "b"});
  CHECK(c.trust_x_forwarded_for);
  CHECK(c.retry_backoff_seconds == std::vector<double>{1.0, 2.5, 3.0});
  CHECK(c.allowed_hosts == std::vector<std::string>{"box.lan", "relay.lan"});
  CHECK(c.warnings.empty());
}

TEST_CASE("config::resolve honours an explicit false and 0 from the file") {
  auto c = must(base_inputs("[security]\nrequire_bearer_auth = false\n"
                            "[providers.openai]\nmodels_cache_ttl_seconds = 0\n"));
  CHECK_FALSE(c.require_bearer_auth);
  CHECK(c.models_cache_ttl_seconds == 0.0);
}

TEST_CASE("config::resolve falls back to the default, with a warning, for an unreadable boolean "
          "or backoff list") {
  auto in = base_inputs("[auth]\nbrowser_open = \"maybe\"\n");
  in.env["AIRELAYS_OPENAI_RETRY_BACKOFF_SECONDS"] = "1,nan,3";
  auto c = must(in);
  CHECK_FALSE(c.browser_open);
  CHECK(c.retry_backoff_seconds == std::vector<double>{5.0, 20.0, 60.0});
  CHECK(has_warning(c, "config.toml:2:16: [auth] browser_open: \"maybe\" is not"));
  CHECK(has_warning(c, "AIRELAYS_OPENAI_RETRY_BACKOFF_SECONDS"));
}

TEST_CASE("config::resolve: a malformed file is an error naming file, line and column") {
  auto msg = error_of(base_inputs("[server]\nport = = 3\n"));
  CHECK(msg.find("/home/u/.config/airelays/config.toml:2:") != std::string::npos);
  CHECK(msg.find("invalid TOML") != std::string::npos);
}

TEST_CASE("config::resolve: an uncoercible file value names file, line, column and key") {
  auto msg = error_of(base_inputs("[server]\nhost = \"h\"\nport = \"abc\"\n"));
  CHECK(msg == "/home/u/.config/airelays/config.toml:3:8: [server] port: expected an "
               "integer, got \"abc\"");
}

TEST_CASE("config::resolve: an uncoercible environment value names the variable and key") {
  auto in = base_inputs();
  in.env["AIRELAYS_PORT"] = "abc";
  CHECK(error_of(in) ==
        "environment variable AIRELAYS_PORT: [server] port: expected an integer, got \"abc\"");
}

TEST_CASE("config::resolve: an uncoercible flag value names the option's key") {
  auto in = base_inputs();
  in.flags["server.port"] = "80x";
  CHECK(error_of(in) == "command-line option: [server] port: expected an integer, got \"80x\"");
}

TEST_CASE("config::resolve: wrong TOML types are errors") {
  CHECK(error_of(base_inputs("[server]\nhost = 5\n")).find("[server] host: expected a string") !=
        std::string::npos);
  CHECK(error_of(base_inputs("[security]\nrequire_bearer_auth = [1]\n"))
            .find("expected true or false") != std::string::npos);
  CHECK(error_of(base_inputs("[upstream]\nrequest_timeout_seconds = \"soon\"\n"))
            .find("expected a number") != std::string::npos);
  CHECK(error_of(base_inputs("[providers.openai]\nextra_models = [1, 2]\n"))
            .find("expected a list of strings") != std::string::npos);
  CHECK(error_of(base_inputs("server = 3\n")).find("[server] must be a table") !=
        std::string::npos);
}

TEST_CASE("config::resolve: out-of-range ports and integers are errors") {
  CHECK(error_of(base_inputs("[server]\nport = 70000\n")).find("outside 0..65535") !=
        std::string::npos);
  CHECK(error_of(base_inputs("[server]\nworkers = 99999999999\n")).find("out of range") !=
        std::string::npos);
}

TEST_CASE("config::resolve warns about unknown keys and tables with their position") {
  auto c = must(base_inputs("[server]\nprot = 1\n[nonsense]\nx = 1\ntoplevel = 2\n"));
  CHECK(has_warning(c, "config.toml:2:1: unknown key [server] prot (ignored)"));
  CHECK(has_warning(c, "config.toml:3:2: unknown table [nonsense] (ignored)"));
}

TEST_CASE("config::resolve reports unsupported settings once, from file and environment") {
  auto in = base_inputs("[providers.claude]\nenabled = true\nbin = \"claude\"\n");
  in.env["AIRELAYS_OPENAI_BALANCE"] = "round-robin";
  auto c = must(in);
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0].find("[providers.claude], AIRELAYS_OPENAI_BALANCE") != std::string::npos);
  CHECK(c.balance == "round_robin");
}

TEST_CASE("config::resolve expands ~ and makes relative paths absolute") {
  auto in = base_inputs("[paths]\ndata_dir = \"~/state\"\nlogs_dir = \"logs/here\"\n");
  auto c = must(in);
  CHECK(c.data_dir == "/home/u/state");
  CHECK(c.logs_dir == "/work/logs/here");
  CHECK(c.bearer_token_file == "/home/u/state/relay-token");
}

TEST_CASE("config::resolve: --data-dir moves paths still derived from the old data dir") {
  auto in = base_inputs(slurp(AIRELAYS_TEST_SOURCE_DIR "/tests/data/airelays-init-config.toml"));
  in.flags["paths.data_dir"] = "/elsewhere";
  auto c = must(in);
  CHECK(c.data_dir == "/elsewhere");
  CHECK(c.logs_dir == "/elsewhere/logs");
  CHECK(c.bearer_token_file == "/elsewhere/relay-token");
  in.flags["paths.logs_dir"] = "/logs";
  CHECK(must(in).logs_dir == "/logs");
}

TEST_CASE("config::resolve uses the legacy ~/.airelay only when told it is the only one") {
  auto in = base_inputs();
  in.legacy_data_dir_only = true;
  CHECK(must(in).data_dir == "/home/u/.airelay");
  CHECK(must(in).bearer_token_file == "/home/u/.airelay/relay-token");
}

TEST_CASE("config::resolve fills bearer_token_env from AIRELAYS_BEARER_TOKEN, then AIRELAY_") {
  auto in = base_inputs();
  in.env["AIRELAY_BEARER_TOKEN"] = "legacy";
  CHECK(must(in).bearer_token_env == std::optional<std::string>("legacy"));
  in.env["AIRELAYS_BEARER_TOKEN"] = "plural";
  CHECK(must(in).bearer_token_env == std::optional<std::string>("plural"));
}

TEST_CASE("config::render_toml round-trips: what init writes loads back to the same values") {
  auto in = base_inputs();
  in.env["AIRELAYS_ALLOWED_ORIGINS"] = "http://localhost:3000";
  in.env["AIRELAYS_HOST"] = "::1";
  auto first = must(in);
  auto again = must(base_inputs(config::render_toml(first)));
  CHECK(again.warnings.empty());
  for (const auto& key : config::keys()) {
    if (!key.has(config::k_unsupported)) {
      CHECK_MESSAGE(config::toml_value(again, key) == config::toml_value(first, key),
                    key.display());
    }
  }
}

TEST_CASE("config::resolve refuses a timeout of 0 or less, naming the key, for every timeout") {
  CHECK(error_of(base_inputs("[upstream]\nstream_idle_timeout_seconds = 0\n")) ==
        "/home/u/.config/airelays/config.toml:2:31: [upstream] stream_idle_timeout_seconds: "
        "must be greater than 0 seconds (got 0); a timeout cannot be turned off, use a large "
        "value instead");
  for (const char* key : {"request_timeout_seconds", "connect_timeout_seconds",
                          "stream_idle_timeout_seconds", "first_content_timeout_seconds"}) {
    CAPTURE(key);
    CHECK(error_of(base_inputs(std::string("[upstream]\n") + key + " = 0\n"))
              .find(std::string("[upstream] ") + key + ": must be greater than 0") !=
          std::string::npos);
    CHECK(error_of(base_inputs(std::string("[upstream]\n") + key + " = -5\n")).find("(got -5)") !=
          std::string::npos);
  }
  CHECK(error_of(base_inputs("[auth]\nlogin_timeout_seconds = 0\n"))
            .find("[auth] login_timeout_seconds: must be greater than 0") != std::string::npos);
  auto in = base_inputs();
  in.env["AIRELAYS_STREAM_IDLE_TIMEOUT_SECONDS"] = "0";
  CHECK(error_of(in).find("environment variable AIRELAYS_STREAM_IDLE_TIMEOUT_SECONDS: "
                          "[upstream] stream_idle_timeout_seconds: must be greater than 0") == 0);
  auto fine = must(base_inputs("[upstream]\nrequest_timeout_seconds = 0.5\n"
                               "first_content_timeout_seconds = 30\n"));
  CHECK(fine.request_timeout_seconds == 0.5);
  CHECK(fine.first_content_timeout_seconds == 30);
  CHECK(must(base_inputs()).first_content_timeout_seconds == 300);
}
