// Finding and opening the HTTP module (see httpd_module.hpp). On Linux it is looked for beside
// the binary (the build tree), then in <libdir>/airelays/ relative to the binary's own
// directory (an installed tree, wherever its prefix: AIRELAYS_HTTPD_DIR_FROM_BIN, set by
// CMake), both found from /proc/self/exe, so a symlinked binary finds it too. It is opened with
// RTLD_NOW, so a module whose symbols the binary lacks fails here with a message instead of
// later with a crash. On macOS the table is linked into the binary.
#include "command.hpp"
#include "httpd_module.hpp"

#ifndef __APPLE__
#include <cstring>
#include <dlfcn.h>
#include <filesystem>
#include <string>
#include <unistd.h>
#endif

namespace airelays::cli {

#ifdef __APPLE__

const httpd::Module& httpd_module() { return airelays_httpd_module; }

#else

namespace {

// The directory of the running binary, "" when /proc is not mounted.
std::string binary_dir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

Error reinstall(const std::string& what) {
  return make_error(what + ". `serve` and `login` need it: reinstall airelays (its package and "
                           "`cmake --install` put it in <libdir>/airelays/), or rebuild it (a "
                           "build tree has it beside the binary).");
}

Result<const httpd::Module*> open_module(const std::string& path) {
  void* lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    return reinstall("cannot load the HTTP module " + path + ": " +
                     (why != nullptr ? why : "unknown error"));
  }
  const auto* m = static_cast<const httpd::Module*>(::dlsym(lib, "airelays_httpd_module"));
  if (m == nullptr || m->size != sizeof(httpd::Module) ||
      std::strcmp(m->version, AIRELAYS_VERSION) != 0 || m->serve == nullptr ||
      m->start_browser_login == nullptr) {
    return reinstall("the HTTP module " + path + " is not the one of airelays " AIRELAYS_VERSION);
  }
  return m; // stays loaded for the life of the process
}

Result<const httpd::Module*> load() {
  std::string dir = binary_dir();
  if (dir.empty()) {
    return reinstall(std::string("cannot find the HTTP module (") + httpd::k_module_file +
                     "): /proc/self/exe is not readable");
  }
  const std::string candidates[] = {
      dir + "/" + httpd::k_module_file,
      dir + "/" AIRELAYS_HTTPD_DIR_FROM_BIN "/" + httpd::k_module_file,
  };
  for (const auto& path : candidates) {
    if (::access(path.c_str(), F_OK) == 0) {
      return open_module(path);
    }
  }
  return reinstall(std::string("the HTTP module ") + httpd::k_module_file + " is in neither " +
                   dir + " nor " + dir + "/" AIRELAYS_HTTPD_DIR_FROM_BIN);
}

} // namespace

const httpd::Module& httpd_module() {
  static const Result<const httpd::Module*> k_loaded = load();
  if (!k_loaded) {
    throw CliError{k_loaded.error()};
  }
  return **k_loaded;
}

#endif

} // namespace airelays::cli
