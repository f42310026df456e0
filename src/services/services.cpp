// The composition root (see services.hpp): the one place the relay's services are built.
#include <airelays/conversation_store.hpp>
#include <airelays/file_store.hpp>
#include <airelays/rate_limit.hpp>
#include <airelays/services.hpp>
#include <airelays/token_manager.hpp>
#include <airelays/traffic_log.hpp>
#include <airelays/upstream.hpp>

namespace airelays::services {

namespace {

rate_limit::Limits limits_of(const config::Config& c) {
  rate_limit::Limits l;
  l.rate_per_minute = c.rate_limit_per_minute;
  l.burst = c.rate_limit_burst;
  l.concurrent_per_ip = c.concurrent_requests_per_ip;
  l.failed_auth_window_seconds = c.failed_auth_window_seconds;
  l.failed_auth_max_attempts = c.failed_auth_max_attempts;
  l.failed_auth_block_seconds = c.failed_auth_block_seconds;
  return l;
}

// The stores serve the OpenAI runtime only; without it their routes answer 501.
Status open_stores(Services& s) {
  if (!s.config.openai_enabled) {
    return ok_status();
  }
  file_store::Limits limits{s.config.max_upload_bytes, s.config.max_total_upload_bytes};
  auto files = file_store::FileStore::open(s.layout.files_dir, limits, s.clock.unix_seconds);
  if (!files) {
    return files.error();
  }
  s.files = std::move(files.value());
  auto conversations = conversation_store::ConversationStore::open(
      s.layout.conversations_dir, s.config.max_stored_responses, s.clock.unix_seconds);
  if (!conversations) {
    return conversations.error();
  }
  s.conversations = std::move(conversations.value());
  return ok_status();
}

} // namespace

Clock system_clock() {
  return {file_store::system_now, [] {
            return std::chrono::duration<double>(
                       std::chrono::steady_clock::now().time_since_epoch())
                .count();
          }};
}

Result<std::unique_ptr<Services>> open_services(const config::Config& cfg) {
  auto s = std::make_unique<Services>();
  s->config = cfg;
  s->layout = paths::layout(s->config);
  s->tokens = token_manager::make(s->config, s->layout, &s->metrics);
  s->upstream = std::make_shared<upstream::Upstream>(s->config, s->tokens);
  if (auto stores = open_stores(*s); !stores) {
    return stores.error();
  }
  s->traffic_log = std::make_shared<traffic_log::Log>(
      traffic_log::Options{s->config.logs_dir, s->config.log_content, s->config.retention_days});
  s->traffic_log->purge(std::chrono::system_clock::now());
  s->clients = std::make_shared<rate_limit::Clients>(limits_of(s->config));
  return s;
}

} // namespace airelays::services
