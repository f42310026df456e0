// The legacy /v1/completions route over the Responses-only backend: a single prompt becomes
// one user message, the output text comes back as a text_completion, streamed or not
// (reference §5.2; DESIGN deliberate differences 2, 3, 6). Pure: ids and `created` are passed in.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/sse.hpp>
#include <airelays/translate_chat.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

namespace airelays::translate_completions {

// Every dialect's Plan (upstream: stream:true, store:false, no tools).
using CompletionsPlan = dialect::Plan;

// Translates a completions body; best_of>1, echo, logprobs, suffix, n>1 and prompts that are
// not one string → 422/400 with the reason.
std::variant<CompletionsPlan, api_error::ApiError> plan_request(const nlohmann::json& body);

// A text_completion from a final Responses response object; `model` is the fallback.
nlohmann::json completion_from_response(const nlohmann::json& response, const std::string& id,
                                        long created, const std::string& model);

// Upstream events → text_completion SSE chunks, a final chunk with finish_reason, the usage
// chunk when include_usage, then "data: [DONE]"; failures as in translate_chat::ChatStream.
class CompletionsStream : public translate_chat::ChunkStream {
public:
  CompletionsStream(std::string id, long created, std::string model, bool include_usage);

private:
  std::vector<std::string> m_text_items; // message item ids that streamed text deltas

  std::string chunk(const std::string& text, const nlohmann::json& finish_reason);
  std::string on_event(const dialect::UpstreamEvent& event) override;
  bool ignores_type(std::string_view type) const override;
  std::string on_terminal(const dialect::UpstreamEvent& event) override;
  std::string on_item_done(const nlohmann::json& data);
};

} // namespace airelays::translate_completions
