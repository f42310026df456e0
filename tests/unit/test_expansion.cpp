// expansion: what the upstream receives for stored files, inline file data, conversations
// and previous_response_id, against real stores in a temp dir.
#include "test_support.hpp"

#include <airelays/conversation_store.hpp>
#include <airelays/expansion.hpp>
#include <airelays/file_store.hpp>
#include <airelays/packed_items.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

namespace {

const std::string k_png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);

struct Fixture {
  test::TempDir tmp;
  std::unique_ptr<file_store::FileStore> files;
  std::unique_ptr<conversation_store::ConversationStore> conversations;
  expansion::Context ctx;

  Fixture() {
    files = std::move(file_store::FileStore::open(tmp / "files", {33554432, 268435456}).value());
    conversations = std::move(
        conversation_store::ConversationStore::open(tmp / "conv", 10, [] { return 1; }).value());
    ctx = {files.get(), conversations.get()};
  }

  std::string upload(const std::string& name, const std::string& bytes,
                     const std::string& type = "") {
    auto r = files->add({name, "user_data", type, bytes});
    REQUIRE(std::holds_alternative<file_store::FileInfo>(r));
    return std::get<file_store::FileInfo>(r).id;
  }
};

json message(const std::string& role, json content) {
  return {{"type", "message"}, {"role", role}, {"content", std::move(content)}};
}

json request_with(json parts) {
  return {{"model", "gpt-5.5"}, {"input", json::array({message("user", std::move(parts))})}};
}

json first_part(const json& request) { return request["input"][0]["content"][0]; }

int status_of(const std::optional<api_error::ApiError>& e) { return e ? e->status : 0; }

} // namespace

TEST_CASE("expansion inlines a stored text file, whole, as input_text") {
  Fixture fx;
  auto id = fx.upload("notes.md", "# Plan\nship it\n");
  auto req = request_with(json::array({{{"type", "input_file"}, {"file_id", id}}}));
  expansion::Plan plan;
  REQUIRE_FALSE(expansion::expand(req, fx.ctx, plan));
  auto part = first_part(req);
  CHECK(part["type"] == "input_text");
  CHECK(part["text"] == "Uploaded file `notes.md` (text/markdown):\n\n# Plan\nship it\n");
  CHECK(plan.new_input()[0]["content"][0]["file_id"] == id); // kept unexpanded for history
}

TEST_CASE("expansion turns stored images into input_image data URLs and PDFs into file_data") {
  Fixture fx;
  auto png = fx.upload("pic.png", k_png, "image/png");
  auto pdf = fx.upload("doc.pdf", "%PDF-1.4\n...", "application/pdf");
  auto req =
      request_with(json::array({{{"type", "input_image"}, {"file_id", png}, {"detail", "high"}},
                                {{"type", "input_file"}, {"file_id", pdf}}}));
  expansion::Plan plan;
  REQUIRE_FALSE(expansion::expand(req, fx.ctx, plan));
  auto parts = req["input"][0]["content"];
  CHECK(parts[0] == json{{"type", "input_image"},
                         {"image_url", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="},
                         {"detail", "high"}});
  CHECK(parts[1]["type"] == "input_file");
  CHECK(parts[1]["filename"] == "doc.pdf");
  CHECK(parts[1]["file_data"] == "data:application/pdf;base64,JVBERi0xLjQKLi4u");
}

TEST_CASE("expansion refuses a binary file with 422 naming its type") {
  Fixture fx;
  auto id = fx.upload("archive.zip", std::string("PK\x03\x04\0\0\xFF", 7), "application/zip");
  auto req = request_with(json::array({{{"type", "input_file"}, {"file_id", id}}}));
  expansion::Plan plan;
  auto e = expansion::expand(req, fx.ctx, plan);
  REQUIRE(status_of(e) == 422);
  CHECK(e->message.find("application/zip") != std::string::npos);
  CHECK(e->param == std::optional<std::string>("input[0].content[0]"));
}

TEST_CASE("expansion refuses text over 1 MB instead of truncating it") {
  Fixture fx;
  auto at_limit = fx.upload("ok.txt", std::string(1000000, 'a'));
  auto over = fx.upload("big.txt", std::string(1000001, 'a'));
  expansion::Plan plan;
  auto ok = request_with(json::array({{{"type", "input_file"}, {"file_id", at_limit}}}));
  CHECK_FALSE(expansion::expand(ok, fx.ctx, plan));
  auto bad = request_with(json::array({{{"type", "input_file"}, {"file_id", over}}}));
  auto e = expansion::expand(bad, fx.ctx, plan);
  REQUIRE(status_of(e) == 422);
  CHECK(e->message.find("never truncated") != std::string::npos);
}

TEST_CASE("expansion answers an unknown file id or filename with 404") {
  Fixture fx;
  expansion::Plan plan;
  auto req = request_with(json::array({{{"type", "input_file"}, {"file_id", "file-nope"}}}));
  auto e = expansion::expand(req, fx.ctx, plan);
  REQUIRE(status_of(e) == 404);
  CHECK(e->message.find("file-nope") != std::string::npos);
  auto by_name = request_with(json::array({{{"type", "input_file"}, {"filename", "x.txt"}}}));
  CHECK(status_of(expansion::expand(by_name, fx.ctx, plan)) == 404);
}

TEST_CASE("expansion resolves input_file by filename and inline file_data") {
  Fixture fx;
  fx.upload("readme.txt", "old");
  fx.upload("readme.txt", "new");
  expansion::Plan plan;
  auto by_name = request_with(json::array({{{"type", "input_file"}, {"filename", "readme.txt"}}}));
  REQUIRE_FALSE(expansion::expand(by_name, fx.ctx, plan));
  CHECK(first_part(by_name)["text"] == "Uploaded file `readme.txt` (text/plain):\n\nnew");

  auto inline_text =
      request_with(json::array({{{"type", "input_file"},
                                 {"filename", "a.csv"},
                                 {"file_data", "data:text/csv;base64,eCx5CjEsMgo="}}}));
  REQUIRE_FALSE(expansion::expand(inline_text, fx.ctx, plan));
  CHECK(first_part(inline_text)["text"] == "Uploaded file `a.csv` (text/csv):\n\nx,y\n1,2\n");

  auto bad = request_with(
      json::array({{{"type", "input_file"}, {"file_data", "data:text/plain;base64,@@@"}}}));
  CHECK(status_of(expansion::expand(bad, fx.ctx, plan)) == 400);
}

TEST_CASE("expansion sends a conversation's items before the new input and records the turn") {
  Fixture fx;
  auto conv =
      fx.conversations->create(json::object(), json::array({message("user", "seed")})).value();
  json req = {{"model", "m"},
              {"conversation", conv.id},
              {"input", json::array({message("user", "turn one")})}};
  expansion::Plan plan;
  REQUIRE_FALSE(expansion::expand(req, fx.ctx, plan));
  CHECK_FALSE(req.contains("conversation"));
  CHECK(plan.session_id == conv.id);
  REQUIRE(req["input"].size() == 2);
  CHECK(req["input"][0]["content"] == "seed");
  CHECK(req["input"][1]["content"] == "turn one");

  json response = {
      {"id", "resp_1"},
      {"status", "completed"},
      {"output",
       json::array(
           {{{"type", "message"},
             {"id", "msg_out1"},
             {"role", "assistant"},
             {"content", json::array({{{"type", "output_text"}, {"text", "answer one"}}})}}})}};
  expansion::record(fx.ctx, plan, response);
  auto stored = *fx.conversations->get(conv.id).value();
  REQUIRE(stored.items.size() == 3);
  CHECK(stored.items[2]["id"] == "msg_out1");

  json next = {{"model", "m"}, {"conversation", {{"id", conv.id}}}, {"input", "turn two"}};
  expansion::Plan plan2;
  REQUIRE_FALSE(expansion::expand(next, fx.ctx, plan2));
  REQUIRE(next["input"].size() == 4);
  CHECK(next["input"][2]["content"][0]["text"] == "answer one");
  CHECK(next["input"][3]["content"][0]["text"] == "turn two");
}

TEST_CASE("expansion chains previous_response_id through input and output") {
  Fixture fx;
  json first = {{"model", "m"}, {"input", "q1"}};
  expansion::Plan p1;
  REQUIRE_FALSE(expansion::expand(first, fx.ctx, p1));
  json reasoning_without_content = {
      {"type", "reasoning"}, {"id", "rs_1"}, {"summary", json::array()}};
  json answer = message("assistant", json::array({{{"type", "output_text"}, {"text", "a1"}}}));
  expansion::record(fx.ctx, p1,
                    {{"id", "resp_a"},
                     {"status", "completed"},
                     {"output", json::array({reasoning_without_content, answer})}});

  json second = {{"model", "m"}, {"previous_response_id", "resp_a"}, {"input", "q2"}};
  expansion::Plan p2;
  REQUIRE_FALSE(expansion::expand(second, fx.ctx, p2));
  CHECK_FALSE(second.contains("previous_response_id"));
  REQUIRE(second["input"].size() == 3); // q1, a1 (the reasoning item cannot be replayed), q2
  CHECK(second["input"][1]["content"][0]["text"] == "a1");
  expansion::record(fx.ctx, p2,
                    {{"id", "resp_b"},
                     {"status", "completed"},
                     {"output", json::array({message("assistant", "a2")})}});

  json third = {{"model", "m"}, {"previous_response_id", "resp_b"}, {"input", "q3"}};
  expansion::Plan p3;
  REQUIRE_FALSE(expansion::expand(third, fx.ctx, p3));
  REQUIRE(third["input"].size() == 5); // q1 a1 q2 a2 q3
  CHECK(third["input"][4]["content"][0]["text"] == "q3");

  json unknown = {{"model", "m"}, {"previous_response_id", "resp_zzz"}, {"input", "q"}};
  auto e = expansion::expand(unknown, fx.ctx, p3);
  REQUIRE(status_of(e) == 404);
  CHECK(e->param == std::optional<std::string>("previous_response_id"));
}

TEST_CASE("expansion answers an unknown conversation with 404 and both kinds of history with 400") {
  Fixture fx;
  expansion::Plan plan;
  json unknown = {
      {"model", "m"}, {"conversation", "conv_00000000000000000000000000000000"}, {"input", "hi"}};
  CHECK(status_of(expansion::expand(unknown, fx.ctx, plan)) == 404);
  json both = {{"model", "m"},
               {"conversation", "conv_x"},
               {"previous_response_id", "resp_x"},
               {"input", "hi"}};
  CHECK(status_of(expansion::expand(both, fx.ctx, plan)) == 400);
  json bad = {{"model", "m"}, {"conversation", 5}, {"input", "hi"}};
  CHECK(status_of(expansion::expand(bad, fx.ctx, plan)) == 400);
}

TEST_CASE("expansion leaves requests without files or history as they are") {
  Fixture fx;
  json req =
      request_with(json::array({{{"type", "input_text"}, {"text", "hi"}},
                                {{"type", "input_image"}, {"image_url", "https://x/y.png"}}}));
  json before = req;
  expansion::Plan plan;
  REQUIRE_FALSE(expansion::expand(req, fx.ctx, plan));
  CHECK(req == before);
  CHECK(plan.session_id.empty());
}

TEST_CASE("expansion reads packed input items: places count their items, history goes first") {
  Fixture fx;
  auto id = fx.upload("archive.zip", std::string("PK\x03\x04\0\0\xFF", 7), "application/zip");
  json input = json::array();
  packed_items::append(input,
                       message("user", json::array({{{"type", "input_text"}, {"text", "a"}}})));
  packed_items::append(input,
                       message("user", json::array({{{"type", "input_text"}, {"text", "b"}}})));
  json file_item = message("user", json::array({{{"type", "input_file"}, {"file_id", id}}}));
  packed_items::append(input, json(file_item));
  REQUIRE(input.size() == 2); // a run of two, then the file item as a tree
  json req = {{"model", "m"}, {"input", input}};
  expansion::Plan plan;
  auto e = expansion::expand(req, fx.ctx, plan);
  REQUIRE(status_of(e) == 422);
  CHECK(e->param == std::optional<std::string>("input[2].content[0]"));

  auto conv =
      fx.conversations->create(json::object(), json::array({message("user", "seed")})).value();
  json sent = {{"model", "m"}, {"conversation", conv.id}, {"input", input}};
  sent["input"].erase(1);
  expansion::Plan with_history;
  REQUIRE_FALSE(expansion::expand(sent, fx.ctx, with_history));
  json wire = json::parse(packed_items::dump(sent));
  REQUIRE(wire["input"].size() == 3);
  CHECK(wire["input"][0]["content"] == "seed");
  CHECK(wire["input"][2]["content"][0]["text"] == "b");
  CHECK(with_history.new_input().size() == 2); // the client's own items, unpacked
}
