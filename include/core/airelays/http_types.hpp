// The relay's own request and response types. Handlers and the edge are written against
// these, never against httplib, so httplib stays in the server wiring (server.cpp) and route
// logic can be tested without sockets.
#pragma once

#include <airelays/api_error.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airelays::http {

// Case-insensitive ordering for header names.
struct CaseLess {
  using is_transparent = void; // find(string_view) without a std::string
  bool operator()(std::string_view a, std::string_view b) const;
};
using Headers = std::multimap<std::string, std::string, CaseLess>;

// One part of a multipart/form-data body.
struct FormPart {
  std::string name;
  std::string filename; // empty for plain fields
  std::string content_type;
  std::string content;
};

struct Request {
  std::string method;
  std::string path;                              // without the query string
  std::multimap<std::string, std::string> query; // decoded query parameters
  Headers headers;
  std::string body;
  std::vector<FormPart> form; // multipart parts (files and fields), empty otherwise
  std::map<std::string, std::string> path_params; // {id} captures of the matched route
  std::string remote_addr;                        // the TCP peer (never a header)
  std::string client_ip;                          // remote_addr, or X-Forwarded-For when trusted
  std::string request_id;                         // req_..., also sent as x-request-id
  int max_json_depth = 128;                       // [server] max_json_depth, for parse_json_object
  // The body's text stays until the response is sent (the traffic log writes contents);
  // otherwise release_body() frees it once it is parsed.
  bool keep_body = false;
  size_t body_bytes = 0; // the body's size, kept when release_body() has freed its text
  // What the handler learned for the traffic log and metrics (model, usage, adaptations,
  // retries, upstream_status, error code...). Shared so a stream can add to it until it ends;
  // the server writes the summary record after the response is finished.
  std::shared_ptr<nlohmann::json> annotations =
      std::make_shared<nlohmann::json>(nlohmann::json::object());
  // True once the client has closed or reset its connection (set by the server wiring;
  // empty in tests without one). Cheap and non-blocking: an upstream call polls it to let
  // go of an abandoned request.
  std::function<bool()> client_gone;

  std::string header(std::string_view name, std::string_view fallback = {}) const;
  bool has_header(std::string_view name) const;
  std::optional<std::string> query_param(std::string_view name) const;
  const FormPart* form_field(std::string_view name) const;
};

// Where a streaming response writes its chunks. write() sends one chunk at once and returns
// false when the client has gone away; is_writable() checks without writing.
class ChunkSink {
public:
  virtual ~ChunkSink() = default;
  virtual bool write(std::string_view data) = 0;
  virtual bool is_writable() = 0;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string content_type = "application/json";
  std::string body;
  // When set, the body is streamed: the server calls it once on the worker thread after the
  // status line and headers are sent; it writes every chunk and returns when done. Return
  // false when the stream ended abnormally (client gone, upstream cut).
  std::function<bool(ChunkSink&)> stream;
  // Called once after the response is fully sent (or abandoned), e.g. to release a
  // concurrency slot held by a stream; `completed` is false when the client went away.
  std::function<void(bool completed)> on_finish;

  void set_header(std::string name, std::string value);
};

// Reads the body of a JSON route as a JSON object (DESIGN.md, Decisions): accepts
// application/json, no content type, or a form-encoded body that is JSON (curl -d); other
// content types → 415; bad JSON → 400 naming the byte position; nesting deeper than
// req.max_json_depth or a number the JSON library refuses (1e999) → 400 invalid_json, found
// before any recursive walk; not an object → 400.
std::optional<api_error::ApiError> parse_json_object(const Request& req, nlohmann::json& out);

// Frees the text of a body already parsed (a large body would otherwise sit beside its parsed
// tree for the whole call), unless req.keep_body; its size stays in req.body_bytes.
void release_body(Request& req);

// The bytes of the request's body, whether or not release_body() has freed its text.
size_t body_size(const Request& req);

// The byte offset where `text` nests brackets deeper than `max_depth` (counted outside
// strings, one pass, no allocation); nullopt when it stays within.
std::optional<size_t> json_too_deep(std::string_view text, int max_depth);

// A JSON response with the given status.
Response json(int status, const nlohmann::json& body);
// The OpenAI-shaped error response for e (status, Retry-After, extra headers).
Response error(const api_error::ApiError& e);
// The same in the error shape of the request's path (Anthropic's on /v1/messages).
Response error(const Request& req, const api_error::ApiError& e);

} // namespace airelays::http
