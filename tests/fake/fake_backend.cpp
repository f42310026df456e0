// The fake ChatGPT backend (upstream-contract.md §4, §7): POST /backend-api/codex/responses as
// SSE, GET /backend-api/codex/models from Codex's bundled catalog, GET /backend-api/wham/usage.
// It validates what the real backend is known to refuse (store must be false, stream true,
// no sampling/max-token parameters, a bearer token and account id) so relay bugs show up as
// failures. Scriptable per request through fake.next_step("responses") with a step object
// {"kind": …}:
//   text {text, delay_ms, usage}          — the full event sequence of a text answer
//   tool_call {name, arguments, call_id}  — one function_call item
//   reasoning {summary, text}             — a reasoning item, then a message
//   incomplete {text, tool_call}          — ends with response.incomplete (max_output_tokens);
//                                           tool_call: true makes its output a function call
//   usage_limit {resets_in_seconds}       — 429 usage_limit_reached before the first byte
//   overloaded                            — 503 server_is_overloaded before the first byte
//   failed {code, message}                — response.created, then response.failed
//   fail_after_content {code, message}    — some text deltas, then response.failed
//   cut {after}                           — a text stream closed after `after` events
//   unauthorized                          — 401 token_expired
//   invalid_request {message, param, code}— 400 invalid_request_error
//   http {status, body, headers}          — any status with a literal body
//   stall {after}                         — `after` events, then silence until the client leaves
//   drop: true (with any streaming kind)   — the events, then the connection is dropped without
//                                           the end of the chunked body (a transport error)
// Any step may carry delay_ms (pause before each event). Usage: fake.next_step("usage") with
// {"limit_reached":true} or {"status":N,"body":…}.
// State knobs and counters (fake.state(), under fake.mutex()): reject_access_tokens (array:
// those bearer tokens get 401 token_expired, e.g. a token the relay must refresh);
// streams_open (SSE streams being written now), streams_cut_by_client (streams that ended
// because the reader went away) and client_gone_at_ms (steady-clock ms of the latest).
#include "fake_upstream.hpp"

#include <httplib.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#ifndef FAKE_DATA_DIR
#define FAKE_DATA_DIR "tests/data"
#endif

namespace airelays::fake {

namespace {

using json = nlohmann::json;

std::string sse(const json& data) {
  return "event: " + data["type"].get<std::string>() + "\ndata: " + data.dump() + "\n\n";
}

json usage_of(const json& step) {
  if (step.contains("usage")) {
    return step["usage"];
  }
  return {{"input_tokens", 1234},
          {"input_tokens_details", {{"cached_tokens", 1024}}},
          {"output_tokens", 12},
          {"output_tokens_details", {{"reasoning_tokens", 0}}},
          {"total_tokens", 1246}};
}

json response_object(const std::string& id, const std::string& model, const std::string& status,
                     const json& output, const json& usage) {
  return {{"id", id},         {"object", "response"}, {"created_at", 1795332757},
          {"status", status}, {"model", model},       {"output", output},
          {"usage", usage},   {"error", nullptr},     {"incomplete_details", nullptr}};
}

std::string str(const json& step, const char* key, const std::string& fallback) {
  auto it = step.find(key);
  return it != step.end() && it->is_string() ? it->get<std::string>() : fallback;
}

// The text events of one message item, after `created`/`in_progress`.
void message_events(std::vector<json>& ev, int index, const std::string& text) {
  std::string id = "msg_fake" + std::to_string(index);
  json part = {{"type", "output_text"}, {"annotations", json::array()}, {"text", ""}};
  ev.push_back({{"type", "response.output_item.added"},
                {"output_index", index},
                {"item",
                 {{"id", id},
                  {"type", "message"},
                  {"status", "in_progress"},
                  {"role", "assistant"},
                  {"content", json::array()}}}});
  ev.push_back({{"type", "response.content_part.added"},
                {"item_id", id},
                {"output_index", index},
                {"content_index", 0},
                {"part", part}});
  // Split into words so clients see several deltas.
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = text.find(' ', pos + 1);
    std::string piece =
        text.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    ev.push_back({{"type", "response.output_text.delta"},
                  {"item_id", id},
                  {"output_index", index},
                  {"content_index", 0},
                  {"delta", piece}});
    pos = next == std::string::npos ? text.size() : next;
  }
  part["text"] = text;
  ev.push_back({{"type", "response.output_text.done"},
                {"item_id", id},
                {"output_index", index},
                {"content_index", 0},
                {"text", text}});
  ev.push_back({{"type", "response.content_part.done"},
                {"item_id", id},
                {"output_index", index},
                {"content_index", 0},
                {"part", part}});
  ev.push_back({{"type", "response.output_item.done"},
                {"output_index", index},
                {"item",
                 {{"id", id},
                  {"type", "message"},
                  {"status", "completed"},
                  {"role", "assistant"},
                  {"content", json::array({part})}}}});
}

void function_call_events(std::vector<json>& ev, int index, const json& step) {
  std::string id = "fc_fake" + std::to_string(index);
  std::string args = str(step, "arguments", R"({"cmd":"echo hi"})");
  json item = {{"id", id},
               {"type", "function_call"},
               {"status", "in_progress"},
               {"arguments", ""},
               {"call_id", str(step, "call_id", "call_fake1")},
               {"name", str(step, "name", "exec_command")}};
  ev.push_back({{"type", "response.output_item.added"}, {"output_index", index}, {"item", item}});
  size_t half = args.size() / 2;
  for (const auto& piece : {args.substr(0, half), args.substr(half)}) {
    ev.push_back({{"type", "response.function_call_arguments.delta"},
                  {"item_id", id},
                  {"output_index", index},
                  {"delta", piece}});
  }
  ev.push_back({{"type", "response.function_call_arguments.done"},
                {"item_id", id},
                {"output_index", index},
                {"arguments", args}});
  item["status"] = "completed";
  item["arguments"] = args;
  ev.push_back({{"type", "response.output_item.done"}, {"output_index", index}, {"item", item}});
}

void reasoning_events(std::vector<json>& ev, const json& step) {
  std::string summary = str(step, "summary", "Thinking about it.");
  json item = {{"id", "rs_fake0"},
               {"type", "reasoning"},
               {"summary", json::array()},
               {"encrypted_content", "gAAAA-fake"}};
  ev.push_back({{"type", "response.output_item.added"}, {"output_index", 0}, {"item", item}});
  ev.push_back({{"type", "response.reasoning_summary_text.delta"},
                {"item_id", "rs_fake0"},
                {"output_index", 0},
                {"summary_index", 0},
                {"delta", summary}});
  item["summary"] = json::array({{{"type", "summary_text"}, {"text", summary}}});
  ev.push_back({{"type", "response.output_item.done"}, {"output_index", 0}, {"item", item}});
}

// Builds the event list of a streaming step (kind text/tool_call/reasoning/... ).
std::vector<json> build_events(const json& step, const std::string& model, const std::string& id) {
  std::string kind = str(step, "kind", "text");
  std::vector<json> ev;
  ev.push_back({{"type", "response.created"},
                {"response", response_object(id, model, "in_progress", json::array(), nullptr)}});
  ev.push_back({{"type", "response.in_progress"},
                {"response", response_object(id, model, "in_progress", json::array(), nullptr)}});
  if (kind == "failed") {
    ev.push_back(
        {{"type", "response.failed"},
         {"response",
          {{"id", id},
           {"status", "failed"},
           {"error",
            {{"code", str(step, "code", "server_is_overloaded")},
             {"message", str(step, "message", "Our servers are currently overloaded.")}}}}}});
    return ev;
  }
  if (kind == "compaction") {
    // Remote compaction v2 (issue 16): exactly one output item of type `compaction`.
    json item = {
        {"id", "cmp_fake0"},
        {"type", "compaction"},
        {"encrypted_content", str(step, "encrypted_content", "gAAAA-fake-compacted-history")}};
    ev.push_back({{"type", "response.output_item.added"}, {"output_index", 0}, {"item", item}});
    ev.push_back({{"type", "response.output_item.done"}, {"output_index", 0}, {"item", item}});
  } else if (kind == "tool_call" || (kind == "incomplete" && step.value("tool_call", false))) {
    function_call_events(ev, 0, step);
  } else if (kind == "reasoning") {
    reasoning_events(ev, step);
    message_events(ev, 1, str(step, "text", "Hi there from the fake upstream."));
  } else {
    message_events(ev, 0, str(step, "text", "Hi there from the fake upstream."));
  }
  if (kind == "fail_after_content") {
    ev.resize(ev.size() - 3); // stop after the deltas
    ev.push_back(
        {{"type", "response.failed"},
         {"response",
          {{"id", id},
           {"status", "failed"},
           {"error",
            {{"code", str(step, "code", "server_is_overloaded")},
             {"message", str(step, "message", "Our servers are currently overloaded.")}}}}}});
    return ev;
  }
  json output = json::array();
  for (const auto& e : ev) {
    if (e["type"] == "response.output_item.done") {
      output.push_back(e["item"]);
    }
  }
  if (kind == "incomplete") {
    json r = response_object(id, model, "incomplete", output, usage_of(step));
    r["incomplete_details"] = {{"reason", "max_output_tokens"}};
    ev.push_back({{"type", "response.incomplete"}, {"response", r}});
  } else {
    ev.push_back({{"type", "response.completed"},
                  {"response", response_object(id, model, "completed", output, usage_of(step))}});
  }
  if (step.contains("after") && step["after"].is_number_integer()) {
    ev.resize(std::min(ev.size(), step["after"].get<size_t>()));
  }
  for (size_t i = 0; i < ev.size(); ++i) {
    ev[i]["sequence_number"] = i;
  }
  return ev;
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

// Answers an error step before any SSE byte; returns true when it did.
bool answer_http_step(const json& step, httplib::Response& res) {
  std::string kind = str(step, "kind", "text");
  if (kind == "usage_limit") {
    long resets = step.value("resets_in_seconds", 3600L);
    send_json(res, 429,
              {{"error",
                {{"type", "usage_limit_reached"},
                 {"message", "The usage limit has been reached"},
                 {"plan_type", "plus"},
                 {"resets_at", 1795336357 + resets},
                 {"resets_in_seconds", resets}}}});
  } else if (kind == "overloaded") {
    send_json(res, 503,
              {{"error",
                {{"type", "service_unavailable_error"},
                 {"code", "server_is_overloaded"},
                 {"message", "Our servers are currently overloaded."},
                 {"param", nullptr}}}});
  } else if (kind == "unauthorized") {
    send_json(
        res, 401,
        {{"error",
          {{"message", "Provided authentication token is expired. Please try signing in again."},
           {"type", nullptr},
           {"code", "token_expired"},
           {"param", nullptr}}},
         {"status", 401}});
  } else if (kind == "invalid_request") {
    send_json(res, 400,
              {{"error",
                {{"type", "invalid_request_error"},
                 {"message", str(step, "message", "Invalid value for 'input'.")},
                 {"param", step.contains("param") ? step["param"] : json("input")},
                 {"code", str(step, "code", "invalid_value")}}}});
  } else if (kind == "http") {
    res.status = step.value("status", 500);
    const json& body = step.contains("body") ? step["body"] : json("");
    res.set_content(body.is_string() ? body.get<std::string>() : body.dump(), "application/json");
    if (step.contains("headers") && step["headers"].is_object()) {
      for (const auto& [k, v] : step["headers"].items()) {
        res.set_header(k, v.get<std::string>());
      }
    }
  } else {
    return false;
  }
  return true;
}

// What the real backend refuses (upstream-contract.md §6/§7); "" when the request is fine.
std::string refusal(const httplib::Request& req, const json& body) {
  if (!body.is_object()) {
    return "Request body must be JSON";
  }
  if (!body.contains("store") || body["store"] != false) {
    return "Store must be set to false";
  }
  if (!body.contains("stream") || body["stream"] != true) {
    return "Stream must be set to true";
  }
  for (const char* p : {"temperature", "top_p", "max_output_tokens", "max_tokens",
                        "max_completion_tokens", "presence_penalty", "frequency_penalty"}) {
    if (body.contains(p)) {
      return std::string("Unsupported parameter: ") + p;
    }
  }
  (void)req;
  return "";
}

bool authorized(const httplib::Request& req) {
  auto auth = req.get_header_value("Authorization");
  return auth.size() > 7 && auth.compare(0, 7, "Bearer ") == 0 &&
         !req.get_header_value("ChatGPT-Account-ID").empty();
}

long steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void count_state(FakeUpstream& fake, const char* key, long delta) {
  std::lock_guard lock(fake.mutex());
  fake.state()[key] = fake.state().value(key, 0L) + delta;
}

// The reader of a stream went away: counted, with the time, so tests can see how fast the
// relay let go of an upstream transfer.
void note_client_gone(FakeUpstream& fake) {
  count_state(fake, "streams_cut_by_client", 1);
  std::lock_guard lock(fake.mutex());
  fake.state()["client_gone_at_ms"] = steady_ms();
}

bool rejected_token(FakeUpstream& fake, const httplib::Request& req) {
  std::lock_guard lock(fake.mutex());
  auto it = fake.state().find("reject_access_tokens");
  if (it == fake.state().end() || !it->is_array()) {
    return false;
  }
  std::string auth = req.get_header_value("Authorization");
  for (const auto& t : *it) {
    if (t.is_string() && auth == "Bearer " + t.get<std::string>()) {
      return true;
    }
  }
  return false;
}

// The SSE frames of a step. Rendering is the fake's main cost under a benchmark's load, so the
// frames of each (step, model) are rendered once with a placeholder id and copied after.
std::vector<std::string> render_frames(const json& step, const std::string& model,
                                       const std::string& id) {
  static const std::string k_placeholder = "resp_fake_id_placeholder";
  static std::mutex mutex;
  static std::map<std::string, std::vector<std::string>> cache;
  std::string key = step.dump() + '\n' + model;
  std::vector<std::string> frames;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) {
      frames = it->second;
    }
  }
  if (frames.empty()) {
    for (const auto& e : build_events(step, model, k_placeholder)) {
      frames.push_back(sse(e));
    }
    std::lock_guard lock(mutex);
    if (cache.size() > 256) {
      cache.clear();
    }
    cache.emplace(key, frames);
  }
  for (auto& frame : frames) {
    for (auto at = frame.find(k_placeholder); at != std::string::npos;
         at = frame.find(k_placeholder, at + id.size())) {
      frame.replace(at, k_placeholder.size(), id);
    }
  }
  return frames;
}

void stream_events(FakeUpstream& fake, httplib::Response& res, std::vector<std::string> frames,
                   long delay_ms, bool stall, bool drop = false) {
  auto shared = std::make_shared<std::vector<std::string>>(std::move(frames));
  res.set_chunked_content_provider(
      "text/event-stream", [shared, delay_ms, stall, drop, &fake](size_t, httplib::DataSink& sink) {
        count_state(fake, "streams_open", 1);
        struct Closed {
          FakeUpstream& fake;
          ~Closed() { count_state(fake, "streams_open", -1); }
        } closed{fake};
        // Undelayed events go out in one write, as a fast upstream's events arrive together;
        // a delay_ms step writes each event on its own after its pause. Event i is due at
        // start + (i + 1) * delay_ms: a late wake-up delays that event only, where sleeping
        // delay_ms after each write added every overshoot to all the events after it (256
        // streams of 100 events ended 3 % late with no relay in between). After a stall
        // longer than one pause (a reader that stopped reading) the schedule starts again
        // from then, so the events left do not leave in a burst.
        std::string pending;
        const auto pause = std::chrono::milliseconds(delay_ms);
        auto due = std::chrono::steady_clock::now();
        for (const auto& frame : *shared) {
          if (delay_ms > 0) {
            auto now = std::chrono::steady_clock::now();
            due += pause;
            if (now - due > pause) {
              due = now;
            }
            std::this_thread::sleep_until(due);
          }
          pending += frame;
          if (delay_ms > 0 || &frame == &shared->back()) {
            if (!sink.write(pending.data(), pending.size())) {
              note_client_gone(fake);
              return false;
            }
            pending.clear();
          }
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (stall && sink.is_writable() && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (stall) {
          note_client_gone(fake);
          return false;
        }
        if (drop) {
          return false; // httplib closes the connection: no terminating chunk
        }
        sink.done();
        return true;
      });
}

// True when Codex asks for a remote compaction: the input ends with a compaction_trigger.
bool compaction_turn(const json& body) {
  return body.is_object() && body.contains("input") && body["input"].is_array() &&
         !body["input"].empty() && body["input"].back().is_object() &&
         body["input"].back().value("type", "") == "compaction_trigger";
}

// The usage windows and ids the real backend sends on a /responses reply
// (upstream-contract.md "Response headers parsed on every /responses reply").
void usage_headers(httplib::Response& res, const std::string& model, long n) {
  res.set_header("x-codex-primary-used-percent", "12.0");
  res.set_header("x-codex-primary-window-minutes", "300");
  res.set_header("x-codex-primary-reset-at", "1795340000");
  res.set_header("x-codex-secondary-used-percent", "39.0");
  res.set_header("x-codex-secondary-window-minutes", "10080");
  res.set_header("x-codex-secondary-reset-at", "1795755213");
  res.set_header("x-codex-credits-has-credits", "false");
  res.set_header("x-codex-credits-unlimited", "false");
  res.set_header("x-codex-credits-balance", "0");
  res.set_header("openai-model", model);
  res.set_header("x-request-id", "req_upstream_" + std::to_string(n));
  res.set_header("x-oai-request-id", "oai_upstream_" + std::to_string(n));
}

void handle_responses(FakeUpstream& fake, const httplib::Request& req, httplib::Response& res,
                      bool check_auth = true) {
  fake.log_request(req);
  if (check_auth && (!authorized(req) || rejected_token(fake, req))) {
    answer_http_step({{"kind", "unauthorized"}}, res);
    return;
  }
  auto body = json::parse(req.body, nullptr, false);
  if (auto why = refusal(req, body); !why.empty()) {
    send_json(res, 400, {{"detail", why}});
    return;
  }
  json fallback = compaction_turn(body) ? json{{"kind", "compaction"}} : json{{"kind", "text"}};
  json step = fake.next_step("responses").value_or(fallback);
  if (answer_http_step(step, res)) {
    return;
  }
  std::string model = body.contains("model") && body["model"].is_string()
                          ? body["model"].get<std::string>()
                          : "gpt-5.5";
  std::string kind = str(step, "kind", "text");
  if (kind == "cut" && !step.contains("after")) {
    step["after"] = 5;
  }
  if (kind == "stall" && !step.contains("after")) {
    step["after"] = 4;
  }
  long n = 0;
  {
    std::lock_guard lock(fake.mutex());
    n = fake.state().value("responses_served", 0L) + 1;
    fake.state()["responses_served"] = n;
  }
  usage_headers(res, model, n);
  if (step.contains("headers") && step["headers"].is_object()) {
    for (const auto& [k, v] : step["headers"].items()) {
      res.headers.erase(k);
      res.set_header(k, v.get<std::string>());
    }
  }
  stream_events(fake, res, render_frames(step, model, "resp_fake" + std::to_string(n)),
                step.value("delay_ms", 0L), kind == "stall", step.value("drop", false));
}

const std::string& models_catalog() {
  static const std::string text = [] {
    std::ifstream in(FAKE_DATA_DIR "/codex_0.169.0_bundled_models.json");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  return text;
}

json usage_snapshot(bool reached) {
  json window = {{"used_percent", reached ? 100 : 14},
                 {"limit_window_seconds", 18000},
                 {"reset_after_seconds", 8557},
                 {"reset_at", 1781321703}};
  json weekly = {{"used_percent", 39},
                 {"limit_window_seconds", 604800},
                 {"reset_after_seconds", 442067},
                 {"reset_at", 1781755213}};
  return {{"user_id", "user_fake"},
          {"account_id", "11111111-2222-3333-4444-555555555555"},
          {"email", "user@example.com"},
          {"plan_type", "pro"},
          {"rate_limit",
           {{"allowed", !reached},
            {"limit_reached", reached},
            {"primary_window", window},
            {"secondary_window", weekly}}},
          {"code_review_rate_limit", nullptr},
          {"additional_rate_limits", json::array({{{"limit_name", "GPT-5.3-Codex-Spark"},
                                                   {"metered_feature", "codex_bengalfox"},
                                                   {"rate_limit",
                                                    {{"allowed", true},
                                                     {"limit_reached", false},
                                                     {"primary_window", window},
                                                     {"secondary_window", nullptr}}}}})},
          {"credits",
           {{"has_credits", false},
            {"unlimited", false},
            {"overage_limit_reached", false},
            {"balance", "0"},
            {"approx_local_messages", {0, 0}},
            {"approx_cloud_messages", {0, 0}}}},
          {"spend_control", {{"reached", false}, {"individual_limit", nullptr}}},
          {"rate_limit_reached_type", reached ? json("primary") : json(nullptr)},
          {"rate_limit_reset_credits", {{"available_count", 1}}}};
}

} // namespace

void register_backend_routes(httplib::Server& server, FakeUpstream& fake) {
  server.Post("/backend-api/codex/responses",
              [&fake](const httplib::Request& req, httplib::Response& res) {
                handle_responses(fake, req, res);
              });
  server.Get("/backend-api/codex/responses",
             [&fake](const httplib::Request& req, httplib::Response& res) {
               fake.log_request(req);
               send_json(res, 426, {{"detail", "WebSocket upgrades are not supported"}});
             });
  // Codex's search (issue 16): answered with one canned result; the request is logged.
  auto search = [&fake](const httplib::Request& req, httplib::Response& res) {
    fake.log_request(req);
    res.set_header("x-codex-primary-used-percent", "12.0");
    send_json(res, 200,
              {{"results", json::array({{{"title", "Fake result"},
                                         {"url", "https://example.com/"},
                                         {"snippet", "From the fake upstream."}}})}});
  };
  server.Post("/backend-api/codex/alpha/search", search);
  // Capture endpoints: a client (the Codex CLI) pointed straight at the fake's /v1 sends what
  // it would send the relay; logged and answered like the backend, with any key.
  server.Post("/v1/responses", [&fake](const httplib::Request& req, httplib::Response& res) {
    handle_responses(fake, req, res, false);
  });
  server.Get("/v1/responses", [&fake](const httplib::Request& req, httplib::Response& res) {
    fake.log_request(req);
    send_json(res, 426, {{"detail", "WebSocket upgrades are not supported"}});
  });
  server.Post("/v1/alpha/search", search);
  server.Get("/backend-api/codex/models",
             [&fake](const httplib::Request& req, httplib::Response& res) {
               fake.log_request(req);
               if (!authorized(req)) {
                 answer_http_step({{"kind", "unauthorized"}}, res);
                 return;
               }
               if (auto step = fake.next_step("models"); step && answer_http_step(*step, res)) {
                 return;
               }
               res.set_header("ETag", "\"fake-models-1\"");
               res.set_content(models_catalog(), "application/json");
             });
  server.Get("/backend-api/wham/usage",
             [&fake](const httplib::Request& req, httplib::Response& res) {
               fake.log_request(req);
               if (!authorized(req)) {
                 answer_http_step({{"kind", "unauthorized"}}, res);
                 return;
               }
               auto step = fake.next_step("usage");
               if (step && answer_http_step(*step, res)) {
                 return;
               }
               send_json(res, 200, usage_snapshot(step && step->value("limit_reached", false)));
             });
  server.Get("/backend-api/wham/accounts/check", [&fake](const httplib::Request& req,
                                                         httplib::Response& res) {
    fake.log_request(req);
    send_json(res, 200,
              {{"accounts", json::array({{{"id", "11111111-2222-3333-4444-555555555555"},
                                          {"workspace_backend_origin", "NO_CONSTRAINT"},
                                          {"account_routing_override", "NO_CONSTRAINT"}}})}});
  });
}

} // namespace airelays::fake
