// The generation pipeline's dialects (dialect.hpp): the route table, an upstream event parsed
// once, and every dialect planning into the same Plan and naming what differs in its pipeline.
#include "xlate_test_data.hpp"

#include <airelays/dialect.hpp>

#include <doctest/doctest.h>

#include <algorithm>

using namespace airelays;
using nlohmann::json;

namespace {

std::unique_ptr<dialect::Dialect> make(const std::string& path) {
  const auto& all = dialect::registry();
  auto it = std::find_if(all.begin(), all.end(), [&](const auto& r) { return r.path == path; });
  REQUIRE(it != all.end());
  return it->make(config::Config{});
}

} // namespace

TEST_CASE("dialect::registry lists the four generation routes, the OpenAI ones mirrored") {
  std::vector<std::pair<std::string, bool>> routes;
  for (const auto& r : dialect::registry()) {
    routes.emplace_back(r.path, r.no_tools_mirror);
  }
  CHECK(routes == std::vector<std::pair<std::string, bool>>{{"/responses", true},
                                                            {"/chat/completions", true},
                                                            {"/completions", true},
                                                            {"/messages", false}});
}

TEST_CASE("dialect::UpstreamEvent parses the data once: its type, else the event name") {
  dialect::UpstreamEvent typed({"response.created", R"({"type":"response.completed"})", ""});
  CHECK(typed.type == "response.completed");
  CHECK(typed.success());
  dialect::UpstreamEvent named({"error", R"({"message":"boom"})", ""});
  CHECK(named.type == "error");
  CHECK(named.failure());
  CHECK(named.data["message"] == "boom");
  dialect::UpstreamEvent unparsed({"", "[DONE]", ""});
  CHECK(unparsed.data.is_null());
  CHECK(unparsed.raw.data == "[DONE]");
}

TEST_CASE("every dialect plans into the same Plan") {
  auto chat = make("/chat/completions");
  auto planned = chat->plan({{"model", "gpt-5.5"},
                             {"stream", true},
                             {"stream_options", {{"include_usage", true}}},
                             {"temperature", 0.2},
                             {"messages", {{{"role", "user"}, {"content", "hi"}}}}},
                            false);
  REQUIRE(std::holds_alternative<dialect::Plan>(planned));
  auto& p = std::get<dialect::Plan>(planned);
  CHECK(p.model == "gpt-5.5");
  CHECK(p.include_usage);
  CHECK(p.ignored == std::vector<std::string>{"temperature"});
  CHECK(chat->expands());
  CHECK_FALSE(chat->records());

  auto messages = make("/messages");
  json user_id = {{"session_id", "s-1"}};
  auto m = messages->plan({{"model", "claude-sonnet-5"},
                           {"max_tokens", 10},
                           {"metadata", {{"user_id", user_id.dump()}}},
                           {"messages", {{{"role", "user"}, {"content", "hi"}}}}},
                          false);
  REQUIRE(std::holds_alternative<dialect::Plan>(m));
  CHECK(std::get<dialect::Plan>(m).session_id == "s-1");
  CHECK(messages->error_shape() == api_error::Shape::anthropic);

  auto responses = make("/responses");
  CHECK(responses->records());
  CHECK_FALSE(responses->ratelimit_headers());
  auto bad = make("/completions")->plan(json::array(), false);
  REQUIRE(std::holds_alternative<api_error::ApiError>(bad));
  CHECK(std::get<api_error::ApiError>(bad).status == 400);
}

TEST_CASE("every dialect's stream gives the same text when the events its type decides go "
          "unparsed") {
  // The captured streams, and events named like others that are not: a data type other than
  // the name, a second type key, data that is not JSON, a failure after the end.
  std::string odd =
      xlate_test::misnamed_events() +
      "event: response.reasoning_summary_text.delta\ndata: "
      "{\"type\":\"response.reasoning_summary_text.delta\",\"delta\":\"think\"}\n\n"
      "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{}}\n\n"
      "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
      "\"delta\":\"late\"}\n\n";
  std::string failing = "event: response.created\ndata: {\"type\":\"response.created\"}\n\n"
                        "event: response.output_text.delta\ndata: "
                        "{\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\n\n"
                        "event: error\ndata: {\"type\":\"error\",\"message\":\"boom\"}\n\n";
  std::vector<std::pair<std::string, json>> bodies = {
      {"/responses", {{"model", "gpt-5.5"}, {"input", "hi"}, {"stream", true}}},
      {"/chat/completions",
       {{"model", "gpt-5.5"},
        {"stream", true},
        {"stream_options", {{"include_usage", true}}},
        {"messages", {{{"role", "user"}, {"content", "hi"}}}}}},
      {"/completions", {{"model", "gpt-5.5"}, {"prompt", "hi"}, {"stream", true}}},
      {"/messages",
       {{"model", "gpt-5.5"},
        {"max_tokens", 100},
        {"stream", true},
        {"messages", {{{"role", "user"}, {"content", "hi"}}}}}},
      {"/messages",
       {{"model", "gpt-5.5"},
        {"max_tokens", 100},
        {"stream", true},
        {"thinking", {{"type", "enabled"}, {"budget_tokens", 1024}}},
        {"messages", {{{"role", "user"}, {"content", "hi"}}}}}},
  };
  for (const auto& [path, body] : bodies) {
    CAPTURE(path);
    CAPTURE(body.dump());
    auto d = make(path);
    auto planned = d->plan(json(body), false);
    REQUIRE(std::holds_alternative<dialect::Plan>(planned));
    const auto& plan = std::get<dialect::Plan>(planned);
    for (const std::string& text :
         {xlate_test::read_data("sample_sse_full.txt"),
          xlate_test::read_data("sample_sse_minimal.txt"),
          xlate_test::read_data("sample_sse_tool_call.txt"), odd, failing}) {
      auto all = d->stream(plan, "id-test", 1700000000);
      auto skipping = d->stream(plan, "id-test", 1700000000);
      std::string expected;
      std::string got;
      int unparsed = 0;
      for (const auto& ev : xlate_test::parse_all(text)) {
        expected += all->feed(ev);
        if (auto out = skipping->feed_unparsed(ev)) {
          ++unparsed;
          got += *out;
        } else {
          got += skipping->feed(ev);
        }
      }
      CHECK(got + skipping->finish() == expected + all->finish());
      CHECK(skipping->succeeded() == all->succeeded());
      if (text.find("event: response.content_part.added") != std::string::npos) {
        CHECK(unparsed > 0); // the captured named events
      }
    }
  }
}
