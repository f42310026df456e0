// `airelays serve`: the HTTP server wiring (httplib lives only here and in the login
// callback listener; both are in the HTTP module, see httpd.hpp).
#pragma once

#include <airelays/config.hpp>
#include <airelays/error.hpp>
#include <airelays/httpd.hpp>

namespace airelays::server {

using httpd::ServeOptions;

// Runs the relay until SIGINT/SIGTERM; prints "listening on http://HOST:PORT" once bound.
Result<int> serve(const config::Config& cfg, const ServeOptions& options);

} // namespace airelays::server
