// Token bucket, concurrency slots and the failed-auth block list (see rate_limit.hpp).
#include <airelays/rate_limit.hpp>

#include <algorithm>
#include <cmath>

namespace airelays::rate_limit {

namespace {

// Past this many tracked clients, idle ones (nothing in flight, bucket full, no recent
// failures, not blocked) are forgotten, so a flood of addresses cannot grow the table forever.
constexpr size_t k_prune_threshold = 4096;

long ceil_seconds(double s) { return std::max(1L, static_cast<long>(std::ceil(s))); }

} // namespace

TokenBucket::TokenBucket(double rate_per_minute, double burst, double now)
    : m_rate_per_second(std::max(0.0, rate_per_minute) / 60.0), m_burst(std::max(1.0, burst)),
      m_tokens(m_burst), m_last(now) {}

void TokenBucket::refill(double now) {
  if (now > m_last) {
    m_tokens = std::min(m_burst, m_tokens + (now - m_last) * m_rate_per_second);
    m_last = now;
  }
}

bool TokenBucket::try_take(double now) {
  refill(now);
  if (m_tokens < 1.0) {
    return false;
  }
  m_tokens -= 1.0;
  return true;
}

double TokenBucket::available(double now) {
  refill(now);
  return m_tokens;
}

long TokenBucket::seconds_until_token(double now) {
  refill(now);
  if (m_tokens >= 1.0) {
    return 1;
  }
  if (m_rate_per_second <= 0) {
    return 60;
  }
  return ceil_seconds((1.0 - m_tokens) / m_rate_per_second);
}

Clients::Clients(Limits limits) : m_limits(limits) {}

Clients::State& Clients::state(const std::string& ip, double now) {
  auto it = m_clients.find(ip);
  if (it == m_clients.end()) {
    if (m_clients.size() >= k_prune_threshold) {
      forget_idle(now);
    }
    it = m_clients
             .emplace(ip,
                      State{TokenBucket(m_limits.rate_per_minute, m_limits.burst, now), 0, 0, {}})
             .first;
  }
  return it->second;
}

void Clients::forget_idle(double now) {
  for (auto it = m_clients.begin(); it != m_clients.end();) {
    State& s = it->second;
    bool recent_failure =
        !s.failures.empty() && s.failures.back() > now - m_limits.failed_auth_window_seconds;
    bool idle = s.active == 0 && s.blocked_until <= now && !recent_failure &&
                s.bucket.available(now) >= m_limits.burst;
    it = idle ? m_clients.erase(it) : std::next(it);
  }
}

Verdict Clients::admit(const std::string& ip, double now, BlockRule block) {
  std::lock_guard lock(m_mutex);
  State& s = state(ip, now);
  if (block == BlockRule::applies && s.blocked_until > now) {
    return {Admission::blocked, ceil_seconds(s.blocked_until - now)};
  }
  if (s.bucket.available(now) < 1.0) {
    return {Admission::rate_limited, s.bucket.seconds_until_token(now)};
  }
  if (s.active >= m_limits.concurrent_per_ip) {
    return {Admission::too_many_concurrent, 1};
  }
  s.bucket.try_take(now);
  ++s.active;
  return {Admission::admitted, 0};
}

long Clients::blocked_for(const std::string& ip, double now) {
  std::lock_guard lock(m_mutex);
  auto it = m_clients.find(ip);
  if (it == m_clients.end() || it->second.blocked_until <= now) {
    return 0;
  }
  return ceil_seconds(it->second.blocked_until - now);
}

void Clients::release(const std::string& ip) {
  std::lock_guard lock(m_mutex);
  auto it = m_clients.find(ip);
  if (it != m_clients.end() && it->second.active > 0) {
    --it->second.active;
  }
}

bool Clients::record_auth_failure(const std::string& ip, double now) {
  std::lock_guard lock(m_mutex);
  State& s = state(ip, now);
  while (!s.failures.empty() && s.failures.front() <= now - m_limits.failed_auth_window_seconds) {
    s.failures.pop_front();
  }
  s.failures.push_back(now);
  if (static_cast<int>(s.failures.size()) >= m_limits.failed_auth_max_attempts &&
      s.blocked_until <= now) {
    s.blocked_until = now + m_limits.failed_auth_block_seconds;
    return true;
  }
  return false;
}

ClientView Clients::view(const std::string& ip, double now) {
  std::lock_guard lock(m_mutex);
  ClientView v;
  auto it = m_clients.find(ip);
  if (it == m_clients.end()) {
    v.allowance_remaining = m_limits.burst;
    return v;
  }
  State& s = it->second;
  v.allowance_remaining = std::round(s.bucket.available(now) * 100.0) / 100.0;
  v.active_requests = s.active;
  v.failed_auth_attempts = static_cast<int>(s.failures.size());
  v.blocked_for_seconds =
      s.blocked_until > now ? static_cast<long>(std::ceil(s.blocked_until - now)) : 0;
  return v;
}

Totals Clients::totals(double now) {
  std::lock_guard lock(m_mutex);
  Totals t;
  t.tracked = m_clients.size();
  for (const auto& [ip, s] : m_clients) {
    t.blocked += s.blocked_until > now ? 1 : 0;
    t.active += s.active > 0 ? 1 : 0;
  }
  return t;
}

} // namespace airelays::rate_limit
