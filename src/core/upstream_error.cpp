// Upstream failures as the client's errors (see upstream_error.hpp). Both ways a failure
// arrives — an HTTP error answer before the stream, a failure event inside it — read the
// upstream's error object the same way and take Retry-After from the same sources.
#include <airelays/json_util.hpp>
#include <airelays/upstream_error.hpp>

#include <cmath>
#include <cstdlib>

namespace airelays::upstream_error {

namespace {

using api_error::ApiError;
using json_util::string_or_empty;
using nlohmann::json;

// A non-empty string member, else nullopt.
std::optional<std::string> text_at(const json& obj, const char* key) {
  std::string s = string_or_empty(obj, key);
  return s.empty() ? std::nullopt : std::optional(s);
}

std::string trimmed_text(const std::string& body) {
  auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return {};
  }
  auto last = body.find_last_not_of(" \t\r\n");
  std::string text = body.substr(first, last - first + 1);
  return text.size() > 500 ? text.substr(0, 500) + "…" : text;
}

// The error object carried by a failure event's data (reference §10.2).
json event_error_object(const json& data) {
  if (auto e = data.find("error"); e != data.end() && e->is_object()) {
    return *e;
  }
  if (auto r = data.find("response"); r != data.end() && r->is_object()) {
    if (auto e = r->find("error"); e != r->end() && e->is_object()) {
      return *e;
    }
  }
  json out = json::object();
  for (const char* key : {"code", "message", "param"}) {
    if (auto it = data.find(key); it != data.end()) {
      out[key] = *it;
    }
  }
  if (string_or_empty(out, "message").empty() && string_or_empty(out, "code").empty()) {
    return json();
  }
  return out;
}

bool one_of(const std::string& s, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (s == n) {
      return true;
    }
  }
  return false;
}

int event_status(const std::string& type, const std::string& code, const std::string& param) {
  auto quota = {"usage_limit_reached", "rate_limit_reached", "rate_limit_exceeded",
                "insufficient_quota"};
  if (one_of(type, quota) || one_of(code, quota)) {
    return 429;
  }
  auto invalid = {"context_length_exceeded", "invalid_prompt",        "invalid_value",
                  "unsupported_value",       "unsupported_parameter", "unknown_parameter",
                  "string_above_max_length"};
  if (type == "invalid_request_error" || one_of(code, invalid) || !param.empty()) {
    return 400;
  }
  return 502;
}

// "Please try again in 1.5s." / "in 250ms" → whole seconds, rounded up.
std::optional<long> retry_from_message(const std::string& msg) {
  auto at = msg.find("try again in ");
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const char* start = msg.c_str() + at + 13;
  char* end = nullptr;
  double value = std::strtod(start, &end);
  if (end == start || !(value >= 0) || value > 1e7) {
    return std::nullopt;
  }
  if (std::string_view(end).rfind("ms", 0) == 0) {
    value /= 1000.0;
  } else if (*end != 's') {
    return std::nullopt;
  }
  return std::max(1L, static_cast<long>(std::ceil(value)));
}

// The message, type, code, param and safe extras of an upstream error object.
ApiError from_error_object(int status, const json& err) {
  ApiError e = api_error::make(status, string_or_empty(err, "message"));
  if (auto type = text_at(err, "type")) {
    e.type = *type;
  }
  e.code = text_at(err, "code");
  e.param = text_at(err, "param");
  // resets_at, resets_in_seconds, plan_type, ...: what a client needs to tell the user when
  // the quota comes back (DESIGN.md: the upstream's error object verbatim).
  e.extras = api_error::upstream_extras(err);
  return e;
}

} // namespace

std::optional<long> retry_after(const json& err, const std::string& header,
                                std::optional<long> now) {
  if (auto r = err.find("resets_in_seconds"); r != err.end() && r->is_number()) {
    double v = r->get<double>();
    if (v > 0 && v < 1e9) {
      return static_cast<long>(std::ceil(v));
    }
  }
  if (auto at = err.find("resets_at"); now && at != err.end() && at->is_number()) {
    double left = at->get<double>() - static_cast<double>(*now);
    if (left > 0) {
      return static_cast<long>(std::ceil(left));
    }
  }
  char* end = nullptr;
  long v = std::strtol(header.c_str(), &end, 10);
  if (!header.empty() && end != nullptr && *end == '\0' && v > 0) {
    return v;
  }
  return retry_from_message(string_or_empty(err, "message"));
}

ApiError from_http(int status, const std::string& body, const std::string& retry_after_header,
                   long now) {
  int out_status = status >= 400 && status < 500 ? status : 502;
  auto parsed = json::parse(body, nullptr, false);
  auto error_obj = parsed.is_object() ? parsed.find("error") : parsed.end();
  bool has_object = parsed.is_object() && error_obj != parsed.end() && error_obj->is_object();
  ApiError e = api_error::make(out_status, "");
  if (has_object) {
    e = from_error_object(out_status, *error_obj);
    if (e.message.empty()) {
      e.message = trimmed_text(body);
    }
    if (!e.code && out_status < 500) {
      e.code = text_at(*error_obj, "type");
    }
  } else if (parsed.is_object() && parsed.contains("detail")) {
    const auto& d = parsed["detail"];
    e.message = d.is_string() ? d.get<std::string>() : d.dump();
  } else {
    e.message = trimmed_text(body);
  }
  if (e.message.empty()) {
    e.message = "Upstream returned HTTP " + std::to_string(status) + ".";
  }
  if (out_status == 502) {
    e.message = "Upstream error (HTTP " + std::to_string(status) + "): " + e.message;
    e.type = "upstream_error";
    if (!e.code) {
      e.code = "upstream_error";
    }
  }
  if (out_status == 429) {
    e.retry_after =
        retry_after(has_object ? *error_obj : json::object(), retry_after_header, now).value_or(1);
  }
  return e;
}

ApiError from_event(const json& event_data) {
  json err = event_data.is_object() ? event_error_object(event_data) : json();
  if (!err.is_object()) {
    return incomplete_stream();
  }
  std::string type = string_or_empty(err, "type");
  ApiError e = from_error_object(
      event_status(type, string_or_empty(err, "code"), string_or_empty(err, "param")), err);
  if (e.message.empty()) {
    e.message = "The upstream response failed.";
  }
  if (!e.code && e.status == 429 && !type.empty()) {
    e.code = type; // usage_limit_reached arrives as a type only
  }
  if (e.status == 429) {
    e.retry_after = retry_after(err, "", std::nullopt);
  }
  return e;
}

ApiError incomplete_stream() {
  return api_error::make(502, "Upstream stream ended before response.completed.",
                         std::string("incomplete_stream"));
}

ApiError login_missing() {
  auto e = api_error::make(503, "No ChatGPT login found. Run `airelays login` first.",
                           std::string("upstream_auth_missing"));
  e.type = "authentication_error";
  e.headers.emplace_back("x-airelays-upstream-auth", "missing");
  return e;
}

ApiError auth_rejected() {
  auto e = api_error::make(503,
                           "Upstream ChatGPT login is missing or expired. Run `airelays login` "
                           "first.",
                           std::string("upstream_auth_rejected"));
  e.type = "authentication_error";
  e.headers.emplace_back("x-airelays-upstream-auth", "rejected");
  return e;
}

} // namespace airelays::upstream_error
