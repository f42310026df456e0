// OpenSSL's libcrypto, opened with dlopen on first use instead of linked (Linux; macOS links
// it): sha256.cpp, random.cpp and base64.cpp are its only users, and most commands never call
// them. Linked, every command loaded libcrypto and bound its symbols at start (Debian links it
// with -z now: 3,377 bindings, a third of the dynamic loader's work in `airelays --version`).
// Now a command pays for it when it first hashes, draws random bytes or codes base64; `serve`
// and `login` load it anyway with libcurl and the HTTP module, and this then finds it loaded.
//
// The pattern of curl_loader.cpp: this file defines the few libcrypto functions the three
// callers use, with OpenSSL's own prototypes, each forwarding to the function of the same name
// in the libcrypto the headers belong to (its soname comes from opensslv.h). So the callers
// stay plain OpenSSL code, and a function used there but missing here fails to link. The
// definitions are hidden, so libraries loaded later (libssl, libcurl) still bind to libcrypto.
#ifndef __APPLE__

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>

#define AIRELAYS_CRYPTO_SHIM extern "C" __attribute__((visibility("hidden")))

namespace {

#define AIRELAYS_STR2(x) #x
#define AIRELAYS_STR(x) AIRELAYS_STR2(x)
#ifdef OPENSSL_SHLIB_VERSION
constexpr const char* k_soname = "libcrypto.so." AIRELAYS_STR(OPENSSL_SHLIB_VERSION);
#else // OpenSSL 1.1
constexpr const char* k_soname = "libcrypto.so." SHLIB_VERSION_NUMBER;
#endif

// The entry points used, resolved from libcrypto.
struct Api {
  int (*sha256_init)(SHA256_CTX*) = nullptr;
  int (*sha256_update)(SHA256_CTX*, const void*, size_t) = nullptr;
  int (*sha256_final)(unsigned char*, SHA256_CTX*) = nullptr;
  int (*rand_bytes)(unsigned char*, int) = nullptr;
  int (*encode_block)(unsigned char*, const unsigned char*, int) = nullptr;
  int (*decode_block)(unsigned char*, const unsigned char*, int) = nullptr;
};

[[noreturn]] void unavailable(const char* what) {
  std::fprintf(stderr,
               "airelays: error: cannot use OpenSSL's libcrypto (%s): install the libssl3 "
               "package\n",
               what);
  std::fflush(stderr);
  std::_Exit(1);
}

template <typename F> void resolve(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(::dlsym(lib, name));
  if (out == nullptr) {
    unavailable(name);
  }
}

Api load() {
  void* lib = ::dlopen(k_soname, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    unavailable(why != nullptr ? why : k_soname);
  }
  Api a;
  resolve(lib, "SHA256_Init", a.sha256_init);
  resolve(lib, "SHA256_Update", a.sha256_update);
  resolve(lib, "SHA256_Final", a.sha256_final);
  resolve(lib, "RAND_bytes", a.rand_bytes);
  resolve(lib, "EVP_EncodeBlock", a.encode_block);
  resolve(lib, "EVP_DecodeBlock", a.decode_block);
  return a; // the library stays loaded for the life of the process
}

const Api& api() {
  static const Api k_api = load();
  return k_api;
}

} // namespace

AIRELAYS_CRYPTO_SHIM int SHA256_Init(SHA256_CTX* c) { return api().sha256_init(c); }

AIRELAYS_CRYPTO_SHIM int SHA256_Update(SHA256_CTX* c, const void* data, size_t len) {
  return api().sha256_update(c, data, len);
}

AIRELAYS_CRYPTO_SHIM int SHA256_Final(unsigned char* md, SHA256_CTX* c) {
  return api().sha256_final(md, c);
}

AIRELAYS_CRYPTO_SHIM int RAND_bytes(unsigned char* buf, int num) {
  return api().rand_bytes(buf, num);
}

AIRELAYS_CRYPTO_SHIM int EVP_EncodeBlock(unsigned char* t, const unsigned char* f, int n) {
  return api().encode_block(t, f, n);
}

AIRELAYS_CRYPTO_SHIM int EVP_DecodeBlock(unsigned char* t, const unsigned char* f, int n) {
  return api().decode_block(t, f, n);
}

#endif // __APPLE__
