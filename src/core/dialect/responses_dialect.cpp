// The Responses dialect (/v1/responses, reference §5.3): the client already speaks the
// backend's API, so its body is only normalised (responses::plan_request) and the upstream's
// events are passed through as they came — failure events too. Its completed responses are
// stored (previous_response_id, conversations), and it expands files and conversations.
#include "dialects.hpp"

#include <airelays/responses.hpp>

namespace airelays::dialect {

namespace {

using nlohmann::json;

// Every event verbatim; the stream ends at its terminal event: whatever the upstream does
// after it (more bytes, a dropped connection) must not add an `error` event SDKs would throw on.
class Passthrough : public EventTranslator {
  std::string on_unparsed(const UpstreamEvent& event) override { return sse::format(event.raw); }
  std::string on_failure(const UpstreamEvent& event) override {
    mark_ended();
    return sse::format(event.raw);
  }
  std::string on_terminal(const UpstreamEvent& event) override {
    succeed();
    return sse::format(event.raw);
  }
  std::string on_event(const UpstreamEvent& event) override { return sse::format(event.raw); }
  bool passes_type(std::string_view) const override { return true; }
  std::string error_event(const api_error::ApiError& error) const override {
    return api_error::responses_sse_event(error);
  }
};

class Responses : public Dialect {
public:
  const char* name() const override { return "responses"; }
  std::variant<Plan, api_error::ApiError> plan(json&& body, bool no_tools) override {
    return responses::plan_request(std::move(body), no_tools);
  }
  json answer(const json& response, const Plan&, const std::string&, long) override {
    return response;
  }
  std::unique_ptr<EventTranslator> stream(const Plan&, const std::string&, long) override {
    return std::make_unique<Passthrough>();
  }
  bool expands() const override { return true; }
  bool records() const override { return true; }
  bool ratelimit_headers() const override { return false; } // Codex reads x-codex-*
  const char* effort_param() const override { return "reasoning.effort"; }
};

} // namespace

std::unique_ptr<Dialect> make_responses(const config::Config&) {
  return std::make_unique<Responses>();
}

} // namespace airelays::dialect
