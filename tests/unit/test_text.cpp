// text and constant_time: the small pure helpers every layer shares.
#include <airelays/constant_time.hpp>
#include <airelays/text.hpp>

#include <doctest/doctest.h>

using namespace airelays;

TEST_CASE("text::lower lowers ASCII letters only") {
  CHECK(text::lower("Content-Type: APPLICATION/Json") == "content-type: application/json");
  CHECK(text::lower("") == "");
  CHECK(text::lower("\xC3\x89t\xC3\xA9") == "\xC3\x89t\xC3\xA9"); // UTF-8 bytes untouched
}

TEST_CASE("text::trim drops ASCII white space at both ends, none inside") {
  CHECK(text::trim("  a b\t\r\n") == "a b");
  CHECK(text::trim("\f\vx\v") == "x");
  CHECK(text::trim(" \t\r\n") == "");
  CHECK(text::trim("") == "");
  CHECK(text::trim("none") == "none");
}

TEST_CASE("text::hex writes two lower-case digits per byte; is_hex accepts only those") {
  CHECK(text::hex(std::string("\x00\x0f\xa5\xff", 4)) == "000fa5ff");
  CHECK(text::hex("") == "");
  CHECK(text::is_hex("0123456789abcdef"));
  CHECK(text::is_hex(""));
  CHECK_FALSE(text::is_hex("ABCDEF"));
  CHECK_FALSE(text::is_hex("12g4"));
}

TEST_CASE("text::html_escape replaces the five markup characters") {
  CHECK(text::html_escape(R"(<a href="x">Tom & 'Jerry'</a>)") ==
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  CHECK(text::html_escape("plain") == "plain");
}

TEST_CASE("constant_time::equal compares whole strings of any lengths") {
  CHECK(constant_time::equal("same", "same"));
  CHECK(constant_time::equal("", ""));
  CHECK_FALSE(constant_time::equal("same", "samE"));
  CHECK_FALSE(constant_time::equal("Same", "same"));
  CHECK_FALSE(constant_time::equal("same-longer", "same"));
  CHECK_FALSE(constant_time::equal("same", "same-longer"));
  CHECK_FALSE(constant_time::equal("", "x"));
  CHECK_FALSE(constant_time::equal("x", ""));
  // a presented value that is the secret followed by NULs is not the secret
  CHECK_FALSE(constant_time::equal(std::string("abc\0", 4), "abc"));
}
