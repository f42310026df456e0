// Helpers of the relay's own request/response types (see http_types.hpp).
#include <airelays/http_types.hpp>
#include <airelays/text.hpp>

#include <algorithm>

namespace airelays::http {

bool CaseLess::operator()(std::string_view a, std::string_view b) const {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = text::lower(a[i]);
    unsigned char y = text::lower(b[i]);
    if (x != y) {
      return x < y;
    }
  }
  return a.size() < b.size();
}

std::string Request::header(std::string_view name, std::string_view fallback) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string(fallback) : it->second;
}

bool Request::has_header(std::string_view name) const {
  return headers.find(name) != headers.end();
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  auto it = query.find(std::string(name));
  if (it == query.end()) {
    return std::nullopt;
  }
  return it->second;
}

const FormPart* Request::form_field(std::string_view name) const {
  for (const auto& part : form) {
    if (part.name == name) {
      return &part;
    }
  }
  return nullptr;
}

void Response::set_header(std::string name, std::string value) {
  headers.erase(name);
  headers.emplace(std::move(name), std::move(value));
}

std::optional<api_error::ApiError> parse_json_object(const Request& req, nlohmann::json& out) {
  std::string type = req.header("Content-Type");
  auto semi = type.find(';');
  std::string media = text::lower(std::string_view(type).substr(0, semi));
  media.erase(media.find_last_not_of(" \t") + 1);
  bool json_type = media.empty() || media == "application/json" ||
                   (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
  if (!json_type && media != "application/x-www-form-urlencoded") { // text/plain too: DESIGN.md
    auto e = api_error::make(
        415, "Unsupported Content-Type `" + media + "`: send the request body as application/json.",
        std::string("unsupported_media_type"));
    return e;
  }
  if (req.body.empty()) {
    return api_error::bad_request("Request body must be a JSON object; it is empty.");
  }
  if (auto at = json_too_deep(req.body, req.max_json_depth)) {
    return api_error::bad_request("Request body nests JSON deeper than " +
                                      std::to_string(req.max_json_depth) + " levels (at byte " +
                                      std::to_string(*at + 1) +
                                      "); the limit is [server] max_json_depth.",
                                  std::nullopt, std::string("invalid_json"));
  }
  try {
    out = nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::parse_error& e) {
    return api_error::bad_request("Request body must be valid JSON: parse error at byte " +
                                      std::to_string(e.byte) + ".",
                                  std::nullopt, std::string("invalid_json"));
  } catch (const nlohmann::json::exception&) {
    // out_of_range 406: a number beyond a double (1e999); the library's text stays out.
    return api_error::bad_request("Request body must be valid JSON: a number is out of range.",
                                  std::nullopt, std::string("invalid_json"));
  }
  if (!out.is_object()) {
    return api_error::bad_request("Request body must be a JSON object.", std::nullopt,
                                  std::string("invalid_json"));
  }
  return std::nullopt;
}

void release_body(Request& req) {
  if (req.keep_body || req.body.empty()) {
    return;
  }
  req.body_bytes = req.body.size();
  std::string().swap(req.body);
}

size_t body_size(const Request& req) { return req.body.empty() ? req.body_bytes : req.body.size(); }

std::optional<size_t> json_too_deep(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i; // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return i;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

Response json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response error(const api_error::ApiError& e) {
  Response r;
  r.status = e.status;
  r.body = api_error::body(e);
  if (e.retry_after) {
    r.set_header("Retry-After", std::to_string(*e.retry_after));
  }
  for (const auto& [k, v] : e.headers) {
    r.set_header(k, v);
  }
  return r;
}

Response error(const Request& req, const api_error::ApiError& e) {
  Response r = error(e);
  r.body = api_error::body(e, api_error::shape_for_path(req.path));
  return r;
}

} // namespace airelays::http
