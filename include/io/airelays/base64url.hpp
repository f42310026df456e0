// Unpadded base64url encoding over OpenSSL (DESIGN: never hand-rolled), shared by the relay
// token and the PKCE verifier/challenge/state of the login.
#pragma once

#include <cstddef>
#include <string>

namespace airelays::base64url {

// The unpadded base64url text of n bytes.
std::string encode(const unsigned char* data, size_t n);

} // namespace airelays::base64url
