// `airelays serve`: starting (the checks before binding), the runtime file `status` reads,
// and stopping on SIGTERM/SIGINT with exit 0.
#include "serve_helpers.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>

using namespace airelays::test;
using namespace airelays::test::serve;

TEST_CASE("serve refuses to start with auth required and no relay token, naming the fix") {
  Env env;
  auto r = run_airelays(env, {"serve", "--port", "0"}, std::chrono::seconds(10));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("no relay token is configured") != std::string::npos);
  CHECK(r.err.find("airelays init") != std::string::npos);
  CHECK(r.out.find("listening on") == std::string::npos);
}

TEST_CASE("serve refuses a non-loopback host unless [server] allow_non_loopback is set") {
  Env env;
  give_token(env);
  auto r =
      run_airelays(env, {"serve", "--host", "0.0.0.0", "--port", "0"}, std::chrono::seconds(10));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("allow_non_loopback") != std::string::npos);
}

TEST_CASE("serve on a non-loopback host with allow_non_loopback warns and accepts its address") {
  Env env;
  give_token(env);
  give_config(env, "[server]\nallow_non_loopback = true\n");
  Process p({airelays_bin(), "serve", "--host", "0.0.0.0", "--port", "0"}, env.vars);
  int port = p.wait_for_listening();
  REQUIRE(port > 0);
  CHECK(p.output().find("warning: listening on 0.0.0.0") != std::string::npos);
  auto r = client(port).Get("/healthz", {{"Host", "0.0.0.0:" + std::to_string(port)}});
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("serve --port 0 prints one listening line and writes the runtime file") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  std::string out = s->process.output();
  CHECK(out.find("listening on http://127.0.0.1:" + std::to_string(s->port)) != std::string::npos);
  CHECK(out.find("listening on") == out.rfind("listening on"));
  std::string runtime = env.data_dir() + "/serve.json";
  REQUIRE(std::filesystem::exists(runtime));
  CHECK(file_mode(runtime) == 0600);
  auto j = nlohmann::json::parse(read_file(runtime));
  CHECK(j["pid"] == s->process.pid());
  CHECK(j["port"] == s->port);
  CHECK(j["host"] == "127.0.0.1");
  CHECK(j["started_at"].is_number());
}

TEST_CASE("serve exits 0 on SIGTERM and removes the runtime file") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  REQUIRE(client(s->port).Get("/healthz")->status == 200);
  s->process.signal(SIGTERM);
  auto code = s->process.wait(std::chrono::seconds(15));
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK_FALSE(std::filesystem::exists(env.data_dir() + "/serve.json"));
}

TEST_CASE("serve exits 0 on SIGINT while a keep-alive client is connected") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  c.set_keep_alive(true);
  REQUIRE(c.Get("/healthz")->status == 200);
  s->process.signal(SIGINT);
  auto code = s->process.wait(std::chrono::seconds(15));
  REQUIRE(code);
  CHECK(*code == 0);
}

TEST_CASE("serve with a port already in use fails with a clear message") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto r =
      run_airelays(env, {"serve", "--port", std::to_string(s->port)}, std::chrono::seconds(10));
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("cannot listen on 127.0.0.1:" + std::to_string(s->port)) != std::string::npos);
}
