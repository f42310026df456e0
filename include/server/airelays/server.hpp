// `airelays serve`: the HTTP server wiring (httplib lives only here and in the login
// callback listener).
#pragma once

#include <airelays/config.hpp>
#include <airelays/error.hpp>

namespace airelays::server {

struct ServeOptions {
  bool no_auth = false;
  int read_timeout_seconds = 5; // how long a half-sent request may hold a worker
};

// Runs the relay until SIGINT/SIGTERM; prints "listening on http://HOST:PORT" once bound.
Result<int> serve(const config::Config& cfg, const ServeOptions& options);

} // namespace airelays::server
