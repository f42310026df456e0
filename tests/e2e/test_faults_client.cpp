// Fault injection at the client, end to end: a client that vanishes in the middle of a stream
// must make the relay let go of the upstream transfer within a second (the fake backend sees its
// reader leave) and free the worker; 200 clients vanishing at once must leave a relay that still
// answers /healthz and serves the next request.
#include "fault_helpers.hpp"

#include <thread>
#include <vector>

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::faults;

namespace {

const std::string k_long_text =
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four";

// Opens a streaming chat request and waits for its first content; returns the socket.
int open_stream(int port) {
  int fd = serve::connect_to(port);
  REQUIRE(fd >= 0);
  REQUIRE(serve::send_all(fd, chat_request(port, chat_body(true))));
  std::string got;
  REQUIRE_MESSAGE(read_until(fd, got, "\"content\"", std::chrono::seconds(10)), got);
  return fd;
}

// Closes with RST (SO_LINGER 0): the abrupt way a killed client goes away.
void vanish(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

} // namespace

TEST_CASE("faults: a client leaving mid-stream aborts the upstream transfer within 1 s and frees "
          "the worker") {
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.extra = "[server]\nworkers = 4\n";
  auto server = start_relay(env, fake, s);
  constexpr int k_streams = 4; // every worker busy
  for (int i = 0; i < k_streams; ++i) {
    fake.script("responses", {{"kind", "text"}, {"text", k_long_text}, {"delay_ms", 100}});
  }
  std::vector<int> fds;
  for (int i = 0; i < k_streams; ++i) {
    fds.push_back(open_stream(server->port));
  }
  CHECK(fake_counter(fake, "streams_open") == k_streams);
  auto left_at = Clock::now();
  for (int fd : fds) {
    vanish(fd);
  }
  CHECK(eventually([&] { return fake_counter(fake, "streams_cut_by_client") == k_streams; },
                   std::chrono::seconds(3)));
  CHECK(seconds_since(left_at) < 1.0);
  CHECK(fake_counter(fake, "streams_open") == 0);
  // The workers are free again: as many new requests as workers complete at once.
  std::vector<std::thread> again;
  std::atomic<int> ok{0};
  for (int i = 0; i < k_streams; ++i) {
    again.emplace_back([&] {
      auto c = serve::client(server->port);
      auto r = c.Post("/v1/chat/completions", serve::bearer(), chat_body(false).dump(),
                      "application/json");
      ok += r && r->status == 200 ? 1 : 0;
    });
  }
  for (auto& t : again) {
    t.join();
  }
  CHECK(ok == k_streams);
}

TEST_CASE("faults: a client leaving while the upstream is silent still aborts it within 1 s") {
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.idle_timeout_s = 30; // the idle timeout is not what ends it
  auto server = start_relay(env, fake, s);
  fake.script("responses", {{"kind", "stall"}, {"text", "quiet now"}, {"after", 5}});
  int fd = open_stream(server->port);
  auto left_at = Clock::now();
  vanish(fd);
  CHECK(eventually([&] { return fake_counter(fake, "streams_cut_by_client") == 1; },
                   std::chrono::seconds(5)));
  CHECK(seconds_since(left_at) < 1.0);
}

TEST_CASE("faults: 200 clients disconnecting at once leave a relay that answers /healthz") {
  Env env;
  fake::FakeUpstream fake;
  Settings s;
  s.extra = "[security]\nrate_limit_per_minute = 100000\nrate_limit_burst = 100000\n"
            "concurrent_requests_per_ip = 1000\n";
  auto server = start_relay(env, fake, s);
  constexpr int k_clients = 200;
  for (int i = 0; i < k_clients; ++i) {
    fake.script("responses", {{"kind", "stall"}, {"text", k_long_text}, {"after", 5}});
  }
  std::vector<int> fds;
  for (int i = 0; i < k_clients; ++i) {
    int fd = serve::connect_to(server->port);
    REQUIRE(fd >= 0);
    REQUIRE(serve::send_all(fd, chat_request(server->port, chat_body(true))));
    fds.push_back(fd);
  }
  // Each upstream stream stays open until its reader leaves: wait until the relay is busy with
  // many of them (64 workers), then all clients leave at once.
  long most = 0;
  bool busy = eventually(
      [&] {
        most = std::max(most, fake_counter(fake, "streams_open"));
        return most >= 32;
      },
      std::chrono::seconds(20));
  INFO("most upstream streams open at once: " << most << ", served: "
                                              << fake_counter(fake, "responses_served"));
  CHECK(busy);
  for (int fd : fds) {
    vanish(fd);
  }
  auto left_at = Clock::now();
  auto c = serve::client(server->port);
  c.set_read_timeout(5);
  auto health = c.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(seconds_since(left_at) < 3.0);
  CHECK(eventually([&] { return fake_counter(fake, "streams_open") == 0; },
                   std::chrono::seconds(10)));
  fake.reset(); // the stall steps of requests that never reached the upstream
  auto r =
      c.Post("/v1/chat/completions", serve::bearer(), chat_body(false).dump(), "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(server->process.wait(std::chrono::milliseconds(0)) == std::nullopt); // still running
}
