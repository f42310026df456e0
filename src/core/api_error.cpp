// The single builder of OpenAI-shaped error bodies (see api_error.hpp).
#include <airelays/api_error.hpp>
#include <airelays/text.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace airelays::api_error {

std::string default_type(int status) {
  switch (status) {
  case 401:
    return "authentication_error";
  case 403:
    return "permission_error";
  case 404:
    return "not_found_error";
  case 409:
    return "conflict_error";
  case 413:
  case 415:
  case 422:
  case 400:
  case 405:
  case 411:
  case 414:
  case 431:
    return "invalid_request_error";
  case 429:
    return "rate_limit_error";
  case 501:
    return "unsupported_error";
  case 502:
  case 504:
    return "upstream_error";
  case 503:
    return "service_unavailable_error";
  default:
    return status >= 500 ? "server_error" : "invalid_request_error";
  }
}

ApiError make(int status, std::string message, std::optional<std::string> code,
              std::optional<std::string> param) {
  ApiError e;
  e.status = status;
  e.message = std::move(message);
  e.type = default_type(status);
  e.code = std::move(code);
  e.param = std::move(param);
  return e;
}

ApiError bad_request(std::string message, std::optional<std::string> param,
                     std::optional<std::string> code) {
  return make(400, std::move(message), std::move(code), std::move(param));
}

ApiError not_found(std::string message, std::optional<std::string> code) {
  return make(404, std::move(message), std::move(code));
}

ApiError unprocessable(std::string message, std::optional<std::string> param) {
  return make(422, std::move(message), std::nullopt, std::move(param));
}

ApiError unsupported(std::string route) {
  return make(501, route + " is not supported by airelays", std::string("unsupported_error"));
}

namespace {

constexpr std::array<std::string_view, 5> k_fixed_keys = {"message", "type", "code", "param",
                                                          "retry_after"};
constexpr std::array<std::string_view, 6> k_secret_words = {"token",         "secret", "key",
                                                            "authorization", "cookie", "password"};
constexpr size_t k_max_string = 1000;
constexpr size_t k_max_structured = 4000;

bool is_fixed_key(std::string_view key) {
  return std::find(k_fixed_keys.begin(), k_fixed_keys.end(), key) != k_fixed_keys.end();
}

bool names_a_secret(std::string_view name) {
  std::string key = text::lower(name);
  return std::any_of(k_secret_words.begin(), k_secret_words.end(),
                     [&](std::string_view w) { return key.find(w) != std::string::npos; });
}

bool small_enough(const nlohmann::json& v) {
  if (v.is_string()) {
    return v.get_ref<const std::string&>().size() <= k_max_string;
  }
  if (v.is_structured()) {
    return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() <=
           k_max_structured;
  }
  return !v.is_binary();
}

} // namespace

nlohmann::json upstream_extras(const nlohmann::json& upstream_error) {
  nlohmann::json out = nlohmann::json::object();
  if (!upstream_error.is_object()) {
    return out;
  }
  for (const auto& [key, value] : upstream_error.items()) {
    if (!is_fixed_key(key) && !names_a_secret(key) && small_enough(value)) {
      out[key] = value;
    }
  }
  return out;
}

nlohmann::json to_json(const ApiError& e) {
  nlohmann::json inner = nlohmann::json::object();
  if (e.extras.is_object()) {
    for (const auto& [key, value] : e.extras.items()) {
      if (!is_fixed_key(key)) {
        inner[key] = value;
      }
    }
  }
  inner["message"] = e.message;
  inner["type"] = e.type.empty() ? default_type(e.status) : e.type;
  inner["code"] = e.code ? nlohmann::json(*e.code) : nlohmann::json(nullptr);
  inner["param"] = e.param ? nlohmann::json(*e.param) : nlohmann::json(nullptr);
  if (e.retry_after) {
    inner["retry_after"] = *e.retry_after;
  }
  return {{"error", inner}};
}

std::string body(const ApiError& e) {
  return to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string sse_event(const ApiError& e) { return "data: " + body(e) + "\n\n"; }

std::string responses_sse_event(const ApiError& e) {
  nlohmann::json ev = to_json(e)["error"];
  ev["type"] = "error";
  ev["error_type"] = e.type;
  return "event: error\ndata: " +
         ev.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

std::string anthropic_type(int status) {
  switch (status) {
  case 401:
    return "authentication_error";
  case 403:
    return "permission_error";
  case 404:
    return "not_found_error";
  case 413:
    return "request_too_large";
  case 429:
    return "rate_limit_error";
  case 503:
  case 529:
    return "overloaded_error";
  default:
    return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string anthropic_body(const ApiError& e) {
  nlohmann::json body = {{"type", "error"},
                         {"error", {{"type", anthropic_type(e.status)}, {"message", e.message}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Shape shape_for_path(const std::string& path) {
  return path == "/v1/messages" || path.rfind("/v1/messages/", 0) == 0 ? Shape::anthropic
                                                                       : Shape::openai;
}

std::string body(const ApiError& e, Shape shape) {
  return shape == Shape::anthropic ? anthropic_body(e) : body(e);
}

std::string anthropic_sse_event(const ApiError& e) {
  return "event: error\ndata: " + anthropic_body(e) + "\n\n";
}

} // namespace airelays::api_error
