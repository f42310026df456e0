// sse: the incremental parser must give the same events however the network splits the bytes,
// and the writer must produce frames the parser (and any SSE client) reads back unchanged.
#include "xlate_test_data.hpp"

#include <airelays/sse.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using xlate_test::parse_all;
using xlate_test::parse_split;

namespace {

bool same(const std::vector<sse::Event>& a, const std::vector<sse::Event>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].event != b[i].event || a[i].data != b[i].data || a[i].id != b[i].id) {
      return false;
    }
  }
  return true;
}

std::vector<size_t> every_byte(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < n; ++i) {
    cuts.push_back(i);
  }
  return cuts;
}

} // namespace

TEST_CASE("sse::Parser reads the captured upstream text stream") {
  auto events = parse_all(xlate_test::read_data("sample_sse_full.txt"));
  REQUIRE(events.size() == 10);
  CHECK(events[0].event == "response.created");
  CHECK(events[9].event == "response.completed");
  auto last = nlohmann::json::parse(events[9].data);
  CHECK(last["response"]["usage"]["total_tokens"] == 1246);
  CHECK(nlohmann::json::parse(events[4].data)["delta"] == "Hi");
}

TEST_CASE("sse::Parser gives identical events fed byte by byte and split at every offset") {
  for (const char* name :
       {"sample_sse_full.txt", "sample_sse_tool_call.txt", "sample_sse_minimal.txt"}) {
    CAPTURE(name);
    std::string text = xlate_test::read_data(name);
    auto whole = parse_all(text);
    REQUIRE(!whole.empty());
    CHECK(same(parse_split(text, every_byte(text.size())), whole));
    for (size_t cut = 1; cut < text.size(); ++cut) {
      if (!same(parse_split(text, {cut}), whole)) {
        FAIL("split at " << cut << " changed the events");
      }
    }
  }
}

TEST_CASE("sse::Parser treats CRLF, LF and lone CR alike, even with CRLF split across chunks") {
  std::string lf = "event: a\ndata: 1\n\nevent: b\ndata: 2\n\n";
  std::string crlf = "event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n";
  std::string cr = "event: a\rdata: 1\r\revent: b\rdata: 2\r\r";
  auto expected = parse_all(lf);
  REQUIRE(expected.size() == 2);
  CHECK(same(parse_all(crlf), expected));
  CHECK(same(parse_all(cr), expected));
  CHECK(same(parse_split(crlf, every_byte(crlf.size())), expected));
  CHECK(same(parse_split(cr, every_byte(cr.size())), expected));
}

TEST_CASE("sse::Parser splits lines mixing CR, LF and CRLF in one chunk") {
  std::string lf = "event: a\ndata: 1\ndata: 2\n\nevent: b\ndata: 3\n\n";
  std::string mixed = "event: a\rdata: 1\ndata: 2\r\n\revent: b\r\ndata: 3\n\r";
  auto expected = parse_all(lf);
  REQUIRE(expected.size() == 2);
  CHECK(expected[0].data == "1\n2");
  CHECK(same(parse_all(mixed), expected));
  CHECK(same(parse_split(mixed, every_byte(mixed.size())), expected));
}

TEST_CASE("sse::Parser joins data lines, skips comments and unknown fields, keeps id") {
  auto evs = parse_all(": keep-alive\nretry: 10\nid: 7\nfoo: bar\ndata: a\ndata:b\ndata:  c\n\n");
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].event.empty());
  CHECK(evs[0].id == "7");
  CHECK(evs[0].data == "a\nb\n c"); // one space after the colon is dropped, not more
}

TEST_CASE("sse::Parser does not dispatch an event without data") {
  CHECK(parse_all("event: ping\n\n: comment\n\n").empty());
}

TEST_CASE("sse::Parser delivers a pending event at end of stream") {
  auto evs = parse_all("data: 1\n\ndata: 2");
  REQUIRE(evs.size() == 2);
  CHECK(evs[1].data == "2");
  sse::Parser p;
  CHECK(p.feed("data: x\n").empty());
  auto last = p.finish();
  REQUIRE(last);
  CHECK(last->data == "x");
  CHECK(!p.finish());
}

TEST_CASE("sse::Parser skips a leading BOM, even split across chunks") {
  std::string text = "\xEF\xBB\xBF"
                     "data: 1\n\n";
  auto evs = parse_split(text, every_byte(text.size()));
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].data == "1");
  auto only_bom = parse_all("\xEF\xBB");
  CHECK(only_bom.empty());
}

TEST_CASE("sse::format writes frames the parser reads back unchanged") {
  sse::Event e{"response.output_text.delta", "{\"a\":1}\nsecond\r\nthird", ""};
  CHECK(sse::format(e) ==
        "event: response.output_text.delta\ndata: {\"a\":1}\ndata: second\ndata: third\n\n");
  auto back = parse_all(sse::format(e));
  REQUIRE(back.size() == 1);
  CHECK(back[0].event == e.event);
  CHECK(back[0].data == "{\"a\":1}\nsecond\nthird");
  CHECK(sse::format(sse::Event{"", "x", ""}) == "data: x\n\n");
  CHECK(sse::data_only("[DONE]") == "data: [DONE]\n\n");
  CHECK(sse::data_only("") == "data: \n\n");
}
