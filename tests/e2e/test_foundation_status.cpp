// `airelays status` as users and scripts see it: the JSON values for token present/absent,
// storage mode, paths and login state, the human sections, the probe of a running relay,
// and global options before or after the subcommand.
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <thread>

using namespace airelays::test;
using nlohmann::json;

namespace {

json status_json(const Env& env, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"status", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_airelays(env, args);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::string b64url(const std::string& s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), (int)s.size());
  out.resize(n);
  for (auto& c : out) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  return out;
}

std::string jwt(const json& claims) {
  return b64url(R"({"alg":"none"})") + "." + b64url(claims.dump()) + ".sig";
}

} // namespace

TEST_CASE("status --json on a fresh machine: no token, signed_out, default paths, exit 0") {
  Env env;
  env.vars["AIRELAYS_PORT"] = "1"; // nothing answers there
  json j = status_json(env);
  CHECK(j["relay"]["config_path"] == env.config_file());
  CHECK(j["relay"]["config_exists"] == false);
  CHECK(j["relay"]["data_dir"] == env.data_dir());
  CHECK(j["relay"]["auth_file"] == env.data_dir() + "/auth.json");
  CHECK(j["relay"]["logs_dir"] == env.data_dir() + "/logs");
  CHECK(j["relay"]["bearer_token_file"] == env.data_dir() + "/relay-token");
  CHECK(j["relay"]["bearer_token_present"] == false);
  CHECK(j["relay"]["bearer_token_source"].is_null());
  CHECK(j["relay"]["auth_storage_mode"] == "auto");
  CHECK(j["auth"]["state"] == "signed_out");
  CHECK(j["auth"]["ready_for_requests"] == false);
  CHECK(j["next_steps"][0] == "airelays init");
  CHECK(j["server"]["answering"] == false);
}

TEST_CASE("status --json after init: token present from the file with its fingerprint") {
  Env env;
  auto init = run_airelays(env, {"init", "--json"});
  REQUIRE(init.exit_code == 0);
  json j = status_json(env);
  CHECK(j["relay"]["config_exists"] == true);
  CHECK(j["relay"]["bearer_token_present"] == true);
  CHECK(j["relay"]["bearer_token_source"] == "file");
  CHECK(j["relay"]["bearer_token_fingerprint"].get<std::string>().size() == 12);
  CHECK(j["client"]["token_file"] == env.data_dir() + "/relay-token");
  CHECK(j["client"].contains("relay_token") == false); // status never reveals it
  CHECK(init.out.find(j["relay"]["bearer_token_fingerprint"].get<std::string>()) ==
        std::string::npos);
}

TEST_CASE("status --json: storage mode and data dir from options before or after the command") {
  Env env;
  TempDir other;
  json after = status_json(env, {"--auth-storage", "file", "--data-dir", other.path()});
  CHECK(after["relay"]["auth_storage_mode"] == "file");
  CHECK(after["auth"]["storage_mode"] == "file");
  CHECK(after["relay"]["data_dir"] == other.path());
  CHECK(after["relay"]["bearer_token_file"] == other.path() + "/relay-token");
  auto before = run_airelays(env, {"--auth-storage", "keyring", "status", "--json"});
  REQUIRE(before.exit_code == 0);
  CHECK(json::parse(before.out)["relay"]["auth_storage_mode"] == "keyring");
  env.vars["AIRELAYS_AUTH_STORAGE"] = "file";
  CHECK(status_json(env)["relay"]["auth_storage_mode"] == "file");
}

TEST_CASE("status --json: AIRELAYS_BEARER_TOKEN is reported as source env, never printed") {
  Env env;
  env.vars["AIRELAYS_BEARER_TOKEN"] = "secret-env-token";
  auto r = run_airelays(env, {"status", "--json"});
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["relay"]["bearer_token_source"] == "env");
  CHECK(r.out.find("secret-env-token") == std::string::npos);
}

TEST_CASE("status --json with auth disabled needs no token") {
  Env env;
  env.vars["AIRELAYS_REQUIRE_BEARER_AUTH"] = "false";
  json j = status_json(env);
  CHECK(j["relay"]["require_bearer_auth"] == false);
  CHECK(j["client"]["requires_bearer_auth"] == false);
  CHECK(j["next_steps"][0] != "airelays init");
}

TEST_CASE("status --json reports a planted login record as ready with its email and plan") {
  Env env;
  json claims = {{"email", "me@example.com"},
                 {"https://api.openai.com/auth",
                  {{"chatgpt_plan_type", "plus"}, {"chatgpt_account_id", "acct_1"}}}};
  json record = {{"bound_account_id", "acct_1"},
                 {"tokens",
                  {{"id_token", jwt(claims)},
                   {"access_token", jwt({{"exp", 4102444800}})},
                   {"refresh_token", "rt-1"},
                   {"account_id", "acct_1"}}},
                 {"last_refresh", "2026-11-22T07:12:38.928510+00:00"}};
  write_file(env.data_dir() + "/auth.json", record.dump(2), 0600);
  auto r = run_airelays(env, {"status", "--json", "--auth-storage", "file"});
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  CHECK(j["auth"]["state"] == "ready");
  CHECK(j["auth"]["ready_for_requests"] == true);
  CHECK(j["auth"]["email"] == "me@example.com");
  CHECK(j["auth"]["plan_type"] == "plus");
  CHECK(j["auth"]["account_id"] == "acct_1");
  CHECK(j["auth"]["access_token_expires_at"] == "2100-01-01T00:00:00+00:00");
  CHECK(r.out.find("rt-1") == std::string::npos);
}

TEST_CASE("status text: Relay and Upstream Session sections, plain when NO_COLOR is set") {
  Env env;
  REQUIRE(run_airelays(env, {"init"}).exit_code == 0);
  auto r = run_airelays(env, {"status"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("\nRelay\n") != std::string::npos);
  CHECK(r.out.find("  Relay token:       present\n") != std::string::npos);
  CHECK(r.out.find("\nUpstream Session\n") != std::string::npos);
  CHECK(r.out.find("  Ready:             no\n") != std::string::npos);
  CHECK(r.out.find("\x1b[") == std::string::npos);
}

TEST_CASE("status finds a running relay through serve.json and one /healthz probe") {
  Env env;
  httplib::Server fake;
  fake.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"ok":true})", "application/json");
  });
  int port = fake.bind_to_any_port("127.0.0.1"); // listening from here on
  std::thread t([&] { fake.listen_after_bind(); });
  write_file(env.data_dir() + "/serve.json",
             json({{"pid", 4242}, {"host", "127.0.0.1"}, {"port", port}}).dump(), 0600);
  json j = status_json(env);
  fake.stop();
  t.join();
  CHECK(j["server"]["answering"] == true);
  CHECK(j["server"]["pid"] == 4242);
  CHECK(j["server"]["port"] == port);
  // Stopped: the stale serve.json no longer counts.
  json after = status_json(env);
  CHECK(after["server"]["answering"] == false);
  CHECK(after["server"]["pid"].is_null());
}

TEST_CASE("status --data-dir OTHER does not report the relay of another data dir on its port") {
  Env env;
  write_file(env.data_dir() + "/relay-token", "tok-status\n", 0600);
  auto server = start_server(env);
  json mine = status_json(env);
  CHECK(mine["server"]["answering"] == true);
  // Same config port, another data dir with no serve.json: no relay of that data dir runs.
  env.vars["AIRELAYS_PORT"] = std::to_string(server->port);
  auto other = run_airelays(env, {"status", "--json", "--data-dir", env.home / "other"});
  REQUIRE(other.exit_code == 0);
  json j = json::parse(other.out);
  CHECK(j["server"]["answering"] == false);
  CHECK(j["server"]["port"].is_null());
}
