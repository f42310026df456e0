// Shared pieces of the upstream and generation-route tests: a token manager that hands out a
// fixed login (and a second token after a 401), settings pointing at an in-process fake
// backend, and a ChunkSink that records what a streaming response wrote.
#pragma once

#include "fake_upstream.hpp"

#include <airelays/config.hpp>
#include <airelays/http_types.hpp>
#include <airelays/token_manager.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace airelays::test {

class StaticTokens final : public token_manager::TokenManager {
public:
  std::atomic<int> refreshes{0};
  token_manager::Access access() override {
    token_manager::Access a;
    a.credentials = token_manager::Credentials{refreshes > 0 ? "tok-2" : "tok-1", "acct-1"};
    return a;
  }
  token_manager::Access after_unauthorized(const std::string&) override {
    ++refreshes;
    return access();
  }
  token_manager::Summary summary() override { return {}; }
};

// Settings for a relay talking to `fake`, with instant retries.
inline config::Config fake_config(const fake::FakeUpstream& fake) {
  config::Config cfg;
  cfg.base_url = fake.backend_url();
  cfg.issuer_base_url = fake.issuer_url();
  cfg.retry_attempts = 2;
  cfg.retry_backoff_seconds = {0.0};
  cfg.connect_timeout_seconds = 2;
  cfg.stream_idle_timeout_seconds = 5;
  return cfg;
}

// Records chunks; stops accepting after `accept_writes` writes (a client that goes away).
class RecordingSink final : public http::ChunkSink {
public:
  std::vector<std::string> chunks;
  size_t accept_writes = static_cast<size_t>(-1);
  bool write(std::string_view data) override {
    if (chunks.size() >= accept_writes) {
      return false;
    }
    chunks.emplace_back(data);
    return true;
  }
  bool is_writable() override { return chunks.size() < accept_writes; }
  std::string all() const {
    std::string out;
    for (const auto& c : chunks) {
      out += c;
    }
    return out;
  }
};

} // namespace airelays::test
