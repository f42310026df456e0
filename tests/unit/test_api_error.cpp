// api_error: the one builder of OpenAI-shaped error bodies.
#include <airelays/api_error.hpp>
#include <airelays/http_types.hpp>

#include <doctest/doctest.h>

using namespace airelays;

TEST_CASE("api_error body has message type code and param") {
  auto e = api_error::make(401, "Missing or invalid AIRelays bearer token",
                           std::string("invalid_api_key"));
  auto j = nlohmann::json::parse(api_error::body(e));
  CHECK(j["error"]["message"] == "Missing or invalid AIRelays bearer token");
  CHECK(j["error"]["type"] == "authentication_error");
  CHECK(j["error"]["code"] == "invalid_api_key");
  CHECK(j["error"]["param"].is_null());
}

TEST_CASE("api_error 501 names the route as unsupported_error") {
  auto e = api_error::unsupported("POST /v1/embeddings");
  auto j = api_error::to_json(e);
  CHECK(e.status == 501);
  CHECK(j["error"]["type"] == "unsupported_error");
  CHECK(j["error"]["message"].get<std::string>().find("/v1/embeddings") != std::string::npos);
}

TEST_CASE("api_error SSE event is one data line with the error object") {
  auto ev = api_error::sse_event(api_error::make(502, "upstream cut"));
  CHECK(ev.rfind("data: {\"error\":", 0) == 0);
  CHECK(ev.substr(ev.size() - 2) == "\n\n");
}

TEST_CASE("http error response carries Retry-After for a 429") {
  auto e = api_error::make(429, "Request rate limit exceeded for this IP");
  e.retry_after = 7;
  auto r = http::error(e);
  CHECK(r.status == 429);
  CHECK(r.headers.find("retry-after")->second == "7");
}

TEST_CASE("parse_json_object rejects bad JSON with its position and foreign types with 415") {
  http::Request req;
  nlohmann::json out;
  req.body = "{\"model\": ";
  auto e = http::parse_json_object(req, out);
  REQUIRE(e);
  CHECK(e->status == 400);
  CHECK(e->message.find("byte") != std::string::npos);
  req.body = "{\"a\":1}";
  req.headers.emplace("content-type", "application/x-www-form-urlencoded");
  CHECK_FALSE(http::parse_json_object(req, out));
  CHECK(out["a"] == 1);
  req.headers.clear();
  req.headers.emplace("Content-Type", "image/png");
  auto e2 = http::parse_json_object(req, out);
  REQUIRE(e2);
  CHECK(e2->status == 415);
  req.headers.clear();
  req.body = "[1]";
  CHECK(http::parse_json_object(req, out)->status == 400);
}
