// The checks a request head passes before the relay lets it run (private to the server
// layer): where the head ends, the caps on its bytes and header lines (issue 14 item 3), and
// strict HTTP (item 5) — two Content-Length headers, Content-Length with Transfer-Encoding,
// whitespace before a colon, folded lines, lines not ending in CR LF: each is read one way by
// one implementation and another way by the next, so the relay refuses them all. The header
// values are kept as sent (httplib 0.11 percent-decodes them). Pure: bytes in, a verdict out;
// the connection guard (connection_guard.cpp) feeds it the bytes of each connection.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace airelays::server::request_head {

struct Limits {
  size_t max_head_bytes = 65536; // request line + headers + blank line
  int max_header_lines = 100;    // header lines after the request line
};

// Where the scan of a head still arriving got to, so a byte trickling in costs only its own
// scan (kept per connection; reset when a new head starts at the front of the bytes).
struct Scan {
  size_t scanned = 0; // bytes known to hold no end of head
  long lines = 0;     // line feeds among them
};

using RawHeaders = std::vector<std::pair<std::string, std::string>>;

struct Verdict {
  enum class Kind { incomplete, complete, refused } kind = Kind::incomplete;
  size_t length = 0;   // complete: bytes of the head, blank line included
  int status = 0;      // refused: 400 or 431
  std::string message; // refused: what was wrong
  std::string code;    // refused: the error code
};

// Checks the head at the start of `bytes`: not yet whole, whole and sound (its headers, as
// sent, in raw_out when given), or the refusal it earns. A head over a cap is refused before
// it is whole.
Verdict check(const std::string& bytes, const Limits& limits, Scan& scan,
              RawHeaders* raw_out = nullptr);

} // namespace airelays::server::request_head
