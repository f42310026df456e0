// file_type: magic bytes, UTF-8 validity and names decide what a stored file can become.
#include <airelays/file_type.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace airelays;
using file_type::Kind;

namespace {

const std::string k_png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
const std::string k_jpeg("\xFF\xD8\xFF\xE0\0\x10JFIF", 10);
const std::string k_webp("RIFF\x24\0\0\0WEBPVP8 ", 16);

} // namespace

TEST_CASE("file_type::sniff recognises png, jpeg, gif, webp and pdf by their magic bytes") {
  CHECK(file_type::sniff(k_png) == Kind::png);
  CHECK(file_type::sniff(k_jpeg) == Kind::jpeg);
  CHECK(file_type::sniff("GIF89a\x01\0") == Kind::gif);
  CHECK(file_type::sniff("GIF87a") == Kind::gif);
  CHECK(file_type::sniff(k_webp) == Kind::webp);
  CHECK(file_type::sniff("%PDF-1.7\n%...") == Kind::pdf);
  CHECK(file_type::sniff("\r\n%PDF-1.4") == Kind::pdf);
  CHECK(file_type::sniff("RIFF\x24\0\0\0WAVEfmt ") == Kind::other);
  CHECK(file_type::sniff("\x89PN") == Kind::other);
  CHECK(file_type::sniff("") == Kind::other);
}

TEST_CASE("file_type::is_valid_utf8 accepts well-formed text and rejects broken sequences") {
  CHECK(file_type::is_valid_utf8("plain ascii"));
  CHECK(file_type::is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK(file_type::is_valid_utf8(""));
  CHECK_FALSE(file_type::is_valid_utf8("\xC3"));             // truncated
  CHECK_FALSE(file_type::is_valid_utf8("\xC0\xAF"));         // overlong '/'
  CHECK_FALSE(file_type::is_valid_utf8("\xED\xA0\x80"));     // surrogate
  CHECK_FALSE(file_type::is_valid_utf8("\xF4\x90\x80\x80")); // past U+10FFFF
  CHECK_FALSE(file_type::is_valid_utf8("\xFF\xFE"));
  CHECK_FALSE(file_type::is_valid_utf8("a\x80z"));
}

TEST_CASE("file_type::mime_from_name maps extensions case-insensitively") {
  CHECK(file_type::mime_from_name("notes.MD") == "text/markdown");
  CHECK(file_type::mime_from_name("dir/a.b/data.json") == "application/json");
  CHECK(file_type::mime_from_name("photo.JPG") == "image/jpeg");
  CHECK(file_type::mime_from_name("report.pdf") == "application/pdf");
  CHECK(file_type::mime_from_name("Makefile").empty());
  CHECK(file_type::mime_from_name("trailing.").empty());
  CHECK(file_type::mime_from_name("x.unknownext").empty());
}

TEST_CASE("file_type::is_text_mime covers text/* and structured text types") {
  CHECK(file_type::is_text_mime("text/plain; charset=utf-8"));
  CHECK(file_type::is_text_mime("Application/JSON"));
  CHECK(file_type::is_text_mime("application/ld+json"));
  CHECK(file_type::is_text_mime("application/x-yaml"));
  CHECK_FALSE(file_type::is_text_mime("application/octet-stream"));
  CHECK_FALSE(file_type::is_text_mime("image/png"));
  CHECK_FALSE(file_type::is_text_mime(""));
}

TEST_CASE("file_type::detect trusts content over a misleading name or content type") {
  auto png_named_txt = file_type::detect(k_png, "notes.txt", "text/plain");
  CHECK(png_named_txt.kind == Kind::png);
  CHECK(png_named_txt.mime == "image/png");

  auto text_named_png = file_type::detect("just words\n", "picture.png", "image/png");
  CHECK(text_named_png.kind == Kind::text);
  CHECK(text_named_png.mime == "text/plain");

  auto binary_named_txt =
      file_type::detect(std::string("\x00\x01\x02\xFF", 4), "a.txt", "text/plain");
  CHECK(binary_named_txt.kind == Kind::other);
  CHECK(binary_named_txt.mime == "application/octet-stream");
}

TEST_CASE("file_type::detect takes a text file's MIME type from its name") {
  CHECK(file_type::detect("# Title\n", "README.md", "").mime == "text/markdown");
  CHECK(file_type::detect("{\"a\":1}", "data.json", "application/octet-stream").mime ==
        "application/json");
  CHECK(file_type::detect("x,y\n1,2\n", "noext", "text/csv").mime == "text/csv");
  CHECK(file_type::detect("x", "noext", "application/octet-stream").mime == "text/plain");
  CHECK(file_type::detect("", "empty.txt", "").kind == Kind::text);
}

TEST_CASE("file_type::detect calls UTF-16 and control-heavy data binary") {
  std::string utf16("h\0i\0", 4);
  CHECK(file_type::detect(utf16, "a.txt", "").kind == Kind::other);
  std::string controls = "ab\x01\x02\x03\x04";
  CHECK(file_type::detect(controls, "a.txt", "").kind == Kind::other);
  std::string ansi_log = "\x1b[31mred\x1b[0m\tdone\r\n";
  CHECK(file_type::detect(ansi_log, "build.log", "").kind == Kind::text);
}

TEST_CASE("file_type::detect names a binary file by its declared type, then its name") {
  std::string zip("PK\x03\x04\x14\0\0\0\xFF\xFE", 10);
  CHECK(file_type::detect(zip, "a.zip", "application/zip").mime == "application/zip");
  CHECK(file_type::detect(zip, "a.zip", "").mime == "application/zip");
  CHECK(file_type::detect(zip, "a.zip", "application/octet-stream").mime == "application/zip");
  CHECK(file_type::detect(zip, "blob", "").mime == "application/octet-stream");
  // A declared image type that the bytes do not bear out is not repeated.
  CHECK(file_type::detect(zip, "a.png", "image/png").mime == "application/octet-stream");
}
