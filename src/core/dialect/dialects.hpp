// The dialects the registry lists (private to src/core/dialect/): one factory per dialect,
// each defined in its own file here. A new dialect adds its file, its line below and its
// line in registry.cpp.
#pragma once

#include <airelays/dialect.hpp>

namespace airelays::dialect {

std::unique_ptr<Dialect> make_responses(const config::Config& config);
std::unique_ptr<Dialect> make_chat(const config::Config& config);
std::unique_ptr<Dialect> make_completions(const config::Config& config);
std::unique_ptr<Dialect> make_messages(const config::Config& config);

} // namespace airelays::dialect
