// What the quick commands load and reach: `--version`, `token show` and `status` must not
// load libcurl and the libraries only it needs (30 of 39; they made up most of the start-up
// time users wait for, see docs/benchmarks.md), nor the HTTP module with httplib, libssl,
// zlib and brotli (Linux); a binary without its module says what to reinstall; and status's
// loopback probe of a running relay must not be sent to a proxy named in the environment.
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <thread>

using namespace airelays::test;
using nlohmann::json;

namespace {

// The shared objects the dynamic loader opened while running `airelays args` (glibc's
// LD_DEBUG=files lines "file=NAME [0];  needed by …" or "… dynamically loaded by …").
std::string loaded_libraries(Env& env, const std::vector<std::string>& args) {
  env.vars["LD_DEBUG"] = "files";
  auto r = run_airelays(env, args);
  env.vars.erase("LD_DEBUG");
  INFO("airelays " << args.front() << " stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  std::string files;
  for (size_t at = r.err.find("file="); at != std::string::npos; at = r.err.find("file=", at + 1)) {
    files += r.err.substr(at, r.err.find(' ', at) - at) + "\n";
  }
  return files;
}

} // namespace

#ifdef __linux__
TEST_CASE("--version, token show and status --json load neither libcurl nor httplib") {
  Env env;
  env.vars["AIRELAYS_AUTH_STORAGE"] = "file";
  env.vars["AIRELAYS_PORT"] = "1"; // nothing answers: status probes and finds no relay
  REQUIRE(run_airelays(env, {"init"}).exit_code == 0);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--version"}, {"token", "show"}, {"status", "--json"}}) {
    std::string files = loaded_libraries(env, args);
    INFO("airelays " << args.front() << " loaded:\n" << files);
    CHECK(files.find("libc.so") != std::string::npos); // LD_DEBUG took effect
    CHECK(files.find("libcurl") == std::string::npos);
    // The HTTP module (httplib, with libssl, zlib and brotli) is for serve and login only.
    CHECK(files.find("airelays-httpd") == std::string::npos);
    CHECK(files.find("httplib") == std::string::npos);
    CHECK(files.find("libssl") == std::string::npos);
    // libcrypto is opened by the first digest: status hashes the token for its fingerprint.
    if (args.front() != "status") {
      CHECK(files.find("libcrypto") == std::string::npos);
    }
  }
}

TEST_CASE("a binary without its HTTP module runs its other commands, and serve says what to do") {
  Env env;
  TempDir alone;
  std::string bin = alone.path() + "/airelays";
  std::filesystem::copy_file(airelays_bin(), bin);
  std::filesystem::permissions(bin, std::filesystem::perms::owner_all);
  auto version = run(std::vector<std::string>{bin, "--version"}, env.vars);
  CHECK(version.exit_code == 0);
  CHECK(version.out == "airelays " AIRELAYS_TEST_VERSION "\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{bin, "serve", "--port", "0", "--no-auth"},
        {bin, "login", "--browser", "--no-browser"}}) {
    auto r = run(args, env.vars);
    INFO("airelays " << args[1] << " stderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("airelays-httpd.so") != std::string::npos);
    CHECK(r.err.find("reinstall airelays") != std::string::npos);
    CHECK(r.out.find("listening on") == std::string::npos);
  }
}
#endif

TEST_CASE("status finds a running relay even when http_proxy names a proxy that is down") {
  Env env;
  httplib::Server fake;
  fake.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"ok":true})", "application/json");
  });
  int port = fake.bind_to_any_port("127.0.0.1");
  std::thread t([&] { fake.listen_after_bind(); });
  write_file(env.data_dir() + "/serve.json",
             json({{"pid", 4242}, {"host", "127.0.0.1"}, {"port", port}}).dump(), 0600);
  env.vars["http_proxy"] = "http://127.0.0.1:1";
  env.vars["HTTP_PROXY"] = "http://127.0.0.1:1";
  env.vars["all_proxy"] = "http://127.0.0.1:1";
  auto r = run_airelays(env, {"status", "--json"});
  fake.stop();
  t.join();
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  json j = json::parse(r.out);
  CHECK(j["server"]["answering"] == true);
  CHECK(j["server"]["port"] == port);
}

TEST_CASE("status finds a running relay bound to ::1") {
  Env env;
  httplib::Server fake;
  fake.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"ok":true})", "application/json");
  });
  int port = fake.bind_to_any_port("::1");
  if (port <= 0) {
    MESSAGE("skipped: no IPv6 loopback here");
    return;
  }
  std::thread t([&] { fake.listen_after_bind(); });
  write_file(env.data_dir() + "/serve.json",
             json({{"pid", 4242}, {"host", "::1"}, {"port", port}}).dump(), 0600);
  auto r = run_airelays(env, {"status", "--json"});
  fake.stop();
  t.join();
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out)["server"]["answering"] == true);
}
