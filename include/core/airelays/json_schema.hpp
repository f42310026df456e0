// Structured-output schemas as the subscription backend accepts them (reference §5.5): the
// backend runs json_schema formats in strict mode, where every object schema must list all of
// its properties as required and set additionalProperties:false. Optional properties are kept
// optional in meaning by making them nullable. Pure.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace airelays::json_schema {

// Normalises `schema` in place, recursively; returns the error message (naming the location,
// e.g. "properties.sources.items") when the schema cannot be made acceptable.
std::optional<std::string> normalize(nlohmann::json& schema);

} // namespace airelays::json_schema
