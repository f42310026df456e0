// Stored files, conversations and previous_response_id in generation requests, end to end:
// the real binary signed in to the in-process fake upstream, whose request log shows what
// the backend actually received.
#include "files_helpers.hpp"

#include <filesystem>

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::files;
using nlohmann::json;

namespace {

struct Relay {
  Env env;
  fake::FakeUpstream fake;
  std::unique_ptr<Server> server;
  Relay() {
    configure(env, &fake);
    login(env);
    server = start_server(env);
  }
  httplib::Client client() const { return files::client(server->port); }
};

json user(const std::string& text) {
  return {{"type", "message"},
          {"role", "user"},
          {"content", json::array({{{"type", "input_text"}, {"text", text}}})}};
}

std::string output_text(const json& response) {
  std::string out;
  for (const auto& item : response["output"]) {
    if (item.contains("content") && item["content"].is_array()) {
      for (const auto& part : item["content"]) {
        out += part.value("text", "");
      }
    }
  }
  return out;
}

} // namespace

TEST_CASE("files in generation: an uploaded text reaches the upstream from responses and chat") {
  Relay relay;
  auto c = relay.client();
  std::string id =
      body_json(upload(c, "facts.txt", "The secret word is PAPAYA-42.\n", "text/plain"))["id"];

  json responses_req = {
      {"model", "gpt-5.5"},
      {"input", json::array({{{"type", "message"},
                              {"role", "user"},
                              {"content",
                               json::array({{{"type", "input_text"}, {"text", "What is the word?"}},
                                            {{"type", "input_file"}, {"file_id", id}}})}}})}};
  post_json(c, "/v1/responses", responses_req);
  json chat_req = {
      {"model", "gpt-5.5"},
      {"messages",
       json::array(
           {{{"role", "user"},
             {"content", json::array({{{"type", "text"}, {"text", "And now?"}},
                                      {{"type", "file"}, {"file", {{"file_id", id}}}}})}}})}};
  post_json(c, "/v1/chat/completions", chat_req);

  auto bodies = upstream_bodies(relay.fake);
  REQUIRE(bodies.size() == 2);
  for (const auto& body : bodies) {
    INFO(body.dump());
    CHECK(input_text(body).find("The secret word is PAPAYA-42.") != std::string::npos);
    CHECK(input_text(body).find("Uploaded file `facts.txt` (text/plain)") != std::string::npos);
    CHECK(body.dump().find(id) == std::string::npos); // the local id never goes upstream
  }
}

TEST_CASE("files in generation: an image becomes a data URL and a binary file is a 422") {
  Relay relay;
  auto c = relay.client();
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  std::string image = body_json(upload(c, "dot.png", png, "image/png"))["id"];
  std::string zip = body_json(
      upload(c, "a.zip", std::string("PK\x03\x04\x14\0\0\0\xFF\xFE", 10), "application/zip"))["id"];

  post_json(c, "/v1/responses",
            {{"model", "gpt-5.5"},
             {"input",
              json::array(
                  {{{"role", "user"},
                    {"type", "message"},
                    {"content", json::array({{{"type", "input_image"}, {"file_id", image}}})}}})}});
  auto bodies = upstream_bodies(relay.fake);
  REQUIRE(bodies.size() == 1);
  auto part = bodies[0]["input"][0]["content"][0];
  CHECK(part["type"] == "input_image");
  CHECK(part["image_url"] == "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==");

  auto refused = post_json(
      c, "/v1/responses",
      {{"model", "gpt-5.5"},
       {"input",
        json::array({{{"role", "user"},
                      {"type", "message"},
                      {"content", json::array({{{"type", "input_file"}, {"file_id", zip}}})}}})}},
      422);
  CHECK(refused["error"]["message"].get<std::string>().find("application/zip") !=
        std::string::npos);
  auto unknown = post_json(
      c, "/v1/responses",
      {{"model", "gpt-5.5"},
       {"input", json::array({{{"role", "user"},
                               {"type", "message"},
                               {"content",
                                json::array({{{"type", "input_file"},
                                              {"file_id", "file-000000000000000000000000"}}})}}})}},
      404);
  CHECK(unknown["error"]["code"] == "file_not_found");
  CHECK(upstream_bodies(relay.fake).size() == 1); // neither reached the upstream
}

TEST_CASE("conversations: three turns, each upstream request carrying the full history") {
  Relay relay;
  auto c = relay.client();
  auto conv = post_json(c, "/v1/conversations",
                        {{"metadata", {{"topic", "fruit"}}},
                         {"items", json::array({user("Remember: my favourite fruit is mango.")})}});
  std::string conv_id = conv["id"];
  CHECK(conv["object"] == "conversation");

  std::vector<std::string> answers = {"ANSWER-ONE", "ANSWER-TWO", "ANSWER-THREE"};
  std::vector<std::string> questions = {"QUESTION-ONE", "QUESTION-TWO", "QUESTION-THREE"};
  for (size_t turn = 0; turn < 3; ++turn) {
    relay.fake.script("responses", {{"kind", "text"}, {"text", answers[turn]}});
    auto r =
        post_json(c, "/v1/responses",
                  {{"model", "gpt-5.5"}, {"conversation", conv_id}, {"input", questions[turn]}});
    CHECK(output_text(r) == answers[turn]);
  }

  auto logged = relay.fake.requests_to("/backend-api/codex/responses");
  REQUIRE(logged.size() == 3);
  for (size_t turn = 0; turn < 3; ++turn) {
    auto body = json::parse(logged[turn].body);
    std::string text = input_text(body);
    INFO("turn " << turn << ": " << text);
    CHECK(text.find("favourite fruit is mango") != std::string::npos);
    for (size_t earlier = 0; earlier < turn; ++earlier) {
      CHECK(text.find(questions[earlier]) != std::string::npos);
      CHECK(text.find(answers[earlier]) != std::string::npos);
    }
    CHECK(text.find(questions[turn]) != std::string::npos);
    CHECK(body["input"].size() == 1 + 2 * turn + 1);
    CHECK_FALSE(body.contains("conversation"));
    CHECK(logged[turn].headers["session_id"] == conv_id);
  }

  auto items =
      body_json(c.Get(("/v1/conversations/" + conv_id + "/items?order=asc&limit=100").c_str()));
  REQUIRE(items["data"].size() == 7);
  CHECK(items["data"][6]["content"][0]["text"] == "ANSWER-THREE");
  auto got = body_json(c.Get(("/v1/conversations/" + conv_id).c_str()));
  CHECK(got["metadata"]["topic"] == "fruit");
  CHECK(post_json(c, "/v1/responses",
                  {{"model", "gpt-5.5"},
                   {"conversation", "conv_00000000000000000000000000000000"},
                   {"input", "hi"}},
                  404)["error"]["code"] == "conversation_not_found");
  auto deleted = c.Delete(("/v1/conversations/" + conv_id).c_str());
  CHECK(body_json(deleted)["deleted"] == true);
  CHECK(c.Get(("/v1/conversations/" + conv_id).c_str())->status == 404);
}

TEST_CASE("previous_response_id: a chain of three responses sends the whole history upstream") {
  Relay relay;
  auto c = relay.client();
  relay.fake.script("responses", {{"kind", "text"}, {"text", "FIRST-ANSWER"}});
  auto r1 = post_json(c, "/v1/responses", {{"model", "gpt-5.5"}, {"input", "FIRST-QUESTION"}});
  relay.fake.script("responses", {{"kind", "text"}, {"text", "SECOND-ANSWER"}});
  auto r2 = post_json(
      c, "/v1/responses",
      {{"model", "gpt-5.5"}, {"previous_response_id", r1["id"]}, {"input", "SECOND-QUESTION"}});
  auto r3 = post_json(c, "/v1/responses",
                      {{"model", "gpt-5.5"},
                       {"previous_response_id", r2["id"]},
                       {"input", "THIRD-QUESTION"},
                       {"stream", true}});
  (void)r3;

  auto bodies = upstream_bodies(relay.fake);
  REQUIRE(bodies.size() == 3);
  std::string third = input_text(bodies[2]);
  size_t at = 0;
  for (const char* expected :
       {"FIRST-QUESTION", "FIRST-ANSWER", "SECOND-QUESTION", "SECOND-ANSWER", "THIRD-QUESTION"}) {
    auto found = third.find(expected, at);
    INFO(expected << " in " << third);
    REQUIRE(found != std::string::npos);
    at = found;
  }
  CHECK_FALSE(bodies[1].contains("previous_response_id"));
  auto unknown = post_json(
      c, "/v1/responses",
      {{"model", "gpt-5.5"}, {"previous_response_id", "resp_unknown"}, {"input", "x"}}, 404);
  CHECK(unknown["error"]["param"] == "previous_response_id");
}

TEST_CASE(
    "stored responses: a chat answer stores none, a Responses answer stores one that chains") {
  Relay relay;
  auto c = relay.client();
  std::string stored = relay.env.data_dir() + "/conversations/responses";
  auto count_stored = [&stored] {
    size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(stored, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++n;
    }
    return n;
  };
  // The chat client never sees the upstream's resp_ id, so nothing is kept for it.
  post_json(
      c, "/v1/chat/completions",
      {{"model", "gpt-5.5"}, {"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}});
  CHECK(count_stored() == 0);
  auto unknown = post_json(
      c, "/v1/responses",
      {{"model", "gpt-5.5"}, {"previous_response_id", "resp_fake1"}, {"input", "x"}}, 404);
  CHECK(unknown["error"]["param"] == "previous_response_id");

  auto answer = post_json(c, "/v1/responses", {{"model", "gpt-5.5"}, {"input", "remember me"}});
  CHECK(count_stored() == 1);
  auto next = post_json(
      c, "/v1/responses",
      {{"model", "gpt-5.5"}, {"previous_response_id", answer["id"]}, {"input", "and now?"}});
  CHECK(next["status"] == "completed");
  CHECK(input_text(upstream_bodies(relay.fake).back()).find("remember me") != std::string::npos);
}
