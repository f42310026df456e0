// jwt: the claims status shows and the exp that drives refresh.
#include "fake_upstream.hpp"

#include <airelays/jwt.hpp>

#include <doctest/doctest.h>

using namespace airelays;

TEST_CASE("jwt::claims reads email, plan, account id and exp from issuer-shaped tokens") {
  auto token = fake::make_jwt({{"email", "me@example.com"},
                               {"exp", 1900000000},
                               {"https://api.openai.com/auth",
                                {{"chatgpt_account_id", "acct_123"},
                                 {"chatgpt_plan_type", "pro"},
                                 {"chatgpt_user_id", "user-9"}}}});
  auto c = jwt::claims(token);
  CHECK(c.email == "me@example.com");
  CHECK(c.plan == "pro");
  CHECK(c.account_id == "acct_123");
  CHECK(c.user_id == "user-9");
  REQUIRE(c.exp.has_value());
  CHECK(*c.exp == 1900000000);
}

TEST_CASE("jwt::claims falls back to the profile claim for the email") {
  auto token = fake::make_jwt({{"https://api.openai.com/profile", {{"email", "p@example.com"}}}});
  CHECK(jwt::claims(token).email == "p@example.com");
  CHECK_FALSE(jwt::claims(token).exp.has_value());
}

TEST_CASE("jwt::claims of something that is not a JWT is empty") {
  for (const char* t : {"", "opaque-token", "a.b", "a.b.c.d", "x.!!!.y", "x.aGk.y"}) {
    auto c = jwt::claims(t);
    CHECK(c.email.empty());
    CHECK_FALSE(c.exp.has_value());
  }
  // Wrong types inside a valid payload are ignored, not thrown.
  auto token = fake::make_jwt({{"email", 5}, {"exp", "soon"}, {"https://api.openai.com/auth", 3}});
  auto c = jwt::claims(token);
  CHECK(c.email.empty());
  CHECK_FALSE(c.exp.has_value());
}

TEST_CASE("jwt::claims ignores an exp no clock can reach (regression from fuzz_jwt)") {
  CHECK_FALSE(jwt::claims(fake::make_jwt({{"exp", 1.7954e22}})).exp.has_value());
  CHECK_FALSE(jwt::claims(fake::make_jwt({{"exp", 18446744073709551615ULL}})).exp.has_value());
  CHECK(jwt::claims(fake::make_jwt({{"exp", 1900000000.7}})).exp == 1900000000);
  CHECK(jwt::claims(fake::make_jwt({{"exp", -5}})).exp == -5);
}
