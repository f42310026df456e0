// The chat dialect (/v1/chat/completions, reference §5.1): translate_chat plans the request
// and renders the chat.completion or the chunk stream. Files and conversations are expanded
// into its requests; its responses are not stored (a chat client never sees their resp_ ids).
#include "dialects.hpp"

#include <airelays/translate_chat.hpp>

namespace airelays::dialect {

namespace {

using nlohmann::json;

class Chat : public Dialect {
public:
  const char* name() const override { return "chat.completions"; }
  std::variant<Plan, api_error::ApiError> plan(json&& body, bool no_tools) override {
    return translate_chat::plan_request(std::move(body), no_tools);
  }
  const char* id_prefix() const override { return "chatcmpl-"; }
  json answer(const json& response, const Plan& plan, const std::string& id,
              long created) override {
    return translate_chat::completion_from_response(response, id, created, plan.model);
  }
  std::unique_ptr<EventTranslator> stream(const Plan& plan, const std::string& id,
                                          long created) override {
    return std::make_unique<translate_chat::ChatStream>(id, created, plan.model,
                                                        plan.include_usage);
  }
  bool expands() const override { return true; }
};

} // namespace

std::unique_ptr<Dialect> make_chat(const config::Config&) { return std::make_unique<Chat>(); }

} // namespace airelays::dialect
