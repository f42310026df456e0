// Base64 over OpenSSL (DESIGN: never hand-rolled), in both alphabets: the standard one for
// data: URLs and file_data, the URL-safe unpadded one for the relay token, the PKCE values of
// the login and the segments of a JWT.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace airelays::base64 {

// The padded standard base64 text of bytes.
std::string encode(std::string_view bytes);

// The unpadded base64url text of bytes.
std::string encode_url(std::string_view bytes);

// The bytes of standard base64 text; padding may be missing and white space is skipped.
// Nothing when any other character is not of the alphabet or the length cannot be base64.
std::optional<std::string> decode(std::string_view text);

// The bytes of base64url text (padded or not; `+` and `/` are accepted too), under the same
// rules as decode.
std::optional<std::string> decode_url(std::string_view text);

} // namespace airelays::base64
