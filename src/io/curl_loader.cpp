// libcurl, opened with dlopen on first use instead of linked (Linux; macOS links the system
// libcurl, which its shared cache makes cheap). Linking it made every command load libcurl and
// the 29 libraries only it needs (nghttp2, ssh2, rtmp, ldap, sasl, kerberos, gnutls, nettle,
// gmp, idn2, psl, zstd, …): 30 of the binary's 39 libraries, most of the dynamic loader's work
// in `airelays --version`, `token show` and `status`, and pages every relay kept mapped. Now
// only the commands that talk to the network pay for it, once, when they first call curl.
//
// This file defines the libcurl entry points that http_client.cpp calls, with curl's own
// prototypes; each forwards to the function of the same name in libcurl.so.4. So
// http_client.cpp stays plain libcurl code, and a curl function used there but missing here
// fails to link instead of failing at run time. The real curl_global_init runs once, when the
// library is loaded (under the static's guard, so whichever thread comes first does it); the
// variadic setters pass their one argument on with the type curl itself reads for the option.
// Without libcurl installed, the first network call ends the command with a clear error
// (the dynamic loader used to refuse to start the binary at all).
#ifndef __APPLE__

#include "loaded_library.hpp"

#include <curl/curl.h>

#include <cstdarg>

#define AIRELAYS_CURL_SHIM extern "C" __attribute__((visibility("hidden")))

namespace {

constexpr const char* k_soname = "libcurl.so.4";

// The entry points used, resolved from libcurl.
struct Api {
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  void (*easy_reset)(CURL*) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  CURLSH* (*share_init)() = nullptr;
  CURLSHcode (*share_setopt)(CURLSH*, CURLSHoption, ...) = nullptr;
  CURLSHcode (*share_cleanup)(CURLSH*) = nullptr;
  CURLM* (*multi_init)() = nullptr;
  CURLMcode (*multi_cleanup)(CURLM*) = nullptr;
  CURLMcode (*multi_add_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_perform)(CURLM*, int*) = nullptr;
  CURLMsg* (*multi_info_read)(CURLM*, int*) = nullptr;
  CURLMcode (*multi_poll)(CURLM*, curl_waitfd[], unsigned int, int, int*) = nullptr;
};

Api load() {
  const airelays::loaded_library::Library lib(k_soname, "libcurl", "libcurl4");
  Api a;
  lib.resolve("curl_global_init", a.global_init);
  lib.resolve("curl_easy_init", a.easy_init);
  lib.resolve("curl_easy_setopt", a.easy_setopt);
  lib.resolve("curl_easy_perform", a.easy_perform);
  lib.resolve("curl_easy_getinfo", a.easy_getinfo);
  lib.resolve("curl_easy_strerror", a.easy_strerror);
  lib.resolve("curl_easy_cleanup", a.easy_cleanup);
  lib.resolve("curl_easy_reset", a.easy_reset);
  lib.resolve("curl_slist_append", a.slist_append);
  lib.resolve("curl_slist_free_all", a.slist_free_all);
  lib.resolve("curl_share_init", a.share_init);
  lib.resolve("curl_share_setopt", a.share_setopt);
  lib.resolve("curl_share_cleanup", a.share_cleanup);
  lib.resolve("curl_multi_init", a.multi_init);
  lib.resolve("curl_multi_cleanup", a.multi_cleanup);
  lib.resolve("curl_multi_add_handle", a.multi_add_handle);
  lib.resolve("curl_multi_remove_handle", a.multi_remove_handle);
  lib.resolve("curl_multi_perform", a.multi_perform);
  lib.resolve("curl_multi_info_read", a.multi_info_read);
  lib.resolve("curl_multi_poll", a.multi_poll);
  if (a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    lib.unavailable("curl_global_init failed");
  }
  return a; // the library stays loaded for the life of the process
}

const Api& api() {
  static const Api k_api = load();
  return k_api;
}

} // namespace

// libcurl is initialised when it is loaded, by the first call that needs it: an early call
// (http_client::global_init at the start of every command) must not load it.
AIRELAYS_CURL_SHIM CURLcode curl_global_init(long) { return CURLE_OK; }

// libcurl stays loaded and initialised until the process ends.
AIRELAYS_CURL_SHIM void curl_global_cleanup(void) {}

AIRELAYS_CURL_SHIM CURL* curl_easy_init(void) { return api().easy_init(); }

// The option's type range says what curl reads: a long, a pointer (objects, strings, lists,
// callbacks), a curl_off_t, or a blob pointer.
AIRELAYS_CURL_SHIM CURLcode curl_easy_setopt(CURL* curl, CURLoption option, ...) {
  va_list ap;
  va_start(ap, option);
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    rc = api().easy_setopt(curl, option, va_arg(ap, long));
  } else if (option < CURLOPTTYPE_OFF_T) {
    rc = api().easy_setopt(curl, option, va_arg(ap, void*));
  } else if (option < CURLOPTTYPE_BLOB) {
    rc = api().easy_setopt(curl, option, va_arg(ap, curl_off_t));
  } else {
    rc = api().easy_setopt(curl, option, va_arg(ap, void*));
  }
  va_end(ap);
  return rc;
}

AIRELAYS_CURL_SHIM CURLcode curl_easy_perform(CURL* curl) { return api().easy_perform(curl); }

// Every CURLINFO takes a pointer to the result.
AIRELAYS_CURL_SHIM CURLcode curl_easy_getinfo(CURL* curl, CURLINFO info, ...) {
  va_list ap;
  va_start(ap, info);
  CURLcode rc = api().easy_getinfo(curl, info, va_arg(ap, void*));
  va_end(ap);
  return rc;
}

AIRELAYS_CURL_SHIM const char* curl_easy_strerror(CURLcode code) {
  return api().easy_strerror(code);
}

AIRELAYS_CURL_SHIM void curl_easy_cleanup(CURL* curl) { api().easy_cleanup(curl); }

AIRELAYS_CURL_SHIM void curl_easy_reset(CURL* curl) { api().easy_reset(curl); }

AIRELAYS_CURL_SHIM curl_slist* curl_slist_append(curl_slist* list, const char* data) {
  return api().slist_append(list, data);
}

AIRELAYS_CURL_SHIM void curl_slist_free_all(curl_slist* list) { api().slist_free_all(list); }

AIRELAYS_CURL_SHIM CURLSH* curl_share_init(void) { return api().share_init(); }

// CURLSHOPT_SHARE and _UNSHARE take an int (a curl_lock_data); the others a pointer.
AIRELAYS_CURL_SHIM CURLSHcode curl_share_setopt(CURLSH* share, CURLSHoption option, ...) {
  va_list ap;
  va_start(ap, option);
  CURLSHcode rc;
  if (option == CURLSHOPT_SHARE || option == CURLSHOPT_UNSHARE) {
    rc = api().share_setopt(share, option, va_arg(ap, int));
  } else {
    rc = api().share_setopt(share, option, va_arg(ap, void*));
  }
  va_end(ap);
  return rc;
}

AIRELAYS_CURL_SHIM CURLSHcode curl_share_cleanup(CURLSH* share) {
  return api().share_cleanup(share);
}

AIRELAYS_CURL_SHIM CURLM* curl_multi_init(void) { return api().multi_init(); }

AIRELAYS_CURL_SHIM CURLMcode curl_multi_cleanup(CURLM* multi) { return api().multi_cleanup(multi); }

AIRELAYS_CURL_SHIM CURLMcode curl_multi_add_handle(CURLM* multi, CURL* curl) {
  return api().multi_add_handle(multi, curl);
}

AIRELAYS_CURL_SHIM CURLMcode curl_multi_remove_handle(CURLM* multi, CURL* curl) {
  return api().multi_remove_handle(multi, curl);
}

AIRELAYS_CURL_SHIM CURLMcode curl_multi_perform(CURLM* multi, int* running) {
  return api().multi_perform(multi, running);
}

AIRELAYS_CURL_SHIM CURLMsg* curl_multi_info_read(CURLM* multi, int* left) {
  return api().multi_info_read(multi, left);
}

AIRELAYS_CURL_SHIM CURLMcode curl_multi_poll(CURLM* multi, curl_waitfd extra_fds[],
                                             unsigned int extra_nfds, int timeout_ms, int* ret) {
  return api().multi_poll(multi, extra_fds, extra_nfds, timeout_ms, ret);
}

// GnuTLS is loaded with libcurl but never used: Debian's libcurl4 does TLS with OpenSSL, and
// GnuTLS comes only through librtmp and libldap (rtmp:// and ldap:// URLs, which the relay
// never fetches). Yet GnuTLS initialises itself from a constructor as soon as it is loaded
// (its crypto back-end, ASN.1 trees, random generator, system priorities): 0.85 MB more RSS
// in every relay after its first request (docs/benchmarks.md, fourth pass). GnuTLS's public
// header offers the way out, the GNUTLS_SKIP_GLOBAL_INIT macro, which defines this function
// in the program: the library's weak default answers 0, the program's (exported from the
// binary, see CMakeLists.txt) answers 1 and the constructor returns at once. GnuTLS's only
// users here, librtmp and libldap, call gnutls_global_init() themselves before their first
// TLS use (both import it); only the initialisation at load time is skipped.
extern "C" __attribute__((visibility("default"))) int _gnutls_global_init_skip(void) { return 1; }

#endif // __APPLE__
