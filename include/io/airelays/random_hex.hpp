// Random lower-case hex for the ids the relay hands out (file-…, conv_…, msg_…), from
// OpenSSL's CSPRNG: ids name files and are shown to clients, so they must not be guessable
// or collide. Shared by the file store and the conversation store.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace airelays::random_hex {

// `chars` random hex digits. Throws std::runtime_error if the system generator fails.
std::string make(size_t chars);

// Whether every character of s is a lower-case hex digit.
bool is_hex(std::string_view s);

} // namespace airelays::random_hex
