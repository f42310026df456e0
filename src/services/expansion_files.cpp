// File parts of Responses input, resolved against the store (see expansion_files.hpp).
#include "expansion_files.hpp"

#include <airelays/base64.hpp>
#include <airelays/file_store.hpp>
#include <airelays/file_type.hpp>
#include <airelays/json_util.hpp>
#include <airelays/packed_items.hpp>

#include <algorithm>
#include <variant>

namespace airelays::expansion {

using api_error::ApiError;
using file_type::Kind;
using nlohmann::json;

namespace {

using json_util::string_at;

// The bytes of a file and what the client said about it.
struct FileBytes {
  std::string bytes;
  std::string filename;
  std::string declared_type;
};

std::string data_url(const std::string& mime, std::string_view bytes) {
  return "data:" + mime + ";base64," + base64::encode(bytes);
}

ApiError unusable(const std::string& message, const std::string& param) {
  return api_error::unprocessable(message, param);
}

// Text: inlined whole, or refused; never truncated.
std::variant<json, ApiError> text_part(const FileBytes& f, const std::string& mime,
                                       const std::string& param) {
  if (f.bytes.size() > k_max_inline_text_bytes) {
    return unusable("File `" + f.filename + "` is " + std::to_string(f.bytes.size()) +
                        " bytes of text; text files are inlined up to " +
                        std::to_string(k_max_inline_text_bytes) +
                        " bytes (1 MB) and never truncated. Send a shorter file.",
                    param);
  }
  return json{{"type", "input_text"},
              {"text", "Uploaded file `" + f.filename + "` (" + mime + "):\n\n" + f.bytes}};
}

ApiError unsupported_type(const FileBytes& f, const file_type::Detected& d,
                          const std::string& param) {
  bool claims_text = file_type::is_text_mime(f.declared_type) ||
                     file_type::is_text_mime(file_type::mime_from_name(f.filename));
  if (claims_text) {
    return unusable("File `" + f.filename +
                        "` is not valid UTF-8 text; convert it to UTF-8 to use it as input.",
                    param);
  }
  return unusable("File `" + f.filename + "` has type `" + d.mime +
                      "`, which the subscription backend cannot take. Supported: UTF-8 text "
                      "(up to 1 MB), PNG, JPEG, GIF and WebP images, and PDF.",
                  param);
}

// What a file becomes, by its detected type. `want_image` is set for input_image parts.
std::variant<json, ApiError> convert(const FileBytes& f, const json& part, bool want_image,
                                     const std::string& param) {
  auto d = file_type::detect(f.bytes, f.filename, f.declared_type);
  bool image =
      d.kind == Kind::png || d.kind == Kind::jpeg || d.kind == Kind::gif || d.kind == Kind::webp;
  if (image) {
    std::string detail = string_at(part, "detail").value_or("auto");
    return json{
        {"type", "input_image"}, {"image_url", data_url(d.mime, f.bytes)}, {"detail", detail}};
  }
  if (want_image && d.kind != Kind::other) {
    return unusable("File `" + f.filename + "` is not an image (it is " +
                        file_type::kind_name(d.kind) + ", " + d.mime +
                        "); input_image takes PNG, JPEG, GIF or WebP.",
                    param);
  }
  if (d.kind == Kind::text) {
    return text_part(f, d.mime, param);
  }
  if (d.kind == Kind::pdf) {
    return json{
        {"type", "input_file"}, {"filename", f.filename}, {"file_data", data_url(d.mime, f.bytes)}};
  }
  return unsupported_type(f, d, param);
}

std::variant<FileBytes, ApiError> stored_by_id(const file_store::FileStore* files,
                                               const std::string& id, const std::string& param) {
  auto missing = api_error::make(
      404, "No file found with id '" + id + "'. Upload it first with POST /v1/files.",
      std::string("file_not_found"), param);
  if (!files) {
    return missing;
  }
  auto info = files->get(id);
  auto bytes = files->read(id);
  if (!bytes) {
    return api_error::make(500,
                           "Could not read the stored file " + id + ": " + bytes.error().message);
  }
  if (!info || !bytes.value()) {
    return missing;
  }
  return FileBytes{std::move(*bytes.value()), info->filename, info->content_type};
}

std::variant<FileBytes, ApiError> stored_by_name(const file_store::FileStore* files,
                                                 const std::string& name,
                                                 const std::string& param) {
  auto info = files ? files->find_by_filename(name) : std::nullopt;
  if (!info) {
    return api_error::make(404,
                           "No uploaded file is named `" + name +
                               "`. Upload it first with POST /v1/files, or send `file_id` or "
                               "`file_data`.",
                           std::string("file_not_found"), param);
  }
  return stored_by_id(files, info->id, param);
}

// file_data given inline: a data URL with ;base64, or raw base64.
std::variant<FileBytes, ApiError> inline_data(const json& part, const std::string& data,
                                              const std::string& param) {
  FileBytes f;
  f.filename = string_at(part, "filename").value_or("file");
  std::string_view payload = data;
  if (payload.rfind("data:", 0) == 0) {
    auto comma = payload.find(',');
    std::string_view header = payload.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
    if (comma == std::string_view::npos || header.size() < 7 ||
        header.substr(header.size() - 7) != ";base64") {
      return api_error::bad_request("`file_data` must be base64: a `data:<type>;base64,` URL "
                                    "or raw base64.",
                                    param + ".file_data");
    }
    f.declared_type = std::string(header.substr(0, header.find(';')));
    payload.remove_prefix(comma + 1);
  }
  auto bytes = base64::decode(payload);
  if (!bytes) {
    return api_error::bad_request("`file_data` is not valid base64.", param + ".file_data");
  }
  f.bytes = std::move(*bytes);
  return f;
}

// The bytes a part refers to, or nullopt when the part refers to no file.
std::optional<std::variant<FileBytes, ApiError>>
source_of(const json& part, const file_store::FileStore* files, const std::string& param) {
  auto type = string_at(part, "type").value_or("");
  auto file_id = string_at(part, "file_id");
  if (file_id && !file_id->empty()) {
    return stored_by_id(files, *file_id, param);
  }
  if (type != "input_file") {
    return std::nullopt;
  }
  if (auto data = string_at(part, "file_data")) {
    return inline_data(part, *data, param);
  }
  if (part.contains("file_url")) {
    return std::nullopt; // passed through as the client sent it
  }
  if (auto name = string_at(part, "filename"); name && !name->empty()) {
    return stored_by_name(files, *name, param);
  }
  return api_error::bad_request("`input_file` needs `file_id`, `file_data` or `filename`.", param);
}

std::optional<ApiError> resolve_part(json& part, const file_store::FileStore* files,
                                     const std::string& param) {
  auto source = source_of(part, files, param);
  if (!source) {
    return std::nullopt;
  }
  if (auto* e = std::get_if<ApiError>(&*source)) {
    return *e;
  }
  bool want_image = string_at(part, "type") == std::optional<std::string>("input_image");
  auto converted = convert(std::get<FileBytes>(*source), part, want_image, param);
  if (auto* e = std::get_if<ApiError>(&converted)) {
    return *e;
  }
  part = std::move(std::get<json>(converted));
  return std::nullopt;
}

} // namespace

std::optional<ApiError> resolve_files(json& input, const file_store::FileStore* files) {
  if (!input.is_array()) {
    return std::nullopt;
  }
  size_t index = 0; // the item's position, counting the items of packed runs
  for (size_t i = 0; i < input.size(); index += packed_items::count(input[i]), ++i) {
    auto content = input[i].is_object() ? input[i].find("content") : input[i].end();
    if (!input[i].is_object() || content == input[i].end() || !content->is_array()) {
      continue;
    }
    for (size_t k = 0; k < content->size(); ++k) {
      json& part = (*content)[k];
      if (!part.is_object()) {
        continue;
      }
      std::string param = "input[" + std::to_string(index) + "].content[" + std::to_string(k) + "]";
      if (auto e = resolve_part(part, files, param)) {
        return e;
      }
    }
  }
  return std::nullopt;
}

} // namespace airelays::expansion
