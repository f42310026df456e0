// The file half of expansion: turns every file reference in Responses input items into what
// the subscription backend accepts. A part that names a stored file (input_file / input_image
// with file_id, input_file with only a filename) or carries the bytes inline (input_file with
// file_data) becomes, by the file's detected type: input_text with the whole text (text up to
// 1,000,000 bytes; larger → 422, never truncated), input_image with a data URL (png, jpeg,
// gif, webp), or input_file with file_data (pdf). Any other type → 422 naming it; an unknown
// id or filename → 404.
#pragma once

#include <airelays/api_error.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace airelays::file_store {
class FileStore;
}

namespace airelays::expansion {

// Largest text file inlined as input_text (reference §6.3).
constexpr size_t k_max_inline_text_bytes = 1000000;

// Resolves the file parts of every item of `input` (an array) in place.
std::optional<api_error::ApiError> resolve_files(nlohmann::json& input,
                                                 const file_store::FileStore* files);

} // namespace airelays::expansion
