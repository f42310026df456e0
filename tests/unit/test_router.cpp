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

TEST_CASE("a subtree route matches its prefix and up to its depth below it, nothing deeper") {
  server::Router r;
  r.add_subtree("GET", "/v1/threads", 2, [](http::Request&) { return http::Response{}; });
  r.add_subtree("POST", "/v1/threads", 2, [](http::Request&) { return http::Response{}; });
  const server::Handler* h = nullptr;
  std::map<std::string, std::string> params;
  for (const char* path :
       {"/v1/threads", "/v1/threads/", "/v1/threads/t_1", "/v1/threads/t_1/runs"}) {
    CHECK_MESSAGE(r.match("GET", path, &h, params) == server::Router::Match::found, path);
    CHECK(params.empty());
  }
  CHECK(r.match("GET", "/v1/threads/t_1/runs/r_1", &h, params) == server::Router::Match::none);
  CHECK(r.match("GET", "/v1", &h, params) == server::Router::Match::none);
  CHECK(r.match("GET", "/v1/threadsx", &h, params) == server::Router::Match::none);
  CHECK(r.match("DELETE", "/v1/threads/t_1", &h, params) == server::Router::Match::wrong_method);
  CHECK(r.allowed_methods("/v1/threads/t_1") == std::vector<std::string>{"GET", "POST"});
}
