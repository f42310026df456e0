// responses: the Codex CLI's captured /v1/responses bodies pass through unchanged except for
// what the backend requires; bad bodies are 400/422; upstream events are classified for the
// pre-first-byte rule; failure events map to the client's status; the non-stream response
// object is rebuilt from the stream.
#include "xlate_test_data.hpp"

#include <airelays/json_schema.hpp>
#include <airelays/responses.hpp>

#include <doctest/doctest.h>

using namespace airelays;
using nlohmann::json;

namespace {

responses::Plan plan_ok(const json& body, bool no_tools = false) {
  auto r = responses::plan_request(body, no_tools);
  if (auto* e = std::get_if<api_error::ApiError>(&r)) {
    FAIL("unexpected error " << e->status << ": " << e->message);
  }
  return std::get<responses::Plan>(r);
}

api_error::ApiError plan_err(const json& body, bool no_tools = false) {
  auto r = responses::plan_request(body, no_tools);
  REQUIRE(std::holds_alternative<api_error::ApiError>(r));
  return std::get<api_error::ApiError>(r);
}

json base() { return {{"model", "gpt-5.5"}, {"input", "hi"}}; }

std::variant<json, api_error::ApiError> rebuild(const std::string& sse_text) {
  responses::ResponseAccumulator acc;
  for (const auto& ev : xlate_test::parse_all(sse_text)) {
    acc.feed(ev);
  }
  return acc.finish();
}

// The same stream through the accumulator's parsed feed (every event parsed).
std::variant<json, api_error::ApiError> rebuild_parsed(const std::string& sse_text) {
  responses::ResponseAccumulator acc;
  for (const auto& ev : xlate_test::parse_all(sse_text)) {
    acc.feed(dialect::UpstreamEvent(ev));
  }
  return acc.finish();
}

} // namespace

TEST_CASE("responses passes the Codex CLI's requests through with only instructions added") {
  for (const char* name : {"codex_responses_request.json", "codex_responses_tool_roundtrip.json"}) {
    CAPTURE(name);
    json body = xlate_test::read_json(name);
    auto plan = plan_ok(body);
    json expected = body;
    expected["instructions"] = "."; // Codex sends none; the backend gets the reference default
    CHECK(plan.upstream == expected);
    CHECK(plan.ignored.empty());
    CHECK(plan.stream);
    CHECK(plan.model == "gpt-5.5");
  }
}

TEST_CASE("responses keeps every tool type, additional_tools items and unknown keys") {
  json body = base();
  body["tools"] = {{{"type", "custom"}, {"name", "apply_patch"}},
                   {{"type", "namespace"}, {"name", "image_gen"}},
                   {{"type", "tool_search"}},
                   {{"type", "web_search"}}};
  body["input"] = {{{"type", "additional_tools"}, {"role", "developer"}, {"tools", json::array()}}};
  body["include"] = {"reasoning.encrypted_content"};
  body["something_new"] = {{"x", 1}};
  body["text"] = {{"verbosity", "low"}};
  auto up = plan_ok(body).upstream;
  CHECK(up["tools"] == body["tools"]);
  CHECK(up["input"] == body["input"]);
  CHECK(up["include"] == body["include"]);
  CHECK(up["something_new"] == body["something_new"]);
  CHECK(up["text"] == body["text"]);
}

TEST_CASE("responses forces stream and store, strips and discloses §5.0 parameters in order") {
  json body = base();
  body["max_output_tokens"] = 10;
  body["top_p"] = nullptr;
  body["temperature"] = 0.2;
  body["stream"] = false;
  body["store"] = false;
  auto plan = plan_ok(body);
  CHECK(plan.upstream["stream"] == true);
  CHECK(plan.upstream["store"] == false);
  CHECK(!plan.stream);
  CHECK(plan.ignored == std::vector<std::string>{"temperature", "top_p", "max_output_tokens"});
  CHECK(responses::ignored_header(plan.ignored) == "temperature,top_p,max_output_tokens");
  CHECK(!plan.upstream.contains("temperature"));
  CHECK(plan.upstream["input"] ==
        json::parse(
            R"([{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}])"));
}

TEST_CASE("responses answers bad bodies with 400 and unservable ones with 422") {
  auto with = [](const char* key, json v) {
    json b = base();
    b[key] = std::move(v);
    return b;
  };
  auto store = plan_err(with("store", true));
  CHECK(store.status == 400);
  CHECK(store.param == "store");
  CHECK(plan_err(with("input", 5)).param == "input");
  CHECK(plan_err(with("input", {1})).param == "input[0]");
  CHECK(plan_err(with("input", {{{"type", "message"}, {"content", {"x"}}}})).param ==
        "input[0].content[0]");
  CHECK(plan_err(with("model", nullptr)).param == "model");
  CHECK(plan_err(with("stream", "yes")).param == "stream");
  CHECK(plan_err(with("conversation", 7)).param == "conversation");
  CHECK(plan_err(with("text", "json")).param == "text");
  CHECK(plan_err(with("text", {{"format", {{"type", "json_schema"}}}})).param ==
        "text.format.name");
  CHECK(plan_err(with("tools", "all")).param == "tools");
  CHECK(plan_err(with("background", true)).status == 422);
  json noinput = base();
  noinput.erase("input");
  CHECK(plan_err(noinput).param == "input");
  noinput["previous_response_id"] = "resp_1";
  CHECK(plan_ok(noinput).upstream["input"] == json::array());
  CHECK(plan_err(json::array()).status == 400);
}

TEST_CASE("responses no-tools route refuses tools, tool_choice and additional_tools") {
  json b = base();
  b["tools"] = {{{"type", "web_search"}}};
  CHECK(plan_err(b, true).status == 422);
  json c = base();
  c["tool_choice"] = "auto";
  CHECK(plan_err(c, true).status == 422);
  json d = base();
  d["input"] = {{{"type", "additional_tools"}, {"tools", json::array()}}};
  CHECK(plan_err(d, true).status == 422);
  CHECK(plan_ok(base(), true).upstream["stream"] == true);
}

TEST_CASE("responses turns raw base64 input_file data into a data URL") {
  json b = base();
  b["input"] = {
      {{"type", "message"},
       {"role", "user"},
       {"content", {{{"type", "input_file"}, {"filename", "a.PDF"}, {"file_data", "JVBE"}}}}}};
  CHECK(plan_ok(b).upstream["input"][0]["content"][0]["file_data"] ==
        "data:application/pdf;base64,JVBE");
  b["input"][0]["content"][0]["filename"] = "notes.weird";
  CHECK(plan_err(b).status == 422);
  b["input"][0]["content"][0]["file_data"] = "data:text/plain;base64,aGk=";
  CHECK(plan_ok(b).upstream["input"][0]["content"][0]["file_data"] ==
        "data:text/plain;base64,aGk=");
}

TEST_CASE("json_schema::normalize applies the reference example and nested locations") {
  json s = json::parse(
      R"({"type":"object","properties":{"answer":{"type":"string"},"publisher":{"type":"string"}},"required":["answer"]})");
  CHECK(!json_schema::normalize(s));
  CHECK(
      s ==
      json::parse(
          R"({"type":"object","properties":{"answer":{"type":"string"},"publisher":{"type":["string","null"]}},"required":["answer","publisher"],"additionalProperties":false})"));
  json nested = json::parse(
      R"({"type":"object","properties":{"sources":{"type":"array","items":{"type":"object","properties":{"u":{"type":"string"}},"additionalProperties":true}}}})");
  auto err = json_schema::normalize(nested);
  REQUIRE(err);
  CHECK(err->find("properties.sources.items") != std::string::npos);
  json anyof = json::parse(
      R"({"type":"object","properties":{"v":{"anyOf":[{"type":"string"},{"type":"number"}]},"w":{"$ref":"#/$defs/X"}},"required":[]})");
  CHECK(!json_schema::normalize(anyof));
  CHECK(anyof["properties"]["v"]["anyOf"].size() == 3);
  CHECK(anyof["properties"]["w"].contains("anyOf"));
  json badreq = json::parse(R"({"type":"object","properties":{},"required":"x"})");
  CHECK(json_schema::normalize(badreq));
}

TEST_CASE("responses::classify sorts events for the pre-first-byte rule") {
  using K = responses::EventKind;
  CHECK(responses::classify({"response.created", "{\"type\":\"response.created\"}", ""}) ==
        K::pre_content);
  CHECK(responses::classify({"", "{\"type\":\"response.in_progress\"}", ""}) == K::pre_content);
  CHECK(responses::classify({"", "{\"type\":\"response.output_text.delta\"}", ""}) == K::content);
  CHECK(responses::classify({"", "{\"type\":\"response.completed\"}", ""}) == K::success);
  CHECK(responses::classify({"", "{\"type\":\"response.incomplete\"}", ""}) == K::success);
  CHECK(responses::classify({"error", "{\"code\":\"x\"}", ""}) == K::failure);
  CHECK(responses::classify({"", "{\"type\":\"response.failed\"}", ""}) == K::failure);
  CHECK(responses::classify({"", "garbage", ""}) == K::ignored);
}

TEST_CASE("responses::failure_error maps upstream failures to the client's status") {
  auto quota = responses::failure_error(json::parse(
      R"({"type":"error","error":{"type":"usage_limit_reached","message":"The usage limit has been reached","resets_in_seconds":3600,"resets_at":1795400000,"plan_type":"plus"}})"));
  CHECK(quota.status == 429);
  CHECK(quota.extras["resets_at"] == 1795400000); // an in-stream limit keeps its extras too
  CHECK(quota.extras["plan_type"] == "plus");
  CHECK(quota.code == "usage_limit_reached");
  CHECK(quota.retry_after == 3600);
  CHECK(quota.message == "The usage limit has been reached");
  auto rate = responses::failure_error(json::parse(
      R"({"type":"response.failed","response":{"error":{"code":"rate_limit_exceeded","message":"Please try again in 1.5s."}}})"));
  CHECK(rate.status == 429);
  CHECK(rate.retry_after == 2);
  auto ctx = responses::failure_error(json::parse(
      R"({"type":"response.failed","response":{"error":{"code":"context_length_exceeded","message":"too long"}}})"));
  CHECK(ctx.status == 400);
  auto over = responses::failure_error(json::parse(
      R"({"type":"error","code":"server_is_overloaded","message":"Our servers are currently overloaded."})"));
  CHECK(over.status == 502);
  CHECK(over.code == "server_is_overloaded");
  auto none = responses::failure_error(json::parse(R"({"type":"error"})"));
  CHECK(none.code == "incomplete_stream");
  CHECK(responses::failure_error(json("x")).status == 502);
}

TEST_CASE("ResponseAccumulator rebuilds the response object from the full stream") {
  auto r = rebuild(xlate_test::read_data("sample_sse_full.txt"));
  REQUIRE(std::holds_alternative<json>(r));
  json resp = std::get<json>(r);
  CHECK(resp["id"] == "resp_be581d7fca213c5f7f1749d3");
  CHECK(resp["object"] == "response");
  CHECK(resp["status"] == "completed");
  CHECK(resp["usage"]["total_tokens"] == 1246);
  REQUIRE(resp["output"].size() == 1);
  CHECK(responses::output_text(resp) == "Hi there.");
}

TEST_CASE("ResponseAccumulator takes output items over an empty response.output") {
  auto r = rebuild(xlate_test::read_data("sample_sse_minimal.txt"));
  REQUIRE(std::holds_alternative<json>(r));
  json resp = std::get<json>(r);
  CHECK(resp["id"] == "resp_7f1dfbab0588d58a668952d4");
  CHECK(responses::output_text(resp) == "Hi there.");
  auto delta_only = rebuild(
      "data: {\"type\":\"response.output_text.delta\",\"delta\":\"a\"}\n\n"
      "data: {\"type\":\"response.output_text.delta\",\"delta\":\"b\"}\n\n"
      "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"output\":[]}}\n\n");
  CHECK(responses::output_text(std::get<json>(delta_only)) == "ab");
  // Named events, as the backend sends them: deltas kept unparsed until needed, the events
  // the rebuilt object takes nothing from skipped.
  auto named = rebuild(
      "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\"}\n\n"
      "event: response.output_text.delta\ndata: "
      "{\"type\":\"response.output_text.delta\",\"delta\":\"x\"}\n\n"
      "event: response.output_text.done\ndata: "
      "{\"type\":\"response.output_text.done\",\"text\":\"ignored\"}\n\n"
      "event: response.output_text.delta\ndata: "
      "{\"type\":\"response.output_text.delta\",\"delta\":\"y\"}\n\n"
      "event: response.completed\ndata: "
      "{\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"output\":[]}}\n\n");
  REQUIRE(std::holds_alternative<json>(named));
  CHECK(responses::output_text(std::get<json>(named)) == "xy");
  CHECK(std::get<json>(named)["id"] == "r");
}

TEST_CASE("ResponseAccumulator orders items by output_index") {
  auto r = rebuild("data: "
                   "{\"type\":\"response.output_item.done\",\"output_index\":1,\"item\":{\"type\":"
                   "\"function_call\",\"call_id\":\"c\"}}\n\n"
                   "data: "
                   "{\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":"
                   "\"reasoning\"}}\n\n"
                   "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\"}}\n\n");
  json resp = std::get<json>(r);
  CHECK(resp["output"][0]["type"] == "reasoning");
  CHECK(responses::function_calls(resp).size() == 1);
}

TEST_CASE("ResponseAccumulator turns failed, cut and empty streams into errors") {
  auto failed = rebuild("data: "
                        "{\"type\":\"response.failed\",\"response\":{\"error\":{\"code\":\"server_"
                        "is_overloaded\",\"message\":\"busy\"}}}\n\n");
  REQUIRE(std::holds_alternative<api_error::ApiError>(failed));
  CHECK(std::get<api_error::ApiError>(failed).status == 502);
  CHECK(std::get<api_error::ApiError>(failed).message == "busy");
  auto cut = rebuild("data: {\"type\":\"response.created\",\"response\":{\"id\":\"r\"}}\n\n");
  CHECK(std::get<api_error::ApiError>(cut).code == "incomplete_stream");
  auto empty = rebuild("");
  CHECK(std::get<api_error::ApiError>(empty).message ==
        "Upstream stream ended without a response payload.");
  auto incomplete =
      rebuild("data: "
              "{\"type\":\"response.incomplete\",\"response\":{\"id\":\"r\",\"status\":"
              "\"incomplete\",\"incomplete_details\":{\"reason\":\"max_output_tokens\"}}}\n\n");
  REQUIRE(std::holds_alternative<json>(incomplete));
  CHECK(responses::hit_length_limit(std::get<json>(incomplete)));
}

TEST_CASE("ResponseAccumulator reads named response.created/in_progress only when the terminal "
          "event has no response") {
  std::string early = "event: response.created\ndata: "
                      "{\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"model\":\"early-"
                      "model\",\"status\":\"in_progress\"}}\n\n"
                      "event: response.in_progress\ndata: "
                      "{\"type\":\"response.in_progress\",\"response\":{\"id\":\"r\",\"status\":"
                      "\"in_progress\",\"note\":\"kept\"}}\n\n";
  // The terminal response replaces the snapshots.
  auto whole = rebuild(
      early +
      "event: response.completed\ndata: "
      "{\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"status\":\"completed\"}}\n\n");
  REQUIRE(std::holds_alternative<json>(whole));
  CHECK(std::get<json>(whole)["status"] == "completed");
  CHECK_FALSE(std::get<json>(whole).contains("model"));
  // A terminal event without a response: the snapshots, the later one winning.
  auto bare =
      rebuild(early + "event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n");
  REQUIRE(std::holds_alternative<json>(bare));
  CHECK(std::get<json>(bare)["model"] == "early-model");
  CHECK(std::get<json>(bare)["note"] == "kept");
  // Cut after the snapshots: an incomplete stream; with no response in them, no payload at all.
  CHECK(std::get<api_error::ApiError>(rebuild(early)).code == "incomplete_stream");
  CHECK(std::get<api_error::ApiError>(
            rebuild("event: response.created\ndata: {\"type\":\"response.created\"}\n\n"))
            .message == "Upstream stream ended without a response payload.");
}

TEST_CASE("ResponseAccumulator skips unparsed only events that cannot change the response") {
  // Each stream mixes a skippable-looking event with something that makes it matter: a
  // response object, a data type other than its name, a second or escaped "type" key,
  // data that is not JSON; the result must be what parsing every event gives.
  std::string done = "event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n";
  std::string created = "event: response.created\ndata: "
                        "{\"type\":\"response.created\",\"response\":{\"id\":\"r1\"}}\n\n";
  for (const char* odd : {
           "event: response.content_part.added\ndata: {\"type\":\"response.content_part.added\","
           "\"response\":{\"model\":\"from-part\"}}\n\n",
           "event: response.content_part.added\ndata: {\"type\":\"response.created\","
           "\"response\":{\"model\":\"renamed\"}}\n\n",
           "event: response.content_part.added\ndata: {\"type\":\"response.content_part.added\","
           "\"type\":\"response.output_text.delta\",\"delta\":\"dup\"}\n\n",
           "event: response.content_part.added\ndata: {\"type\":\"response.content_part.added\","
           "\"respons\\u0065\":{\"model\":\"escaped\"}}\n\n",
           "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\"\n\n",
           "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
           "\"delta\":\"d\\u00e9\"}\n\nevent: response.output_text.delta\ndata: {\"type\":"
           "\"response.output_text.delta\",\"t\\u0079pe\":\"x\",\"delta\":\"-e\"}\n\n"
           "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
           "\"delta\":\"f\"}\n\n",
           "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"model\":"
           "\"m\\\"q\",\"id\":\"r2\"}} trailing\n\n",
           "event: response.in_progress\ndata: {\"type\":\"response.in_progress\",\"response\":"
           "{\"id\":\"r3\",\"note\":\"[{\\\"\"}}\n\n",
       }) {
    CAPTURE(odd);
    for (const std::string& stream : {created + odd + done, odd + created + done, odd + done}) {
      auto fast = rebuild(stream);
      auto parsed = rebuild_parsed(stream);
      REQUIRE(fast.index() == parsed.index());
      if (auto* j = std::get_if<json>(&fast)) {
        CHECK(*j == std::get<json>(parsed));
      } else {
        CHECK(std::get<api_error::ApiError>(fast).message ==
              std::get<api_error::ApiError>(parsed).message);
      }
    }
  }
}

TEST_CASE("ResponseAccumulator: a long item-less stream keeps its whole text, deltas around "
          "items do not matter") {
  auto delta = [](const std::string& text) {
    return "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
           "\"delta\":\"" +
           text + "\"}\n\n";
  };
  std::string done = "event: response.completed\ndata: {\"type\":\"response.completed\"}\n\n";
  std::string item =
      "event: response.output_item.done\ndata: {\"type\":"
      "\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":"
      "\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"whole\"}]}}\n\n";
  std::string long_text; // past the bytes kept unparsed, with a parsed (odd) delta midway
  std::string expected;
  for (int i = 0; i < 3000; ++i) {
    std::string piece = "piece " + std::to_string(i) + " of a long answer; ";
    long_text += delta(piece);
    expected += piece;
    if (i == 1500) {
      long_text += "event: response.output_text.delta\ndata: {\"type\":"
                   "\"response.output_text.delta\",\"t\\u0079pe\":\"response.output_text.delta\","
                   "\"delta\":\"(odd)\"}\n\n";
      expected += "(odd)";
    }
  }
  auto fast = rebuild(long_text + done);
  REQUIRE(std::holds_alternative<json>(fast));
  CHECK(responses::output_text(std::get<json>(fast)) == expected);
  CHECK(std::get<json>(fast) == std::get<json>(rebuild_parsed(long_text + done)));
  for (const std::string& stream : {delta("a") + item + delta("b") + done, item + delta("a") + done,
                                    long_text + item + delta("c") + done}) {
    auto got = rebuild(stream);
    REQUIRE(std::holds_alternative<json>(got));
    CHECK(responses::output_text(std::get<json>(got)) == "whole");
    CHECK(std::get<json>(got) == std::get<json>(rebuild_parsed(stream)));
  }
}
