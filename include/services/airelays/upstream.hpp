// The ChatGPT backend as the relay calls it: POST <base>/responses as an SSE stream, GET
// <base>/models (cached) and GET <chatgpt base>/wham/usage, with the headers of the wire
// contract (Authorization, ChatGPT-Account-ID, originator, version, session_id), the access
// token from the token manager (one refresh and repeat after a 401), the error classification
// of reference §10 with DESIGN.md's statuses, and retries with backoff only while nothing has
// reached the client. A /responses call is opened and pumped up to its first content event
// (DESIGN.md, "Streaming without losing real status codes"); the caller then keeps pumping
// the same transfer on its own thread.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/config.hpp>
#include <airelays/http_client.hpp>
#include <airelays/sse.hpp>
#include <airelays/usage_windows.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace airelays::token_manager {
class TokenManager;
struct Access;
} // namespace airelays::token_manager

namespace airelays::upstream {

// --- error classification (pure) ---------------------------------------------------------

// An upstream HTTP answer with status >= 400 (other than a first 401) as the client's error
// (upstream_error::from_http at the current time):
// 400/403/404/429 and other 4xx keep their status, 5xx → 502; the upstream's error object
// (message/type/code/param) is kept with its other safe members as extras (resets_at,
// resets_in_seconds, plan_type, …), a {"detail":…} text becomes the message; 429 carries
// Retry-After from resets_in_seconds, else resets_at (from now), else the upstream's Retry-After
// header, else 1.
api_error::ApiError http_error(int status, const std::string& body,
                               const std::string& retry_after_header = {});
// A transport failure: timeouts → 504, everything else → 502 upstream_connection_failed
// (a failed TLS handshake says so and points at base_url); never names a secret.
api_error::ApiError transport_error(http_client::Failure failure, const std::string& text);
// 503 upstream_auth_rejected: the backend answered 401 again after a refresh.
api_error::ApiError auth_rejected_error();
// Retried before the first byte: 429 (unless resets_in_seconds exceeds the backoff still
// ahead) and 5xx other than the 503 login errors and the 504 timeouts (a silent upstream is
// not asked again: each attempt would hold the client for the whole timeout once more).
bool retriable(const api_error::ApiError& e);
// 504 upstream_timeout: no content event within first_content_timeout_seconds.
api_error::ApiError first_content_timeout_error(int seconds);
// The wait before retry number `retry` (0-based): the schedule's entry, its last one when the
// schedule is shorter, 0 when it is empty.
double backoff_seconds(const std::vector<double>& schedule, int retry);

// The non-empty string slugs of a {"models":[…]} catalog, in order.
std::vector<std::string> catalog_slugs(const nlohmann::json& catalog);

// --- what passes between Codex and the backend (issue 16) ----------------------------------

// Request headers of the client the backend acts on and the relay forwards as sent:
// x-codex-*, session-id/session_id, thread-id, x-client-request-id, openai-beta (any case).
bool forwarded_request_header(std::string_view name);
// Response headers of the backend the client reads and the relay passes back unchanged:
// x-codex-*, openai-model, x-models-etag, x-oai-request-id, x-reasoning-included,
// openai-processing-ms, cf-ray.
bool forwarded_response_header(std::string_view name);
// The client's headers to forward, in their order (names as the client sent them).
http_client::HeaderList
forwarded_request_headers(const std::vector<std::pair<std::string, std::string>>& client_headers);
// The backend's headers to pass back; its own x-request-id becomes x-upstream-request-id
// (the relay's x-request-id names the relay's record of the exchange).
http_client::HeaderList passed_back_headers(const http_client::HeaderList& upstream_headers);
// The bytes of a /responses request body as sent to the backend.
std::string request_text(const nlohmann::json& body);

// --- an open /responses stream -----------------------------------------------------------

// Upstream events of one transfer, read on demand on the caller's thread.
class EventStream {
public:
  // `already_read`: body bytes the transfer delivered before the stream was wrapped.
  EventStream(std::unique_ptr<http_client::Stream> transfer, const std::string& already_read);
  // The next event; nullopt when the stream ended (cleanly or not: see error()).
  std::optional<sse::Event> next();
  // True when next() will return without waiting for the upstream (an event already parsed,
  // or the end): a writer can gather those and send them in one write.
  bool next_is_ready() const { return m_next < m_ready.size() || m_ended; }
  // The transport failure (504 timeout, 502 otherwise) once next() returned nullopt after
  // one; nullopt on a clean end. aborted() tells a client/server abort apart.
  const std::optional<api_error::ApiError>& error() const { return m_error; }
  bool aborted() const;
  // Replaces the abort check (client gone, server stopping), polled at least every 100 ms.
  void set_abort_check(std::function<bool()> should_abort);
  const http_client::Stream& transfer() const { return *m_transfer; }

private:
  std::unique_ptr<http_client::Stream> m_transfer;
  sse::Parser m_parser;
  std::vector<sse::Event> m_ready;
  size_t m_next = 0;
  bool m_ended = false;
  std::optional<api_error::ApiError> m_error;
};

// Options of one /responses call.
struct CallOptions {
  std::string session_id;                  // sent as session_id when non-empty
  http_client::HeaderList forward_headers; // client headers sent as they are (see above)
  std::function<bool()> should_abort;      // server stopping: give up waiting and retrying
  int retries_spent = 0; // of retry_attempts, by earlier calls for the same client request
  // false: the client wants the whole answer at once; the upstream may then stay silent for
  // request_timeout_seconds instead of stream_idle_timeout_seconds.
  bool stream = true;
};

// The result of opening a /responses call.
struct Opened {
  std::unique_ptr<EventStream> stream; // null when `error` is set
  // Events read before committing: buffered pre-content events, then the first content (or
  // success) event. Write them first, then continue with stream->next().
  std::vector<sse::Event> head;
  std::optional<api_error::ApiError> error;
  int attempts = 0;               // /responses POSTs made (including the repeat after a 401)
  int retries = 0;                // repeats by the retry policy
  int upstream_status = 0;        // HTTP status of the last attempt (0 = transport failure)
  double first_event_seconds = 0; // from the first POST to the committing event
  http_client::HeaderList response_headers; // the last attempt's passed_back_headers
};

// A JSON GET result: the payload or the error to answer.
struct JsonResult {
  std::optional<nlohmann::json> value;
  api_error::ApiError error;
  int upstream_status = 0;
  bool ok() const { return value.has_value(); }
};

class Upstream {
public:
  Upstream(const config::Config& cfg, std::shared_ptr<token_manager::TokenManager> tokens);
  ~Upstream();

  // Opens POST <base>/responses with `body` (already stream:true, store:false) and pumps it
  // until the first content event or a final failure, retrying per the policy; all of it
  // within first_content_timeout_seconds (then 504; no retry whose backoff would end later).
  Opened open_responses(const nlohmann::json& body, const CallOptions& options);
  // The same with the body already serialised (request_text()), so a caller can free a
  // large request's tree before the call instead of holding it through every retry.
  Opened open_responses(const std::string& body, const CallOptions& options);
  // For a failure after open_responses returned (a non-stream answer, which no byte of has
  // reached the client yet): whether the policy allows retry number `retries_spent` + 1 for
  // it, after waiting its backoff. False without waiting when it does not.
  bool retry_after_failure(const api_error::ApiError& e, const CallOptions& options) const;

  // The upstream catalog {"models":[…]}, cached models_cache_ttl_seconds per account;
  // `fresh` bypasses the cache.
  JsonResult models(bool fresh = false);
  // The slugs the relay accepts: the catalog's, then extra_models not already listed.
  std::vector<std::string> model_ids(const nlohmann::json& catalog) const;
  // GET <chatgpt base>/wham/usage.
  JsonResult usage();
  // The latest usage windows a /responses reply reported (the last account seen), and the
  // file they are kept in for `airelays status` (<data_dir>/usage-windows.json, 0600:
  // {"accounts":{id: snapshot}}, written when a window changes).
  std::optional<usage_windows::Snapshot> latest_usage() const;
  static std::string usage_file(const config::Config& cfg);
  // POST <base>/<path> with a JSON body as the client sent it (Codex's alpha/search); the
  // backend's status, body and passed-back headers, a 401 refreshed and repeated once.
  http_client::Response post_passthrough(const std::string& path, const std::string& body,
                                         const http_client::HeaderList& forward);
  // The URL usage() calls (for the normalised source block).
  std::string usage_url() const;

private:
  struct Attempt;
  config::Config m_cfg;
  std::shared_ptr<token_manager::TokenManager> m_tokens;
  http_client::Session m_session;
  std::mutex m_models_mutex; // coalesces concurrent catalog misses
  std::optional<nlohmann::json> m_models_cache;
  std::string m_models_account;
  std::chrono::steady_clock::time_point m_models_at{};
  mutable std::mutex m_usage_mutex;
  std::map<std::string, usage_windows::Snapshot> m_usage; // by account id
  std::string m_usage_account;                            // the last one seen

  void note_usage(const std::string& account, const http_client::HeaderList& headers);

  token_manager::Access access_now();
  http_client::HeaderList headers(const std::string& access_token, const std::string& account,
                                  bool with_version) const;
  JsonResult get_json(const std::string& url, bool with_version);
  Attempt attempt_once(const std::shared_ptr<const std::string>& body, const CallOptions& options,
                       std::chrono::steady_clock::time_point deadline);
  void read_head(Attempt& a);
  bool retry_worthwhile(const api_error::ApiError& e, int retry) const;
  bool wait_backoff(double seconds, const CallOptions& options) const;
  // nothing_sent: the attempt never connected (a connect timeout), so even a 504 is retried.
  bool may_retry(const api_error::ApiError& e, int retry, const CallOptions& options,
                 bool nothing_sent = false) const;
};

} // namespace airelays::upstream
