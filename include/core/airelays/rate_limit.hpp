// Per-client abuse controls of the relay's edge: a token bucket per IP (steady rate with a
// burst), a cap on concurrent requests per IP, and a temporary block of an IP after repeated
// wrong bearer tokens (reference §4.2, DESIGN.md "Edge order" and item 14). Pure: time is a
// `now` in seconds on any monotonic scale, passed in by the caller, so every rule is
// unit-tested without sleeping. The table is shared by the server's worker threads, hence
// the mutex; it creates no threads and reads no clock.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace airelays::rate_limit {

struct Limits {
  double rate_per_minute = 120;
  double burst = 40;
  int concurrent_per_ip = 50;
  double failed_auth_window_seconds = 300;
  int failed_auth_max_attempts = 8;
  double failed_auth_block_seconds = 900;
};

// A token bucket: starts full at `burst`, refills `rate_per_minute / 60` tokens a second.
class TokenBucket {
public:
  TokenBucket(double rate_per_minute, double burst, double now);
  // Refills up to now, then takes one token if there is one.
  bool try_take(double now);
  // Tokens available at now (refilled, nothing taken).
  double available(double now);
  // Whole seconds until one token is available (at least 1).
  long seconds_until_token(double now);

private:
  void refill(double now);
  double m_rate_per_second;
  double m_burst;
  double m_tokens;
  double m_last;
};

enum class Admission { admitted, blocked, rate_limited, too_many_concurrent };

// Whether admit() honours the failed-auth block: the edge waives it for a request that
// presents the right token (the block refuses wrong credentials only, DESIGN.md item 14).
enum class BlockRule { applies, waived };

struct Verdict {
  Admission admission = Admission::admitted;
  long retry_after = 0; // seconds, for the rejections
};

// What /v1/relay/status shows about one client.
struct ClientView {
  double allowance_remaining = 0;
  int active_requests = 0;
  int failed_auth_attempts = 0;
  long blocked_for_seconds = 0;
};

struct Totals {
  size_t tracked = 0;
  size_t blocked = 0;
  size_t active = 0; // clients with a request in flight
};

// The per-IP state of every client seen.
class Clients {
public:
  explicit Clients(Limits limits);

  // Block (unless waived) → rate → concurrency, in that order. When admitted, a token is
  // taken and a concurrency slot is held until release(); a rejection consumes nothing.
  Verdict admit(const std::string& ip, double now, BlockRule block = BlockRule::applies);
  // Whole seconds left of the IP's failed-auth block (0: not blocked).
  long blocked_for(const std::string& ip, double now);
  // Gives back the slot taken by admit().
  void release(const std::string& ip);
  // Records a wrong credential. Returns true when this failure
  // started a block; the request that trips the block still gets its 401.
  bool record_auth_failure(const std::string& ip, double now);

  ClientView view(const std::string& ip, double now);
  Totals totals(double now);
  const Limits& limits() const { return m_limits; }

private:
  struct State {
    TokenBucket bucket;
    int active = 0;
    double blocked_until = 0;
    std::deque<double> failures;
  };
  State& state(const std::string& ip, double now);
  void forget_idle(double now);

  Limits m_limits;
  std::mutex m_mutex;
  std::map<std::string, State> m_clients;
};

} // namespace airelays::rate_limit
