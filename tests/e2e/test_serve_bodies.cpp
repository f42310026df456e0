// `airelays serve` against hostile request bodies sent with the right token (issue 14, item 4):
// JSON nested deep enough to overflow a recursive walk, numbers no double can hold, a large
// body's memory, and the budget for bodies in flight. Each must be a JSON error the client
// can read, and the relay must go on answering.
#include "serve_helpers.hpp"

#include <doctest/doctest.h>

#include <poll.h>

using namespace airelays::test;
using namespace airelays::test::serve;

namespace {

bool healthz_ok(int port) {
  auto r = client(port).Get("/healthz");
  return r && r->status == 200;
}

std::string nested(size_t depth) {
  return "{\"model\":\"gpt-5\",\"messages\":" + std::string(depth, '[') + std::string(depth, ']') +
         "}";
}

} // namespace

TEST_CASE("serve: JSON nested 100,000 levels deep is a 400 invalid_json and the relay lives") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  for (const char* path : {"/v1/chat/completions", "/v1/responses", "/v1/completions"}) {
    CAPTURE(path);
    auto r = client(s->port).Post(path, bearer(), nested(100000), "application/json");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(openai_error(r));
    CHECK(body_json(r)["error"]["code"] == "invalid_json");
    CHECK(body_json(r)["error"]["message"].get<std::string>().find("max_json_depth") !=
          std::string::npos);
  }
  CHECK(healthz_ok(s->port));
}

TEST_CASE(
    "serve: [server] max_json_depth sets the nesting limit; brackets in strings do not count") {
  Env env;
  give_token(env);
  give_config(env, "[server]\nmax_json_depth = 8\n");
  auto s = start_server(env);
  auto deep = client(s->port).Post("/v1/chat/completions", bearer(), nested(8), "application/json");
  REQUIRE(deep);
  CHECK(deep->status == 400);
  CHECK(body_json(deep)["error"]["code"] == "invalid_json");
  // Depth 7 with "[[[[" inside a string passes the JSON reading (and fails later, elsewhere).
  std::string shallow =
      "{\"model\":\"gpt-5\",\"x\":\"[[[[[[[[[[\\\"[[[[\",\"messages\":" + std::string(6, '[') +
      std::string(6, ']') + "}";
  auto r = client(s->port).Post("/v1/chat/completions", bearer(), shallow, "application/json");
  REQUIRE(r);
  CHECK(body_json(r)["error"]["message"].get<std::string>().find("max_json_depth") ==
        std::string::npos);
}

TEST_CASE("serve: a number the JSON library refuses (1e999) is a 400 that does not quote it") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto r = client(s->port).Post(
      "/v1/chat/completions", bearer(),
      R"({"model":"gpt-5","max_tokens":1e999,"messages":[{"role":"user","content":"hi"}]})",
      "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(openai_error(r));
  CHECK(body_json(r)["error"]["code"] == "invalid_json");
  CHECK(r->body.find("[json.exception") == std::string::npos);
  CHECK(healthz_ok(s->port));
}

TEST_CASE(
    "serve: request bodies over [server] max_request_bytes_in_flight get 503 with Retry-After") {
  Env env;
  give_token(env);
  // The loop below may post many times before the relay has read the holder's bytes (a slow
  // or sanitized build): a rate limit that cannot run out keeps those tries 400s, not 429s.
  give_config(env, "[server]\nmax_request_bytes_in_flight = 1048576\n"
                   "[security]\nrate_limit_burst = 1000000\nrate_limit_per_minute = 1000000\n");
  auto s = start_server(env);
  // One client holds 800 KB of an announced 900 KB body in flight and sends no more. The
  // relay may read a post before the holder's bytes: then the holder is the one refused (its
  // answer arrives), and a new holder is sent.
  auto open_holder = [&] {
    int fd = connect_to(s->port);
    REQUIRE(fd >= 0);
    REQUIRE(send_all(
        fd, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Authorization: Bearer " +
                k_token + "\r\nContent-Type: application/json\r\nContent-Length: 900000\r\n\r\n" +
                std::string(800000, ' ')));
    return fd;
  };
  auto answered = [](int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  };
  int holder = open_holder();
  std::string second(400000, ' ');
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto post = [&] {
    auto r = client(s->port).Post("/v1/chat/completions", bearer(), second, "application/json");
    REQUIRE(r);
    return std::make_pair(r->status, r->get_header_value("Retry-After") + " " + r->body);
  };
  auto busy = post();
  while (busy.first != 503 && std::chrono::steady_clock::now() < deadline) {
    if (answered(holder)) { // the holder lost the race for the budget
      ::close(holder);
      holder = open_holder();
    }
    busy = post(); // until the server has read the holder's bytes
  }
  CHECK(busy.first == 503);
  CHECK(busy.second.rfind("1 {", 0) == 0); // Retry-After: 1, then the JSON error
  CHECK(busy.second.find("\"code\":\"server_busy\"") != std::string::npos);
  CHECK(healthz_ok(s->port));
  ::close(holder); // its bytes are given back when its request ends
  auto after = post();
  while (after.first == 503 && std::chrono::steady_clock::now() < deadline) {
    after = post();
  }
  CHECK(after.first == 400); // read whole, then refused as the blank JSON it is
}
