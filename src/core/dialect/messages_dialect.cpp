// The Anthropic Messages dialect (/v1/messages, issue 17 step 2): translate_messages plans the
// request (claude-* names mapped by the [messages] table) and renders one `message` object or
// the Messages event stream; its errors are in Anthropic's shape.
#include "dialects.hpp"

#include <airelays/translate_messages.hpp>

namespace airelays::dialect {

namespace {

using nlohmann::json;

class Messages : public Dialect {
public:
  explicit Messages(translate_messages::ModelMap map) : m_map(std::move(map)) {}
  const char* name() const override { return "messages"; }
  std::variant<Plan, api_error::ApiError> plan(json&& body, bool) override {
    auto planned = translate_messages::plan_request(std::move(body), m_map);
    if (auto* e = std::get_if<api_error::ApiError>(&planned)) {
      return *e;
    }
    auto& p = std::get<translate_messages::MessagesPlan>(planned);
    m_options = std::move(p.options);
    return Plan(std::move(p));
  }
  const char* id_prefix() const override { return "msg_"; }
  json answer(const json& response, const Plan&, const std::string& id, long) override {
    return translate_messages::message_from_response(response, id, m_options);
  }
  std::unique_ptr<EventTranslator> stream(const Plan&, const std::string& id, long) override {
    return std::make_unique<translate_messages::MessagesStream>(id, m_options);
  }
  api_error::Shape error_shape() const override { return api_error::Shape::anthropic; }

private:
  translate_messages::ModelMap m_map;
  translate_messages::Options m_options;
};

} // namespace

std::unique_ptr<Dialect> make_messages(const config::Config& config) {
  return std::make_unique<Messages>(translate_messages::model_map(config));
}

} // namespace airelays::dialect
