// What kind of file an upload is, decided from its bytes first and its name second. The
// subscription backend takes text (inlined), png/jpeg/gif/webp images (data URLs) and PDFs
// (file_data); everything else must be refused with a message naming the type. Trusting a
// client's Content-Type or extension alone would send a zip as "text" or an image as garbage,
// so magic bytes and UTF-8 validity decide, and the name only refines a text file's MIME type.
// Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

namespace airelays::file_type {

enum class Kind { text, png, jpeg, gif, webp, pdf, other };

struct Detected {
  Kind kind = Kind::other;
  std::string mime; // e.g. "text/markdown", "image/png", "application/zip"
};

// The MIME type conventionally used for a filename's extension (case-insensitive), or ""
// when the extension is unknown or missing.
std::string mime_from_name(std::string_view filename);

// True when bytes are well-formed UTF-8 (no overlongs, surrogates or code points past
// U+10FFFF).
bool is_valid_utf8(std::string_view bytes);

// True for MIME types whose content is text: text/*, application/json, xml, yaml, csv,
// javascript, and +json/+xml suffixes (case-insensitive, parameters ignored).
bool is_text_mime(std::string_view mime);

// The kind named by the leading magic bytes (png, jpeg, gif, webp, pdf), or other.
Kind sniff(std::string_view bytes);

// Decides the kind and MIME type of a file: magic bytes win; otherwise valid UTF-8 without
// NUL or other binary control bytes is text (MIME from the name, else a text-like declared
// type, else text/plain); anything else is other (MIME from the declared type, else the
// name, else application/octet-stream).
Detected detect(std::string_view bytes, std::string_view filename,
                std::string_view declared_content_type);

// A short lowercase label for messages: "text", "png", ..., "binary".
std::string kind_name(Kind kind);

} // namespace airelays::file_type
