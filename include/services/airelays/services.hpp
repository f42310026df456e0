// The composition root: every long-lived service of a running relay, built in one place
// (open_services) from the settings, and handed to the server, which passes each route group
// what it needs. Before it, the services were assembled in five places (the serve start-up and
// lazily inside route registrations, two of which threw) and reached through a service locator.
// Nothing here is built lazily: a store that cannot be opened stops `serve` with the reason.
#pragma once

#include <airelays/config.hpp>
#include <airelays/error.hpp>
#include <airelays/metrics.hpp>
#include <airelays/paths.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace airelays::token_manager {
class TokenManager;
}
namespace airelays::upstream {
class Upstream;
}
namespace airelays::file_store {
class FileStore;
}
namespace airelays::conversation_store {
class ConversationStore;
}
namespace airelays::rate_limit {
class Clients;
}
namespace airelays::traffic_log {
class Log;
}

namespace airelays::services {

// The clocks the services read; injected so tests control time.
struct Clock {
  std::function<int64_t()> unix_seconds;     // stored objects' created_at
  std::function<double()> monotonic_seconds; // rate limits and blocks
};

// The real clocks.
Clock system_clock();

struct Services {
  Services() = default;
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  config::Config config; // the settings they were built from; upstream keeps a reference
  paths::Layout layout;
  Clock clock = system_clock();
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<bool> stopping{false}; // set on SIGINT/SIGTERM: streams end, transfers abort
  metrics::Registry metrics;

  std::shared_ptr<token_manager::TokenManager> tokens;
  std::shared_ptr<upstream::Upstream> upstream;
  // Null when the OpenAI runtime is disabled ([providers.openai] enabled = false).
  std::shared_ptr<file_store::FileStore> files;
  std::shared_ptr<conversation_store::ConversationStore> conversations;
  std::shared_ptr<traffic_log::Log> traffic_log;
  std::shared_ptr<rate_limit::Clients> clients; // the edge's per-IP limits and blocks
};

// Builds every service from cfg: the token manager over the configured secret store, the
// upstream client, the file and conversation stores (when the OpenAI runtime is enabled), the
// traffic log (with files past retention purged), the per-IP limits and the clock. An error
// when a store cannot be opened.
[[nodiscard]] Result<std::unique_ptr<Services>> open_services(const config::Config& cfg);

} // namespace airelays::services
