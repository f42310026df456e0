// The per-IP token bucket, concurrency slots and failed-auth block list, with injected time.
#include <airelays/rate_limit.hpp>

#include <doctest/doctest.h>

using namespace airelays::rate_limit;

TEST_CASE("rate_limit::TokenBucket allows the burst back to back, then the steady rate") {
  TokenBucket b(120, 40, 1000.0); // 2 tokens a second
  for (int i = 0; i < 40; ++i) {
    REQUIRE(b.try_take(1000.0));
  }
  CHECK_FALSE(b.try_take(1000.0));
  CHECK(b.seconds_until_token(1000.0) == 1);
  CHECK_FALSE(b.try_take(1000.4)); // 0.8 tokens
  CHECK(b.try_take(1000.5));       // 1.0 token
  CHECK_FALSE(b.try_take(1000.5));
  CHECK(b.try_take(1001.0));
}

TEST_CASE("rate_limit::TokenBucket never holds more than the burst") {
  TokenBucket b(60, 3, 0.0);
  CHECK(b.available(10000.0) == doctest::Approx(3.0));
  CHECK(b.try_take(10000.0));
  CHECK(b.available(10000.0) == doctest::Approx(2.0));
}

TEST_CASE("rate_limit::TokenBucket says how long until the next token at slow rates") {
  TokenBucket b(6, 1, 0.0); // one token every 10 s
  REQUIRE(b.try_take(0.0));
  CHECK(b.seconds_until_token(0.0) == 10);
  CHECK(b.seconds_until_token(7.5) == 3);
}

TEST_CASE("rate_limit::Clients refuses past the burst and tells when to retry") {
  Limits l;
  l.rate_per_minute = 60;
  l.burst = 2;
  Clients c(l);
  CHECK(c.admit("1.1.1.1", 0).admission == Admission::admitted);
  c.release("1.1.1.1");
  CHECK(c.admit("1.1.1.1", 0).admission == Admission::admitted);
  c.release("1.1.1.1");
  auto v = c.admit("1.1.1.1", 0.2);
  CHECK(v.admission == Admission::rate_limited);
  CHECK(v.retry_after == 1);
  CHECK(c.admit("2.2.2.2", 0.2).admission == Admission::admitted); // per IP
  CHECK(c.admit("1.1.1.1", 1.0).admission == Admission::admitted);
}

TEST_CASE("rate_limit::Clients caps concurrent requests per IP until a slot is released") {
  Limits l;
  l.concurrent_per_ip = 2;
  Clients c(l);
  CHECK(c.admit("ip", 0).admission == Admission::admitted);
  CHECK(c.admit("ip", 0).admission == Admission::admitted);
  auto v = c.admit("ip", 0);
  CHECK(v.admission == Admission::too_many_concurrent);
  CHECK(v.retry_after == 1);
  CHECK(c.view("ip", 0).active_requests == 2);
  c.release("ip");
  CHECK(c.admit("ip", 0).admission == Admission::admitted);
}

TEST_CASE("rate_limit::Clients rejections consume no token") {
  Limits l;
  l.burst = 3;
  l.rate_per_minute = 0.0001;
  l.concurrent_per_ip = 1;
  Clients c(l);
  REQUIRE(c.admit("ip", 0).admission == Admission::admitted);
  for (int i = 0; i < 5; ++i) {
    CHECK(c.admit("ip", 0).admission == Admission::too_many_concurrent);
  }
  c.release("ip");
  CHECK(c.admit("ip", 0).admission == Admission::admitted); // tokens 2 left before, now 1
  c.release("ip");
  CHECK(c.admit("ip", 0).admission == Admission::admitted);
  c.release("ip");
  CHECK(c.admit("ip", 0).admission == Admission::rate_limited);
}

TEST_CASE("rate_limit::Clients blocks an IP after 8 failures in 300 s, for 900 s") {
  Clients c(Limits{});
  for (int i = 0; i < 7; ++i) {
    CHECK_FALSE(c.record_auth_failure("ip", 10.0 + i));
  }
  CHECK(c.record_auth_failure("ip", 20.0)); // the 8th starts the block
  auto v = c.admit("ip", 20.5);
  CHECK(v.admission == Admission::blocked);
  CHECK(v.retry_after == 900);
  CHECK(c.admit("ip", 918.5).retry_after == 2); // 1.5 s left, rounded up
  CHECK(c.admit("other", 21.0).admission == Admission::admitted);
  CHECK(c.totals(21.0).blocked == 1);
  CHECK(c.view("ip", 21.0).blocked_for_seconds == 899);
  CHECK(c.admit("ip", 920.0).admission == Admission::admitted); // block over
  CHECK(c.totals(920.0).blocked == 0);
}

TEST_CASE("rate_limit::Clients forgets failures older than the window") {
  Clients c(Limits{});
  for (int i = 0; i < 7; ++i) {
    CHECK_FALSE(c.record_auth_failure("ip", static_cast<double>(i)));
  }
  // 400 s later the old seven are outside the 300 s window: one more is not enough.
  CHECK_FALSE(c.record_auth_failure("ip", 400.0));
  CHECK(c.view("ip", 400.0).failed_auth_attempts == 1);
  CHECK(c.admit("ip", 400.0).admission == Admission::admitted);
}

TEST_CASE("rate_limit::Clients block applies with custom limits") {
  Limits l;
  l.failed_auth_max_attempts = 2;
  l.failed_auth_window_seconds = 10;
  l.failed_auth_block_seconds = 30;
  Clients c(l);
  CHECK_FALSE(c.record_auth_failure("ip", 0));
  CHECK(c.record_auth_failure("ip", 5));
  CHECK(c.admit("ip", 34.0).admission == Admission::blocked);
  CHECK(c.admit("ip", 35.0).admission == Admission::admitted);
}

TEST_CASE("rate_limit::Clients::blocked_for tells the block's time left; admit can waive it") {
  Clients c(Limits{});
  CHECK(c.blocked_for("ip", 0) == 0);
  for (int i = 0; i < 8; ++i) {
    c.record_auth_failure("ip", 10.0);
  }
  CHECK(c.blocked_for("ip", 10.5) == 900);
  CHECK(c.admit("ip", 10.5).admission == Admission::blocked);
  CHECK(c.admit("ip", 10.5, BlockRule::waived).admission == Admission::admitted);
  CHECK(c.blocked_for("ip", 910.0) == 0);
}
