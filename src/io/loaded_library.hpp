// A C library opened with dlopen on first use instead of linked (Linux): libcurl
// (curl_loader.cpp) and libcrypto (crypto_loader.cpp). Private to the io layer. Without the
// library, the first call that needs it ends the command with an error naming the package to
// install (linked, the dynamic loader would have refused to start the binary at all).
#pragma once

namespace airelays::loaded_library {

class Library {
public:
  // Opens soname (RTLD_NOW | RTLD_LOCAL; it stays loaded for the life of the process). `name`
  // and `package` are for the error: "cannot use NAME (WHY): install the PACKAGE package".
  Library(const char* soname, const char* name, const char* package);

  // Sets out to the library's function `symbol`; ends the process when it has none.
  template <typename F> void resolve(const char* symbol, F& out) const {
    out = reinterpret_cast<F>(address(symbol));
  }

  // Prints the error with `why` and ends the process (exit 1).
  [[noreturn]] void unavailable(const char* why) const;

private:
  void* address(const char* symbol) const;

  const char* m_name;
  const char* m_package;
  void* m_handle = nullptr;
};

} // namespace airelays::loaded_library
