// router: method + path pattern matching, 404 vs 405.
#include <airelays/router.hpp>

#include <doctest/doctest.h>

using namespace airelays;

TEST_CASE("router captures path parameters") {
  server::Router r;
  r.add("GET", "/v1/files/{id}", [](http::Request&) { return http::Response{}; });
  const server::Handler* h = nullptr;
  std::map<std::string, std::string> params;
  CHECK(r.match("GET", "/v1/files/file-abc", &h, params) == server::Router::Match::found);
  CHECK(params["id"] == "file-abc");
}

TEST_CASE("router tells a wrong method from an unknown path") {
  server::Router r;
  r.add("POST", "/v1/chat/completions", [](http::Request&) { return http::Response{}; });
  const server::Handler* h = nullptr;
  std::map<std::string, std::string> params;
  CHECK(r.match("GET", "/v1/chat/completions", &h, params) == server::Router::Match::wrong_method);
  CHECK(r.match("POST", "/v1/nope", &h, params) == server::Router::Match::none);
  CHECK(r.allowed_methods("/v1/chat/completions") == std::vector<std::string>{"POST"});
}
