// State files are written whole or not at all: a temp file in the same directory, fsync,
// rename over the target, fsync of the directory. Mode 0600 by default, so a secret never
// exists on disk with wider permissions, not even for a moment.
#pragma once

#include <airelays/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace airelays::atomic_file {

// How far a write is carried to the disk before write() returns. Both are atomic for readers
// and survive the process being killed at any point; only `durable` also survives a power
// loss (fsync of the file and of its directory, a few milliseconds on a laptop disk).
// `cache` is for data the relay can do without, on the request path (stored responses).
enum class Sync { durable, cache };

// Replaces path with contents atomically (creating parent directories 0700).
Status write(const std::string& path, std::string_view contents, unsigned mode = 0600,
             Sync sync = Sync::durable);

// The whole file, or nullopt when it does not exist; an error for other read failures.
Result<std::optional<std::string>> read(const std::string& path);

// Removes path; a missing file is not an error.
Status remove(const std::string& path);

} // namespace airelays::atomic_file
