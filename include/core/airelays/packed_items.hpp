// Responses input items kept as the text they are sent as (issue 14, item 4). A short chat or
// Messages turn becomes a Responses item whose tree is more than twice the client's, so a large
// conversation translated into trees would be held twice over. The translators instead append
// each item that expansion never rewrites (text, refusal, tool calls and outputs) to a packed
// run: one binary value in the input array holding the items' JSON text, comma-separated, with
// the item count as its subtype. dump() writes the runs back in place, so the wire is
// byte-for-byte what nlohmann's dump of the trees would have been (same key order).
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace airelays::packed_items {

// True for a packed run (the only binary values a request tree can hold: parsed JSON has none).
bool is_packed(const nlohmann::json& element);
// How many input items `element` of an input array stands for: a run's count, else 1.
std::size_t count(const nlohmann::json& element);
// Appends `item` to the input array `input`: packed into the trailing run (or a new one) when
// nothing reads it before it is sent (no image or file part), else as a tree.
void append(nlohmann::json& input, nlohmann::json&& item);
// `value` as JSON text (nlohmann's dump, invalid UTF-8 replaced), every packed run in it or in
// its direct members written as the items it holds.
std::string dump(const nlohmann::json& value);

} // namespace airelays::packed_items
