// The Responses API on both sides of the relay: a client's /v1/responses body is normalised
// into the request the ChatGPT backend accepts (stream:true, store:false, the parameters the
// backend rejects stripped and disclosed), upstream SSE events are classified for the
// pre-first-byte rule, and the non-stream response object is rebuilt from the stream
// (reference §5.3, §5.4.3, §10.2; DESIGN deliberate differences 2 and 6). Also the shared
// pieces the chat and completions translators build on. Pure: no clock, no I/O.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/sse.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace airelays::responses {

// The normalised request and what the handler needs to answer the client.
struct Plan {
  nlohmann::json upstream;          // the Responses request to send (stream:true, store:false)
  std::vector<std::string> ignored; // dropped parameters, for x-airelays-ignored-parameters
  bool stream = false;              // the client asked for an SSE response
  std::string model;                // the request's model ("" when absent or not a string)
};

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

// The client-facing error for a failure event's data (reference §10.2 with DESIGN's statuses):
// 429 for quota/rate codes (code kept, Retry-After from resets_in_seconds), 400 for invalid
// requests, 502 otherwise; the upstream's message/type/code/param are kept when present.
api_error::ApiError failure_error(const nlohmann::json& event_data);
// 502 incomplete_stream: "Upstream stream ended before response.completed."
api_error::ApiError incomplete_stream_error();

// Rebuilds the final response object from the upstream events (reference §5.4.3): `response`
// objects are shallow-merged, output_item.done items collected by output_index, text deltas
// kept as a fallback for streams without items. Usable by every route's non-stream path and
// to learn the final response of a stream.
class ResponseAccumulator {
public:
  void feed(const sse::Event& event);
  // A success terminal (response.completed / response.incomplete) was seen.
  bool succeeded() const { return m_succeeded; }
  // A failure event was seen (error / response.failed).
  bool failed() const { return m_failure.has_value(); }
  // The final response object, or the error to answer: the first failure event's, 502
  // "Upstream stream ended without a response payload." when nothing came, or incomplete_stream.
  std::variant<nlohmann::json, api_error::ApiError> finish() const;

private:
  nlohmann::json m_response = nlohmann::json::object();
  std::map<long, nlohmann::json> m_items; // output_index → item
  // output_text delta events, unparsed: their text is needed only by an item-less stream.
  std::vector<std::string> m_deltas;
  // The data of response.created / response.in_progress, unparsed: the terminal event's
  // response supersedes them, so they are read only when it has none.
  std::vector<std::string> m_early;
  std::optional<nlohmann::json> m_failure;
  bool m_saw_response = false;
  bool m_terminal_response = false; // the success terminal carried a response object
  bool m_succeeded = false;
  // The early snapshots merged, later keys winning; nullopt when none carried a response.
  std::optional<nlohmann::json> early_response() const;
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
