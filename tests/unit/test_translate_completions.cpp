// translate_completions: the golden prompt request, the parameters rejected with a reason, and
// text_completion results streamed (whole and split at every offset) and not.
#include "xlate_test_data.hpp"

#include <airelays/responses.hpp>
#include <airelays/translate_completions.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

namespace {

json base() { return {{"model", "gpt-5.5"}, {"prompt", "Say hi"}}; }

api_error::ApiError plan_err(const json& body) {
  auto r = translate_completions::plan_request(body);
  REQUIRE(std::holds_alternative<api_error::ApiError>(r));
  return std::get<api_error::ApiError>(r);
}

std::string translate(const std::string& text, const std::vector<size_t>& cuts, bool usage) {
  translate_completions::CompletionsStream st("cmpl-test", 7, "gpt-5.5", usage);
  std::string out;
  for (const auto& ev : xlate_test::parse_split(text, cuts)) {
    out += st.feed(ev);
  }
  return out + st.finish();
}

std::vector<std::string> frames(const std::string& out) {
  std::vector<std::string> d;
  for (const auto& ev : xlate_test::parse_all(out)) {
    d.push_back(ev.data);
  }
  return d;
}

} // namespace

TEST_CASE("translate_completions matches the golden upstream request") {
  json golden = xlate_test::read_json("completions_simple.json");
  auto r = translate_completions::plan_request(golden["request"]);
  REQUIRE(std::holds_alternative<translate_completions::CompletionsPlan>(r));
  auto& plan = std::get<translate_completions::CompletionsPlan>(r);
  CHECK(plan.upstream == golden["upstream"]);
  CHECK(json(plan.ignored) == golden["ignored"]);
  CHECK(!plan.stream);
}

TEST_CASE("translate_completions rejects parameters it cannot honour with the reason") {
  for (auto [key, value] : std::vector<std::pair<const char*, json>>{
           {"best_of", 2}, {"echo", true}, {"logprobs", 3}, {"suffix", "end"}}) {
    CAPTURE(key);
    json b = base();
    b[key] = value;
    auto e = plan_err(b);
    CHECK(e.status == 422);
    CHECK(e.param == key);
    CHECK(e.message.find(key) != std::string::npos);
  }
  json harmless = base();
  harmless["best_of"] = 1;
  harmless["echo"] = false;
  harmless["logprobs"] = nullptr;
  CHECK(std::holds_alternative<translate_completions::CompletionsPlan>(
      translate_completions::plan_request(harmless)));
  json n = base();
  n["n"] = 3;
  CHECK(plan_err(n).status == 422);
  json several = base();
  several["prompt"] = {"a", "b"};
  CHECK(plan_err(several).status == 422);
  json tokens = base();
  tokens["prompt"] = {{1, 2, 3}};
  CHECK(plan_err(tokens).status == 422);
  json bad = base();
  bad["prompt"] = 5;
  CHECK(plan_err(bad).status == 400);
  json nomodel = base();
  nomodel.erase("model");
  CHECK(plan_err(nomodel).param == "model");
  json store = base();
  store["store"] = true;
  CHECK(plan_err(store).status == 400);
}

TEST_CASE("CompletionsStream streams text, the finish chunk, usage and [DONE]") {
  std::string out = translate(xlate_test::read_data("sample_sse_full.txt"), {}, true);
  auto f = frames(out);
  REQUIRE(f.size() == 5);
  auto first = json::parse(f[0]);
  CHECK(first["object"] == "text_completion");
  CHECK(first["id"] == "cmpl-test");
  CHECK(first["choices"][0]["text"] == "Hi");
  CHECK(json::parse(f[1])["choices"][0]["text"] == " there.");
  auto fin = json::parse(f[2]);
  CHECK(fin["choices"][0]["text"] == "");
  CHECK(fin["choices"][0]["finish_reason"] == "stop");
  CHECK(json::parse(f[3])["usage"]["completion_tokens"] == 12);
  CHECK(f[4] == "[DONE]");
}

TEST_CASE("CompletionsStream output is identical split at every byte offset") {
  for (const char* name : {"sample_sse_full.txt", "sample_sse_minimal.txt"}) {
    std::string text = xlate_test::read_data(name);
    std::string whole = translate(text, {}, false);
    for (size_t i = 1; i < text.size(); ++i) {
      if (translate(text, {i}, false) != whole) {
        FAIL(name << ": split at " << i << " changed the output");
      }
    }
  }
  auto minimal = frames(translate(xlate_test::read_data("sample_sse_minimal.txt"), {}, false));
  REQUIRE(minimal.size() == 3);
  CHECK(json::parse(minimal[0])["choices"][0]["text"] == "Hi there.");
}

TEST_CASE("CompletionsStream: failures are one error event without [DONE]") {
  std::string cut = "data: {\"type\":\"response.output_text.delta\",\"delta\":\"x\"}\n\n";
  auto f = frames(translate(cut, {}, false));
  REQUIRE(f.size() == 2);
  CHECK(json::parse(f[1])["error"]["code"] == "incomplete_stream");
  std::string quota =
      "data: {\"type\":\"error\",\"error\":{\"type\":\"usage_limit_reached\","
      "\"message\":\"The usage limit has been reached\",\"resets_in_seconds\":60}}\n\n";
  auto q = frames(translate(quota, {}, false));
  REQUIRE(q.size() == 1);
  CHECK(json::parse(q[0])["error"]["code"] == "usage_limit_reached");
}

TEST_CASE("completions completion_from_response: text, length, usage") {
  json r = {{"id", "resp_1"},
            {"model", "gpt-5.5"},
            {"status", "incomplete"},
            {"incomplete_details", {{"reason", "max_output_tokens"}}},
            {"output",
             {{{"type", "message"}, {"content", {{{"type", "output_text"}, {"text", "abc"}}}}}}},
            {"usage", {{"input_tokens", 4}, {"output_tokens", 3}, {"total_tokens", 7}}}};
  auto c = translate_completions::completion_from_response(r, "cmpl-1", 9, "x");
  CHECK(c["object"] == "text_completion");
  CHECK(c["id"] == "cmpl-1");
  CHECK(c["choices"][0]["text"] == "abc");
  CHECK(c["choices"][0]["finish_reason"] == "length");
  CHECK(c["choices"][0]["logprobs"].is_null());
  CHECK(c["usage"] == json{{"prompt_tokens", 4},
                           {"completion_tokens", 3},
                           {"total_tokens", 7},
                           {"prompt_tokens_details", {{"cached_tokens", 0}}},
                           {"completion_tokens_details", {{"reasoning_tokens", 0}}}});
  r.erase("model");
  CHECK(translate_completions::completion_from_response(r, "c", 1, "fallback")["model"] ==
        "fallback");
}
