// The relay's own connection handling under cpp-httplib (private to the server layer): the
// limits that must hold whatever httplib version is installed (issue 14 items 2, 3 and 5).
// httplib 0.11 gives each accepted socket a worker thread that reads the request head with no
// deadline, no size cap and no header count (CVE-2025-52887, CVE-2025-53628), so a few slow
// or huge heads could hold every worker or grow memory by gigabytes. Here every new and idle
// keep-alive connection waits in one parking thread, its head read against a deadline, a size
// cap and a line cap and checked strictly (duplicate Content-Length, Content-Length with
// Transfer-Encoding, whitespace before a colon, folded lines: 400); only a request whose head
// is whole and sound takes a worker (the checks: request_head.hpp). Open connections are capped in
// total and per client IP (the oldest parked connection makes room for a new one). While a request
// runs, its client closing the connection is visible to the request path (client_watch()), so an
// abandoned request lets go of its upstream call. connection_guard.cpp is the only file that knows
// httplib's private seam (the virtual process_and_close_socket and the protected process_request of
// 0.11.4); a newer httplib changes those two signatures and nothing else here.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace httplib {
class Server;
}

namespace airelays::server::connection_guard {

struct Limits {
  int head_timeout_seconds = 10;     // the whole head must arrive within this
  size_t max_head_bytes = 65536;     // request line + headers + blank line
  int max_header_lines = 100;        // header lines after the request line
  int max_connections = 2048;        // open connections in total
  int max_connections_per_ip = 1024; // open connections from one client IP
  int keep_alive_seconds = 5;        // an idle keep-alive connection is closed after this
  int workers = 64;                  // threads that run requests
  int read_timeout_seconds = 5;      // longest silence within a head (and a body)
};

// The whole HTTP response (status line, headers with Connection: close, OpenAI error body)
// sent when a connection is refused before its request runs: 400, 408, 431.
using Refusal =
    std::function<std::string(int status, const std::string& message, const std::string& code)>;

// An httplib server whose accepted connections go through the guard. The Limits' connection
// caps are lowered to fit the process's open-file limit (raised to its hard limit first).
std::unique_ptr<httplib::Server> make_server(const Limits& limits, Refusal refusal);

// For the request running on this thread: a callable that turns true once its client has
// closed or reset the connection (checked without blocking; cheap enough to poll). Empty
// outside a guarded request.
std::function<bool()> client_watch();

} // namespace airelays::server::connection_guard
