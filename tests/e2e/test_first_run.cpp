// What a newcomer meets in the first hour (issue 13), end to end with the real binary: usage
// errors that name the unknown word, --help pages that mention the global options, and a relay
// with the OpenAI runtime switched off answering as AIRelays does (no models, 422 on
// generations, 501 on subscription status) instead of "no login".
#include "serve_helpers.hpp"

#include <doctest/doctest.h>

using namespace airelays::test;
using namespace airelays::test::serve;
using nlohmann::json;

TEST_CASE("an unknown command or token subcommand is named, with the valid ones, exit 2") {
  Env env;
  auto top = run_airelays(env, {"bogus"});
  CHECK(top.exit_code == 2);
  CHECK(top.out.empty());
  CHECK(top.err.find("unknown command \"bogus\"") != std::string::npos);
  CHECK(top.err.find("valid commands: init, login, logout, token, status, serve, models, doctor") !=
        std::string::npos);
  CHECK(top.err.find("__complete") == std::string::npos);
  auto token = run_airelays(env, {"--data-dir", env.data_dir(), "token", "bogus"});
  CHECK(token.exit_code == 2);
  CHECK(token.err.find("unknown token command \"bogus\"; valid token commands: show, rotate") !=
        std::string::npos);
  auto missing = run_airelays(env, {"token"});
  CHECK(missing.exit_code == 2); // no word at all: CLI11's own message
}

TEST_CASE("every subcommand's --help says the global options are accepted there too") {
  Env env;
  for (std::vector<std::string> args : {std::vector<std::string>{"status", "--help"},
                                        {"token", "show", "--help"},
                                        {"serve", "--help"},
                                        {"login", "--help"}}) {
    CAPTURE(args[0]);
    auto r = run_airelays(env, args);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Global options (--config, --data-dir, --logs-dir, --auth-storage, "
                     "--bearer-token-file) are accepted here too") != std::string::npos);
  }
}

TEST_CASE("with the OpenAI runtime disabled: models 200 and empty, generations 422, "
          "subscription status 501") {
  Env env;
  give_token(env);
  give_config(env, "[providers.openai]\nenabled = false\n");
  auto s = start_server(env);
  auto c = client(s->port);
  auto models = c.Get("/v1/models", bearer());
  REQUIRE(models);
  CHECK(models->status == 200);
  CHECK(body_json(models) == json({{"object", "list"}, {"data", json::array()}}));
  auto chat = c.Post("/v1/chat/completions", bearer(),
                     R"({"model":"gpt-5.5","messages":[{"role":"user","content":"hi"}]})",
                     "application/json");
  REQUIRE(chat);
  CHECK(chat->status == 422);
  CHECK(openai_error(chat));
  CHECK(body_json(chat)["error"]["message"] ==
        "Unknown model `gpt-5.5` and the OpenAI runtime is disabled.");
  auto responses =
      c.Post("/v1/responses", bearer(), R"({"model":"gpt-5.5","input":"hi"})", "application/json");
  REQUIRE(responses);
  CHECK(responses->status == 422);
  auto sub = c.Get("/v1/subscription/status", bearer());
  REQUIRE(sub);
  CHECK(sub->status == 501);
  CHECK(openai_error(sub));
  CHECK(body_json(sub)["error"]["message"] ==
        "The OpenAI subscription runtime is disabled for this airelays process.");
}

TEST_CASE("status with --auth-storage keyring and no Secret Service says the keyring is "
          "unreachable and what to do") {
  Env env; // no D-Bus session bus: no keyring answers
  auto r = run_airelays(env, {"status", "--auth-storage", "keyring"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("  Login store:       unreachable: ") != std::string::npos);
  CHECK(r.out.find("The keyring does not answer: start a Secret Service") != std::string::npos);
  CHECK(r.out.find("`--auth-storage file`") != std::string::npos);
  auto j = json::parse(run_airelays(env, {"status", "--json", "--auth-storage", "keyring"}).out);
  CHECK(j["auth"]["storage_problem"].is_string());
  // A readable store has no problem to report.
  auto file = json::parse(run_airelays(env, {"status", "--json", "--auth-storage", "file"}).out);
  CHECK(file["auth"]["storage_problem"].is_null());
}

TEST_CASE("a text/plain body on a JSON route is 415, as the docs say") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto r = client(s->port).Post(
      "/v1/chat/completions", bearer(),
      R"({"model":"gpt-5.5","messages":[{"role":"user","content":"hi"}]})", "text/plain");
  REQUIRE(r);
  CHECK(r->status == 415);
  CHECK(body_json(r)["error"]["code"] == "unsupported_media_type");
  std::string docs = read_file(AIRELAYS_TEST_SOURCE_DIR "/docs/troubleshooting.md");
  CHECK(docs.find("`text/plain` and every other type get 415") != std::string::npos);
}

TEST_CASE("troubleshooting.md quotes serve's start-up errors as the binary prints them") {
  Env env;
  std::string docs = read_file(AIRELAYS_TEST_SOURCE_DIR "/docs/troubleshooting.md");
  auto message = [](const RunResult& r) {
    std::string m = r.err.substr(0, r.err.find('\n'));
    std::string prefix = "airelays: error: ";
    REQUIRE(m.rfind(prefix, 0) == 0);
    m = m.substr(prefix.size());
    for (size_t at; (at = m.find("70000")) != std::string::npos;) {
      m.replace(at, 5, "N");
    }
    return m;
  };
  auto flag = run_airelays(env, {"serve", "--port", "70000"});
  CHECK(flag.exit_code == 2);
  CHECK_MESSAGE(docs.find("`" + message(flag) + "`") != std::string::npos, message(flag));
  env.vars["AIRELAYS_PORT"] = "70000";
  auto var = run_airelays(env, {"serve"});
  CHECK(var.exit_code == 1);
  CHECK_MESSAGE(docs.find("`" + message(var) + "`") != std::string::npos, message(var));
  env.vars.erase("AIRELAYS_PORT");
  auto no_token = run_airelays(env, {"serve", "--port", "0"});
  CHECK(no_token.exit_code == 1);
  CHECK_MESSAGE(docs.find(message(no_token)) != std::string::npos, message(no_token));
}
