// status_report: the JSON fields scripts read and the human layout people read, from the
// same data set.
#include <airelays/status_report.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using status_report::Data;

namespace {

Data sample() {
  Data d;
  d.cfg.config_path = "/h/.config/airelays/config.toml";
  d.cfg.data_dir = "/h/.airelays";
  d.cfg.logs_dir = "/h/.airelays/logs";
  d.cfg.bearer_token_file = "/h/.airelays/relay-token";
  d.auth_file = "/h/.airelays/auth.json";
  return d;
}

Data with_token(Data d) {
  d.token.present = true;
  d.token.source = "file";
  d.token.fingerprint = "0123456789ab";
  return d;
}

Data ready(Data d) {
  d.login.state = "ready";
  d.login.storage = "file";
  d.login.email = "me@example.com";
  d.login.plan = "plus";
  d.login.account_id = "acct_1";
  d.login.last_refresh = 0;
  d.login.access_token_expires_at = 4102444800; // 2100-01-01
  return d;
}

} // namespace

TEST_CASE("status JSON has the reference's five keys plus server and usage_windows") {
  auto j = status_report::to_json(sample());
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) {
    keys.push_back(k);
  }
  CHECK(keys == std::vector<std::string>{"relay", "auth", "providers", "client", "next_steps",
                                         "server", "usage_windows"});
}

TEST_CASE("status JSON without a token or login: missing token, signed_out, init then login") {
  auto j = status_report::to_json(sample());
  CHECK(j["relay"]["bearer_token_present"] == false);
  CHECK(j["relay"]["bearer_token_source"].is_null());
  CHECK(j["relay"]["bearer_token_fingerprint"].is_null());
  CHECK(j["relay"]["data_dir"] == "/h/.airelays");
  CHECK(j["relay"]["auth_file"] == "/h/.airelays/auth.json");
  CHECK(j["relay"]["client_base_url"] == "http://127.0.0.1:8080/v1");
  CHECK(j["auth"]["state"] == "signed_out");
  CHECK(j["auth"]["authenticated"] == false);
  CHECK(j["auth"]["ready_for_requests"] == false);
  CHECK(j["auth"]["email"].is_null());
  CHECK(j["auth"]["storage_mode"] == "auto");
  CHECK(j["providers"]["openai"] == j["auth"]);
  CHECK(j["next_steps"] == nlohmann::ordered_json({"airelays init", "airelays login"}));
  CHECK(j["server"]["answering"] == false);
  CHECK(j["server"]["pid"].is_null());
}

TEST_CASE("status JSON with token and login: ready, ISO times, serve as the next step") {
  auto j = status_report::to_json(ready(with_token(sample())));
  CHECK(j["relay"]["bearer_token_present"] == true);
  CHECK(j["relay"]["bearer_token_source"] == "file");
  CHECK(j["relay"]["bearer_token_fingerprint"] == "0123456789ab");
  CHECK(j["auth"]["state"] == "ready");
  CHECK(j["auth"]["ready_for_requests"] == true);
  CHECK(j["auth"]["email"] == "me@example.com");
  CHECK(j["auth"]["plan_type"] == "plus");
  CHECK(j["auth"]["account_id"] == "acct_1");
  CHECK(j["auth"]["last_refresh"] == "1970-01-01T00:00:00+00:00");
  CHECK(j["auth"]["access_token_expires_at"] == "2100-01-01T00:00:00+00:00");
  CHECK(j["next_steps"] == nlohmann::ordered_json({"airelays serve --host 127.0.0.1 --port 8080"}));
}

TEST_CASE("status JSON: login_required carries its reason and asks for a login") {
  Data d = with_token(sample());
  d.login.state = "login_required";
  d.login.login_required_reason = "refresh_token_reused";
  d.headless = true;
  auto j = status_report::to_json(d);
  CHECK(j["auth"]["state"] == "login_required");
  CHECK(j["auth"]["login_required_reason"] == "refresh_token_reused");
  CHECK(j["auth"]["ready_for_requests"] == false);
  CHECK(j["next_steps"] == nlohmann::ordered_json({"airelays login --device"}));
}

TEST_CASE("status JSON with auth disabled: open client block, serve --no-auth") {
  Data d = ready(sample());
  d.cfg.require_bearer_auth = false;
  auto j = status_report::to_json(d);
  CHECK(j["client"]["requires_bearer_auth"] == false);
  CHECK(j["client"].contains("api_key_note"));
  CHECK_FALSE(j["client"].contains("token_file"));
  CHECK(j["next_steps"] ==
        nlohmann::ordered_json({"airelays serve --host 127.0.0.1 --port 8080 --no-auth"}));
}

TEST_CASE("status JSON: a running relay is reported and not suggested again") {
  Data d = ready(with_token(sample()));
  d.server = {true, 4242, 8080};
  auto j = status_report::to_json(d);
  CHECK(j["server"]["answering"] == true);
  CHECK(j["server"]["pid"] == 4242);
  CHECK(j["server"]["port"] == 8080);
  CHECK(j["next_steps"].empty());
}

TEST_CASE("status text has the Relay and Upstream Session sections with aligned fields") {
  std::string t = status_report::to_text(ready(with_token(sample())), false);
  CHECK(t.rfind("airelays " AIRELAYS_VERSION " Status\n", 0) == 0);
  CHECK(t.find("\nRelay\n") != std::string::npos);
  CHECK(t.find("\nUpstream Session\n") != std::string::npos);
  CHECK(t.find("  Relay token:       present\n") != std::string::npos);
  CHECK(t.find("  Ready:             yes\n") != std::string::npos);
  CHECK(t.find("  Email:             me@example.com\n") != std::string::npos);
  CHECK(t.find("\x1b[") == std::string::npos);
}

TEST_CASE("status text: missing token and signed out, with numbered next steps") {
  std::string t = status_report::to_text(sample(), false);
  CHECK(t.find("  Relay token:       missing\n") != std::string::npos);
  CHECK(t.find("  Ready:             no\n") != std::string::npos);
  CHECK(t.find("  State:             signed out\n") != std::string::npos);
  CHECK(t.find("  Email:             not set\n") != std::string::npos);
  CHECK(t.find("Next Steps\n  1. airelays init\n  2. airelays login\n") != std::string::npos);
}

TEST_CASE("status text is coloured only when asked") {
  std::string t = status_report::to_text(sample(), true);
  CHECK(t.find("\x1b[1;36mairelays") != std::string::npos);
  CHECK(t.find("\x1b[31mmissing\x1b[0m") != std::string::npos);
}

TEST_CASE("status_report::base_url brackets an IPv6 host") {
  config::Config c;
  c.host = "::1";
  c.port = 9;
  CHECK(status_report::base_url(c) == "http://[::1]:9/v1");
}

TEST_CASE("status JSON's relay section keeps the reference's key order, edge limits included") {
  auto j = status_report::to_json(sample());
  std::vector<std::string> keys;
  for (auto& [k, v] : j["relay"].items()) {
    keys.push_back(k);
  }
  CHECK(keys == std::vector<std::string>{"app_name",
                                         "config_path",
                                         "config_exists",
                                         "host",
                                         "port",
                                         "auth_storage_mode",
                                         "data_dir",
                                         "auth_file",
                                         "logs_dir",
                                         "browser_open",
                                         "require_bearer_auth",
                                         "bearer_token_file",
                                         "bearer_token_present",
                                         "bearer_token_source",
                                         "bearer_token_fingerprint",
                                         "auto_generate_bearer_token",
                                         "rate_limit_per_minute",
                                         "rate_limit_burst",
                                         "concurrent_requests_per_ip",
                                         "failed_auth_window_seconds",
                                         "failed_auth_max_attempts",
                                         "failed_auth_block_seconds",
                                         "trust_x_forwarded_for",
                                         "max_upload_bytes",
                                         "max_total_upload_bytes",
                                         "client_base_url",
                                         "providers",
                                         "upstream_base_url"});
  CHECK(j["relay"]["rate_limit_burst"] == sample().cfg.rate_limit_burst);
}
