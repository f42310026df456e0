// The Responses API on both sides of the relay: a client's /v1/responses body is normalised
// into the request the ChatGPT backend accepts (stream:true, store:false, the parameters the
// backend rejects stripped and disclosed), upstream SSE events are classified for the
// pre-first-byte rule, and the non-stream response object is rebuilt from the stream
// (reference §5.3, §5.4.3, §10.2; DESIGN deliberate differences 2 and 6). Also the shared
// pieces the chat and completions translators build on. Pure: no clock, no I/O.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/dialect.hpp>
#include <airelays/sse.hpp>
#include <airelays/upstream_error.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace airelays::responses {

// The normalised request and what the handler needs to answer the client: every dialect's
// Plan (upstream: stream:true, store:false; model "" when absent or not a string).
using Plan = dialect::Plan;

// Normalises a client /v1/responses body (already parsed as a JSON object); `no_tools` is the
// /no-tools/ mirror. `conversation` and `previous_response_id` stay in `upstream` for
// expansion::expand to consume. Every bad input is an ApiError (400 malformed, 422 unsupported).
// By value: a caller done with its tree moves it in (a large body is not copied).
std::variant<Plan, api_error::ApiError> plan_request(nlohmann::json body, bool no_tools = false);

// The parameters of reference §5.0 every text route strips, in their disclosure order.
const std::vector<std::string>& stripped_parameters();
// Removes the §5.0 parameters from `body` (present counts, even null) and appends their names,
// in the fixed order, to `ignored`.
void strip_parameters(nlohmann::json& body, std::vector<std::string>& ignored);
// Adds to `ignored` every key of body that is neither in `handled` (what a translation uses)
// nor one strip_parameters already disclosed: dropped keys are always disclosed.
void disclose_unhandled(const nlohmann::json& body, const std::set<std::string>& handled,
                        std::vector<std::string>& ignored);
// Checks and normalises a text.format / response_format object in place (text, json_object,
// json_schema with its schema made strict-compatible, reference §5.5); `param` names it in errors.
std::optional<api_error::ApiError> normalize_format(nlohmann::json& format,
                                                    const std::string& param);
// The skeleton of a translated route's plan (chat, completions): the body must be an object,
// the §5.0 parameters are stripped, `translate` checks the rest and builds plan.upstream (its
// error is the answer), then every key of the body not in `handled` is disclosed.
using Translate = std::function<std::optional<api_error::ApiError>(nlohmann::json& body, Plan&)>;
std::variant<Plan, api_error::ApiError> plan_translated(nlohmann::json& body,
                                                        const std::set<std::string>& handled,
                                                        const Translate& translate);
// 400 unless `store` is absent, null or false (the backend requires store=false).
std::optional<api_error::ApiError> check_store(const nlohmann::json& body);
// Reads `stream` (a boolean or null, else 400) and stream_options.include_usage into plan.
std::optional<api_error::ApiError> read_stream(const nlohmann::json& body, Plan& plan);
// "a,b,c" for the x-airelays-ignored-parameters header ("" when nothing was dropped).
std::string ignored_header(const std::vector<std::string>& ignored);

// What an upstream event means for the pre-first-byte rule (reference §10.3).
enum class EventKind {
  pre_content, // response.created / response.in_progress: buffer, keep waiting
  content,     // anything else that is progress: commit 200 and start streaming
  success,     // response.completed / response.incomplete (also commits)
  failure,     // error / response.failed: before the first byte a real HTTP error
  ignored,     // data that is not a JSON object
};
EventKind classify(const sse::Event& event);

// The client-facing error for a failure event's data: upstream_error::from_event (the one
// classifier), under the name the Responses code reads.
inline api_error::ApiError failure_error(const nlohmann::json& event_data) {
  return upstream_error::from_event(event_data);
}
// 502 incomplete_stream: "Upstream stream ended before response.completed."
inline api_error::ApiError incomplete_stream_error() { return upstream_error::incomplete_stream(); }

// Rebuilds the final response object from the upstream events (reference §5.4.3): `response`
// objects are shallow-merged, output_item.done items collected by output_index, text deltas
// kept as a fallback for streams without items. Usable by every route's non-stream path and
// to learn the final response of a stream.
class ResponseAccumulator {
public:
  // Takes the event's parsed tree (the response can be large: it is moved, not copied).
  void feed(dialect::UpstreamEvent&& event);
  // The same for an event as received: events that cannot change the result are not parsed,
  // response.created / response.in_progress only if their response is needed (no terminal
  // response came), text deltas only if the text is (no output items came).
  void feed(sse::Event&& event);
  void feed(const sse::Event& event) { feed(sse::Event(event)); }
  // A success terminal (response.completed / response.incomplete) was seen.
  bool succeeded() const { return m_succeeded; }
  // A failure event was seen (error / response.failed).
  bool failed() const { return m_failure.has_value(); }
  // The final response object, or the error to answer: the first failure event's, 502
  // "Upstream stream ended without a response payload." when nothing came, or incomplete_stream.
  std::variant<nlohmann::json, api_error::ApiError> finish() const;
  // The same, without copying: the accumulator is spent (start a new one to feed again).
  std::variant<nlohmann::json, api_error::ApiError> take();

private:
  nlohmann::json m_response = nlohmann::json::object();
  std::map<long, nlohmann::json> m_items; // output_index → item
  // output_text deltas: their text is needed only by an item-less stream.
  std::string m_delta_text;
  std::vector<std::string> m_delta_unparsed; // their data, in order, not parsed yet (after it)
  size_t m_delta_unparsed_bytes = 0;
  bool m_saw_delta = false;
  std::string delta_text() const; // m_delta_text with m_delta_unparsed's deltas
  // The response objects of response.created / response.in_progress, merged (later keys
  // win): the terminal event's response supersedes them, so they are used only without one.
  std::optional<nlohmann::json> m_early;
  std::vector<std::string> m_early_unparsed; // their data, in order, not parsed yet (after m_early)
  std::optional<nlohmann::json> early() const; // m_early with m_early_unparsed merged
  std::optional<nlohmann::json> m_failure;
  bool m_saw_response = false;
  bool m_terminal_response = false; // the success terminal carried a response object
  bool m_succeeded = false;
};

// Helpers over a final response object, shared by the chat and completions translators.
// All output_text parts of all message items, concatenated.
std::string output_text(const nlohmann::json& response);
// The function_call items of `output`, in order.
std::vector<nlohmann::json> function_calls(const nlohmann::json& response);
// True when the response stopped at an output-token limit (status incomplete, reason
// max_output_tokens or absent).
bool hit_length_limit(const nlohmann::json& response);

} // namespace airelays::responses
