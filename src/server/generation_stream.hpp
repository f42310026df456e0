// One generation request after its upstream call was opened (private to the server layer):
// the open upstream stream, the events read before committing, and the request's dialect.
// Non-stream requests collect() the final object; stream requests pump_to() the client sink,
// writing each event as the dialect translates it, on the worker thread that opened the call.
// Each upstream event is parsed at most once (dialect::UpstreamEvent) and that tree is what
// the dialect, the terminal-event bookkeeping (usage and ids for the log) and, where a whole
// response must be rebuilt, the accumulator read. An event whose type alone decides what the
// dialect writes (one it ignores or passes through) is not parsed for the dialect; the
// accumulator then takes it as received and parses only what the response needs.
#pragma once

#include <airelays/dialect.hpp>
#include <airelays/expansion.hpp>
#include <airelays/http_types.hpp>
#include <airelays/responses.hpp>
#include <airelays/services.hpp>
#include <airelays/upstream.hpp>

#include <memory>
#include <optional>
#include <variant>

namespace airelays::server {

using services::Services;

class GenerationJob {
public:
  GenerationJob(Services& state, std::unique_ptr<dialect::Dialect> dialect,
                std::shared_ptr<nlohmann::json> annotations);

  dialect::Dialect& dialect() { return *m_dialect; }
  long created = 0;
  expansion::Plan plan;
  std::unique_ptr<upstream::EventStream> stream;
  std::vector<sse::Event> head; // read before committing; written first

  expansion::Context context() const;
  // Stream: the dialect's translator for the request planned as `p`, with its answer's id.
  void start(const dialect::Plan& p, const std::string& id);

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
  std::unique_ptr<dialect::Dialect> m_dialect;
  std::shared_ptr<nlohmann::json> m_annotations;
  std::unique_ptr<dialect::EventTranslator> m_translator;
  // Rebuilds the whole response: every non-stream answer, and a stream whose dialect stores it.
  responses::ResponseAccumulator m_acc;
  // A stream's terminal event: its response object (usage and id for the log).
  std::optional<nlohmann::json> m_terminal;

  std::string translate(sse::Event&& raw);
  void note_terminal(const dialect::UpstreamEvent& event);
  bool finish_stream(const char* outcome);
  bool pump(http::ChunkSink& sink);
  bool fail_internally(http::ChunkSink& sink, const char* what) noexcept;
};

} // namespace airelays::server
