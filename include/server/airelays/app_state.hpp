// The server's one shared state object: settings, paths, the services, and the counters.
// Created by server::serve and passed to every route group; nothing else is global.
#pragma once

#include <airelays/config.hpp>
#include <airelays/metrics.hpp>
#include <airelays/paths.hpp>
#include <airelays/router.hpp>

#include <atomic>
#include <chrono>
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

namespace airelays::server {

struct AppState {
  config::Config config;
  paths::Layout layout;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<bool> stopping{false}; // set on SIGINT/SIGTERM: streams end, transfers abort
  metrics::Registry metrics;

  std::shared_ptr<token_manager::TokenManager> tokens;
  std::shared_ptr<upstream::Upstream> upstream;
  std::shared_ptr<file_store::FileStore> files;
  std::shared_ptr<conversation_store::ConversationStore> conversations;
  // Set by the server wiring (serve): the edge's per-IP state (for /v1/relay/status) and the
  // traffic log (records beyond the per-request summary; may be null in tests).
  std::shared_ptr<rate_limit::Clients> clients;
  std::shared_ptr<traffic_log::Log> traffic_log;
};

// Route groups, one file each (src/server/handlers_<group>.cpp).
void register_public_routes(Router& r, AppState& s);       // /, /healthz, status, metrics, 501s
void register_generation_routes(Router& r, AppState& s);   // responses, chat, completions
void register_model_routes(Router& r, AppState& s);        // models, subscription status
void register_file_routes(Router& r, AppState& s);         // /v1/files
void register_conversation_routes(Router& r, AppState& s); // /v1/conversations

// All of the above, in order.
void register_all_routes(Router& r, AppState& s);

} // namespace airelays::server
