// paths: where the config file and the data dir are found (XDG, legacy singular names, the
// variables in priority order) and private directories.
#include "test_support.hpp"

#include <airelays/paths.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <sys/stat.h>

using namespace airelays;

namespace {

paths::Env home_env(const test::TempDir& home) { return {{"HOME", home.path()}}; }

} // namespace

TEST_CASE("paths::config_path defaults to ~/.config/airelays/config.toml, honouring XDG") {
  test::TempDir home;
  paths::Env env = home_env(home);
  CHECK(paths::config_path({}, env) == home / ".config/airelays/config.toml");
  env["XDG_CONFIG_HOME"] = home / "xdg";
  CHECK(paths::config_path({}, env) == home / "xdg/airelays/config.toml");
  env["XDG_CONFIG_HOME"] = "relative/is/ignored";
  CHECK(paths::config_path({}, env) == home / ".config/airelays/config.toml");
}

TEST_CASE("paths::config_path falls back to the legacy ~/.config/airelay only when alone") {
  test::TempDir home;
  paths::Env env = home_env(home);
  test::write_file(home / ".config/airelay/config.toml", "");
  CHECK(paths::config_path({}, env) == home / ".config/airelay/config.toml");
  test::write_file(home / ".config/airelays/config.toml", "");
  CHECK(paths::config_path({}, env) == home / ".config/airelays/config.toml");
}

TEST_CASE(
    "paths::config_path: --config > AIRELAYS_CONFIG > AIRELAY_CONFIG > OPENAI_ENDPOINT_CONFIG") {
  test::TempDir home;
  paths::Env env = home_env(home);
  env["OPENAI_ENDPOINT_CONFIG"] = "/c/oe.toml";
  CHECK(paths::config_path({}, env) == "/c/oe.toml");
  env["AIRELAY_CONFIG"] = "/c/singular.toml";
  CHECK(paths::config_path({}, env) == "/c/singular.toml");
  env["AIRELAYS_CONFIG"] = "~/plural.toml";
  CHECK(paths::config_path({}, env) == home / "plural.toml");
  CHECK(paths::config_path({{"config", "/c/flag.toml"}}, env) == "/c/flag.toml");
}

TEST_CASE("paths::load_config reads the file and reuses a legacy ~/.airelay data dir") {
  test::TempDir home;
  paths::Env env = home_env(home);
  test::write_file(home / ".config/airelays/config.toml", "[server]\nport = 1234\n");
  std::filesystem::create_directories(home / ".airelay");
  auto c = paths::load_config({}, env);
  REQUIRE(c.ok());
  CHECK(c->port == 1234);
  CHECK(c->config_file_exists);
  CHECK(c->data_dir == home / ".airelay");
  std::filesystem::create_directories(home / ".airelays");
  CHECK(paths::load_config({}, env)->data_dir == home / ".airelays");
}

TEST_CASE("paths::load_config: a missing file is not an error, a malformed one is") {
  test::TempDir home;
  paths::Env env = home_env(home);
  auto c = paths::load_config({}, env);
  REQUIRE(c.ok());
  CHECK_FALSE(c->config_file_exists);
  test::write_file(home / "bad.toml", "[server\n");
  auto bad = paths::load_config({{"config", home / "bad.toml"}}, env);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find(home / "bad.toml:1:") == 0);
}

TEST_CASE("paths::layout puts every state file under the data dir") {
  config::Config c;
  c.data_dir = "/d";
  c.logs_dir = "/d/logs";
  c.bearer_token_file = "/t/relay-token";
  auto l = paths::layout(c);
  CHECK(l.auth_file == "/d/auth.json");
  CHECK(l.auth_lock == "/d/auth.lock");
  CHECK(l.runtime_file == "/d/serve.json");
  CHECK(l.token_file == "/t/relay-token");
}

TEST_CASE("paths::ensure_private_dir creates missing directories 0700 and leaves others") {
  test::TempDir root;
  REQUIRE(paths::ensure_private_dir(root / "a/b/c").ok());
  CHECK(test::file_mode(root / "a") == 0700);
  CHECK(test::file_mode(root / "a/b/c") == 0700);
  std::filesystem::create_directories(root / "open");
  ::chmod((root / "open").c_str(), 0755);
  REQUIRE(paths::ensure_private_dir(root / "open").ok());
  CHECK(test::file_mode(root / "open") == 0755);
}
