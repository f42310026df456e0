// auth_record: the §3.1 record read tolerantly and written as AIRelays writes it.
#include "fake_upstream.hpp"

#include <airelays/auth_record.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace airelays;

namespace {
std::string id_token_for(const std::string& account) {
  return fake::make_jwt({{"email", "me@example.com"},
                         {"https://api.openai.com/auth", {{"chatgpt_account_id", account}}}});
}
} // namespace

TEST_CASE("auth_record::parse reads an AIRelays-written record") {
  std::string text = R"({"bound_account_id": "acct_123", "tokens": {"id_token": ")" +
                     id_token_for("acct_123") +
                     R"(", "access_token": "at", "refresh_token": "rt", "account_id": "acct_123"},
                     "last_refresh": "2026-11-22T07:12:38.928510+00:00"})";
  auto r = auth_record::parse(text, "auth.json");
  REQUIRE(r.ok());
  CHECK(r->access_token == "at");
  CHECK(r->refresh_token == "rt");
  CHECK(r->account_id == "acct_123");
  CHECK(r->bound_account_id == "acct_123");
  CHECK(auth_record::authenticated(*r));
}

TEST_CASE(
    "auth_record::parse is tolerant: raw_jwt id_token, account id from the claim, Codex files") {
  std::string text =
      R"({"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":{"id_token":{"raw_jwt":")" +
      id_token_for("acct_9") + R"("},"access_token":"","refresh_token":"rt"}})";
  auto r = auth_record::parse(text, "auth.json");
  REQUIRE(r.ok());
  CHECK(r->account_id == "acct_9");
  CHECK(r->bound_account_id == "acct_9");
  CHECK(r->access_token.empty());
  CHECK(auth_record::authenticated(*r)); // a refresh token alone is enough
}

TEST_CASE("auth_record::parse of invalid JSON names the place") {
  auto r = auth_record::parse("{not json", "/home/u/.airelays/auth.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "Stored airelays auth at /home/u/.airelays/auth.json is not valid JSON.");
}

TEST_CASE("auth_record::build requires all three tokens and derives the account") {
  CHECK_FALSE(auth_record::build("", "at", "rt", "", 0).ok());
  auto r = auth_record::build(id_token_for("acct_1"), "at", "rt", "", 1795000000.5);
  REQUIRE(r.ok());
  CHECK(r->account_id == "acct_1");
  CHECK(r->bound_account_id == "acct_1");
  CHECK(r->last_refresh == "2026-11-18T11:06:40.500000+00:00");
  auto round = auth_record::parse(auth_record::serialize(*r, true), "x");
  REQUIRE(round.ok());
  CHECK(round->refresh_token == "rt");
  CHECK(round->last_refresh == r->last_refresh);
  auto j = nlohmann::json::parse(auth_record::serialize(*r, false));
  CHECK(j["tokens"]["account_id"] == "acct_1");
}

TEST_CASE("auth_record time codec: offsets, Z, fractions, and naive timestamps refused") {
  CHECK(auth_record::parse_time("1970-01-01T00:00:00+00:00").value() == 0);
  CHECK(auth_record::parse_time("1970-01-01T01:00:00+01:00").value() == 0);
  CHECK(auth_record::parse_time("2026-11-22T07:17:32.711116406Z").value() ==
        doctest::Approx(1795331852.711116).epsilon(1e-12));
  CHECK(auth_record::parse_time("2000-03-01T00:00:00-0500").value() == 951886800);
  CHECK_FALSE(auth_record::parse_time("2026-11-22T07:17:32").has_value());
  CHECK_FALSE(auth_record::parse_time("yesterday").has_value());
  CHECK(auth_record::format_time(0) == "1970-01-01T00:00:00.000000+00:00");
  auto t = auth_record::parse_time(auth_record::format_time(1795331852.25));
  CHECK(t.value() == doctest::Approx(1795331852.25));
}
