// The relay's HTTP server wiring: the only place (with the login callback listener) that
// knows cpp-httplib. It converts httplib's request into the relay's http::Request, runs the
// edge in the pre-routing handler (before any body is read), reads bodies through a byte
// cap (chunked ones too: CVE-2025-46728), and turns http::Response back into httplib's,
// streams included (exactly "text/event-stream", or httplib gzips and buffers the stream).
// Everything else a request goes through lives in request_flow.cpp; the listener's life
// (bind, runtime file, signals) in serve_runtime.cpp.
#include "connection_guard.hpp"
#include "request_flow.hpp"
#include "routes.hpp"
#include "serve_runtime.hpp"

#include <airelays/server.hpp>
#include <airelays/text.hpp>
#include <airelays/worker_pool.hpp>

#include <httplib.h>
#if __has_include(<malloc.h>)
#include <malloc.h> // mallopt (glibc)
#endif
#include <algorithm>
#include <cctype>
#include <string_view>
#include <sys/socket.h>
#include <type_traits>
#include <utility>

namespace airelays::server {

namespace {

#if AIRELAYS_HTTPLIB_FORM_API
using FormHeader = httplib::FormData; // cpp-httplib >= 0.23
#else
using FormHeader = httplib::MultipartFormData; // cpp-httplib 0.11 (Debian 12)
#endif

// Bytes of form framing counted per multipart part, so a flood of empty parts is capped too.
constexpr int64_t k_part_overhead = 256;

// The exchange admitted by the pre-routing handler, waiting for its body handler. Both run
// on the same worker thread, one right after the other, for POST/PUT/PATCH/DELETE.
thread_local std::shared_ptr<Exchange> t_pending;

bool skipped_header(const std::string& name) {
  // httplib adds REMOTE_ADDR/REMOTE_PORT as headers, after any a client sent: never trust them.
  using text::iequals;
  return iequals(name, "REMOTE_ADDR") || iequals(name, "REMOTE_PORT") ||
         iequals(name, "LOCAL_ADDR") || iequals(name, "LOCAL_PORT");
}

// A header httplib would write as given: a token for a name, a value of visible ASCII, space
// and tab (what every httplib version's set_header accepts; 0.11 only refuses CR and LF).
bool plain_header(std::string_view name, std::string_view value) {
  auto token = [](unsigned char c) {
    return std::isalnum(c) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  };
  auto visible = [](unsigned char c) { return (c >= 0x20 && c < 0x7f) || c == '\t'; };
  return !name.empty() && std::all_of(name.begin(), name.end(), token) &&
         std::all_of(value.begin(), value.end(), visible);
}

// Copies the relay's headers into httplib's response. They come sorted the way httplib's map
// sorts them (ASCII case folded), so each goes in at the end with one comparison, where
// set_header searched the map for each (with a tolower call per character compared: 25
// headers took 68 k instructions). Anything unusual still goes through set_header. (Newer
// httplib keeps headers in a hash map, where the hint is simply not needed.)
void copy_headers(const http::Headers& from, httplib::Response& res) {
  for (const auto& [k, v] : from) {
    if (k == "Content-Type" || k == "Content-Length") {
      continue; // set_content writes these
    }
    if (plain_header(k, v)) {
      res.headers.emplace_hint(res.headers.end(), k, v);
    } else {
      res.set_header(k, v);
    }
  }
}

http::Request to_request(const httplib::Request& hr, const Flow& flow) {
  http::Request r;
  r.method = hr.method;
  r.path = hr.path;
  for (const auto& [k, v] : hr.params) {
    r.query.emplace(k, v);
  }
  for (const auto& [k, v] : hr.headers) {
    if (!skipped_header(k)) {
      r.headers.emplace(k, v);
    }
  }
  r.remote_addr = hr.remote_addr; // the TCP peer, never the REMOTE_ADDR header
  r.client_gone = connection_guard::client_watch();
  r.client_ip = flow.client_ip(hr.remote_addr, r.header("X-Forwarded-For"));
  return r;
}

bool reads_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// The declared Content-Length: nullopt when absent, -1 when not a number.
std::optional<int64_t> content_length(const httplib::Request& hr) {
  if (!hr.has_header("Content-Length")) {
    return std::nullopt;
  }
  std::string v = hr.get_header_value("Content-Length");
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 18) {
    return -1;
  }
  return std::stoll(v);
}

bool has_body(const httplib::Request& hr) {
  auto len = content_length(hr);
  return hr.has_header("Transfer-Encoding") || (len && *len != 0);
}

api_error::ApiError too_large(const Exchange& ex, int64_t cap) {
  bool upload = ex.req.header("Content-Type").rfind("multipart/form-data", 0) == 0;
  if (upload) {
    return api_error::make(413,
                           "upload too large: the form is over [uploads] max_upload_bytes (" +
                               std::to_string(cap) + " bytes with the form framing).",
                           std::string("upload_too_large"));
  }
  return api_error::make(413,
                         "Request body too large: the limit is [server] max_request_bytes = " +
                             std::to_string(cap) + " bytes.",
                         std::string("request_too_large"));
}

std::string status_message(int status) {
  switch (status) {
  case 400:
    return "The request could not be parsed as HTTP.";
  case 413:
    return "Request body too large.";
  case 414:
    return "Request URI too long.";
  case 408:
    return "Request head not received in time.";
  case 416:
    return "Requested range not satisfiable.";
  case 431:
    return "Request header fields too large.";
  default:
    return status >= 500 ? "Internal server error." : "The request was refused.";
  }
}

class ChunkAdapter final : public http::ChunkSink {
public:
  ChunkAdapter(httplib::DataSink& sink, size_t& bytes) : m_sink(sink), m_bytes(bytes) {}
  bool write(std::string_view data) override {
    if (data.empty()) {
      return m_sink.is_writable(); // a 0-byte write would end the stream without its last chunk
    }
    m_bytes += data.size();
    bool ok = m_sink.write(data.data(), data.size());
    if (!m_released) {
      // The first bytes are out; the stream now mostly waits for its upstream.
      m_released = true;
      release_stack_below_caller();
    }
    return ok;
  }
  bool is_writable() override { return m_sink.is_writable(); }

private:
  httplib::DataSink& m_sink;
  size_t& m_bytes;
  bool m_released = false;
};

struct StreamState {
  std::function<bool(http::ChunkSink&)> stream;
  std::function<void(bool)> on_finish;
  int status = 200;
  size_t bytes = 0;
  bool ok = false;
};

} // namespace

class Wiring {
public:
  Wiring(Services& state, Flow& flow, const ServeOptions& options)
      : m_state(state), m_flow(flow),
        m_svr(connection_guard::make_server(
            limits(state.config, options),
            [this](int status, const std::string& message, const std::string& code) {
              return refusal(status, message, code);
            })) {
    configure(options);
  }
  httplib::Server& server() { return *m_svr; }
  // Debian's libcpp-httplib is compiled with a listen backlog of 5: when more clients than
  // that connect at once, the kernel drops their SYNs and each retries a second later. A
  // second listen() on the bound socket raises the backlog (Linux and the BSDs allow it).
  void deepen_backlog() const {
    if (m_listener >= 0) {
      ::listen(m_listener, SOMAXCONN);
    }
  }

private:
  void configure(const ServeOptions& options);
  httplib::Server::HandlerResponse pre_route(const httplib::Request& hr, httplib::Response& res);
  void with_body(const httplib::Request& hr, httplib::Response& res,
                 const httplib::ContentReader& reader);
  bool read_body(const httplib::Request& hr, const httplib::ContentReader& reader, Exchange& ex,
                 bool& over_cap);
  void send(httplib::Response& res, std::shared_ptr<Exchange> ex, http::Response r, bool close);
  void send_stream(httplib::Response& res, std::shared_ptr<Exchange> ex, http::Response r);
  httplib::Server::HandlerResponse library_error(httplib::Response& res);
  static connection_guard::Limits limits(const config::Config& c, const ServeOptions& options);
  std::string refusal(int status, const std::string& message, const std::string& code);

  Services& m_state;
  Flow& m_flow;
  std::unique_ptr<httplib::Server> m_svr;
  int m_listener = -1; // the listening socket, once bound
};

connection_guard::Limits Wiring::limits(const config::Config& c, const ServeOptions& options) {
  connection_guard::Limits l;
  l.workers = std::max(4, c.workers);
  l.head_timeout_seconds = std::max(1, c.request_head_timeout_seconds);
  l.max_head_bytes = static_cast<size_t>(std::max<int64_t>(1024, c.max_request_head_bytes));
  l.max_header_lines = std::max(1, c.max_request_header_lines);
  l.max_connections = std::max(16, c.max_connections);
  l.max_connections_per_ip = std::max(8, c.max_connections_per_ip);
  l.keep_alive_seconds = std::max(1, c.keep_alive_timeout_seconds);
  l.read_timeout_seconds = std::max(1, options.read_timeout_seconds);
  return l;
}

// The whole response to a connection refused before its request ran (bad, slow or huge head).
std::string Wiring::refusal(int status, const std::string& message, const std::string& code) {
  std::string body = api_error::body(api_error::make(status, message, code));
  const char* reason = status == 408   ? "Request Timeout"
                       : status == 431 ? "Request Header Fields Too Large"
                                       : "Bad Request";
  m_state.metrics.inc("airelays_http_requests_total",
                      {{"route", "http_error"}, {"status", std::to_string(status)}});
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\nx-request-id: " + new_request_id() +
         "\r\nx-airelays-version: " AIRELAYS_VERSION "\r\n\r\n" + body;
}

void Wiring::configure(const ServeOptions& options) {
  auto& svr = *m_svr;
  svr.set_tcp_nodelay(true);
  // httplib's default also sets SO_REUSEPORT, which lets a second relay bind the same port
  // and silently share it: keep only SO_REUSEADDR so "port in use" is an error.
  svr.set_socket_options([this](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    m_listener = sock;
  });
  // The Keep-Alive header httplib writes (the guard enforces both itself).
  svr.set_keep_alive_max_count(1000);
  svr.set_keep_alive_timeout(std::max(1, m_state.config.keep_alive_timeout_seconds));
  svr.set_read_timeout(std::max(1, options.read_timeout_seconds), 0);
  svr.set_payload_max_length(static_cast<size_t>(
      std::max(m_state.config.max_request_bytes, m_state.config.max_upload_bytes + (1 << 20))));
  svr.set_pre_routing_handler(
      [this](const httplib::Request& hr, httplib::Response& res) { return pre_route(hr, res); });
  auto body_handler = [this](const httplib::Request& hr, httplib::Response& res,
                             const httplib::ContentReader& reader) { with_body(hr, res, reader); };
  const char* any = R"([\s\S]*)"; // every path, even one with a decoded newline
  svr.Post(any, body_handler);
  svr.Put(any, body_handler);
  svr.Patch(any, body_handler);
  svr.Delete(any, body_handler);
  svr.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request&, httplib::Response& res) { return library_error(res); }));
  svr.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(api_error::body(api_error::make(500, "Internal server error.",
                                                        std::string("internal_error"))),
                        "application/json");
      });
}

httplib::Server::HandlerResponse Wiring::pre_route(const httplib::Request& hr,
                                                   httplib::Response& res) {
  using HR = httplib::Server::HandlerResponse;
  if (t_pending) { // its body handler never ran (should not happen): give its slot back
    m_flow.finish(*t_pending, 499, 0, false, false, nullptr);
    t_pending.reset();
  }
  std::shared_ptr<Exchange> ex = m_flow.begin(to_request(hr, m_flow));
  if (auto refused = m_flow.check_edge(*ex)) {
    send(res, ex, std::move(*refused), has_body(hr));
    return HR::Handled;
  }
  auto len = content_length(hr);
  if (len && *len < 0) {
    send(res, ex,
         m_flow.refuse(*ex, api_error::bad_request("Invalid Content-Length header."), "bad_length"),
         true);
    return HR::Handled;
  }
  int64_t cap = m_flow.body_cap(*ex);
  if (len && *len > cap) {
    send(res, ex, m_flow.refuse(*ex, too_large(*ex, cap), "body_too_large"), true);
    return HR::Handled;
  }
  if (!reads_body(hr.method)) {
    if (has_body(hr)) {
      auto e = api_error::bad_request("A " + hr.method + " request must not carry a body.");
      send(res, ex, m_flow.refuse(*ex, e, "unexpected_body"), true);
    } else {
      send(res, ex, m_flow.dispatch(*ex), false);
    }
    return HR::Handled;
  }
  if (auto unrouted = m_flow.check_route(*ex)) { // 404/405 before any body byte is read
    send(res, ex, std::move(*unrouted), has_body(hr));
    return HR::Handled;
  }
  t_pending = std::move(ex);
  return HR::Unhandled; // with_body() runs next, on this thread
}

bool Wiring::read_body(const httplib::Request& hr, const httplib::ContentReader& reader,
                       Exchange& ex, bool& over_cap) {
  int64_t cap = m_flow.body_cap(ex);
  int64_t total = 0;
  auto take = [&](size_t n) {
    total += static_cast<int64_t>(n);
    over_cap = over_cap || total > cap;
    return !over_cap && m_flow.reserve_body(ex, total);
  };
  if (hr.is_multipart_form_data()) {
    auto& form = ex.req.form;
    return reader(
        [&](const FormHeader& part) {
          form.push_back({part.name, part.filename, part.content_type, {}});
          return take(k_part_overhead);
        },
        [&](const char* data, size_t n) {
          if (!take(n) || form.empty()) {
            return false;
          }
          form.back().content.append(data, n);
          return true;
        });
  }
  return reader([&](const char* data, size_t n) {
    if (!take(n)) {
      return false;
    }
    ex.req.body.append(data, n);
    return true;
  });
}

void Wiring::with_body(const httplib::Request& hr, httplib::Response& res,
                       const httplib::ContentReader& reader) {
  std::shared_ptr<Exchange> ex = std::move(t_pending);
  t_pending.reset();
  if (!ex) {
    ex = m_flow.begin(to_request(hr, m_flow));
    auto e = api_error::make(500, "Internal error: request admitted without the edge.");
    send(res, ex, m_flow.refuse(*ex, e, "no_edge"), true);
    return;
  }
  bool over_cap = false;
  bool ok = read_body(hr, reader, *ex, over_cap);
  if (ex->over_budget) {
    send(res, ex, m_flow.refuse(*ex, m_flow.over_budget(), "body_budget"), true);
    return;
  }
  if (over_cap) {
    send(res, ex, m_flow.refuse(*ex, too_large(*ex, m_flow.body_cap(*ex)), "body_too_large"), true);
    return;
  }
  if (!ok) {
    auto e = api_error::bad_request(
        "The request body could not be read (bad chunked or multipart encoding, or the client "
        "stopped sending).");
    send(res, ex, m_flow.refuse(*ex, e, "unreadable_body"), true);
    return;
  }
  send(res, ex, m_flow.dispatch(*ex), false);
}

void Wiring::send(httplib::Response& res, std::shared_ptr<Exchange> ex, http::Response r,
                  bool close) {
  res.status = r.status;
  copy_headers(r.headers, res);
  res.set_header("x-request-id", ex->req.request_id);
  res.set_header("x-airelays-version", AIRELAYS_VERSION);
  if (r.stream) {
    send_stream(res, std::move(ex), std::move(r));
    return;
  }
  if (close) {
    // The unread body must not be parsed as the next request: a provider that reports
    // failure after writing the whole body makes httplib close the connection.
    res.set_header("Connection", "close");
    auto body = std::make_shared<std::string>(r.body);
    res.set_content_provider(body->size(), r.content_type,
                             [body](size_t offset, size_t length, httplib::DataSink& sink) {
                               sink.write(body->data() + offset, length);
                               return false;
                             });
  } else {
    res.set_content(r.body, r.content_type);
  }
  if (r.on_finish) {
    r.on_finish(true);
  }
  m_flow.finish(*ex, r.status, r.body.size(), false, true, &r);
}

void Wiring::send_stream(httplib::Response& res, std::shared_ptr<Exchange> ex, http::Response r) {
  auto st = std::make_shared<StreamState>();
  st->stream = std::move(r.stream);
  st->on_finish = std::move(r.on_finish);
  st->status = r.status;
  std::string type = is_event_stream(r.content_type) ? "text/event-stream" : r.content_type;
  Flow& flow = m_flow;
  res.set_chunked_content_provider(
      type,
      [st](size_t, httplib::DataSink& sink) {
        ChunkAdapter adapter(sink, st->bytes);
        try { // httplib does not catch here: an escaping exception would end the process
          st->ok = st->stream(adapter);
        } catch (...) {
          st->ok = false;
        }
        sink.done();
        return true;
      },
      [st, ex, &flow](bool success) {
        bool completed = success && st->ok;
        if (st->on_finish) {
          st->on_finish(completed);
        }
        flow.finish(*ex, st->status, st->bytes, true, completed, nullptr); // slot held until now
      });
}

httplib::Server::HandlerResponse Wiring::library_error(httplib::Response& res) {
  if (!res.body.empty() || res.content_length_ > 0 || res.content_provider_) {
    return httplib::Server::HandlerResponse::Unhandled; // one of ours, already shaped
  }
  auto e = api_error::make(res.status, status_message(res.status),
                           std::string("http_" + std::to_string(res.status)));
  res.set_content(api_error::body(e), "application/json");
  res.set_header("x-request-id", new_request_id());
  res.set_header("x-airelays-version", AIRELAYS_VERSION);
  m_state.metrics.inc("airelays_http_requests_total",
                      {{"route", "http_error"}, {"status", std::to_string(res.status)}});
  return httplib::Server::HandlerResponse::Handled;
}

// --- the listener ---------------------------------------------------------------------------

Result<int> serve(const config::Config& cfg, const ServeOptions& options) {
#if defined(M_MXFAST) && defined(M_ARENA_MAX)
  // Every request allocates and frees thousands of small JSON nodes on its worker thread:
  // - no fastbins: glibc merged all the fastbin chunks of an arena on each larger allocation
  //   that followed (malloc_consolidate was 5% of the relay's CPU at 32 connections); the
  //   per-thread tcache still serves the common small sizes;
  // - an arena per worker: glibc's default of 8 per core made 32 workers share 16 arenas and
  //   wait on their locks (futex calls from malloc/free on every request). Arenas are created
  //   only as threads first allocate, so the idle footprint is unchanged.
  // tests/bench/relay_bench.mjs measures the effect.
  mallopt(M_MXFAST, 0);
  mallopt(M_ARENA_MAX, 64);
#endif
  auto prepared = prepare(cfg, options);
  if (!prepared) {
    return prepared.error();
  }
  block_stop_signals(); // before the services start any thread
  auto opened = services::open_services(*prepared);
  if (!opened) {
    return opened.error();
  }
  Services& state = **opened;
  Runtime runtime(state);
  Router router;
  register_all_routes(router, state);
  Flow flow(state, router);
  Wiring wiring(state, flow, options);
  auto& svr = wiring.server();
  int port =
      state.config.port == 0
          ? svr.bind_to_any_port(state.config.host)
          : (svr.bind_to_port(state.config.host, state.config.port) ? state.config.port : -1);
  if (port < 0) {
    return make_error("cannot listen on " + state.config.host + ":" +
                      std::to_string(state.config.port) +
                      ": the address is in use or not available here (choose another with "
                      "`airelays serve --port`)");
  }
  wiring.deepen_backlog();
  flow.set_bound(state.config.host, port);
  auto started = runtime.started(port);
  if (!started) {
    return started.error();
  }
  runtime.watch_signals([&svr] { svr.stop(); });
  bool ok = svr.listen_after_bind();
  runtime.stopped();
  if (!ok && !state.stopping) {
    return make_error("the listener failed on " + state.config.host + ":" + std::to_string(port));
  }
  return 0;
}

} // namespace airelays::server
