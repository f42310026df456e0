// relay_token: format, resolution order, rotation and the constant-time comparison.
#include "test_support.hpp"

#include <airelays/relay_token.hpp>

#include <doctest/doctest.h>

#include <regex>

using namespace airelays;

namespace {

config::Config in_dir(const test::TempDir& dir) {
  config::Config c;
  c.data_dir = dir.path();
  c.bearer_token_file = dir / "sub/relay-token";
  return c;
}

} // namespace

TEST_CASE("relay_token::generate gives 43 URL-safe characters, different each time") {
  std::string a = relay_token::generate();
  std::string b = relay_token::generate();
  CHECK(std::regex_match(a, std::regex("[A-Za-z0-9_-]{43}")));
  CHECK(a != b);
}

TEST_CASE("relay_token::resolve: none, then the file's trimmed token, then the env override") {
  test::TempDir dir;
  config::Config c = in_dir(dir);
  auto none = relay_token::resolve(c);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  test::write_file(c.bearer_token_file, "  tok-from-file \n", 0600);
  CHECK(*relay_token::resolve(c) == std::optional<std::string>("tok-from-file"));
  c.bearer_token_env = "tok-from-env";
  CHECK(*relay_token::resolve(c) == std::optional<std::string>("tok-from-env"));
  c.bearer_token_env = "";
  CHECK(*relay_token::resolve(c) == std::optional<std::string>("tok-from-file"));
  test::write_file(c.bearer_token_file, "\n\n", 0600);
  CHECK_FALSE(relay_token::resolve(c)->has_value());
}

TEST_CASE("relay_token::rotate replaces the token (0600) and the old one no longer matches") {
  test::TempDir dir;
  config::Config c = in_dir(dir);
  std::string first = *relay_token::rotate(c);
  CHECK(test::file_mode(c.bearer_token_file) == 0600);
  CHECK(test::file_mode(dir / "sub") == 0700);
  CHECK(test::read_file(c.bearer_token_file) == first + "\n");
  std::string second = *relay_token::rotate(c);
  CHECK(second != first);
  std::string current = **relay_token::resolve(c);
  CHECK(current == second);
  CHECK(current != first);
}

TEST_CASE("relay_token::fingerprint is the first 12 hex digits of SHA-256") {
  // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
  CHECK(relay_token::fingerprint("abc") == "ba7816bf8f01");
}
