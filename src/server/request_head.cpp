// See request_head.hpp.
#include "request_head.hpp"

#include <airelays/text.hpp>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <string_view>

namespace airelays::server::request_head {

namespace {

bool is_token_char(unsigned char c) {
  return std::isalnum(c) != 0 || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

Verdict refused(int status, std::string message, std::string code) {
  Verdict v;
  v.kind = Verdict::Kind::refused;
  v.status = status;
  v.message = std::move(message);
  v.code = std::move(code);
  return v;
}

Verdict too_large(const Limits& l) {
  return refused(431,
                 "Request header fields too large: the head may have at most " +
                     std::to_string(l.max_head_bytes) +
                     " bytes ([server] max_request_head_bytes) "
                     "and " +
                     std::to_string(l.max_header_lines) +
                     " header lines ([server] max_request_header_lines).",
                 "request_header_fields_too_large");
}

// Checks one header line (CR LF removed); fills name/value or says what is wrong.
std::optional<std::string> header_line_error(std::string_view line, std::string& name,
                                             std::string& value) {
  if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
    return "obsolete line folding (a header line starting with whitespace) is not accepted";
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "a header line without a field name and colon";
  }
  for (size_t i = 0; i < colon; ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    if (c == ' ' || c == '\t') {
      return "whitespace between a header field name and its colon";
    }
    if (!is_token_char(c)) {
      return "an invalid character in a header field name";
    }
  }
  name.assign(line.substr(0, colon));
  std::string_view v = line.substr(colon + 1);
  size_t b = v.find_first_not_of(" \t");
  size_t e = v.find_last_not_of(" \t");
  value.assign(b == std::string_view::npos ? std::string_view{} : v.substr(b, e - b + 1));
  return std::nullopt;
}

// The strict checks of a whole head; fills the raw headers.
std::optional<std::string> head_error(std::string_view head, RawHeaders& out) {
  int content_lengths = 0;
  bool transfer_encoding = false;
  size_t pos = 0;
  bool first = true;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos || nl == pos || head[nl - 1] != '\r') {
      return "every line of the head must end with CR LF";
    }
    std::string_view line = head.substr(pos, nl - 1 - pos);
    pos = nl + 1;
    if (line.find_first_of(std::string_view("\r\0", 2)) != std::string_view::npos) {
      return "a bare CR or a NUL byte in the head";
    }
    if (line.empty()) {
      break; // the blank line that ends the head
    }
    if (first) {
      first = false; // the request line: httplib parses it
      continue;
    }
    std::string name;
    std::string value;
    if (auto e = header_line_error(line, name, value)) {
      return e;
    }
    std::string n = text::lower(name);
    content_lengths += n == "content-length" ? 1 : 0;
    transfer_encoding = transfer_encoding || n == "transfer-encoding";
    out.emplace_back(std::move(name), std::move(value));
  }
  if (content_lengths > 1) {
    return "more than one Content-Length header";
  }
  if (content_lengths == 1 && transfer_encoding) {
    return "both Content-Length and Transfer-Encoding";
  }
  return std::nullopt;
}

} // namespace

Verdict check(const std::string& bytes, const Limits& limits, Scan& scan, RawHeaders* raw_out) {
  size_t from = scan.scanned > 2 ? scan.scanned - 2 : 0;
  size_t end = bytes.find("\n\r\n", from);
  size_t length = end == std::string::npos ? 0 : end + 3;
  size_t upto = end == std::string::npos ? bytes.size() : length;
  scan.lines +=
      std::count(bytes.begin() + static_cast<std::ptrdiff_t>(scan.scanned),
                 bytes.begin() + static_cast<std::ptrdiff_t>(std::max(upto, scan.scanned)), '\n');
  scan.scanned = std::max(upto, scan.scanned);
  if ((end == std::string::npos && bytes.size() > limits.max_head_bytes) ||
      length > limits.max_head_bytes ||
      scan.lines - (end == std::string::npos ? 1 : 2) > limits.max_header_lines) {
    return too_large(limits);
  }
  if (end == std::string::npos) {
    return {};
  }
  RawHeaders raw;
  if (auto e = head_error(std::string_view(bytes).substr(0, length), raw)) {
    return refused(400, "Malformed request head: " + *e + ".", "invalid_request_head");
  }
  if (raw_out) {
    *raw_out = std::move(raw);
  }
  Verdict v;
  v.kind = Verdict::Kind::complete;
  v.length = length;
  return v;
}

} // namespace airelays::server::request_head
