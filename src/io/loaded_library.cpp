// See loaded_library.hpp.
#ifndef __APPLE__

#include "loaded_library.hpp"

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>

namespace airelays::loaded_library {

Library::Library(const char* soname, const char* name, const char* package)
    : m_name(name), m_package(package), m_handle(::dlopen(soname, RTLD_NOW | RTLD_LOCAL)) {
  if (m_handle == nullptr) {
    const char* why = ::dlerror();
    unavailable(why != nullptr ? why : soname);
  }
}

void Library::unavailable(const char* why) const {
  std::fprintf(stderr, "airelays: error: cannot use %s (%s): install the %s package\n", m_name, why,
               m_package);
  std::fflush(stderr);
  std::_Exit(1);
}

void* Library::address(const char* symbol) const {
  void* f = ::dlsym(m_handle, symbol);
  if (f == nullptr) {
    unavailable(symbol);
  }
  return f;
}

} // namespace airelays::loaded_library

#endif // __APPLE__
