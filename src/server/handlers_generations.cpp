// Route group "generation": one POST route per dialect of dialect::registry() (/v1/responses,
// /v1/chat/completions, /v1/completions, /v1/messages, and the /no-tools/v1/ mirrors;
// reference §5). One pipeline serves them all: the request's dialect plans the client's body
// into one upstream Responses request; the handler opens the upstream stream IN THE HANDLER and
// pumps it on the worker thread until the first content event or a failure (DESIGN.md, "Streaming
// without losing real status codes"): a failure is a real HTTP status; the first content
// event commits 200 and the returned Response's .stream keeps pumping the same transfer,
// writing each translated event as it arrives. Non-stream requests rebuild the object from
// the same stream. After the first byte, failures are in-band and a stream that ends without
// a terminal event is an error, never a clean finish.
#include "generation_stream.hpp"
#include "routes.hpp"

#include <airelays/dialect.hpp>
#include <airelays/expansion.hpp>
#include <airelays/random.hpp>
#include <airelays/reasoning_effort.hpp>
#include <airelays/responses.hpp>
#include <airelays/token_manager.hpp>
#include <airelays/translate_messages.hpp>
#include <airelays/upstream.hpp>

#include <ctime>

namespace airelays::server {

namespace {

using nlohmann::json;

// A random id with an OpenAI-style prefix (chatcmpl-…, cmpl-…).
std::string new_id(const std::string& prefix) { return random::correlation_id(prefix, 24); }

// The client's headers the backend acts on (x-codex-*, session and thread ids, ...).
http_client::HeaderList client_headers_to_forward(const http::Request& req) {
  std::vector<std::pair<std::string, std::string>> all(req.headers.begin(), req.headers.end());
  return upstream::forwarded_request_headers(all);
}

// The usage windows of this reply as x-ratelimit-* headers (docs/api.md).
void add_ratelimit_headers(http::Response& res, const http_client::HeaderList& upstream_headers) {
  long now = static_cast<long>(std::time(nullptr));
  if (auto snap = usage_windows::from_headers(upstream_headers, now)) {
    for (const auto& [k, v] : usage_windows::ratelimit_headers(*snap, now)) {
      res.set_header(k, v);
    }
  }
}

// Maps a reasoning effort the model lacks to its nearest supported level (from the cached
// catalog); the disclosure for x-airelays-adjusted-parameters, nullopt when nothing changed
// or the catalog is unavailable.
std::optional<std::string> adjust_effort(Services& state, const dialect::Dialect& d,
                                         json& upstream) {
  auto r = upstream.find("reasoning");
  if (r == upstream.end() || !r->is_object() || !r->contains("effort")) {
    return std::nullopt;
  }
  auto catalog = state.upstream->models();
  if (!catalog.ok()) {
    return std::nullopt;
  }
  return reasoning_effort::adjust(upstream, *catalog.value, d.effort_param());
}

http::Response fail(http::Request& req, const api_error::ApiError& e) {
  auto& a = *req.annotations;
  a["error_code"] = e.code ? json(*e.code) : json(nullptr);
  a["error_status"] = e.status;
  return http::error(req, e);
}

// The same in the dialect's error shape.
http::Response fail(http::Request& req, const dialect::Dialect& d, const api_error::ApiError& e) {
  auto res = fail(req, e);
  res.body = api_error::body(e, d.error_shape());
  return res;
}

void annotate_open(http::Request& req, const upstream::Opened& opened, const dialect::Plan& p) {
  auto& a = *req.annotations;
  a["model"] = p.model;
  a["stream"] = p.stream;
  a["upstream_attempts"] = opened.attempts;
  a["retries"] = opened.retries;
  a["upstream_status"] = opened.upstream_status;
  if (!p.ignored.empty()) {
    a["adaptations"] = {{"ignored_parameters", p.ignored}};
  }
}

void record_metrics(Services& state, const dialect::Dialect& d, const upstream::Opened& opened) {
  metrics::Labels labels{{"route", d.name()}};
  if (opened.stream) {
    state.metrics.observe("airelays_upstream_first_event_seconds", labels,
                          opened.first_event_seconds);
  }
  if (opened.retries > 0) {
    state.metrics.inc("airelays_upstream_retries_total", labels, opened.retries);
  }
  labels["status"] = std::to_string(opened.error ? opened.error->status : 200);
  state.metrics.inc("airelays_upstream_requests_total", labels);
}

// Reads the rest of the stream and renders the dialect's non-stream object. No byte has
// reached the client until the whole answer is read, so a failure after the upstream's first
// event is retried like one before it: same retry_attempts budget, same backoff.
http::Response answer_whole(Services& state, http::Request& req, GenerationJob& job,
                            const dialect::Plan& p, const std::string& upstream_body,
                            upstream::CallOptions options, int retries_spent) {
  auto& d = job.dialect();
  auto result = job.collect();
  while (auto* e = std::get_if<api_error::ApiError>(&result)) {
    options.retries_spent = retries_spent;
    if (!state.upstream->retry_after_failure(*e, options)) {
      return fail(req, d, *e);
    }
    options.retries_spent = retries_spent + 1;
    auto again = state.upstream->open_responses(upstream_body, options);
    auto& a = *req.annotations;
    a["upstream_attempts"] = a.value("upstream_attempts", 0) + again.attempts;
    a["retries"] = again.retries;
    a["upstream_status"] = again.upstream_status;
    if (again.error) {
      return fail(req, d, *again.error);
    }
    retries_spent = again.retries;
    job.restart(std::move(again));
    result = job.collect();
  }
  const json& response = std::get<json>(result);
  job.record(response);
  return http::json(200, d.answer(response, p, new_id(d.id_prefix()), job.created));
}

// The log says when a request failed because its client had left (the call was abandoned).
void note_client_gone(http::Request& req) {
  if (req.client_gone && req.client_gone()) {
    (*req.annotations)["client_gone"] = true;
  }
}

// The headers of a successful answer: the backend's passed-back ones, the usage windows,
// and the disclosures of what the relay adjusted or dropped.
void add_answer_headers(http::Request& req, http::Response& res, const dialect::Dialect& d,
                        const upstream::Opened& opened, const dialect::Plan& p,
                        const std::optional<std::string>& adjusted) {
  for (const auto& [k, v] : opened.response_headers) {
    res.set_header(k, v);
  }
  if (d.ratelimit_headers()) { // Codex reads x-codex-*; SDK users x-ratelimit-*
    add_ratelimit_headers(res, opened.response_headers);
  }
  if (res.status == 200 && adjusted) {
    res.set_header("x-airelays-adjusted-parameters", *adjusted);
    (*req.annotations)["adaptations"]["adjusted_parameters"] = *adjusted;
  }
  if (res.status == 200 && !p.ignored.empty()) {
    res.set_header("x-airelays-ignored-parameters", responses::ignored_header(p.ignored));
  }
}

// The upstream call's options: its session, the client's forwarded headers, the abort check.
upstream::CallOptions call_options(Services& state, http::Request& req, const dialect::Plan& p,
                                   const expansion::Plan& expanded) {
  upstream::CallOptions options;
  options.session_id = p.session_id.empty() ? expanded.session_id : p.session_id;
  options.forward_headers = client_headers_to_forward(req);
  options.stream = p.stream;
  // A client that leaves (at any point, before the first upstream byte too) ends the call and
  // every retry for it.
  options.should_abort = [&state, gone = req.client_gone] {
    return state.stopping.load() || (gone && gone());
  };
  return options;
}

http::Response generate(Services& state, http::Request& req,
                        std::unique_ptr<dialect::Dialect> dialect, bool no_tools) {
  auto& d = *dialect;
  json body;
  if (auto e = http::parse_json_object(req, body)) {
    return fail(req, d, *e);
  }
  http::release_body(req); // parsed: the text goes before the tree is translated
  auto planned = d.plan(std::move(body), no_tools);
  body = json(); // the client's tree is not needed past here: its memory goes before the call
  if (auto* e = std::get_if<api_error::ApiError>(&planned)) {
    return fail(req, d, *e);
  }
  auto& p = std::get<dialect::Plan>(planned);
  (*req.annotations)["model"] = p.model;
  if (!state.config.openai_enabled) { // AIRelays' answer: no runtime knows the model
    return fail(
        req, d,
        api_error::make(422, "Unknown model `" + p.model + "` and the OpenAI runtime is disabled.",
                        std::string("model_not_found"), std::string("model")));
  }
  auto job = std::make_shared<GenerationJob>(state, std::move(dialect), req.annotations);
  job->created = static_cast<long>(std::time(nullptr));
  if (d.expands()) {
    job->plan.records = d.records();
    if (auto e = expansion::expand(p.upstream, job->context(), job->plan)) {
      return fail(req, d, *e);
    }
  }
  auto adjusted = adjust_effort(state, d, p.upstream);
  auto options = call_options(state, req, p, job->plan);
  // Sent as text: the tree goes before the call instead of staying through every retry.
  const std::string wire = upstream::request_text(p.upstream);
  p.upstream = json();
  auto opened = state.upstream->open_responses(wire, options);
  annotate_open(req, opened, p);
  record_metrics(state, d, opened);
  if (opened.error) {
    note_client_gone(req);
    auto e = *opened.error;
    e.headers.insert(e.headers.end(), opened.response_headers.begin(),
                     opened.response_headers.end());
    return fail(req, d, e);
  }
  job->stream = std::move(opened.stream);
  job->head = std::move(opened.head);
  http::Response res;
  if (p.stream) {
    res.content_type = "text/event-stream";
    job->start(p, new_id(d.id_prefix()));
    res.stream = [job](http::ChunkSink& sink) { return job->pump_to(sink); };
  } else {
    res = answer_whole(state, req, *job, p, wire, options, opened.retries);
    if (res.status >= 400) {
      note_client_gone(req);
    }
  }
  add_answer_headers(req, res, d, opened, p, adjusted);
  return res;
}

// POST /v1/alpha/search: Codex's search call (behind a feature flag), relayed to the
// backend's <base>/alpha/search as sent, with the backend's answer.
http::Response alpha_search(Services& state, http::Request& req) {
  json body;
  if (auto e = http::parse_json_object(req, body)) {
    return fail(req, *e);
  }
  auto res =
      state.upstream->post_passthrough("alpha/search", req.body, client_headers_to_forward(req));
  (*req.annotations)["upstream_status"] = res.status;
  http::Response out;
  out.status = res.status;
  out.body = res.body;
  out.content_type =
      res.header("content-type").empty() ? "application/json" : res.header("content-type");
  for (const auto& [k, v] : res.headers) {
    out.set_header(k, v);
  }
  return out;
}

// POST /v1/messages/count_tokens: an estimate from the translated request's size.
http::Response count_message_tokens(Services& state, http::Request& req) {
  json body;
  if (auto e = http::parse_json_object(req, body)) {
    return fail(req, *e);
  }
  auto counted =
      translate_messages::count_tokens(body, translate_messages::model_map(state.config));
  if (auto* e = std::get_if<api_error::ApiError>(&counted)) {
    return fail(req, *e);
  }
  return http::json(200, std::get<json>(counted));
}

void add(Router& r, Services& s, const std::string& path, const dialect::Registration& entry,
         bool no_tools) {
  r.add("POST", path, [&s, &entry, no_tools](http::Request& req) {
    return generate(s, req, entry.make(s.config), no_tools);
  });
}

} // namespace

void register_generation_routes(Router& r, Services& s) {
  for (bool no_tools : {false, true}) {
    std::string prefix = no_tools ? "/no-tools/v1" : "/v1";
    for (const auto& entry : dialect::registry()) {
      if (!no_tools || entry.no_tools_mirror) {
        add(r, s, prefix + entry.path, entry, no_tools);
      }
    }
  }
  r.add("POST", "/v1/alpha/search", [&s](http::Request& req) { return alpha_search(s, req); });
  r.add("POST", "/v1/messages/count_tokens",
        [&s](http::Request& req) { return count_message_tokens(s, req); });
}

} // namespace airelays::server
