// Comparing secrets (the relay token a client presents) without a timing side channel: the
// time does not depend on where the first difference is. Pure: std only.
#pragma once

#include <string_view>

namespace airelays::constant_time {

// Whether a and b are equal; touches every byte of `secret` whatever `presented` is, so the
// time reveals neither the position of a difference nor the secret's content.
bool equal(std::string_view presented, std::string_view secret);

} // namespace airelays::constant_time
