// The Codex config merge of `airelays connect codex --write`: only our table changes.
#include <airelays/codex_config.hpp>

#include <doctest/doctest.h>

using namespace airelays;

TEST_CASE(
    "codex_config::merged replaces our table, keeps the rest byte for byte, and is idempotent") {
  std::string user =
      "# mine\nmodel = \"x\" # note\n\n[model_providers.airelays]\nname = \"old\"\n\n"
      "[profiles.airelays]\nmodel = \"y\"\n\n[tui]\nnotifications = true\n";
  std::string block = codex_config::block("http://127.0.0.1:9/v1");
  auto out = codex_config::merged(user, block);
  REQUIRE(out);
  CHECK(out->rfind("# mine\nmodel = \"x\" # note\n\n[tui]\nnotifications = true\n", 0) == 0);
  CHECK(out->find("name = \"old\"") == std::string::npos);
  CHECK(out->find("[profiles.airelays]") == std::string::npos);
  CHECK(out->find("base_url = \"http://127.0.0.1:9/v1\"") != std::string::npos);
  auto twice = codex_config::merged(*out, block);
  REQUIRE(twice);
  CHECK(*twice == *out);
  CHECK(*codex_config::merged("", block) == block);
  CHECK_FALSE(codex_config::merged("not = [valid", block));
}
