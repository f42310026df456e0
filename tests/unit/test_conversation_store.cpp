// conversation_store: conversations with their items, and the bounded store of responses
// that previous_response_id reads.
#include "test_support.hpp"

#include <airelays/conversation_store.hpp>

#include <doctest/doctest.h>

#include <filesystem>

using namespace airelays;
using conversation_store::ConversationStore;
using nlohmann::json;

namespace {

struct Fixture {
  test::TempDir tmp;
  std::string dir = tmp / "conversations";
  int64_t clock = 1700000000;
  int max_responses = 3;

  std::unique_ptr<ConversationStore> open() {
    auto store = ConversationStore::open(dir, max_responses, [this] { return clock; });
    REQUIRE(store.ok());
    return std::move(store.value());
  }
};

json user_message(const std::string& text) {
  return {{"type", "message"},
          {"role", "user"},
          {"content", json::array({{{"type", "input_text"}, {"text", text}}})}};
}

} // namespace

TEST_CASE("conversation_store creates a conversation with metadata and items, and reads it back") {
  Fixture fx;
  auto store = fx.open();
  auto c = store->create({{"topic", "x"}}, json::array({user_message("seed")}));
  REQUIRE(c.ok());
  CHECK(c->id.rfind("conv_", 0) == 0);
  CHECK(c->id.size() == 37);
  REQUIRE(c->items.size() == 1);
  CHECK(c->items[0]["id"].get<std::string>().rfind("msg_", 0) == 0);
  CHECK(test::file_mode(fx.dir + "/" + c->id + ".json") == 0600);
  CHECK(test::file_mode(fx.dir) == 0700);

  auto reopened = fx.open();
  auto again = reopened->get(c->id);
  REQUIRE(again.ok());
  REQUIRE(again.value());
  CHECK((*again.value()).metadata == json{{"topic", "x"}});
  CHECK((*again.value()).items[0]["content"][0]["text"] == "seed");
  auto j = conversation_store::to_openai(*again.value());
  CHECK(j["object"] == "conversation");
  CHECK(j["created_at"] == 1700000000);
}

TEST_CASE("conversation_store appends items in order and merges metadata") {
  Fixture fx;
  auto store = fx.open();
  auto c = store->create(json::object(), json::array()).value();
  fx.clock += 5;
  auto added = store->append_items(
      c.id,
      json::array({user_message("one"),
                   {{"type", "function_call_output"}, {"call_id", "call_1"}, {"output", "42"}}}));
  REQUIRE(added.ok());
  REQUIRE(added.value());
  CHECK((*added.value())[1]["id"].get<std::string>().rfind("item_", 0) == 0);
  REQUIRE(store->append_items(c.id, json::array({user_message("two")})).ok());
  auto got = *store->get(c.id).value();
  REQUIRE(got.items.size() == 3);
  CHECK(got.items[0]["content"][0]["text"] == "one");
  CHECK(got.items[2]["content"][0]["text"] == "two");
  CHECK(got.updated_at == 1700000005);

  auto updated = store->update_metadata(c.id, {{"a", "1"}});
  REQUIRE(updated.ok());
  updated = store->update_metadata(c.id, {{"b", "2"}, {"a", "3"}});
  CHECK((*updated.value()).metadata == json{{"a", "3"}, {"b", "2"}});

  auto item_id = got.items[0]["id"].get<std::string>();
  CHECK(store->remove_item(c.id, item_id).value());
  CHECK_FALSE(store->remove_item(c.id, item_id).value());
  CHECK((*store->get(c.id).value()).items.size() == 2);
}

TEST_CASE("conversation_store answers unknown, malformed and deleted ids with nothing") {
  Fixture fx;
  auto store = fx.open();
  auto c = store->create(json::object(), json::array()).value();
  CHECK_FALSE(store->get("conv_00000000000000000000000000000000").value());
  CHECK_FALSE(store->get("../../etc/passwd").value());
  CHECK_FALSE(store->append_items("conv_nope", json::array()).value());
  CHECK_FALSE(store->update_metadata("conv_nope", json::object()).value());
  CHECK(store->remove(c.id).value());
  CHECK_FALSE(store->remove(c.id).value());
  CHECK_FALSE(store->get(c.id).value());
}

TEST_CASE("conversation_store keeps at most max_stored_responses, evicting the oldest") {
  Fixture fx;
  auto store = fx.open();
  for (int i = 1; i <= 4; ++i) {
    conversation_store::StoredResponse r{"resp_" + std::to_string(i),
                                         json::array({user_message("q" + std::to_string(i))}),
                                         json::array()};
    REQUIRE(store->put_response(r).ok());
  }
  CHECK(store->stored_responses() == 3);
  CHECK_FALSE(store->response("resp_1").value());
  auto r4 = store->response("resp_4");
  REQUIRE(r4.ok());
  REQUIRE(r4.value());
  CHECK((*r4.value()).input[0]["content"][0]["text"] == "q4");

  // The bound and the order survive a restart; a lower bound evicts at open.
  fx.max_responses = 2;
  auto reopened = fx.open();
  CHECK(reopened->stored_responses() == 2);
  CHECK_FALSE(reopened->response("resp_2").value());
  CHECK(reopened->response("resp_3").value());
  REQUIRE(reopened->put_response({"resp_5", json::array(), json::array()}).ok());
  CHECK_FALSE(reopened->response("resp_3").value());
  CHECK(reopened->response("resp_5").value());
}

TEST_CASE("conversation_store ignores response ids that are not safe file names") {
  Fixture fx;
  auto store = fx.open();
  REQUIRE(store->put_response({"../evil", json::array(), json::array()}).ok());
  CHECK(store->stored_responses() == 0);
  CHECK_FALSE(store->response("../evil").value());
}
