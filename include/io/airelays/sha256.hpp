// SHA-256 over OpenSSL (DESIGN: never hand-rolled): content digests of stored files and
// logged bodies, the keyring user name, the relay token's fingerprint, the PKCE challenge.
#pragma once

#include <string>
#include <string_view>

namespace airelays::sha256 {

// The 32-byte digest of data.
std::string digest(std::string_view data);

// The digest as 64 lower-case hex digits.
std::string hex(std::string_view data);

} // namespace airelays::sha256
