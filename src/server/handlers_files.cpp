// Route group "file": the OpenAI Files API over the local file store, because the ChatGPT
// backend has none. POST /v1/files (multipart: `file`, `purpose` from the form field as the
// SDKs send it, the query string as a fallback), GET /v1/files (newest first, `purpose`
// filter, `limit`/`after` paging), GET /v1/files/{id}, GET /v1/files/{id}/content (the
// original bytes and content type), DELETE /v1/files/{id}. The server caps the multipart body
// near max_upload_bytes before buffering it; the store checks both limits again.
#include "list_page.hpp"
#include "routes.hpp"

#include <airelays/file_store.hpp>
#include <airelays/file_type.hpp>

#include <algorithm>
#include <optional>
#include <vector>

namespace airelays::server {

namespace {

using nlohmann::json;

constexpr const char* k_default_purpose = "assistants";

http::Response fail(const api_error::ApiError& e) { return http::error(e); }

api_error::ApiError no_such_file(const std::string& id) {
  return api_error::make(404, "No such File object: " + id, std::string("file_not_found"),
                         std::string("id"));
}

bool valid_purpose(const std::string& p) {
  return !p.empty() && p.size() <= 64 && std::all_of(p.begin(), p.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

// purpose: the form field, else ?purpose=, else "assistants" (what AIRelays recorded).
std::variant<std::string, api_error::ApiError> purpose_of(const http::Request& req) {
  std::string purpose = k_default_purpose;
  if (const auto* field = req.form_field("purpose"); field && field->filename.empty()) {
    purpose = field->content;
  } else if (auto q = req.query_param("purpose")) {
    purpose = *q;
  }
  if (!valid_purpose(purpose)) {
    return api_error::bad_request("`purpose` must be a name such as `assistants` or `user_data`.",
                                  std::string("purpose"));
  }
  return purpose;
}

// The declared type of the part, or what its bytes show when the client sent none.
std::string content_type_of(const http::FormPart& part, const std::string& filename) {
  std::string declared = part.content_type;
  if (!declared.empty() && declared != "application/octet-stream") {
    return declared;
  }
  return file_type::detect(part.content, filename, declared).mime;
}

// The part's name and declared type are stored as JSON and sent back (the type as a header):
// a name that is not UTF-8 or a type that is not printable ASCII is refused, not stored.
std::optional<api_error::ApiError> unstorable(const http::FormPart& file) {
  if (!file_type::is_valid_utf8(file.filename)) {
    return api_error::bad_request("The `file` part's filename must be UTF-8 text.",
                                  std::string("file"));
  }
  bool printable = std::all_of(file.content_type.begin(), file.content_type.end(),
                               [](char c) { return c == '\t' || (c >= 0x20 && c < 0x7f); });
  if (!printable) {
    return api_error::bad_request("The `file` part's Content-Type must be printable ASCII.",
                                  std::string("file"));
  }
  return std::nullopt;
}

http::Response upload(file_store::FileStore& store, http::Request& req) {
  std::string type = req.header("Content-Type");
  if (type.rfind("multipart/form-data", 0) != 0) {
    return fail(api_error::make(415,
                                "Uploads must be sent as multipart/form-data with a `file` part "
                                "(curl -F file=@notes.txt -F purpose=user_data).",
                                std::string("unsupported_media_type")));
  }
  const http::FormPart* file = req.form_field("file");
  if (file == nullptr) {
    return fail(api_error::bad_request("Missing required parameter: 'file'.", std::string("file")));
  }
  if (auto e = unstorable(*file)) {
    return fail(*e);
  }
  auto purpose = purpose_of(req);
  if (auto* e = std::get_if<api_error::ApiError>(&purpose)) {
    return fail(*e);
  }
  std::string filename = file->filename.empty() ? "upload.bin" : file->filename;
  auto added = store.add(
      {filename, std::get<std::string>(purpose), content_type_of(*file, filename), file->content});
  if (auto* e = std::get_if<api_error::ApiError>(&added)) {
    return fail(*e);
  }
  const auto& info = std::get<file_store::FileInfo>(added);
  (*req.annotations)["file_id"] = info.id;
  return http::json(200, file_store::to_openai(info));
}

http::Response list(file_store::FileStore& store, http::Request& req) {
  auto q = list_page::read_query(req, 10000, 10000);
  if (auto* e = std::get_if<api_error::ApiError>(&q)) {
    return fail(*e);
  }
  auto files = store.list(req.query_param("purpose"));
  if (std::get<list_page::Query>(q).ascending) {
    std::reverse(files.begin(), files.end());
  }
  json items = json::array();
  for (const auto& f : files) {
    items.push_back(file_store::to_openai(f));
  }
  return http::json(200, list_page::page(items, std::get<list_page::Query>(q)));
}

http::Response retrieve(file_store::FileStore& store, http::Request& req) {
  const std::string& id = req.path_params["id"];
  auto info = store.get(id);
  if (!info) {
    return fail(no_such_file(id));
  }
  return http::json(200, file_store::to_openai(*info));
}

// `attachment; filename="..."` with the stored name made safe for a quoted string (printable
// ASCII, no quote or backslash); the exact name is in the file object.
std::string attachment(const std::string& filename) {
  std::string safe;
  for (unsigned char c : filename) {
    safe.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? static_cast<char>(c) : '_');
  }
  return "attachment; filename=\"" + (safe.empty() ? std::string("file") : safe) + "\"";
}

http::Response content(file_store::FileStore& store, http::Request& req) {
  const std::string& id = req.path_params["id"];
  auto info = store.get(id);
  auto bytes = store.read(id);
  if (!bytes) {
    return fail(api_error::make(500, "Could not read the stored file: " + bytes.error().message,
                                std::string("file_store_error")));
  }
  if (!info || !bytes.value()) {
    return fail(no_such_file(id));
  }
  http::Response res;
  res.content_type = info->content_type.empty() ? "application/octet-stream" : info->content_type;
  if (res.content_type.rfind("text/", 0) == 0 &&
      res.content_type.find("charset") == std::string::npos) {
    res.content_type += "; charset=utf-8";
  }
  // The bytes are the client's, and so is the declared type: a browser must neither sniff
  // them into HTML nor render them in the relay's origin, so they always download.
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Content-Disposition", attachment(info->filename));
  res.body = std::move(*bytes.value());
  return res;
}

http::Response remove(file_store::FileStore& store, http::Request& req) {
  const std::string& id = req.path_params["id"];
  auto removed = store.remove(id);
  if (!removed) {
    return fail(api_error::make(500, "Could not delete the stored file: " + removed.error().message,
                                std::string("file_store_error")));
  }
  if (!removed.value()) {
    return fail(no_such_file(id));
  }
  return http::json(200, {{"id", id}, {"object", "file"}, {"deleted", true}});
}

} // namespace

void register_file_routes(Router& r, file_store::FileStore* files) {
  add_store_routes<file_store::FileStore>(r, files, "Files",
                                          {
                                              {"POST", "/v1/files", upload},
                                              {"GET", "/v1/files", list},
                                              {"GET", "/v1/files/{id}", retrieve},
                                              {"GET", "/v1/files/{id}/content", content},
                                              {"DELETE", "/v1/files/{id}", remove},
                                          });
}

} // namespace airelays::server
