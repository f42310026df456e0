// The head checks of the connection guard (src/server/request_head.cpp), without sockets:
// where a head ends, the size and line caps, and the strict-HTTP refusals. The end-to-end
// tests (tests/e2e/test_serve_connections.cpp) check the same through the real binary.
#include "../../src/server/request_head.hpp"

#include <doctest/doctest.h>

using namespace airelays::server::request_head;
using Kind = Verdict::Kind;

namespace {
Verdict inspect_head(const std::string& bytes, const Limits& limits) {
  Scan scan;
  return check(bytes, limits, scan);
}
} // namespace

TEST_CASE("request_head::check finds the end of a whole head and waits for a partial one") {
  Limits l;
  std::string head = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  auto whole = inspect_head(head + "body bytes", l);
  CHECK(whole.kind == Kind::complete);
  CHECK(whole.length == head.size());
  for (size_t cut = 0; cut < head.size(); ++cut) {
    CHECK(inspect_head(head.substr(0, cut), l).kind == Kind::incomplete);
  }
}

TEST_CASE("request_head::check refuses heads over the byte and line caps with 431") {
  Limits l;
  l.max_head_bytes = 1024;
  l.max_header_lines = 3;
  CHECK(inspect_head("GET / HTTP/1.1\r\nX: " + std::string(2000, 'a'), l).status == 431);
  std::string three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n";
  CHECK(inspect_head(three + "\r\n", l).kind == Kind::complete);
  CHECK(inspect_head(three + "D: 4\r\n\r\n", l).status == 431);
  CHECK(inspect_head(three + "D: 4\r\n", l).status == 431); // before the head is whole
}

TEST_CASE("request_head::check refuses ambiguous framing and malformed lines with 400") {
  Limits l;
  const char* bad[] = {
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n",
      "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
  };
  for (const char* head : bad) {
    CAPTURE(head);
    auto v = inspect_head(head, l);
    CHECK(v.kind == Kind::refused);
    CHECK(v.status == 400);
  }
}
