// File type detection by content and name (see file_type.hpp).
#include <airelays/file_type.hpp>
#include <airelays/text.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace airelays::file_type {

namespace {

// The media type without parameters, trimmed and lowercased.
std::string media_type(std::string_view content_type) {
  return text::lower(text::trim(content_type.substr(0, content_type.find(';'))));
}

// Extensions (lowercase, no dot) and their MIME types; the reference's table plus common
// source and data formats.
constexpr std::array<std::pair<std::string_view, std::string_view>, 46> k_extensions{{
    {"txt", "text/plain"},
    {"text", "text/plain"},
    {"log", "text/plain"},
    {"md", "text/markdown"},
    {"markdown", "text/markdown"},
    {"csv", "text/csv"},
    {"tsv", "text/tab-separated-values"},
    {"html", "text/html"},
    {"htm", "text/html"},
    {"css", "text/css"},
    {"js", "text/javascript"},
    {"mjs", "text/javascript"},
    {"ts", "text/x-typescript"},
    {"py", "text/x-python"},
    {"c", "text/x-c"},
    {"h", "text/x-c"},
    {"cpp", "text/x-c++"},
    {"hpp", "text/x-c++"},
    {"cc", "text/x-c++"},
    {"java", "text/x-java"},
    {"go", "text/x-go"},
    {"rs", "text/x-rust"},
    {"rb", "text/x-ruby"},
    {"sh", "text/x-shellscript"},
    {"json", "application/json"},
    {"jsonl", "application/jsonl"},
    {"xml", "application/xml"},
    {"yaml", "application/yaml"},
    {"yml", "application/yaml"},
    {"toml", "application/toml"},
    {"svg", "image/svg+xml"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"zip", "application/zip"},
    {"gz", "application/gzip"},
    {"doc", "application/msword"},
    {"rtf", "application/rtf"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"bin", "application/octet-stream"},
    {"exe", "application/octet-stream"},
}};

// Text that is valid UTF-8 may still be binary (UTF-16, a struct dump): NUL bytes or many
// control characters other than tab, newlines, form feed and escape say so.
bool looks_binary(std::string_view bytes) {
  size_t controls = 0;
  for (unsigned char c : bytes) {
    if (c == 0) {
      return true;
    }
    bool allowed = c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == 0x1b;
    if (c < 0x20 && !allowed) {
      ++controls;
    }
  }
  return controls * 100 > bytes.size();
}

Kind kind_of_mime(const std::string& mime) {
  if (mime == "image/png") {
    return Kind::png;
  }
  if (mime == "image/jpeg") {
    return Kind::jpeg;
  }
  if (mime == "image/gif") {
    return Kind::gif;
  }
  if (mime == "image/webp") {
    return Kind::webp;
  }
  return mime == "application/pdf" ? Kind::pdf : Kind::other;
}

std::string mime_of_kind(Kind kind) {
  switch (kind) {
  case Kind::png:
    return "image/png";
  case Kind::jpeg:
    return "image/jpeg";
  case Kind::gif:
    return "image/gif";
  case Kind::webp:
    return "image/webp";
  case Kind::pdf:
    return "application/pdf";
  default:
    return "application/octet-stream";
  }
}

} // namespace

std::string mime_from_name(std::string_view filename) {
  auto slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) {
    filename.remove_prefix(slash + 1);
  }
  auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 >= filename.size()) {
    return {};
  }
  std::string ext = text::lower(filename.substr(dot + 1));
  for (const auto& [e, mime] : k_extensions) {
    if (e == ext) {
      return std::string(mime);
    }
  }
  return {};
}

bool is_valid_utf8(std::string_view bytes) {
  size_t i = 0;
  const size_t n = bytes.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned cp = 0;
    unsigned min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > n) {
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(bytes[i + k]);
      if ((cc & 0xC0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

bool is_text_mime(std::string_view mime) {
  std::string m = media_type(mime);
  if (m.starts_with("text/") || m.ends_with("+json") || m.ends_with("+xml")) {
    return true;
  }
  for (std::string_view t :
       {"application/json", "application/jsonl", "application/xml", "application/yaml",
        "application/x-yaml", "application/csv", "application/toml", "application/javascript",
        "application/x-sh", "application/sql"}) {
    if (m == t) {
      return true;
    }
  }
  return false;
}

Kind sniff(std::string_view b) {
  if (b.starts_with("\x89PNG\r\n\x1a\n")) {
    return Kind::png;
  }
  if (b.starts_with("\xFF\xD8\xFF")) {
    return Kind::jpeg;
  }
  if (b.starts_with("GIF87a") || b.starts_with("GIF89a")) {
    return Kind::gif;
  }
  if (b.size() >= 12 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") {
    return Kind::webp;
  }
  // PDF readers accept the header anywhere in the first 1024 bytes.
  if (b.substr(0, 1024).find("%PDF-") != std::string_view::npos) {
    return Kind::pdf;
  }
  return Kind::other;
}

Detected detect(std::string_view bytes, std::string_view filename,
                std::string_view declared_content_type) {
  Kind magic = sniff(bytes);
  if (magic != Kind::other) {
    return {magic, mime_of_kind(magic)};
  }
  std::string by_name = mime_from_name(filename);
  std::string declared = media_type(declared_content_type);
  if (is_valid_utf8(bytes) && !looks_binary(bytes)) {
    if (is_text_mime(by_name) || by_name == "image/svg+xml") {
      return {Kind::text, by_name};
    }
    return {Kind::text, is_text_mime(declared) ? declared : "text/plain"};
  }
  // Binary: a claimed text or supported-image type would be a lie, so it is not repeated.
  auto usable = [](const std::string& m) {
    return !m.empty() && m != "application/octet-stream" && !is_text_mime(m) &&
           kind_of_mime(m) == Kind::other;
  };
  if (usable(declared)) {
    return {Kind::other, declared};
  }
  if (usable(by_name)) {
    return {Kind::other, by_name};
  }
  return {Kind::other, "application/octet-stream"};
}

std::string kind_name(Kind kind) {
  switch (kind) {
  case Kind::text:
    return "text";
  case Kind::png:
    return "png";
  case Kind::jpeg:
    return "jpeg";
  case Kind::gif:
    return "gif";
  case Kind::webp:
    return "webp";
  case Kind::pdf:
    return "pdf";
  default:
    return "binary";
  }
}

} // namespace airelays::file_type
