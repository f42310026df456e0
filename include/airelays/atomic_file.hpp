// State files are written whole or not at all: a temp file in the same directory, fsync,
// rename over the target, fsync of the directory. Mode 0600 by default, so a secret never
// exists on disk with wider permissions, not even for a moment.
#pragma once

#include <airelays/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace airelays::atomic_file {

// Replaces path with contents atomically (creating parent directories 0700).
Status write(const std::string& path, std::string_view contents, unsigned mode = 0600);

// The whole file, or nullopt when it does not exist; an error for other read failures.
Result<std::optional<std::string>> read(const std::string& path);

// Removes path; a missing file is not an error.
Status remove(const std::string& path);

} // namespace airelays::atomic_file
