// Secrets other local users can read (issue 14, item 6): `status` and `doctor` warn when the
// relay token, auth.json or the data dir are open to group or others; `init` and
// `token rotate` put the modes back to 0600/0700.
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

using namespace airelays::test;
using json = nlohmann::json;

namespace {

struct Secrets {
  std::string dir, token, auth;
};

// An initialised data dir whose three secrets are then opened up to everyone.
Secrets exposed_secrets(const Env& env) {
  REQUIRE(run_airelays(env, {"init"}).exit_code == 0);
  Secrets s{env.data_dir(), env.data_dir() + "/relay-token", env.data_dir() + "/auth.json"};
  write_file(s.auth, "{}", 0600);
  ::chmod(s.token.c_str(), 0644);
  ::chmod(s.auth.c_str(), 0640);
  ::chmod(s.dir.c_str(), 0755);
  return s;
}

} // namespace

TEST_CASE("status and doctor warn about secrets other users can read") {
  Env env;
  auto s = exposed_secrets(env);
  auto text = run_airelays(env, {"status"});
  REQUIRE(text.exit_code == 0);
  for (const auto& path : {s.dir, s.token, s.auth}) {
    CAPTURE(path);
    CHECK(text.out.find("Warning: ") != std::string::npos);
    CHECK(text.out.find(" " + path + " is open to ") != std::string::npos);
  }
  CHECK(text.out.find("(mode 0644); run `chmod 600 " + s.token + "`") != std::string::npos);
  auto status = json::parse(run_airelays(env, {"status", "--json"}).out);
  CHECK(status["file_mode_warnings"].size() == 3);
  auto doctor = json::parse(run_airelays(env, {"doctor", "--skip-response", "--json"}).out);
  bool warned = false;
  for (const auto& c : doctor["checks"]) {
    if (c["name"] == "file_modes") {
      warned = c["status"] == "warn" && c["data"]["paths"].size() == 3;
    }
  }
  CHECK(warned);
}

TEST_CASE("init and token rotate repair the modes of the secrets and the data dir") {
  Env env;
  auto s = exposed_secrets(env);
  auto init = run_airelays(env, {"init"});
  REQUIRE(init.exit_code == 0);
  CHECK(init.err.find("repaired: relay token") != std::string::npos);
  CHECK(file_mode(s.token) == 0600);
  CHECK(file_mode(s.auth) == 0600);
  CHECK(file_mode(s.dir) == 0700);
  auto status = json::parse(run_airelays(env, {"status", "--json"}).out);
  CHECK(status["file_mode_warnings"].empty());
  ::chmod(s.auth.c_str(), 0604);
  ::chmod(s.dir.c_str(), 0750);
  REQUIRE(run_airelays(env, {"token", "rotate"}).exit_code == 0);
  CHECK(file_mode(s.auth) == 0600);
  CHECK(file_mode(s.dir) == 0700);
}
