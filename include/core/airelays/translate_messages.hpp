// /v1/messages, the Anthropic Messages dialect, over the Responses-only ChatGPT backend, so
// Claude Code and the Anthropic SDKs can use the subscription (issue 17, DESIGN difference 17).
// A Messages body becomes one Responses request (system → instructions, blocks → input items,
// tool_use/tool_result ↔ function_call/function_call_output, tools with input_schema,
// thinking/effort → reasoning effort, claude-* model names → configured GPT models); the
// upstream's output or event stream becomes one `message` object or the Messages event
// stream (message_start, content_block_*, message_delta, message_stop, ping). Stop sequences,
// which the backend cannot take, are applied here. Pure: ids are passed in by the caller.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/config.hpp>
#include <airelays/dialect.hpp>
#include <airelays/sse.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

namespace airelays::translate_messages {

// The GPT model each Claude family runs on ([messages] in the config).
struct ModelMap {
  std::string opus;
  std::string sonnet;
  std::string haiku;
};
ModelMap model_map(const config::Config& config);

// The GPT model for a requested name: claude-*opus* → opus, *haiku* → haiku, any other
// claude-* → sonnet; a name that is not claude-* is used as it is.
std::string map_model(const std::string& requested, const ModelMap& map);

// What the answer needs besides the upstream request.
struct Options {
  std::string model;                       // the model the client asked for (echoed back)
  std::vector<std::string> stop_sequences; // applied by the relay
  bool thinking = false;                   // reasoning summaries become thinking blocks
};

// Every dialect's Plan (upstream: stream:true, store:false; model: the GPT model it maps to;
// session_id: Claude Code's prompt_cache_key), and the answer's options.
struct MessagesPlan : dialect::Plan {
  Options options;
};

// Translates a Messages body (a parsed JSON object). Malformed input → 400 naming the param.
// By value: a caller done with its tree moves it in (a large body is not copied).
std::variant<MessagesPlan, api_error::ApiError> plan_request(nlohmann::json body,
                                                             const ModelMap& map);

// Responses usage → Messages usage: input_tokens (uncached), cache_read_input_tokens,
// cache_creation_input_tokens (0), output_tokens.
nlohmann::json usage_from_responses(const nlohmann::json& usage);

// One `message` object from a final Responses response object.
nlohmann::json message_from_response(const nlohmann::json& response, const std::string& id,
                                     const Options& options);

// POST /v1/messages/count_tokens: {"input_tokens": N}, an estimate (about four bytes of the
// translated request per token) since the backend has no counting endpoint.
std::variant<nlohmann::json, api_error::ApiError> count_tokens(const nlohmann::json& body,
                                                               const ModelMap& map);

// Upstream events → the Messages event stream. A failure (event, transport, or a stream that
// ends without a terminal event) is one Anthropic `error` event, and no message_stop.
class MessagesStream : public dialect::EventTranslator {
public:
  MessagesStream(std::string id, Options options);

private:
  enum class Block { none, text, thinking, tool };
  std::string m_id;
  Options m_options;
  bool m_started = false;
  bool m_called_tool = false;
  int m_index = -1;                      // index of the open (or last) content block
  Block m_open = Block::none;            // the kind of the open block
  std::string m_open_key;                // the upstream item the open block belongs to
  std::string m_args_sent;               // tool arguments already sent for the open tool block
  std::string m_text;                    // text of the open text block, including what is held back
  size_t m_text_sent = 0;                // bytes of m_text already sent
  std::vector<std::string> m_text_items; // message items whose text was streamed

  std::string on_event(const dialect::UpstreamEvent& event) override;
  bool ignores_type(std::string_view type) const override;
  std::string on_terminal(const dialect::UpstreamEvent& event) override;
  std::string error_event(const api_error::ApiError& error) const override;
  std::string start();
  std::string open_block(Block kind, const std::string& key, const nlohmann::json& block);
  std::string close_block();
  std::string on_text(const std::string& key, const std::string& delta);
  std::string on_thinking(const nlohmann::json& data);
  std::string on_item_added(const nlohmann::json& data);
  std::string on_arguments(const nlohmann::json& data);
  std::string on_item_done(const nlohmann::json& data);
  std::string end(const std::string& stop_reason, const nlohmann::json& stop_sequence,
                  const nlohmann::json& usage);
};

} // namespace airelays::translate_messages
