// See base64.hpp.
#include <airelays/base64.hpp>

#include <openssl/evp.h>

#include <cctype>

namespace airelays::base64 {

namespace {

// text in the standard alphabet (`-` and `_` too when url), padded to a multiple of 4;
// nothing when a character is of neither.
std::optional<std::string> standard_padded(std::string_view text, bool url) {
  std::string clean;
  clean.reserve(text.size() + 3);
  for (char c : text) {
    if (url && (c == '-' || c == '_')) {
      clean += c == '-' ? '+' : '/';
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=') {
      clean += c;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  while (clean.size() % 4 != 0) {
    clean += '='; // tolerate missing padding
  }
  return clean;
}

std::optional<std::string> decode_standard(const std::string& clean) {
  size_t padding = 0;
  for (size_t i = clean.size(); i > 0 && clean[i - 1] == '=' && padding < 2; --i) {
    ++padding;
  }
  if (clean.find('=') < clean.size() - padding) {
    return std::nullopt;
  }
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) {
    return std::nullopt;
  }
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

} // namespace

std::string encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string encode_url(std::string_view bytes) {
  std::string out = encode(bytes);
  for (auto& c : out) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  return out;
}

std::optional<std::string> decode(std::string_view text) {
  auto clean = standard_padded(text, false);
  return clean ? decode_standard(*clean) : std::nullopt;
}

std::optional<std::string> decode_url(std::string_view text) {
  auto clean = standard_padded(text, true);
  return clean ? decode_standard(*clean) : std::nullopt;
}

} // namespace airelays::base64
