// The real binary's first-run path: `init` writes a private config and relay token,
// `token show` reveals it, `token rotate` replaces it; JSON fields and file modes are what a
// user (or a script) relies on.
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <regex>

using namespace airelays::test;
using nlohmann::json;

namespace {

json run_json(const Env& env, const std::vector<std::string>& args) {
  auto r = run_airelays(env, args);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

} // namespace

TEST_CASE("init creates a 0600 config, a 0700 data dir and a 0600 relay token it reveals once") {
  Env env;
  json j = run_json(env, {"init", "--json"});
  CHECK(j["config_path"] == env.config_file());
  CHECK(j["config_created"] == true);
  CHECK(j["bearer_token_created"] == true);
  CHECK(j["bearer_token_source"] == "file");
  CHECK(j["bearer_token_file"] == env.data_dir() + "/relay-token");
  std::string token = j["relay_token"];
  CHECK(std::regex_match(token, std::regex("[A-Za-z0-9_-]{43}")));
  CHECK(j["client"]["relay_token"] == token);
  CHECK(j["client"]["base_url"] == "http://127.0.0.1:8080/v1");
  CHECK(j["next_steps"].back() == "airelays serve --host 127.0.0.1 --port 8080");
  CHECK(file_mode(env.config_file()) == 0600);
  CHECK(file_mode(env.home / ".config/airelays") == 0700);
  CHECK(file_mode(env.data_dir()) == 0700);
  CHECK(file_mode(env.data_dir() + "/relay-token") == 0600);
  CHECK(trimmed(read_file(env.data_dir() + "/relay-token")) == token);

  json again = run_json(env, {"init", "--json"});
  CHECK(again["config_created"] == false);
  CHECK(again["bearer_token_created"] == false);
  CHECK(again["relay_token"].is_null());
  CHECK_FALSE(again["client"].contains("relay_token"));
  json shown = run_json(env, {"init", "--json", "--show-token"});
  CHECK(shown["relay_token"] == token);
}

TEST_CASE("init writes a config that loads back without warnings and keeps env settings") {
  Env env;
  env.vars["AIRELAYS_PORT"] = "9123";
  auto r = run_airelays(env, {"init"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("  Relay token:       created\n") != std::string::npos);
  CHECK(r.out.find("(created)") != std::string::npos);
  std::string text = read_file(env.config_file());
  CHECK(text.find("[server]\nhost = \"127.0.0.1\"\nport = 9123\n") == 0);
  CHECK(text.find("data_dir = \"" + env.data_dir() + "\"") != std::string::npos);
  CHECK(text.find("client_version = \"0.169.0\"") != std::string::npos);
  env.vars.erase("AIRELAYS_PORT");
  auto st = run_airelays(env, {"status", "--json"});
  REQUIRE(st.exit_code == 0);
  CHECK(st.err.empty());
  CHECK(json::parse(st.out)["relay"]["port"] == 9123);
}

TEST_CASE("init --no-auth writes require_bearer_auth = false and creates no token") {
  Env env;
  json j = run_json(env, {"init", "--no-auth", "--json"});
  CHECK(j["bearer_token_created"] == false);
  CHECK(j["relay_token"].is_null());
  CHECK(j["client"]["requires_bearer_auth"] == false);
  CHECK(j["next_steps"].back() == "airelays serve --host 127.0.0.1 --port 8080 --no-auth");
  CHECK(read_file(env.config_file()).find("require_bearer_auth = false") != std::string::npos);
  CHECK(file_mode(env.data_dir() + "/relay-token") == -1);
}

TEST_CASE("init --force rewrites the config file but keeps the relay token") {
  Env env;
  json first = run_json(env, {"init", "--json"});
  write_file(env.config_file(), "[server]\nport = 1\n", 0600);
  json forced = run_json(env, {"init", "--force", "--json", "--show-token"});
  CHECK(forced["config_created"] == true);
  CHECK(forced["relay_token"] == first["relay_token"]);
  // The rewritten file holds the effective settings: the old file's port, every other key.
  std::string text = read_file(env.config_file());
  CHECK(text.find("port = 1\n") != std::string::npos);
  CHECK(text.find("[upstream]\nbase_url = ") != std::string::npos);
}

TEST_CASE("token show reveals the token; without one it says how to get one and exits 1") {
  Env env;
  auto none_run = run_airelays(env, {"token", "show", "--json"});
  CHECK(none_run.exit_code == 1); // `token show || init` must run init on a fresh HOME
  json none = json::parse(none_run.out);
  CHECK(none["bearer_token_present"] == false);
  CHECK(none["relay_token"].is_null());
  CHECK(none["next_steps"] == json({"airelays init", "airelays token rotate"}));
  auto none_text = run_airelays(env, {"token", "show"});
  CHECK(none_text.exit_code == 1);
  CHECK(none_text.out.find("Relay token:       missing") != std::string::npos);
  write_file(env.data_dir() + "/relay-token", "tok-123\n", 0600);
  json some = run_json(env, {"token", "show", "--json"});
  CHECK(some["bearer_token_present"] == true);
  CHECK(some["bearer_token_source"] == "file");
  CHECK(some["relay_token"] == "tok-123");
  CHECK(some["next_steps"].empty());
  auto text = run_airelays(env, {"token", "show"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("  Relay token:       tok-123\n") != std::string::npos);
}

TEST_CASE("token show --raw and token rotate --raw print only the token and a newline") {
  Env env;
  auto missing = run_airelays(env, {"token", "show", "--raw"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.empty());
  CHECK(missing.err.find("airelays init") != std::string::npos);
  write_file(env.data_dir() + "/relay-token", "tok-123\n", 0600);
  auto shown = run_airelays(env, {"token", "show", "--raw"});
  CHECK(shown.exit_code == 0);
  CHECK(shown.out == "tok-123\n");
  auto rotated = run_airelays(env, {"token", "rotate", "--raw"});
  CHECK(rotated.exit_code == 0);
  CHECK(std::regex_match(rotated.out, std::regex("[A-Za-z0-9_-]{43}\n")));
  CHECK(run_airelays(env, {"token", "show", "--raw"}).out == rotated.out);
  CHECK(run_airelays(env, {"token", "show", "--raw", "--json"}).exit_code == 2);
}

TEST_CASE("the quick-start chain `token show || init` creates a token on a fresh HOME, and init "
          "run again keeps it and says so") {
  Env env;
  CHECK(run_airelays(env, {"token", "show"}).exit_code != 0);
  auto first = run_airelays(env, {"init"});
  REQUIRE(first.exit_code == 0);
  std::string token = run_airelays(env, {"token", "show", "--raw"}).out;
  CHECK(token.size() == 44);
  auto again = run_airelays(env, {"init"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("Kept the existing config and relay token") != std::string::npos);
  CHECK(run_airelays(env, {"token", "show", "--raw"}).out == token);
}

TEST_CASE("token rotate writes a new 0600 token that token show then returns") {
  Env env;
  write_file(env.data_dir() + "/relay-token", "old-token\n", 0600);
  json j = run_json(env, {"token", "rotate", "--json"});
  std::string fresh = j["relay_token"];
  CHECK(fresh != "old-token");
  CHECK(fresh.size() == 43);
  CHECK(j["client"]["relay_token"] == fresh);
  CHECK(file_mode(env.data_dir() + "/relay-token") == 0600);
  CHECK(run_json(env, {"token", "show", "--json"})["relay_token"] == fresh);
  auto text = run_airelays(env, {"token", "rotate"});
  CHECK(text.out.find("1. Update any clients that still use the old relay token.") !=
        std::string::npos);
  CHECK(text.out.find(fresh) == std::string::npos); // rotated again: a newer token is shown
}

TEST_CASE("AIRELAYS_BEARER_TOKEN overrides the token file, and rotate warns it still wins") {
  Env env;
  env.vars["AIRELAYS_BEARER_TOKEN"] = "from-env";
  json j = run_json(env, {"token", "show", "--json"});
  CHECK(j["bearer_token_source"] == "env");
  CHECK(j["relay_token"] == "from-env");
  auto r = run_airelays(env, {"token", "rotate", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("AIRELAYS_BEARER_TOKEN is set") != std::string::npos);
  CHECK(r.err.find("from-env") == std::string::npos);
}
