// packed_items: input items appended as their wire text must be sent byte-for-byte as the
// trees they stand for would have been, and items expansion rewrites must stay trees.
#include <airelays/packed_items.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

namespace {

std::string plain_dump(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

json items() {
  json out = json::array();
  out.push_back(
      {{"type", "message"},
       {"role", "user"},
       {"content",
        {{{"type", "input_text"}, {"text", "h\u00e9llo \"q\" \n\t\\ \xf0\x9f\x99\x82"}}}}});
  out.push_back(
      {{"type", "message"},
       {"role", "assistant"},
       {"content",
        {{{"type", "output_text"}, {"text", "ok"}}, {{"type", "refusal"}, {"refusal", "no"}}}}});
  out.push_back(
      {{"type", "function_call"}, {"call_id", "c1"}, {"name", "f"}, {"arguments", "{\"a\":1.5}"}});
  out.push_back(
      {{"type", "message"},
       {"role", "user"},
       {"content", {{{"type", "input_image"}, {"file_id", "file-1"}, {"detail", "auto"}}}}});
  out.push_back({{"type", "function_call_output"},
                 {"call_id", "c1"},
                 {"output", std::string("bad \xff utf8")}});
  out.push_back({{"type", "message"},
                 {"role", "user"},
                 {"content", {{{"type", "input_text"}, {"text", ""}}}}});
  return out;
}

} // namespace

TEST_CASE("packed_items are sent exactly as their trees, in the request's key order") {
  json packed = json::array();
  json trees = json::array();
  for (auto item : items()) {
    trees.push_back(item);
    packed_items::append(packed, std::move(item));
  }
  // Text items are packed in runs around the image item, which stays a tree.
  REQUIRE(packed.size() == 3);
  CHECK(packed_items::is_packed(packed[0]));
  CHECK(packed_items::count(packed[0]) == 3);
  CHECK(packed[1] == trees[3]);
  CHECK(packed_items::count(packed[2]) == 2);
  json request = {{"model", "m"}, {"input", packed}, {"tools", json::array()}, {"z", {1, 2}}};
  json expected = {{"model", "m"}, {"input", trees}, {"tools", json::array()}, {"z", {1, 2}}};
  CHECK(packed_items::dump(request) == plain_dump(expected));
  CHECK(packed_items::dump(packed) == plain_dump(trees));
  CHECK(packed_items::dump(expected) == plain_dump(expected)); // nothing packed: as before
}
