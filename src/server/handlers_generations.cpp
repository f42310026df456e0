// Route group "generation": POST /v1/responses, /v1/chat/completions, /v1/completions and
// their /no-tools/v1/ mirrors (reference §5). Each handler translates the client's body into
// one upstream Responses request, opens the upstream stream IN THE HANDLER and pumps it on
// the worker thread until the first content event or a failure (DESIGN.md, "Streaming
// without losing real status codes"): a failure is a real HTTP status; the first content
// event commits 200 and the returned Response's .stream keeps pumping the same transfer,
// writing each translated event as it arrives. Non-stream requests rebuild the object from
// the same stream. After the first byte, failures are in-band and a stream that ends without
// a terminal event is an error, never a clean finish.
#include "generation_stream.hpp"
#include "routes.hpp"

#include <airelays/expansion.hpp>
#include <airelays/random.hpp>
#include <airelays/reasoning_effort.hpp>
#include <airelays/responses.hpp>
#include <airelays/token_manager.hpp>
#include <airelays/translate_chat.hpp>
#include <airelays/translate_completions.hpp>
#include <airelays/translate_messages.hpp>
#include <airelays/upstream.hpp>

#include <ctime>

namespace airelays::server {

namespace {

using nlohmann::json;

// A random id with an OpenAI-style prefix (chatcmpl-…, cmpl-…).
std::string new_id(const std::string& prefix) { return random::correlation_id(prefix, 24); }

// The route-independent outcome of translating a client body.
struct Planned {
  json upstream;
  std::vector<std::string> ignored;
  bool stream = false;
  bool include_usage = false;
  std::string model;
  translate_messages::Options messages; // the messages route only
};

translate_messages::ModelMap model_map(const config::Config& c) {
  return {c.messages_opus_model, c.messages_sonnet_model, c.messages_haiku_model};
}

std::variant<Planned, api_error::ApiError> plan_messages(const json& body,
                                                         const config::Config& config) {
  auto r = translate_messages::plan_request(body, model_map(config));
  if (auto* e = std::get_if<api_error::ApiError>(&r)) {
    return *e;
  }
  auto& p = std::get<translate_messages::MessagesPlan>(r);
  std::string model = p.upstream["model"].get<std::string>();
  return Planned{std::move(p.upstream), std::move(p.ignored), p.stream, false, model,
                 std::move(p.options)};
}

// Takes the client's tree: the chat translation works on it in place (no copy of a big body).
std::variant<Planned, api_error::ApiError> plan(GenerationRoute route, json&& body, bool no_tools) {
  if (route == GenerationRoute::responses) {
    auto r = responses::plan_request(body, no_tools);
    if (auto* e = std::get_if<api_error::ApiError>(&r)) {
      return *e;
    }
    auto& p = std::get<responses::Plan>(r);
    return Planned{std::move(p.upstream), std::move(p.ignored), p.stream, false, p.model, {}};
  }
  if (route == GenerationRoute::chat) {
    auto r = translate_chat::plan_request(std::move(body), no_tools);
    if (auto* e = std::get_if<api_error::ApiError>(&r)) {
      return *e;
    }
    auto& p = std::get<translate_chat::ChatPlan>(r);
    return Planned{
        std::move(p.upstream), std::move(p.ignored), p.stream, p.include_usage, p.model, {}};
  }
  auto r = translate_completions::plan_request(body);
  if (auto* e = std::get_if<api_error::ApiError>(&r)) {
    return *e;
  }
  auto& p = std::get<translate_completions::CompletionsPlan>(r);
  return Planned{
      std::move(p.upstream), std::move(p.ignored), p.stream, p.include_usage, p.model, {}};
}

const char* route_name(GenerationRoute route) {
  switch (route) {
  case GenerationRoute::responses:
    return "responses";
  case GenerationRoute::chat:
    return "chat.completions";
  case GenerationRoute::messages:
    return "messages";
  default:
    return "completions";
  }
}

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
std::optional<std::string> adjust_effort(Services& state, GenerationRoute route, json& upstream) {
  auto r = upstream.find("reasoning");
  if (r == upstream.end() || !r->is_object() || !r->contains("effort")) {
    return std::nullopt;
  }
  auto catalog = state.upstream->models();
  if (!catalog.ok()) {
    return std::nullopt;
  }
  return reasoning_effort::adjust(upstream, *catalog.value,
                                  route == GenerationRoute::responses ? "reasoning.effort"
                                                                      : "reasoning_effort");
}

http::Response fail(http::Request& req, const api_error::ApiError& e) {
  auto& a = *req.annotations;
  a["error_code"] = e.code ? json(*e.code) : json(nullptr);
  a["error_status"] = e.status;
  return http::error(req, e);
}

void annotate_open(http::Request& req, const upstream::Opened& opened, const Planned& p) {
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

void record_metrics(Services& state, GenerationRoute route, const upstream::Opened& opened) {
  metrics::Labels labels{{"route", route_name(route)}};
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

// Reads the rest of the stream and renders the non-stream object of the route. No byte has
// reached the client until the whole answer is read, so a failure after the upstream's first
// event is retried like one before it: same retry_attempts budget, same backoff.
http::Response answer_whole(Services& state, http::Request& req, GenerationJob& job,
                            const json& upstream_body, upstream::CallOptions options,
                            int retries_spent) {
  auto result = job.collect();
  while (auto* e = std::get_if<api_error::ApiError>(&result)) {
    options.retries_spent = retries_spent;
    if (!state.upstream->retry_after_failure(*e, options)) {
      return fail(req, *e);
    }
    options.retries_spent = retries_spent + 1;
    auto again = state.upstream->open_responses(upstream_body, options);
    auto& a = *req.annotations;
    a["upstream_attempts"] = a.value("upstream_attempts", 0) + again.attempts;
    a["retries"] = again.retries;
    a["upstream_status"] = again.upstream_status;
    if (again.error) {
      return fail(req, *again.error);
    }
    retries_spent = again.retries;
    job.restart(std::move(again));
    result = job.collect();
  }
  const json& response = std::get<json>(result);
  job.record(response);
  json out;
  if (job.route == GenerationRoute::responses) {
    out = response;
  } else if (job.route == GenerationRoute::messages) {
    out = translate_messages::message_from_response(response, new_id("msg_"), job.messages);
  } else if (job.route == GenerationRoute::chat) {
    out = translate_chat::completion_from_response(response, new_id("chatcmpl-"), job.created,
                                                   job.model);
  } else {
    out = translate_completions::completion_from_response(response, new_id("cmpl-"), job.created,
                                                          job.model);
  }
  return http::json(200, out);
}

// The log says when a request failed because its client had left (the call was abandoned).
void note_client_gone(http::Request& req) {
  if (req.client_gone && req.client_gone()) {
    (*req.annotations)["client_gone"] = true;
  }
}

http::Response generate(Services& state, http::Request& req, GenerationRoute route, bool no_tools) {
  json body;
  if (auto e = http::parse_json_object(req, body)) {
    return fail(req, *e);
  }
  auto planned = route == GenerationRoute::messages ? plan_messages(body, state.config)
                                                    : plan(route, std::move(body), no_tools);
  body = json(); // the client's tree is not needed past here: its memory goes before the call
  if (auto* e = std::get_if<api_error::ApiError>(&planned)) {
    return fail(req, *e);
  }
  auto& p = std::get<Planned>(planned);
  (*req.annotations)["model"] = p.model;
  if (!state.config.openai_enabled) { // AIRelays' answer: no runtime knows the model
    return fail(req, api_error::make(
                         422, "Unknown model `" + p.model + "` and the OpenAI runtime is disabled.",
                         std::string("model_not_found"), std::string("model")));
  }
  auto job = std::make_shared<GenerationJob>(state, route, req.annotations);
  job->model = p.model;
  job->include_usage = p.include_usage;
  job->messages = p.messages;
  job->created = static_cast<long>(std::time(nullptr));
  if (route == GenerationRoute::responses || route == GenerationRoute::chat) {
    if (auto e = expansion::expand(p.upstream, job->context(), job->plan)) {
      return fail(req, *e);
    }
  }
  auto adjusted = adjust_effort(state, route, p.upstream);
  upstream::CallOptions options;
  options.session_id = job->plan.session_id;
  options.forward_headers = client_headers_to_forward(req);
  if (route == GenerationRoute::messages && p.upstream.contains("prompt_cache_key")) {
    options.session_id = p.upstream["prompt_cache_key"].get<std::string>(); // Claude Code's
  }
  options.stream = p.stream;
  // A client that leaves (at any point, before the first upstream byte too) ends the call and
  // every retry for it.
  options.should_abort = [&state, gone = req.client_gone] {
    return state.stopping.load() || (gone && gone());
  };
  auto opened = state.upstream->open_responses(p.upstream, options);
  annotate_open(req, opened, p);
  record_metrics(state, route, opened);
  if (opened.error) {
    note_client_gone(req);
    auto e = *opened.error;
    e.headers.insert(e.headers.end(), opened.response_headers.begin(),
                     opened.response_headers.end());
    return fail(req, e);
  }
  job->stream = std::move(opened.stream);
  job->head = std::move(opened.head);
  http::Response res;
  if (p.stream) {
    res.content_type = "text/event-stream";
    if (route == GenerationRoute::chat) {
      job->start_chat(new_id("chatcmpl-"));
    } else if (route == GenerationRoute::completions) {
      job->start_completions(new_id("cmpl-"));
    } else if (route == GenerationRoute::messages) {
      job->start_messages(new_id("msg_"));
    }
    res.stream = [job](http::ChunkSink& sink) { return job->pump_to(sink); };
  } else {
    res = answer_whole(state, req, *job, p.upstream, options, opened.retries);
    if (res.status >= 400) {
      note_client_gone(req);
    }
  }
  for (const auto& [k, v] : opened.response_headers) {
    res.set_header(k, v);
  }
  if (route != GenerationRoute::responses) { // Codex reads x-codex-*; SDK users x-ratelimit-*
    add_ratelimit_headers(res, opened.response_headers);
  }
  if (res.status == 200 && adjusted) {
    res.set_header("x-airelays-adjusted-parameters", *adjusted);
    (*req.annotations)["adaptations"]["adjusted_parameters"] = *adjusted;
  }
  if (res.status == 200 && !p.ignored.empty()) {
    res.set_header("x-airelays-ignored-parameters", responses::ignored_header(p.ignored));
  }
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
  auto counted = translate_messages::count_tokens(body, model_map(state.config));
  if (auto* e = std::get_if<api_error::ApiError>(&counted)) {
    return fail(req, *e);
  }
  return http::json(200, std::get<json>(counted));
}

void add(Router& r, Services& s, const std::string& path, GenerationRoute route, bool no_tools) {
  r.add("POST", path,
        [&s, route, no_tools](http::Request& req) { return generate(s, req, route, no_tools); });
}

} // namespace

void register_generation_routes(Router& r, Services& s) {
  for (bool no_tools : {false, true}) {
    std::string prefix = no_tools ? "/no-tools/v1" : "/v1";
    add(r, s, prefix + "/responses", GenerationRoute::responses, no_tools);
    add(r, s, prefix + "/chat/completions", GenerationRoute::chat, no_tools);
    add(r, s, prefix + "/completions", GenerationRoute::completions, no_tools);
  }
  r.add("POST", "/v1/alpha/search", [&s](http::Request& req) { return alpha_search(s, req); });
  add(r, s, "/v1/messages", GenerationRoute::messages, false);
  r.add("POST", "/v1/messages/count_tokens",
        [&s](http::Request& req) { return count_message_tokens(s, req); });
}

} // namespace airelays::server
