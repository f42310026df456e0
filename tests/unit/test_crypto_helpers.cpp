// base64, sha256 and random: the OpenSSL-backed helpers of the io layer.
#include <airelays/base64.hpp>
#include <airelays/random.hpp>
#include <airelays/sha256.hpp>
#include <airelays/text.hpp>

#include <doctest/doctest.h>

#include <set>

using namespace airelays;

TEST_CASE("base64::encode pads; encode_url uses - and _ and no padding") {
  CHECK(base64::encode("") == "");
  CHECK(base64::encode("hi") == "aGk=");
  CHECK(base64::encode("hello") == "aGVsbG8=");
  CHECK(base64::encode(std::string("\xfb\xff", 2)) == "+/8=");
  CHECK(base64::encode_url(std::string("\xfb\xff", 2)) == "-_8");
  CHECK(base64::encode_url("hi") == "aGk");
}

TEST_CASE("base64::decode accepts padded and unpadded text and skips white space") {
  CHECK(base64::decode("aGk=").value() == "hi");
  CHECK(base64::decode("aGk").value() == "hi");
  CHECK(base64::decode("aGVs\nbG8=").value() == "hello");
  CHECK(base64::decode("").value() == "");
  CHECK(base64::decode("+/8=").value() == std::string("\xfb\xff", 2));
}

TEST_CASE("base64::decode rejects other characters, url-safe ones, misplaced padding and bad "
          "lengths") {
  CHECK_FALSE(base64::decode("a$b").has_value());
  CHECK_FALSE(base64::decode("-_8").has_value());
  CHECK_FALSE(base64::decode("a=Gk").has_value());
  CHECK_FALSE(base64::decode("a").has_value());
  CHECK_FALSE(base64::decode("aGk==").has_value());
}

TEST_CASE("base64::decode_url accepts unpadded, padded and standard-alphabet text") {
  CHECK(base64::decode_url("aGk").value() == "hi");
  CHECK(base64::decode_url("aGk=").value() == "hi");
  CHECK(base64::decode_url("aGVsbG8").value() == "hello");
  CHECK(base64::decode_url("-_8").value() == std::string("\xfb\xff", 2));
  CHECK(base64::decode_url("+/8").value() == std::string("\xfb\xff", 2));
  CHECK_FALSE(base64::decode_url("a$b").has_value());
  CHECK_FALSE(base64::decode_url("a").has_value());
}

TEST_CASE("base64 round-trips every byte value in both alphabets") {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all.push_back(static_cast<char>(i));
  }
  for (size_t n = 0; n <= 5; ++n) {
    std::string bytes = all.substr(0, all.size() - n);
    CHECK(base64::decode(base64::encode(bytes)).value() == bytes);
    CHECK(base64::decode_url(base64::encode_url(bytes)).value() == bytes);
  }
}

TEST_CASE("sha256 gives the standard digests") {
  CHECK(sha256::hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256::hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256::digest("abc").size() == 32);
  CHECK(text::hex(sha256::digest("abc")) == sha256::hex("abc"));
}

TEST_CASE("random values have the asked size and alphabet and do not repeat") {
  CHECK(random::bytes(0).empty());
  CHECK(random::bytes(33).size() == 33);
  auto h = random::hex(31);
  CHECK(h.size() == 31);
  CHECK(text::is_hex(h));
  auto t = random::url_token(32);
  CHECK(t.size() == 43);
  CHECK(base64::decode_url(t).value().size() == 32);
  auto id = random::correlation_id("req_", 32);
  CHECK(id.size() == 36);
  CHECK(id.starts_with("req_"));
  CHECK(text::is_hex(id.substr(4)));
  CHECK(random::correlation_id("x", 5).size() == 6);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    seen.insert(random::hex(32));
    seen.insert(random::correlation_id("", 24));
  }
  CHECK(seen.size() == 400);
}
