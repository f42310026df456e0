// The generation pipeline's dialects (dialect.hpp): the route table, an upstream event parsed
// once, and every dialect planning into the same Plan and naming what differs in its pipeline.
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
