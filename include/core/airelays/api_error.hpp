// The one builder of OpenAI-shaped error bodies: {"error":{"message","type","code","param"}}
// plus, for upstream errors, the upstream's own extra fields (resets_at, plan_type, ...).
// Every error the relay returns — edge rejections, translator 4xx, upstream failures,
// httplib's own 400/404/413 — is made here, as a JSON body or as an SSE event, so the
// shape cannot drift between routes (DESIGN.md, deliberate difference 1).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace airelays::api_error {

struct ApiError {
  int status = 500;
  std::string message;
  std::string type;                 // invalid_request_error, authentication_error, ...
  std::optional<std::string> code;  // machine-readable code, null when absent
  std::optional<std::string> param; // offending parameter, null when absent
  std::optional<long> retry_after;  // seconds; becomes a Retry-After header on 429/503
  // Extra headers the response must carry (x-airelays-upstream-auth, ...).
  std::vector<std::pair<std::string, std::string>> headers;
  // More members of the "error" object (an upstream 429's resets_at, resets_in_seconds,
  // plan_type, ...). Merged by to_json; never overrides message/type/code/param/retry_after.
  nlohmann::json extras = nlohmann::json::object();
};

// The OpenAI error type conventionally used for an HTTP status.
std::string default_type(int status);

// A new error with the default type for its status.
ApiError make(int status, std::string message, std::optional<std::string> code = std::nullopt,
              std::optional<std::string> param = std::nullopt);

// Common shapes.
ApiError bad_request(std::string message, std::optional<std::string> param = std::nullopt,
                     std::optional<std::string> code = std::nullopt);
ApiError not_found(std::string message, std::optional<std::string> code = std::nullopt);
ApiError unprocessable(std::string message, std::optional<std::string> param = std::nullopt);
ApiError unsupported(std::string route); // 501 unsupported_error naming the route

// The members of an upstream error object worth handing to the client: everything but
// message/type/code/param, minus names that could carry a credential (token, secret, key,
// authorization, cookie, password) and values too large to be a plain field (strings over
// 1,000 characters, arrays/objects over 4,000 characters of JSON). {} for a non-object.
nlohmann::json upstream_extras(const nlohmann::json& upstream_error);

// {"error":{...}} as a JSON value.
nlohmann::json to_json(const ApiError& e);
// The body as compact JSON text.
std::string body(const ApiError& e);
// An SSE event carrying the error: "data: {\"error\":{...}}\n\n" (chat/completions streams).
std::string sse_event(const ApiError& e);
// The same as a Responses-API "error" event: "event: error\ndata: {...}\n\n".
std::string responses_sse_event(const ApiError& e);

// Which rendering a request's errors use: Anthropic's for the Messages dialect's paths
// (/v1/messages and below), OpenAI's everywhere else.
enum class Shape { openai, anthropic };
Shape shape_for_path(const std::string& path);
// The body of e in that shape.
std::string body(const ApiError& e, Shape shape);

// The second rendering, for the Anthropic Messages dialect (/v1/messages): Anthropic's error
// type for a status (invalid_request_error, authentication_error, permission_error,
// not_found_error, request_too_large, rate_limit_error, overloaded_error, api_error).
std::string anthropic_type(int status);
// {"type":"error","error":{"type","message"}} as compact JSON text.
std::string anthropic_body(const ApiError& e);
// The same as a Messages stream event: "event: error\ndata: {...}\n\n".
std::string anthropic_sse_event(const ApiError& e);

} // namespace airelays::api_error
