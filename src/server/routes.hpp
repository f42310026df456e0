// The relay's route groups, one file each (src/server/handlers_<group>.cpp), private to the
// server layer. Each group is handed the services it uses (built once by
// services::open_services); registration only adds routes: it builds nothing and cannot fail.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/router.hpp>
#include <airelays/services.hpp>

#include <initializer_list>
#include <string>

namespace airelays::server {

using services::Services;

// /, /healthz, /v1/relay/status, /metrics, and the 501s.
void register_public_routes(Router& r, Services& s);
// /v1/responses, /v1/chat/completions, /v1/completions, /v1/messages.
void register_generation_routes(Router& r, Services& s);
// /v1/models, /v1/subscription/status.
void register_model_routes(Router& r, const config::Config& c, upstream::Upstream& upstream);
// /v1/files; files is null when the OpenAI runtime is disabled (501).
void register_file_routes(Router& r, file_store::FileStore* files);
// /v1/conversations; conversations is null when the OpenAI runtime is disabled (501).
void register_conversation_routes(Router& r, conversation_store::ConversationStore* conversations);

// One route of a group over a local store.
template <typename Store> struct StoreRoute {
  const char* method;
  const char* path;
  http::Response (*handler)(Store&, http::Request&);
};

// Adds the routes of a group over a local store; with no store (the OpenAI runtime disabled)
// each answers 501 "<what> are available only when the OpenAI runtime is enabled".
template <typename Store>
void add_store_routes(Router& r, Store* store, const std::string& what,
                      std::initializer_list<StoreRoute<Store>> routes) {
  for (const auto& route : routes) {
    r.add(route.method, route.path, [store, what, fn = route.handler](http::Request& req) {
      if (!store) {
        return http::error(api_error::make(501,
                                           what + " are available only when the OpenAI runtime is "
                                                  "enabled ([providers.openai] enabled = true).",
                                           std::string("unsupported_error")));
      }
      return fn(*store, req);
    });
  }
}

// All of the above, in order.
void register_all_routes(Router& r, Services& s);

} // namespace airelays::server
