// Exit codes and error messages of the CLI (docs/cli.md): 0 ok, 1 failure with one
// "airelays: error:" line, 2 usage with the usage text on stderr.
#include "test_support.hpp"

#include <doctest/doctest.h>

using namespace airelays::test;

TEST_CASE("usage errors exit 2 with the message and usage on stderr, nothing on stdout") {
  Env env;
  for (auto args : std::vector<std::vector<std::string>>{{"status", "--bogus"},
                                                         {"token"},
                                                         {"token", "reveal"},
                                                         {"--auth-storage", "cloud", "status"},
                                                         {}}) {
    auto r = run_airelays(env, args);
    INFO("args: " << (args.empty() ? "" : args[0]));
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("Usage") != std::string::npos);
  }
}

TEST_CASE("a malformed config file fails with exit 1 naming file and line") {
  Env env;
  write_file(env.config_file(), "[server]\nport = \"eighty\"\n");
  auto r = run_airelays(env, {"status"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "airelays: error: " + env.config_file() +
                     ":2:8: [server] port: expected an integer, got \"eighty\"\n");
  write_file(env.config_file(), "[server\n");
  auto bad = run_airelays(env, {"status", "--json"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("airelays: error: " + env.config_file() + ":1:") == 0);
  CHECK(bad.out.empty());
}

TEST_CASE("an uncoercible environment value fails with exit 1 naming the variable") {
  Env env;
  env.vars["AIRELAYS_PORT"] = "abc";
  auto r = run_airelays(env, {"status"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("environment variable AIRELAYS_PORT: [server] port") != std::string::npos);
}

TEST_CASE("unknown keys warn on stderr and the command still succeeds") {
  Env env;
  write_file(env.config_file(), "[server]\nprot = 1\n");
  auto r = run_airelays(env, {"status", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.err ==
        "airelays: warning: " + env.config_file() + ":2:1: unknown key [server] prot (ignored)\n");
}

TEST_CASE("an AIRelays config loads, reporting its unsupported settings once") {
  Env env;
  write_file(env.config_file(), read_file(data_dir() + "/airelays-init-config.toml"));
  auto r = run_airelays(env, {"status", "--json"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("[providers.claude]") != std::string::npos);
  CHECK(r.err.find("airelays: warning:") == r.err.rfind("airelays: warning:")); // one line
}

TEST_CASE("accounts and claude commands are accepted and answered 'not supported', exit 1") {
  Env env;
  for (auto args : std::vector<std::vector<std::string>>{{"accounts"},
                                                         {"accounts", "list", "--json"},
                                                         {"accounts", "refresh"},
                                                         {"claude", "set-token"},
                                                         {"claude", "logout"}}) {
    auto r = run_airelays(env, args);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("airelays: error: `airelays " + args[0] + "` is not supported") == 0);
  }
}
