// One generation request after its upstream call was opened (private to the server layer):
// the open upstream stream, the events read before committing, and the route's translator.
// Non-stream requests collect() the final object; stream requests pump_to() the client sink,
// writing each translated event as it arrives, on the worker thread that opened the call.
#pragma once

#include <airelays/expansion.hpp>
#include <airelays/http_types.hpp>
#include <airelays/responses.hpp>
#include <airelays/services.hpp>
#include <airelays/translate_chat.hpp>
#include <airelays/translate_completions.hpp>
#include <airelays/translate_messages.hpp>
#include <airelays/upstream.hpp>

#include <memory>
#include <optional>
#include <variant>

namespace airelays::server {

using services::Services;

enum class GenerationRoute { responses, chat, completions, messages };

class GenerationJob {
public:
  GenerationJob(Services& state, GenerationRoute route,
                std::shared_ptr<nlohmann::json> annotations);

  GenerationRoute route;
  std::string model;
  bool include_usage = false;
  translate_messages::Options messages; // the messages route's answer options
  long created = 0;
  expansion::Plan plan;
  std::unique_ptr<upstream::EventStream> stream;
  std::vector<sse::Event> head; // read before committing; written first

  expansion::Context context() const;
  void start_chat(std::string id);
  void start_completions(std::string id);
  void start_messages(std::string id);

  // Non-stream: reads the whole stream; the final response object or the error to answer.
  std::variant<nlohmann::json, api_error::ApiError> collect();
  // Non-stream, after collect() failed and the call was opened again: start over on it.
  void restart(upstream::Opened&& opened);
  // A response completed: keep it for conversations/previous_response_id, note its usage.
  void record(const nlohmann::json& response);
  // Stream: writes the translated events until the end; false when it ended abnormally. An
  // exception on the way ends the stream with an in-band internal_error; it never escapes.
  bool pump_to(http::ChunkSink& sink);

private:
  Services& m_state;
  std::shared_ptr<nlohmann::json> m_annotations;
  responses::ResponseAccumulator m_acc;
  std::optional<translate_chat::ChatStream> m_chat;
  std::optional<translate_completions::CompletionsStream> m_completions;
  std::optional<translate_messages::MessagesStream> m_messages;

  std::string translate(const sse::Event& event);
  bool translator_done() const;
  std::string end_text();
  bool finish_stream(const char* outcome);
  bool pump(http::ChunkSink& sink);
  bool fail_internally(http::ChunkSink& sink, const char* what) noexcept;
};

} // namespace airelays::server
