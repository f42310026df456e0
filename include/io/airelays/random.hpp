// Secret and unguessable values from OpenSSL's CSPRNG: the relay token, the login's PKCE
// verifier and state, and the ids the relay hands out (file-…, conv_…, msg_…), which name
// files and are shown to clients, so they must not be guessable or collide.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace airelays::random {

// n random bytes. Throws std::runtime_error if the system generator fails.
std::string bytes(size_t n);

// `chars` random lower-case hex digits. Throws like bytes().
std::string hex(size_t chars);

// The unpadded base64url text of n random bytes. Throws like bytes().
std::string url_token(size_t n);

// prefix and `chars` hex digits from a per-thread generator seeded once from the system: for
// correlation ids (req_…, chatcmpl-…), which must be unique but are not secrets, at a rate
// where RAND_bytes (which asked the kernel for the pid on every call) showed in profiles.
std::string correlation_id(std::string_view prefix, size_t chars);

} // namespace airelays::random
