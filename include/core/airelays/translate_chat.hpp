// /v1/chat/completions over the Responses-only ChatGPT backend: the chat request becomes a
// Responses request (messages → instructions + input items, tools, tool_choice,
// response_format, reasoning_effort), and the upstream's Responses output or event stream
// becomes a chat.completion or chat.completion.chunk stream the official SDKs accept
// (reference §5.1; DESIGN deliberate differences 2, 3, 6, 10). Pure: ids and `created` are
// passed in by the caller.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/dialect.hpp>
#include <airelays/sse.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

namespace airelays::translate_chat {

// The chat plan is every dialect's Plan: upstream (model, instructions, input[], tools,
// tool_choice, parallel_tool_calls, text.format, reasoning, include, stream:true, store:false,
// + conversation for expansion), ignored, stream, include_usage, model.
using ChatPlan = dialect::Plan;

// Translates a chat body (a parsed JSON object); `no_tools` is the /no-tools/ mirror.
// Malformed input → 400 with `param`; valid but unservable (n>1, audio, logprobs, …) → 422.
std::variant<ChatPlan, api_error::ApiError> plan_request(nlohmann::json chat_body,
                                                         bool no_tools = false);

// Responses usage → chat usage: prompt_tokens, completion_tokens, total_tokens,
// prompt_tokens_details.cached_tokens, completion_tokens_details.reasoning_tokens
// (null when `usage` is not an object).
nlohmann::json usage_from_responses(const nlohmann::json& usage);

// The chat finish_reason for a final response object: "length" when it stopped at the
// output limit (even after a function call), "tool_calls" when a function was called,
// "content_filter", else "stop".
std::string finish_reason(const nlohmann::json& response);

// A chat.completion from a final Responses response object (ResponseAccumulator::finish);
// `model` is the fallback when the response has none.
nlohmann::json completion_from_response(const nlohmann::json& response, const std::string& id,
                                        long created, const std::string& model);

// What the chat and completions streams share: the chunk envelope (id, object, created,
// model), the end of a stream that succeeded (the finish chunk is the caller's; then the
// usage chunk when include_usage and [DONE]); failures are one api_error::sse_event and no
// [DONE] (the dispatch, finish and fail are dialect::EventTranslator's).
class ChunkStream : public dialect::EventTranslator {
protected:
  ChunkStream(std::string id, const char* object, long created, std::string model,
              bool include_usage);
  // One chunk with these choices (and usage, unless null), as an SSE data frame.
  std::string frame(nlohmann::json choices, nlohmann::json usage = nullptr) const;
  // The same with the choices already serialised.
  std::string frame_rendered(std::string_view choices, const nlohmann::json& usage) const;
  // After the finish chunk: the usage chunk (when asked for; zeros when unknown), then [DONE].
  std::string close(const nlohmann::json& response);
  std::string error_event(const api_error::ApiError& error) const override;

  std::string m_model;

private:
  std::string m_id;
  const char* m_object;
  long m_created;
  bool m_include_usage;
};

// Turns the upstream event stream into chat.completion.chunk SSE text: a role chunk first,
// content deltas, tool-call deltas (stable index; id, type and name on a call's first delta),
// a finish chunk, the usage chunk when include_usage, then "data: [DONE]". A failure (event,
// transport, or a stream that ends without a terminal event) is one api_error::sse_event and
// no [DONE] (see ChunkStream).
class ChatStream : public ChunkStream {
public:
  ChatStream(std::string id, long created, std::string model, bool include_usage);

private:
  struct ToolCall {
    std::string item_id;
    long output_index = -1;
    std::string arguments_sent;
    int index = 0;
  };
  bool m_role_sent = false;
  std::vector<std::string> m_text_items; // keys of message items that streamed text deltas
  std::vector<ToolCall> m_calls;

  std::string chunk(const nlohmann::json& delta, const nlohmann::json& finish_reason);
  std::string content(const nlohmann::json& delta, const nlohmann::json& finish_reason = nullptr);
  std::string on_event(const dialect::UpstreamEvent& event) override;
  bool ignores_type(std::string_view type) const override;
  std::string on_terminal(const dialect::UpstreamEvent& event) override;
  std::string on_text_delta(const nlohmann::json& data);
  std::string on_item_added(const nlohmann::json& data);
  std::string on_arguments_delta(const nlohmann::json& data);
  std::string on_item_done(const nlohmann::json& data);
  std::string emit_call_start(const nlohmann::json& item, long output_index);
  ToolCall* find_call(const std::string& item_id, long output_index);
};

} // namespace airelays::translate_chat
