// Shared by the translator tests: reading golden files from tests/data and feeding SSE text
// through the real sse::Parser, whole or in pieces.
#pragma once

#include <airelays/packed_items.hpp>
#include <airelays/sse.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace xlate_test {

inline std::string read_data(const std::string& name) {
  std::ifstream in(std::string(AIRELAYS_TEST_SOURCE_DIR) + "/tests/data/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline nlohmann::json read_json(const std::string& name) {
  return nlohmann::json::parse(read_data(name));
}

// A translated upstream request as the backend gets it (packed input items unpacked), parsed.
inline nlohmann::json as_sent(const nlohmann::json& upstream) {
  return nlohmann::json::parse(airelays::packed_items::dump(upstream));
}

// Parses `text` fed as the given pieces (split offsets, ascending), finishing at the end.
inline std::vector<airelays::sse::Event> parse_split(const std::string& text,
                                                     const std::vector<size_t>& cuts) {
  airelays::sse::Parser parser;
  std::vector<airelays::sse::Event> out;
  size_t at = 0;
  auto take = [&](std::vector<airelays::sse::Event> evs) {
    out.insert(out.end(), evs.begin(), evs.end());
  };
  for (size_t cut : cuts) {
    take(parser.feed(std::string_view(text).substr(at, cut - at)));
    at = cut;
  }
  take(parser.feed(std::string_view(text).substr(at)));
  if (auto last = parser.finish()) {
    out.push_back(*last);
  }
  return out;
}

inline std::vector<airelays::sse::Event> parse_all(const std::string& text) {
  return parse_split(text, {});
}

// Events named like ones a translator may skip unparsed that are not what their name says (a
// data type other than the name, a second type key, data that is not JSON), then one that is.
inline std::string misnamed_events() {
  return "event: response.content_part.added\ndata: {\"type\":\"response.output_text.delta\","
         "\"delta\":\"renamed\"}\n\n"
         "event: response.content_part.done\ndata: {\"type\":\"response.content_part.done\","
         "\"type\":\"response.output_text.delta\",\"delta\":\"dup\"}\n\n"
         "event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\"\n\n"
         "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
         "\"delta\":\"kept\"}\n\n";
}

} // namespace xlate_test
