// OpenSSL's libcrypto, opened with dlopen on first use instead of linked (Linux; macOS links
// it): sha256.cpp, random.cpp and base64.cpp are its only users, and most commands never call
// them. Linked, every command loaded libcrypto and bound its symbols at start (Debian links it
// with -z now: 3,377 of the 6,869 symbol relocations of `airelays --version`).
// Now a command pays for it when it first hashes, draws random bytes or codes base64; `serve`
// and `login` load it anyway with libcurl and the HTTP module, and this then finds it loaded.
//
// The pattern of curl_loader.cpp: this file defines the few libcrypto functions the three
// callers use, with OpenSSL's own prototypes, each forwarding to the function of the same name
// in the libcrypto the headers belong to (its soname comes from opensslv.h). So the callers
// stay plain OpenSSL code, and a function used there but missing here fails to link. The
// definitions are hidden, so libraries loaded later (libssl, libcurl) still bind to libcrypto.
#ifndef __APPLE__

#include "loaded_library.hpp"

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstddef>

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

Api load() {
  const airelays::loaded_library::Library lib(k_soname, "OpenSSL's libcrypto", "libssl3");
  Api a;
  lib.resolve("SHA256_Init", a.sha256_init);
  lib.resolve("SHA256_Update", a.sha256_update);
  lib.resolve("SHA256_Final", a.sha256_final);
  lib.resolve("RAND_bytes", a.rand_bytes);
  lib.resolve("EVP_EncodeBlock", a.encode_block);
  lib.resolve("EVP_DecodeBlock", a.decode_block);
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
