// upstream_error, the one classifier of upstream failures: an HTTP error answer and a failure
// event carrying the same error object become the same client error, Retry-After has one set
// of sources, and the login errors have one builder.
#include <airelays/upstream_error.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

TEST_CASE("upstream_error reads an error object the same way from an HTTP 429 and a stream event") {
  json err = {{"type", "usage_limit_reached"},
              {"message", "The usage limit has been reached"},
              {"plan_type", "plus"},
              {"resets_in_seconds", 90}};
  auto http = upstream_error::from_http(429, json{{"error", err}}.dump(), "", 1'700'000'000);
  auto event = upstream_error::from_event({{"type", "response.failed"}, {"error", err}});
  for (const auto* e : {&http, &event}) {
    CHECK(e->status == 429);
    CHECK(e->message == "The usage limit has been reached");
    CHECK(e->type == "usage_limit_reached");
    CHECK(e->code == std::optional<std::string>("usage_limit_reached"));
    CHECK(e->retry_after == std::optional<long>(90));
    CHECK(e->extras["plan_type"] == "plus");
  }
}

TEST_CASE("upstream_error::retry_after takes the first source that says") {
  long now = 1'700'000'000;
  CHECK(upstream_error::retry_after({{"resets_in_seconds", 2.5}}, "7", now) == 3);
  CHECK(upstream_error::retry_after({{"resets_at", now + 40}}, "7", now) == 40);
  CHECK(upstream_error::retry_after({{"resets_at", now + 40}}, "7", std::nullopt) == 7);
  CHECK(upstream_error::retry_after({{"message", "Please try again in 250ms."}}, "", now) == 1);
  CHECK(upstream_error::retry_after({{"message", "Please try again in 1.5s."}}, "", now) == 2);
  CHECK_FALSE(upstream_error::retry_after(json::object(), "", now).has_value());
  // An HTTP 429 always says when: the message's hint, else 1 s.
  auto hinted = upstream_error::from_http(
      429, R"({"error":{"message":"Rate limit reached. Please try again in 12s."}})", "", now);
  CHECK(hinted.retry_after == std::optional<long>(12));
  CHECK(upstream_error::from_http(429, "slow down", "", now).retry_after == std::optional<long>(1));
}

TEST_CASE("upstream_error::login_missing is the troubleshooting page's 503") {
  auto e = upstream_error::login_missing();
  CHECK(e.status == 503);
  CHECK(e.message == "No ChatGPT login found. Run `airelays login` first.");
  CHECK(e.code == std::optional<std::string>("upstream_auth_missing"));
  REQUIRE(e.headers.size() == 1);
  CHECK(e.headers[0] == std::pair<std::string, std::string>("x-airelays-upstream-auth", "missing"));
}
