// The ChatGPT backend client of the relay (see upstream.hpp): one /responses call opened up to
// its first content event with the retry policy of reference §10.1, the models catalog with
// its cache, and the usage snapshot. Error bodies come from api_error only.
#include <airelays/atomic_file.hpp>
#include <airelays/packed_items.hpp>
#include <airelays/paths.hpp>
#include <airelays/responses.hpp>
#include <airelays/text.hpp>
#include <airelays/token_manager.hpp>
#include <airelays/upstream.hpp>
#include <airelays/upstream_error.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <thread>

namespace airelays::upstream {

namespace {

using Clock = std::chrono::steady_clock;

std::optional<std::string> string_at(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string() || it->get<std::string>().empty()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

std::string strip_suffix(std::string s, const std::string& suffix) {
  while (!s.empty() && s.back() == '/') {
    s.pop_back();
  }
  if (s.size() >= suffix.size() &&
      s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) {
    s.resize(s.size() - suffix.size());
  }
  return s;
}

} // namespace

// --- classification ------------------------------------------------------------------------

api_error::ApiError http_error(int status, const std::string& body,
                               const std::string& retry_after_header) {
  return upstream_error::from_http(status, body, retry_after_header,
                                   static_cast<long>(std::time(nullptr)));
}

api_error::ApiError transport_error(http_client::Failure failure, const std::string& text) {
  using http_client::Failure;
  if (failure == Failure::timeout || failure == Failure::connect_timeout) {
    return api_error::make(504, "Upstream timed out: " + text, std::string("upstream_timeout"));
  }
  if (failure == Failure::aborted) {
    return api_error::make(503, "The request was abandoned: the relay is stopping.",
                           std::string("server_stopping"));
  }
  if (failure == Failure::dns) {
    // Not transient within a request: retrying for 85 s only delays the answer.
    return api_error::make(502,
                           "Upstream connection failed: " + text +
                               ". Check the network (DNS) "
                               "and [upstream] base_url.",
                           std::string("upstream_host_not_found"));
  }
  if (failure == Failure::tls) {
    // Most often an https:// base_url pointing at a server that does not speak TLS, or a
    // proxy/antivirus intercepting with its own certificate: say so, not just "SSL error".
    return api_error::make(502,
                           "Upstream connection failed: the TLS handshake with the upstream "
                           "failed (" +
                               text +
                               "). Check that [upstream] base_url is the right "
                               "https:// address and that nothing intercepts TLS on the way.",
                           std::string("upstream_connection_failed"));
  }
  return api_error::make(502, "Upstream connection failed: " + text,
                         std::string("upstream_connection_failed"));
}

api_error::ApiError auth_rejected_error() { return upstream_error::auth_rejected(); }

bool retriable(const api_error::ApiError& e) {
  if (e.code == "upstream_host_not_found") {
    return false;
  }
  return e.status == 429 || (e.status >= 500 && e.status != 503 && e.status != 504);
}

api_error::ApiError first_content_timeout_error(int seconds) {
  return api_error::make(504,
                         "Upstream timed out: no content from the upstream within " +
                             std::to_string(seconds) +
                             " s, retries included ([upstream] first_content_timeout_seconds).",
                         std::string("upstream_timeout"));
}

double backoff_seconds(const std::vector<double>& schedule, int retry) {
  if (schedule.empty()) {
    return 0;
  }
  size_t i = std::min(static_cast<size_t>(retry), schedule.size() - 1);
  return std::max(0.0, schedule[i]);
}

// --- EventStream ---------------------------------------------------------------------------

EventStream::EventStream(std::unique_ptr<http_client::Stream> transfer,
                         const std::string& already_read)
    : m_transfer(std::move(transfer)) {
  if (!already_read.empty()) {
    m_ready = m_parser.feed(already_read);
  }
}

std::optional<sse::Event> EventStream::next() {
  std::string buf;
  while (m_next >= m_ready.size()) {
    m_ready.clear();
    m_next = 0;
    if (m_ended) {
      return std::nullopt;
    }
    buf.clear();
    bool more = m_transfer->pump(buf);
    if (!buf.empty()) {
      m_ready = m_parser.feed(buf);
    }
    if (!more) {
      m_ended = true;
      if (auto last = m_parser.finish()) {
        m_ready.push_back(std::move(*last));
      }
      if (m_transfer->failure() != http_client::Failure::none) {
        m_error = transport_error(m_transfer->failure(), m_transfer->error());
      }
    }
  }
  return std::move(m_ready[m_next++]);
}

bool EventStream::aborted() const { return m_transfer->failure() == http_client::Failure::aborted; }

void EventStream::set_abort_check(std::function<bool()> should_abort) {
  m_transfer->set_abort_check(std::move(should_abort));
}

// --- Upstream --------------------------------------------------------------------------------

struct Upstream::Attempt {
  std::unique_ptr<EventStream> stream;
  std::vector<sse::Event> head;
  std::optional<api_error::ApiError> error;
  int status = 0;
  bool posted = false;
  bool unauthorized = false;
  bool connect_timeout = false; // no connection: nothing was sent, so a retry is safe
  std::string access_token;     // the token sent (to report a 401 on)
  http_client::HeaderList response_headers;
};

Upstream::Upstream(const config::Config& cfg, std::shared_ptr<token_manager::TokenManager> tokens)
    : m_cfg(cfg), m_tokens(std::move(tokens)) {}

Upstream::~Upstream() = default;

token_manager::Access Upstream::access_now() {
  if (!m_tokens) {
    token_manager::Access a;
    a.error = upstream_error::login_missing();
    return a;
  }
  return m_tokens->access();
}

http_client::HeaderList Upstream::headers(const std::string& access_token,
                                          const std::string& account, bool with_version) const {
  http_client::HeaderList h;
  h.emplace_back("Authorization", "Bearer " + access_token);
  if (!account.empty()) {
    h.emplace_back("ChatGPT-Account-ID", account);
  }
  h.emplace_back("originator", "codex_cli_rs");
  h.emplace_back("User-Agent",
                 "codex_cli_rs/" + m_cfg.client_version + " (airelays " AIRELAYS_VERSION ")");
  if (with_version) {
    h.emplace_back("version", m_cfg.client_version);
  }
  return h;
}

Upstream::Attempt Upstream::attempt_once(const std::shared_ptr<const std::string>& body,
                                         const CallOptions& options, Clock::time_point deadline) {
  Attempt a;
  auto access = access_now();
  if (!access.ok()) {
    a.error = access.error;
    return a;
  }
  http_client::Request rq;
  rq.method = "POST";
  rq.url = strip_suffix(m_cfg.base_url, "") + "/responses";
  rq.headers = headers(access.credentials->access_token, access.credentials->account_id, true);
  rq.headers.emplace_back("Content-Type", "application/json");
  rq.headers.emplace_back("Accept", "text/event-stream");
  bool has_session = std::any_of(
      options.forward_headers.begin(), options.forward_headers.end(), [](const auto& h) {
        return text::iequals(h.first, "session-id") || text::iequals(h.first, "session_id");
      });
  if (!options.session_id.empty() && !has_session) {
    rq.headers.emplace_back("session_id", options.session_id);
  }
  rq.headers.insert(rq.headers.end(), options.forward_headers.begin(),
                    options.forward_headers.end());
  rq.shared_body = body;
  http_client::StreamOptions so;
  so.connect_timeout_ms = static_cast<long>(m_cfg.connect_timeout_seconds) * 1000;
  so.idle_timeout_s = options.stream ? m_cfg.stream_idle_timeout_seconds
                                     : static_cast<long>(std::ceil(m_cfg.request_timeout_seconds));
  // Until the first content event the transfer also ends at the deadline (open_responses
  // puts the caller's own check back once the call is committed).
  auto late = std::make_shared<bool>(false);
  so.should_abort = [abort = options.should_abort, deadline, late] {
    *late = *late || Clock::now() >= deadline;
    return *late || (abort && abort());
  };
  a.posted = true;
  a.access_token = access.credentials->access_token;
  auto transfer = std::make_unique<http_client::Stream>(rq, so, &m_session);
  std::string buf;
  transfer->wait_for_headers(buf);
  if (!transfer->headers_complete()) {
    a.error = *late ? first_content_timeout_error(m_cfg.first_content_timeout_seconds)
                    : transport_error(transfer->failure(), transfer->error());
    a.connect_timeout = !*late && transfer->failure() == http_client::Failure::connect_timeout;
    return a;
  }
  a.status = transfer->status();
  a.response_headers = passed_back_headers(transfer->headers());
  note_usage(access.credentials->account_id, transfer->headers());
  if (a.status == 401) {
    a.unauthorized = true;
    a.error = auth_rejected_error();
    return a;
  }
  if (a.status < 200 || a.status >= 300) {
    while (transfer->pump(buf)) {
    }
    a.error = http_error(a.status, buf, transfer->header("retry-after"));
    return a;
  }
  a.stream = std::make_unique<EventStream>(std::move(transfer), buf);
  read_head(a);
  if (a.error && *late) {
    a.error = first_content_timeout_error(m_cfg.first_content_timeout_seconds);
  }
  return a;
}

// Reads events up to the first content event (kept in a.head) or a failure.
void Upstream::read_head(Attempt& a) {
  while (auto ev = a.stream->next()) {
    auto kind = responses::classify(*ev);
    if (kind == responses::EventKind::failure) {
      auto data = nlohmann::json::parse(ev->data, nullptr, false);
      a.error = upstream_error::from_event(data);
      a.stream.reset();
      return;
    }
    bool commit = kind == responses::EventKind::content || kind == responses::EventKind::success;
    a.head.push_back(std::move(*ev));
    if (commit) {
      return;
    }
  }
  a.error = a.stream->error() ? *a.stream->error() : upstream_error::incomplete_stream();
  a.stream.reset();
}

bool Upstream::wait_backoff(double seconds, const CallOptions& options) const {
  auto until = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < until) {
    if (options.should_abort && options.should_abort()) {
      return false;
    }
    auto left = until - Clock::now();
    std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::milliseconds(50)));
  }
  return !(options.should_abort && options.should_abort());
}

std::string request_text(const nlohmann::json& body) {
  return packed_items::dump(body); // the translators' packed input items, written in place
}

Opened Upstream::open_responses(const nlohmann::json& body, const CallOptions& options) {
  return open_responses(request_text(body), options);
}

Opened Upstream::open_responses(const std::string& body, const CallOptions& options) {
  Opened out;
  auto started = Clock::now();
  auto deadline = started + std::chrono::seconds(m_cfg.first_content_timeout_seconds);
  bool refreshed = false;
  int retry = options.retries_spent;
  out.retries = retry;
  // One copy for every attempt (each transfer used to copy the body twice).
  auto shared_body = std::make_shared<const std::string>(body);
  for (;;) {
    Attempt a = attempt_once(shared_body, options, deadline);
    out.attempts += a.posted ? 1 : 0;
    out.upstream_status = a.status;
    out.response_headers = std::move(a.response_headers);
    if (a.unauthorized && !refreshed) {
      refreshed = true;
      auto again = m_tokens->after_unauthorized(a.access_token);
      if (!again.ok()) {
        out.error = again.error;
        return out;
      }
      continue;
    }
    if (!a.error) {
      a.stream->set_abort_check(options.should_abort); // committed: the deadline is over
      out.stream = std::move(a.stream);
      out.head = std::move(a.head);
      out.first_event_seconds = std::chrono::duration<double>(Clock::now() - started).count();
      return out;
    }
    bool in_time =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                           backoff_seconds(m_cfg.retry_backoff_seconds, retry))) <
        deadline;
    if (!in_time || !may_retry(*a.error, retry, options, a.connect_timeout)) {
      out.error = std::move(a.error);
      return out;
    }
    ++retry;
    out.retries = retry;
  }
}

bool Upstream::retry_after_failure(const api_error::ApiError& e, const CallOptions& options) const {
  return may_retry(e, options.retries_spent, options);
}

// The policy, before and after the first event alike: a retriable status, budget left, a
// quota that resets within the backoff ahead; then the wait (false when the server stops).
bool Upstream::may_retry(const api_error::ApiError& e, int retry, const CallOptions& options,
                         bool nothing_sent) const {
  return (retriable(e) || nothing_sent) && retry < m_cfg.retry_attempts &&
         retry_worthwhile(e, retry) &&
         wait_backoff(backoff_seconds(m_cfg.retry_backoff_seconds, retry), options);
}

// A quota that resets later than the whole backoff still ahead is not worth waiting for.
bool Upstream::retry_worthwhile(const api_error::ApiError& e, int retry) const {
  if (e.status != 429 || !e.retry_after) {
    return true;
  }
  double ahead = 0;
  for (int i = retry; i < m_cfg.retry_attempts; ++i) {
    ahead += backoff_seconds(m_cfg.retry_backoff_seconds, i);
  }
  return static_cast<double>(*e.retry_after) <= ahead;
}

// --- JSON endpoints ------------------------------------------------------------------------

JsonResult Upstream::get_json(const std::string& url, bool with_version) {
  JsonResult out;
  auto access = access_now();
  for (int round = 0; round < 2; ++round) {
    if (!access.ok()) {
      out.error = access.error;
      return out;
    }
    http_client::Request rq;
    rq.url = url;
    rq.headers =
        headers(access.credentials->access_token, access.credentials->account_id, with_version);
    rq.headers.emplace_back("Accept", "application/json");
    rq.connect_timeout_ms = static_cast<long>(m_cfg.connect_timeout_seconds) * 1000;
    rq.timeout_ms = static_cast<long>(m_cfg.request_timeout_seconds * 1000);
    auto res = http_client::perform(rq, m_session);
    out.upstream_status = res.status;
    if (res.status == 401) {
      if (round == 0) {
        access = m_tokens->after_unauthorized(access.credentials->access_token);
        continue;
      }
      out.error = auth_rejected_error();
      return out;
    }
    if (res.status == 0) {
      out.error = transport_error(res.failure, res.error);
    } else if (res.status >= 300) {
      out.error = http_error(res.status, res.body, res.header("retry-after"));
    } else {
      auto parsed = nlohmann::json::parse(res.body, nullptr, false);
      if (parsed.is_object()) {
        out.value = std::move(parsed);
      } else {
        out.error = api_error::make(502, "Upstream returned a body that is not a JSON object.",
                                    std::string("upstream_error"));
      }
    }
    return out;
  }
  return out;
}

JsonResult Upstream::models(bool fresh) {
  std::lock_guard lock(m_models_mutex);
  auto access = access_now();
  if (!access.ok()) {
    m_models_cache.reset();
    JsonResult out;
    out.error = access.error;
    return out;
  }
  auto ttl = std::chrono::duration<double>(m_cfg.models_cache_ttl_seconds);
  bool usable = !fresh && m_models_cache && m_cfg.models_cache_ttl_seconds > 0 &&
                m_models_account == access.credentials->account_id &&
                Clock::now() - m_models_at < ttl;
  if (usable) {
    JsonResult out;
    out.value = *m_models_cache;
    return out;
  }
  auto out = get_json(strip_suffix(m_cfg.base_url, "") +
                          "/models?client_version=" + http_client::url_encode(m_cfg.client_version),
                      true);
  if (out.ok() && out.value->contains("models") && (*out.value)["models"].is_array()) {
    m_models_cache = out.value;
    m_models_account = access.credentials->account_id;
    m_models_at = Clock::now();
  }
  return out;
}

std::vector<std::string> catalog_slugs(const nlohmann::json& catalog) {
  std::vector<std::string> ids;
  auto it = catalog.find("models");
  if (it != catalog.end() && it->is_array()) {
    for (const auto& m : *it) {
      if (m.is_object()) {
        if (auto slug = string_at(m, "slug")) {
          ids.push_back(*slug);
        }
      }
    }
  }
  return ids;
}

std::vector<std::string> Upstream::model_ids(const nlohmann::json& catalog) const {
  std::vector<std::string> ids = catalog_slugs(catalog);
  for (const auto& extra : m_cfg.extra_models) {
    if (!extra.empty() && std::find(ids.begin(), ids.end(), extra) == ids.end()) {
      ids.push_back(extra);
    }
  }
  return ids;
}

std::string Upstream::usage_url() const {
  return strip_suffix(m_cfg.base_url, "/codex") + "/wham/usage";
}

JsonResult Upstream::usage() { return get_json(usage_url(), false); }

http_client::Response Upstream::post_passthrough(const std::string& path, const std::string& body,
                                                 const http_client::HeaderList& forward) {
  http_client::Response res;
  auto access = access_now();
  for (int round = 0; round < 2; ++round) {
    if (!access.ok()) {
      res.status = access.error.status;
      res.body = api_error::body(access.error);
      return res;
    }
    http_client::Request rq;
    rq.method = "POST";
    rq.url = strip_suffix(m_cfg.base_url, "") + "/" + path;
    rq.headers = headers(access.credentials->access_token, access.credentials->account_id, true);
    rq.headers.emplace_back("Content-Type", "application/json");
    rq.headers.insert(rq.headers.end(), forward.begin(), forward.end());
    rq.body = body;
    rq.connect_timeout_ms = static_cast<long>(m_cfg.connect_timeout_seconds) * 1000;
    rq.timeout_ms = static_cast<long>(m_cfg.request_timeout_seconds * 1000);
    res = http_client::perform(rq, m_session);
    if (res.status == 401 && round == 0) {
      access = m_tokens->after_unauthorized(access.credentials->access_token);
      continue;
    }
    break;
  }
  if (res.status == 0) {
    auto e = transport_error(res.failure, res.error);
    res.status = e.status;
    res.body = api_error::body(e);
  } else if (res.status == 401) {
    res.body = api_error::body(auth_rejected_error());
    res.status = 503;
  }
  res.headers = passed_back_headers(res.headers);
  return res;
}

std::string Upstream::usage_file(const config::Config& cfg) {
  return paths::layout(cfg).data_dir + "/usage-windows.json";
}

std::optional<usage_windows::Snapshot> Upstream::latest_usage() const {
  std::lock_guard lock(m_usage_mutex);
  auto it = m_usage.find(m_usage_account);
  return it == m_usage.end() ? std::nullopt : std::optional(it->second);
}

void Upstream::note_usage(const std::string& account, const http_client::HeaderList& headers) {
  long now = static_cast<long>(std::time(nullptr));
  auto snap = usage_windows::from_headers(headers, now);
  if (!snap) {
    return;
  }
  std::lock_guard lock(m_usage_mutex);
  m_usage_account = account;
  auto it = m_usage.find(account);
  bool changed = it == m_usage.end() || !(it->second == *snap);
  m_usage[account] = *snap;
  if (!changed) {
    return;
  }
  nlohmann::json doc = {{"accounts", nlohmann::json::object()}};
  for (const auto& [id, s] : m_usage) {
    doc["accounts"][id] = usage_windows::to_json(s);
  }
  // Best effort: status shows nothing new when the data dir is not writable.
  (void)atomic_file::write(usage_file(m_cfg), doc.dump(2) + "\n", 0600, atomic_file::Sync::cache);
}

namespace {
// Whether name starts with prefix (lower case), ignoring ASCII case; compared in place.
bool starts_with_folded(std::string_view name, std::string_view prefix) {
  return name.size() >= prefix.size() && text::iequals(name.substr(0, prefix.size()), prefix);
}
} // namespace

// Both run for every header of every request and upstream response: names are compared in
// place rather than through a lower-cased copy each.
bool forwarded_request_header(std::string_view n) {
  using text::iequals;
  return starts_with_folded(n, "x-codex-") || iequals(n, "session-id") ||
         iequals(n, "session_id") || iequals(n, "thread-id") || iequals(n, "x-client-request-id") ||
         iequals(n, "openai-beta");
}

bool forwarded_response_header(std::string_view n) {
  using text::iequals;
  return starts_with_folded(n, "x-codex-") || iequals(n, "openai-model") ||
         iequals(n, "x-models-etag") || iequals(n, "x-oai-request-id") ||
         iequals(n, "x-reasoning-included") || iequals(n, "openai-processing-ms") ||
         iequals(n, "cf-ray");
}

http_client::HeaderList
forwarded_request_headers(const std::vector<std::pair<std::string, std::string>>& client_headers) {
  http_client::HeaderList out;
  for (const auto& [k, v] : client_headers) {
    if (forwarded_request_header(k)) {
      out.emplace_back(k, v);
    }
  }
  return out;
}

http_client::HeaderList passed_back_headers(const http_client::HeaderList& upstream_headers) {
  http_client::HeaderList out;
  for (const auto& [k, v] : upstream_headers) {
    if (forwarded_response_header(k)) {
      out.emplace_back(k, v);
    } else if (text::iequals(k, "x-request-id")) {
      out.emplace_back("x-upstream-request-id", v);
    }
  }
  return out;
}

} // namespace airelays::upstream
