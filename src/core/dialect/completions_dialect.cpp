// The legacy completions dialect (/v1/completions, reference §5.2): translate_completions
// plans one prompt and renders the text_completion or its chunk stream.
#include "dialects.hpp"

#include <airelays/translate_completions.hpp>

namespace airelays::dialect {

namespace {

using nlohmann::json;

class Completions : public Dialect {
public:
  const char* name() const override { return "completions"; }
  std::variant<Plan, api_error::ApiError> plan(json&& body, bool) override {
    return translate_completions::plan_request(body);
  }
  const char* id_prefix() const override { return "cmpl-"; }
  json answer(const json& response, const Plan& plan, const std::string& id,
              long created) override {
    return translate_completions::completion_from_response(response, id, created, plan.model);
  }
  std::unique_ptr<EventTranslator> stream(const Plan& plan, const std::string& id,
                                          long created) override {
    return std::make_unique<translate_completions::CompletionsStream>(id, created, plan.model,
                                                                      plan.include_usage);
  }
};

} // namespace

std::unique_ptr<Dialect> make_completions(const config::Config&) {
  return std::make_unique<Completions>();
}

} // namespace airelays::dialect
