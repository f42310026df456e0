// The relay's route groups, one file each (src/server/handlers_<group>.cpp), private to the
// server layer. Each group is handed the services it uses (built once by
// services::open_services); registration only adds routes: it builds nothing and cannot fail.
#pragma once

#include <airelays/router.hpp>
#include <airelays/services.hpp>

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

// All of the above, in order.
void register_all_routes(Router& r, Services& s);

} // namespace airelays::server
