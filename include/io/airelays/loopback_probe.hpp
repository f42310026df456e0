// One GET of a path on a loopback address over a plain socket, for `status`'s check of a
// running relay. Not http_client: loading libcurl (and the 29 libraries it needs) for one
// loopback request cost `status` more than everything else it does, and curl would send the
// request to a proxy named in http_proxy.
#pragma once

#include <string>

namespace airelays::loopback_probe {

// The HTTP status of GET `path` on host:port (host "127.0.0.1" or "::1"), or 0 when no
// response status line arrived within timeout_ms (refused, silent, not HTTP).
[[nodiscard]] int get_status(const std::string& host, int port, const std::string& path,
                             int timeout_ms);

} // namespace airelays::loopback_probe
