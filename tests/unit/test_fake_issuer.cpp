// The fake issuer honours upstream-contract §1–3: the tests of login and refresh are only as
// good as this fake, so its contract is tested on its own.
#include "fake_upstream.hpp"

#include <airelays/jwt.hpp>
#include <airelays/oauth_login.hpp>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

using namespace airelays;
using json = nlohmann::json;

namespace {

std::string query_value(const std::string& url, const std::string& key) {
  auto pos = url.find(key + "=");
  if (pos == std::string::npos) {
    return {};
  }
  pos += key.size() + 1;
  return url.substr(pos, url.find('&', pos) - pos);
}

} // namespace

TEST_CASE(
    "fake issuer: authorize redirects with a code that only the right PKCE verifier redeems") {
  fake::FakeUpstream fake;
  httplib::Client c(fake.base_url());
  auto pkce = oauth_login::make_pkce();
  oauth_login::Settings s;
  s.issuer = fake.issuer_url();
  s.client_id = "app_EMoamEEZ73f0CkXaXp7hrann";
  std::string redirect = "http://localhost:1455/auth/callback";
  auto url = oauth_login::authorize_url(s, pkce, redirect);
  auto r = c.Get(url.substr(fake.base_url().size()).c_str());
  REQUIRE(r);
  CHECK(r->status == 302);
  auto location = r->get_header_value("Location");
  CHECK(location.rfind(redirect + "?code=", 0) == 0);
  CHECK(query_value(location, "state") == pkce.state);
  std::string code = query_value(location, "code");

  auto wrong = oauth_login::exchange_code(s, code, redirect, "not-the-verifier");
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message.find("PKCE verification failed") != std::string::npos);

  // A code is single-use: the failed attempt consumed it, so get a fresh one.
  r = c.Get(url.substr(fake.base_url().size()).c_str());
  code = query_value(r->get_header_value("Location"), "code");
  auto tokens = oauth_login::exchange_code(s, code, redirect, pkce.verifier);
  REQUIRE(tokens.ok());
  auto claims = jwt::claims(tokens->id_token);
  CHECK(claims.email == "user@example.com");
  CHECK(claims.plan == "plus");
  CHECK(claims.account_id == "11111111-2222-3333-4444-555555555555");
  CHECK(jwt::claims(tokens->access_token).exp.has_value());
  CHECK_FALSE(oauth_login::exchange_code(s, code, redirect, pkce.verifier).ok()); // reused code
}

TEST_CASE("fake issuer: device code with pending polls, interval as a JSON string") {
  fake::FakeUpstream fake;
  httplib::Client c(fake.base_url());
  auto r = c.Post("/api/accounts/deviceauth/usercode", R"({"client_id":"x"})", "application/json");
  REQUIRE(r);
  auto j = json::parse(r->body);
  CHECK(j["interval"].is_string());
  json poll = {{"device_auth_id", j["device_auth_id"]}, {"user_code", j["user_code"]}};
  CHECK(c.Post("/api/accounts/deviceauth/token", poll.dump(), "application/json")->status == 403);
  CHECK(c.Post("/api/accounts/deviceauth/token", poll.dump(), "application/json")->status == 403);
  auto done = c.Post("/api/accounts/deviceauth/token", poll.dump(), "application/json");
  REQUIRE(done->status == 200);
  auto approved = json::parse(done->body);
  CHECK(approved["code_challenge"] == oauth_login::s256(approved["code_verifier"]));
}

TEST_CASE(
    "fake issuer: refresh rotates, a spent or revoked token is refused, scripts inject errors") {
  fake::FakeUpstream fake;
  httplib::Client c(fake.base_url());
  auto refresh = [&c](const std::string& token) {
    json body = {{"client_id", "x"}, {"grant_type", "refresh_token"}, {"refresh_token", token}};
    return c.Post("/oauth/token", body.dump(), "application/json");
  };
  auto first = refresh("rt_a");
  REQUIRE(first->status == 200);
  std::string next = json::parse(first->body)["refresh_token"];
  auto reused = refresh("rt_a");
  CHECK(reused->status == 401);
  CHECK(json::parse(reused->body)["error"]["code"] == "refresh_token_reused");
  REQUIRE(c.Post("/oauth/revoke", json{{"token", next}}.dump(), "application/json")->status == 200);
  CHECK(json::parse(refresh(next)->body)["error"]["code"] == "refresh_token_invalidated");
  fake.script("refresh", {{"status", 503}});
  CHECK(refresh("rt_b")->status == 503);
  CHECK(fake.count("/oauth/token") == 4);
  CHECK(fake.count("/oauth/revoke") == 1);
}
