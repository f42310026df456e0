// http::parse_json_object's guards against hostile bodies: nesting past the limit (found by
// json_too_deep in one pass, before any tree exists) and numbers no double holds.
#include <airelays/http_types.hpp>

#include <doctest/doctest.h>

using namespace airelays;

namespace {

http::Request json_request(std::string body, int depth = 128) {
  http::Request r;
  r.body = std::move(body);
  r.max_json_depth = depth;
  return r;
}

} // namespace

TEST_CASE("http::json_too_deep counts brackets outside strings only") {
  CHECK_FALSE(http::json_too_deep(R"({"a":[[1]]})", 3));
  CHECK(http::json_too_deep(R"({"a":[[1]]})", 2) == std::optional<size_t>(6));
  CHECK_FALSE(http::json_too_deep(R"({"a":"[[[[[[\"[[[["})", 1));
  CHECK_FALSE(http::json_too_deep(R"([1],[2],[3])", 1)); // depth goes back down
  CHECK(http::json_too_deep(std::string(100000, '['), 128) == std::optional<size_t>(128));
}

TEST_CASE("http::parse_json_object refuses deep nesting and huge numbers with 400 invalid_json") {
  nlohmann::json out;
  auto deep = http::parse_json_object(
      json_request("{\"x\":" + std::string(200, '[') + std::string(200, ']') + "}"), out);
  REQUIRE(deep);
  CHECK(deep->status == 400);
  CHECK(deep->code == std::optional<std::string>("invalid_json"));
  CHECK(deep->message.find("deeper than 128 levels") != std::string::npos);
  auto huge = http::parse_json_object(json_request(R"({"max_tokens":1e999})"), out);
  REQUIRE(huge);
  CHECK(huge->status == 400);
  CHECK(huge->code == std::optional<std::string>("invalid_json"));
  CHECK(huge->message.find("json.exception") == std::string::npos);
  CHECK_FALSE(http::parse_json_object(json_request(R"({"a":[[[1]]]})", 4), out));
  CHECK(out["a"][0][0][0] == 1);
}
