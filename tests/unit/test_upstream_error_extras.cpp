// The upstream's extra error fields (resets_at, resets_in_seconds, plan_type, ...) reach the
// client: api_error merges ApiError::extras into the "error" object without ever letting them
// replace message/type/code/param/retry_after, upstream_extras() keeps what is safe to pass,
// and upstream::http_error fills them from a captured-shape 429 usage_limit_reached body.
#include <airelays/api_error.hpp>
#include <airelays/http_types.hpp>
#include <airelays/upstream.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

namespace {

// The 429 of upstream-contract.md §4.8 (ChatGPT mode, usage limit reached).
const char* k_usage_limit_body =
    R"({"error":{"type":"usage_limit_reached","message":"The usage limit has been reached",)"
    R"("plan_type":"plus","resets_at":1795339957,"resets_in_seconds":3600}})";

} // namespace

TEST_CASE(
    "api_error merges extras into the error object and never lets them override the fixed keys") {
  auto e =
      api_error::make(429, "The usage limit has been reached", std::string("usage_limit_reached"));
  e.retry_after = 3600;
  e.extras = {{"resets_at", 1795339957}, {"plan_type", "plus"}, {"message", "spoofed"},
              {"type", "spoofed"},       {"code", "spoofed"},   {"param", "spoofed"},
              {"retry_after", 1}};
  auto j = json::parse(api_error::body(e));
  const auto& err = j["error"];
  CHECK(err["resets_at"] == 1795339957);
  CHECK(err["plan_type"] == "plus");
  CHECK(err["message"] == "The usage limit has been reached");
  CHECK(err["type"] == "rate_limit_error");
  CHECK(err["code"] == "usage_limit_reached");
  CHECK(err["param"].is_null());
  CHECK(err["retry_after"] == 3600);
  CHECK(j.size() == 1); // only "error" at the top

  SUBCASE("the SSE forms carry them too") {
    auto chat = api_error::sse_event(e);
    auto chat_json = json::parse(chat.substr(6, chat.size() - 8));
    CHECK(chat_json["error"]["resets_at"] == 1795339957);
    auto resp = api_error::responses_sse_event(e);
    auto data = json::parse(resp.substr(resp.find("data: ") + 6));
    CHECK(data["type"] == "error");
    CHECK(data["plan_type"] == "plus");
    CHECK(data["message"] == "The usage limit has been reached");
  }
}

TEST_CASE("api_error without extras is exactly message/type/code/param") {
  auto j = api_error::to_json(api_error::make(400, "bad"));
  CHECK(j["error"].size() == 4);
  auto odd = api_error::make(400, "bad");
  odd.extras = json::array({1, 2}); // not an object: ignored, not thrown on
  CHECK(api_error::to_json(odd)["error"].size() == 4);
}

TEST_CASE(
    "upstream_extras keeps plain fields and drops fixed keys, credential names and huge values") {
  json upstream = {{"type", "usage_limit_reached"},
                   {"message", "m"},
                   {"code", nullptr},
                   {"param", nullptr},
                   {"plan_type", "plus"},
                   {"resets_at", 1795339957},
                   {"resets_in_seconds", 3600},
                   {"eligible_promo", nullptr},
                   {"rate_limits", {{"primary", {{"used_percent", 100}}}}},
                   {"access_token", "eyJ.secret"},
                   {"Refresh_Token", "rt"},
                   {"api_key", "sk-x"},
                   {"Authorization", "Bearer x"},
                   {"session_cookie", "c"},
                   {"huge", std::string(5000, 'x')},
                   {"huge_obj", {{"a", std::string(4100, 'y')}}}};
  auto x = api_error::upstream_extras(upstream);
  CHECK(x == json({{"plan_type", "plus"},
                   {"resets_at", 1795339957},
                   {"resets_in_seconds", 3600},
                   {"eligible_promo", nullptr},
                   {"rate_limits", {{"primary", {{"used_percent", 100}}}}}}));
  CHECK(api_error::upstream_extras(json("text")) == json::object());
}

TEST_CASE(
    "upstream::http_error passes a usage_limit 429's resets_at, resets_in_seconds and plan_type") {
  auto e = upstream::http_error(429, k_usage_limit_body);
  CHECK(e.status == 429);
  CHECK(e.retry_after == std::optional<long>(3600));
  auto r = http::error(e);
  CHECK(r.status == 429);
  CHECK(r.headers.find("retry-after")->second == "3600");
  auto err = json::parse(r.body)["error"];
  CHECK(err["message"] == "The usage limit has been reached");
  CHECK(err["type"] == "usage_limit_reached");
  CHECK(err["code"] == "usage_limit_reached");
  CHECK(err["resets_at"] == 1795339957);
  CHECK(err["resets_in_seconds"] == 3600);
  CHECK(err["plan_type"] == "plus");
}

TEST_CASE("upstream::http_error keeps extras of other statuses; a detail text has none") {
  auto overloaded = upstream::http_error(
      503, R"({"error":{"code":"server_is_overloaded","message":"busy","retry_hint":"later"}})");
  CHECK(overloaded.status == 502);
  CHECK(overloaded.extras == json({{"retry_hint", "later"}}));
  auto detail = upstream::http_error(400, R"({"detail":"Unsupported parameter: temperature"})");
  CHECK(detail.extras == json::object());
  CHECK(api_error::to_json(detail)["error"].size() == 4);
}
