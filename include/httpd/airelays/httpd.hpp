// The HTTP module, airelays-httpd.so: everything that uses cpp-httplib — the relay's server
// (the server layer) and the browser login's callback listener — in a shared object of its own
// that `serve` and browser `login` open with dlopen (src/cli/httpd_module.cpp). Debian's
// libcpp-httplib needs libssl, zlib and three brotli libraries and initialises OpenSSL when it
// is loaded: linked into the binary, that was most of the start of every other command
// (`--version`, `status`, `token show`; docs/benchmarks.md). The module's undefined symbols
// are the services, io and core layers, which the binary holds whole and exports.
//
// The module lies next to the binary in the build tree and in <libdir>/airelays/ when
// installed. On macOS it is linked into the binary as before (Homebrew's httplib is header-only
// and the system's libraries are in the shared cache), and the table is the linked one.
#pragma once

#include <airelays/config.hpp>
#include <airelays/error.hpp>
#include <airelays/oauth_login.hpp>

#include <cstddef>
#include <memory>

namespace airelays::httpd {

struct ServeOptions {
  bool no_auth = false;
  int read_timeout_seconds = 5; // how long a half-sent request may hold a worker
};

// The module's entry points. Both sides are built from one tree, so they share these types; the
// binary checks size and version before it calls anything (a module of another build could
// not be trusted to match).
struct Module {
  size_t size = sizeof(Module);
  const char* version = AIRELAYS_VERSION;
  // Runs the relay until SIGINT/SIGTERM (server::serve).
  Result<int> (*serve)(const config::Config& cfg, const ServeOptions& options) = nullptr;
  // Binds the browser login's callback listener (see oauth_login::BrowserLogin).
  Result<std::unique_ptr<oauth_login::BrowserLogin>> (*start_browser_login)(
      const oauth_login::Settings& s) = nullptr;
};

constexpr const char* k_module_file = "airelays-httpd.so";

} // namespace airelays::httpd

// The table, the one symbol the module exports.
extern "C" const airelays::httpd::Module airelays_httpd_module;
