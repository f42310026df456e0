// One generation pipeline, several dialects (issue 17). Every generation route — /v1/responses,
// /v1/chat/completions, /v1/completions, /v1/messages — is the same pipeline: parse and plan
// the client's body into one upstream Responses request, open the upstream stream, then
// either rebuild the whole response and answer it in the dialect's shape, or translate each
// upstream event as it arrives. What differs between routes is a Dialect; the pipeline (the
// server's generation handler) knows no route by name. The dialects live in src/core/dialect/,
// one file each, and are listed once in src/core/dialect/registry.cpp. Pure: ids and times
// are passed in.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/config.hpp>
#include <airelays/sse.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace airelays::dialect {

// A client's body, planned: what every dialect's plan returns.
struct Plan {
  // The Responses request to send (stream:true, store:false; `conversation` and
  // `previous_response_id` still in it for expansion::expand when the dialect expands).
  nlohmann::json upstream;
  std::vector<std::string> ignored; // dropped parameters, for x-airelays-ignored-parameters
  bool stream = false;              // the client asked for an SSE response
  bool include_usage = false;       // stream_options.include_usage (chat, completions)
  std::string model;                // the model for the log and errors ("" when absent)
  std::string session_id;           // the upstream session the client names (Claude Code's)
};

// What one cheap pass over an event's data says, without parsing it into a tree: its type,
// when the data's one unescaped top-level "type" names the same type as the event: field
// (then it is the event's type whether or not the data parses), and whether the data has a
// top-level "response" key. Not `known` when unsure (no object, an escaped key, two "type"
// keys, a type other than the event's name).
struct EventPeek {
  bool known = false;
  std::string_view type;
  bool has_response = false;
};
EventPeek peek(const sse::Event& event);

// One upstream SSE event, parsed once: the pipeline and the dialect read the same tree.
struct UpstreamEvent {
  explicit UpstreamEvent(sse::Event event); // parses the data
  sse::Event raw;      // as received (a pass-through dialect writes it verbatim)
  std::string type;    // the data's "type", else the event: name
  nlohmann::json data; // the data as a JSON object; null when it is not one
  // error / response.failed
  bool failure() const { return type == "error" || type == "response.failed"; }
  // response.completed / response.incomplete
  bool success() const { return type == "response.completed" || type == "response.incomplete"; }
};

// A stream's translator: the one dispatch of upstream events (a failure event ends the stream
// with the dialect's error event, a success terminal goes to on_terminal, anything else to
// on_event), the end of a stream that stopped early, and the done/succeeded state. After the
// end every call returns "".
class EventTranslator {
public:
  virtual ~EventTranslator() = default;
  // Translates one upstream event; returns the SSE text to write (may be empty).
  std::string feed(const UpstreamEvent& event);
  std::string feed(const sse::Event& event) { return feed(UpstreamEvent(event)); }
  // The upstream stream ended (EOF): "" after the end, else the incomplete_stream error.
  std::string finish();
  // A transport/backend failure mid-stream: the error event (once), "" if already ended.
  std::string fail(const api_error::ApiError& error);
  // feed() would return "" for this event whatever its data (a named event of a type the
  // dialect ignores; never a failure or terminal): the pipeline need not parse it.
  bool ignores(const sse::Event& event) const;
  // What feed() would return for this event when its type alone decides it (a named event,
  // never a failure or terminal, of a type the dialect ignores or passes through as it came);
  // nullopt when its data must be parsed. The event itself is not parsed.
  std::optional<std::string> feed_unparsed(const sse::Event& event);
  // The stream is over (success or failure); stop reading upstream.
  bool done() const { return m_done; }
  // It ended as a success.
  bool succeeded() const { return m_succeeded; }

protected:
  // An event whose data is not a JSON object (ignored unless overridden).
  virtual std::string on_unparsed(const UpstreamEvent& event);
  // on_event and on_unparsed return "" for this type whatever the data (none by default).
  virtual bool ignores_type(std::string_view) const { return false; }
  // on_event and on_unparsed return the event as received (sse::format of it) for this type
  // whatever the data, and change nothing (none by default).
  virtual bool passes_type(std::string_view) const { return false; }
  // error / response.failed: by default fail() with upstream_error::from_event.
  virtual std::string on_failure(const UpstreamEvent& event);
  // response.completed / response.incomplete.
  virtual std::string on_terminal(const UpstreamEvent& event) = 0;
  // Any other event with a JSON object.
  virtual std::string on_event(const UpstreamEvent& event) = 0;
  // The error in the dialect's stream shape.
  virtual std::string error_event(const api_error::ApiError& error) const = 0;
  // The terminal event's response object ("incomplete" status filled in when the event says so).
  static nlohmann::json terminal_response(const nlohmann::json& event_data);
  // Marks the stream ended as a success.
  void succeed() { m_done = m_succeeded = true; }
  // Marks it ended (a failure passed through as it came).
  void mark_ended() { m_done = true; }

private:
  bool m_done = false;
  bool m_succeeded = false;
};

// What makes a route a dialect. One object per request (plan() may keep what its answers need
// beyond the Plan).
class Dialect {
public:
  virtual ~Dialect() = default;
  // The route's name in metrics ("responses", "chat.completions", ...).
  virtual const char* name() const = 0;
  // Parses and plans the client's body (taken: a translation may work on it in place);
  // `no_tools` is the /no-tools/ mirror. Malformed input → 400, unservable → 422.
  virtual std::variant<Plan, api_error::ApiError> plan(nlohmann::json&& body, bool no_tools) = 0;
  // The prefix of the ids this dialect gives its answers (chatcmpl-, cmpl-, msg_; "" = none).
  virtual const char* id_prefix() const { return ""; }
  // Non-stream: the answer object for a final response object (ResponseAccumulator::finish)
  // of the request planned as `plan`.
  virtual nlohmann::json answer(const nlohmann::json& response, const Plan& plan,
                                const std::string& id, long created) = 0;
  // Stream: the translator of the upstream events of the request planned as `plan`.
  virtual std::unique_ptr<EventTranslator> stream(const Plan& plan, const std::string& id,
                                                  long created) = 0;
  // The shape of its HTTP error bodies.
  virtual api_error::Shape error_shape() const { return api_error::Shape::openai; }

  // The pipeline steps that differ:
  // uploaded files and stored conversations are expanded into the request;
  virtual bool expands() const { return false; }
  // the completed response is stored (previous_response_id, conversations): a stream's
  // whole response is rebuilt for it;
  virtual bool records() const { return false; }
  // the usage windows are sent as x-ratelimit-* headers (Codex reads x-codex-* instead);
  virtual bool ratelimit_headers() const { return true; }
  // the name an adjusted reasoning effort is disclosed under.
  virtual const char* effort_param() const { return "reasoning_effort"; }
};

// A dialect's place in the route table: POST /v1<path> (and /no-tools/v1<path> when mirrored).
struct Registration {
  const char* path;
  bool no_tools_mirror;
  std::unique_ptr<Dialect> (*make)(const config::Config& config);
};
// Every dialect, in route order (src/core/dialect/registry.cpp).
const std::vector<Registration>& registry();

} // namespace airelays::dialect
