// The binary's most basic contract: version, help, usage errors.
#include "test_support.hpp"

#include <doctest/doctest.h>

using namespace airelays::test;

TEST_CASE("airelays --version prints the version and exits 0") {
  Env env;
  auto r = run_airelays(env, {"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("airelays " AIRELAYS_TEST_VERSION) != std::string::npos);
}

TEST_CASE("an unknown subcommand is a usage error with exit 2") {
  Env env;
  auto r = run_airelays(env, {"bogus"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("airelays: error:") != std::string::npos);
  CHECK(r.out.empty());
}
