// `airelays serve` under hostile or broken clients: bodies over the cap (by Content-Length and
// chunked — CVE-2025-46728), uploads over the cap, malformed requests by the thousand,
// half-sent (slowloris) requests. The relay must answer each with a JSON error, keep its
// memory, and keep answering /healthz.
#include "serve_helpers.hpp"

#include <doctest/doctest.h>

using namespace airelays::test;
using namespace airelays::test::serve;

namespace {

std::string post_head(const std::string& path, const std::string& extra) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + k_token +
         "\r\n" + extra + "\r\n";
}

bool healthz_ok(int port) {
  auto r = client(port).Get("/healthz");
  return r && r->status == 200;
}

} // namespace

TEST_CASE("serve: a Content-Length over max_request_bytes is refused with 413 before the body") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  // 100 MB announced, nothing sent: the answer must come without waiting for the body.
  auto started = std::chrono::steady_clock::now();
  std::string resp =
      raw_exchange(s->port,
                   post_head("/v1/chat/completions",
                             "Content-Type: application/json\r\nContent-Length: 104857600\r\n"),
                   std::chrono::seconds(5));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
  CHECK(raw_status(resp) == 413);
  auto j = nlohmann::json::parse(raw_body(resp), nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["error"]["code"] == "request_too_large");
  CHECK(resp.find("Connection: close") != std::string::npos);
}

TEST_CASE("serve: a 10 MB chunked body is refused with 413 without the server growing 10 MB") {
  Env env;
  give_token(env);
  give_config(env, "[server]\nmax_request_bytes = 1048576\n");
  auto s = start_server(env);
  REQUIRE(healthz_ok(s->port));
  long before = s->process.rss_kib();
  REQUIRE(before > 0);
  int fd = connect_to(s->port);
  REQUIRE(fd >= 0);
  send_all(fd, post_head("/v1/chat/completions",
                         "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"));
  std::string chunk(64 * 1024, 'a');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  for (int i = 0; i < 160; ++i) { // 10 MiB; sending stops mattering once the server closes
    if (!send_all(fd, size_line + chunk + "\r\n")) {
      break;
    }
  }
  send_all(fd, "0\r\n\r\n");
  std::string resp = read_until_close(fd, std::chrono::seconds(10));
  ::close(fd);
  CHECK(raw_status(resp) == 413);
  CHECK(resp.find("request_too_large") != std::string::npos);
  long after = s->process.rss_kib();
  MESSAGE("RSS before " << before << " KiB, after " << after << " KiB");
  CHECK(after - before < 5 * 1024);
  CHECK(healthz_ok(s->port));
}

TEST_CASE("serve: a small chunked body is read and routed") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  std::string body = R"({"input":"x"})";
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", body.size());
  std::string resp = raw_exchange(
      s->port, post_head("/v1/embeddings", "Content-Type: application/json\r\nTransfer-Encoding: "
                                           "chunked\r\nConnection: close\r\n") +
                   size_line + body + "\r\n0\r\n\r\n");
  CHECK(raw_status(resp) == 501);
}

TEST_CASE("serve: an upload over max_upload_bytes is refused with 413 `upload too large`") {
  Env env;
  give_token(env);
  give_config(env, "[uploads]\nmax_upload_bytes = 1000\n");
  auto s = start_server(env);
  std::string boundary = "xyzBOUNDARY";
  std::string big(3 * 1024 * 1024, 'b');
  std::string form =
      "--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--" + boundary +
      "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
      "Content-Type: text/plain\r\n\r\n" +
      big + "\r\n--" + boundary + "--\r\n";
  SUBCASE("announced by Content-Length") {
    std::string resp = raw_exchange(
        s->port,
        post_head("/v1/files", "Content-Type: multipart/form-data; boundary=" + boundary +
                                   "\r\nContent-Length: " + std::to_string(form.size()) + "\r\n"));
    CHECK(raw_status(resp) == 413);
    CHECK(resp.find("upload too large") != std::string::npos);
  }
  SUBCASE("sent chunked") {
    int fd = connect_to(s->port);
    REQUIRE(fd >= 0);
    send_all(fd, post_head("/v1/files", "Content-Type: multipart/form-data; boundary=" + boundary +
                                            "\r\nTransfer-Encoding: chunked\r\n"));
    char size_line[32];
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", form.size());
    send_all(fd, size_line + form + "\r\n0\r\n\r\n");
    std::string resp = read_until_close(fd, std::chrono::seconds(10));
    ::close(fd);
    CHECK(raw_status(resp) == 413);
    CHECK(resp.find("upload too large") != std::string::npos);
  }
  CHECK(healthz_ok(s->port));
}

TEST_CASE("serve: httplib's own errors are OpenAI-shaped JSON (bad request line, long URI)") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  std::string bad = raw_exchange(s->port, "THIS IS NOT HTTP\r\n\r\n");
  CHECK(raw_status(bad) == 400);
  auto j = nlohmann::json::parse(raw_body(bad), nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["error"]["type"] == "invalid_request_error");
  std::string long_uri =
      raw_exchange(s->port, "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(raw_status(long_uri) == 414);
  CHECK(nlohmann::json::parse(raw_body(long_uri), nullptr, false).contains("error"));
  std::string get_body = raw_exchange(
      s->port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(raw_status(get_body) == 400);
}

TEST_CASE("serve: bad JSON gets 400 naming the parse position") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto r =
      client(s->port).Post("/v1/chat/completions", bearer(), "{\"model\": ", "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(openai_error(r));
  CHECK(body_json(r)["error"]["message"].get<std::string>().find("byte") != std::string::npos);
}

// A TLS ClientHello-like prefix with NUL bytes, then a blank line.
constexpr char k_garbage[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 binary\r\n\r\n";

TEST_CASE("serve: 1,000 malformed requests leave /healthz answering") {
  Env env;
  give_token(env);
  auto s = start_server(env, {"--read-timeout", "1"});
  const std::string kinds[] = {
      // bad JSON on a protected route (401/429/400, all JSON)
      post_head("/v1/chat/completions",
                "Connection: close\r\nContent-Type: application/json\r\nContent-Length: 9\r\n") +
          "{not json",
      // a header line without a colon
      "GET /healthz HTTP/1.1\r\nConnection: close\r\nHost 127.0.0.1\r\nBroken header line\r\n\r\n",
      // a huge header
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Big: " +
          std::string(64 * 1024, 'h') + "\r\n\r\n",
      // garbage
      std::string(k_garbage, sizeof k_garbage - 1),
      // a bad chunked encoding
      post_head("/v1/embeddings", "Connection: close\r\nTransfer-Encoding: chunked\r\n") +
          "zz\r\nabc\r\n0\r\n\r\n",
  };
  int answered = 0, errors = 0, errors_json = 0;
  for (int i = 0; i < 1000; ++i) {
    std::string resp = raw_exchange(s->port, kinds[i % 5], std::chrono::seconds(2));
    int status = raw_status(resp);
    answered += status > 0 ? 1 : 0;
    if (status >= 400) {
      ++errors;
      auto j = nlohmann::json::parse(raw_body(resp), nullptr, false);
      errors_json += (j.is_object() && j.contains("error")) ? 1 : 0;
    }
  }
  MESSAGE(answered << " of 1000 got an HTTP answer; " << errors << " errors, " << errors_json
                   << " of them JSON");
  CHECK(errors_json == errors); // never an HTML or empty error body
  CHECK(errors >= 600);
  CHECK(healthz_ok(s->port));
}

TEST_CASE("serve: half-sent requests (slowloris) neither block /healthz nor stay open") {
  Env env;
  give_token(env);
  auto s = start_server(env, {"--read-timeout", "1"});
  std::vector<int> partial;
  for (int i = 0; i < 20; ++i) {
    int fd = connect_to(s->port);
    REQUIRE(fd >= 0);
    send_all(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    partial.push_back(fd);
  }
  auto started = std::chrono::steady_clock::now();
  CHECK(healthz_ok(s->port));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  // The server drops each of them after its read timeout.
  int closed = 0;
  for (int fd : partial) {
    read_until_close(fd, std::chrono::seconds(10));
    char c;
    closed += ::recv(fd, &c, 1, MSG_DONTWAIT) == 0 ? 1 : 0;
    ::close(fd);
  }
  CHECK(closed == 20);
  CHECK(healthz_ok(s->port));
}
