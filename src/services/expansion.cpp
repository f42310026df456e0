// Expansion of stored files, conversations and previous responses (see expansion.hpp).
// History first: the conversation's items or the previous response's input and output are
// prepended to the client's new input; then every file reference in the whole input is
// resolved, so an item stored with a file_id is expanded afresh on each turn.
#include "expansion_files.hpp"

#include <airelays/conversation_store.hpp>
#include <airelays/expansion.hpp>
#include <airelays/file_store.hpp>
#include <airelays/json_util.hpp>
#include <airelays/packed_items.hpp>

namespace airelays::expansion {

using api_error::ApiError;
using nlohmann::json;

namespace {

using json_util::string_at;

// Removes `key` from the request: its value, null when it was absent.
json take(json& request, const char* key) {
  auto it = request.find(key);
  if (it == request.end()) {
    return nullptr;
  }
  json value = std::move(*it);
  request.erase(it);
  return value;
}

// The conversation named by `conversation` ("conv_…" or {"id":"conv_…"}), removed from the
// request; empty when absent.
std::variant<std::string, ApiError> take_conversation(json& request) {
  json value = take(request, "conversation");
  if (value.is_null()) {
    return std::string();
  }
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_object()) {
    if (auto id = string_at(value, "id")) {
      return *id;
    }
  }
  return api_error::bad_request("`conversation` must be a string or an object with string `id`.",
                                "conversation");
}

std::variant<std::string, ApiError> take_previous_response(json& request) {
  json value = take(request, "previous_response_id");
  if (value.is_null()) {
    return std::string();
  }
  if (!value.is_string()) {
    return api_error::bad_request("`previous_response_id` must be a string.",
                                  "previous_response_id");
  }
  return value.get<std::string>();
}

ApiError store_failure(const Error& e) {
  return api_error::make(500, "The local conversation store failed: " + e.message,
                         std::string("conversation_store_error"));
}

// Items the stateless backend can take back: a reasoning item is only usable with its
// encrypted_content (with store:false the backend cannot look it up by id).
json replayable(const json& items) {
  json out = json::array();
  for (const auto& item : items) {
    if (item.is_object() && string_at(item, "type") == std::optional<std::string>("reasoning") &&
        !(item.contains("encrypted_content") && item["encrypted_content"].is_string())) {
      continue;
    }
    out.push_back(item);
  }
  return out;
}

std::optional<ApiError> load_conversation(const Context& ctx, const std::string& id, Plan& plan) {
  if (!ctx.conversations) {
    return api_error::make(404, "No conversation found with id '" + id + "'.",
                           std::string("conversation_not_found"), std::string("conversation"));
  }
  auto c = ctx.conversations->get(id);
  if (!c) {
    return store_failure(c.error());
  }
  if (!c.value()) {
    return api_error::make(404, "No conversation found with id '" + id + "'.",
                           std::string("conversation_not_found"), std::string("conversation"));
  }
  plan.conversation_id = id;
  plan.session_id = id;
  plan.history = c.value()->items;
  return std::nullopt;
}

std::optional<ApiError> load_previous(const Context& ctx, const std::string& id, Plan& plan) {
  auto missing = api_error::make(
      404,
      "Previous response with id '" + id +
          "' not found. airelays keeps the last [conversations] max_stored_responses "
          "responses it relayed; older ones are evicted.",
      std::string("previous_response_not_found"), std::string("previous_response_id"));
  if (!ctx.conversations) {
    return missing;
  }
  auto r = ctx.conversations->response(id);
  if (!r) {
    return store_failure(r.error());
  }
  if (!r.value()) {
    return missing;
  }
  plan.history = r.value()->input;
  for (const auto& item : r.value()->output) {
    plan.history.push_back(item);
  }
  return std::nullopt;
}

// The client's input as an array of items (relay-core normalises it already; a bare string
// is accepted here too).
json input_items(const json& request) {
  auto it = request.find("input");
  if (it == request.end() || it->is_null()) {
    return json::array();
  }
  if (it->is_string()) {
    return json::array({{{"type", "message"},
                         {"role", "user"},
                         {"content", json::array({{{"type", "input_text"}, {"text", *it}}})}}});
  }
  return it->is_array() ? *it : json::array({*it});
}

// input_items() as JSON text, without a copy of the tree of a large input array.
std::string input_text(const json& request) {
  auto it = request.find("input");
  if (it != request.end() && it->is_array()) {
    return packed_items::dump(*it);
  }
  return packed_items::dump(input_items(request));
}

} // namespace

json Plan::new_input() const { return json::parse(new_input_text); }

std::optional<ApiError> expand(json& request, const Context& ctx, Plan& plan) {
  if (!request.is_object()) {
    return std::nullopt;
  }
  auto conversation = take_conversation(request);
  if (auto* e = std::get_if<ApiError>(&conversation)) {
    return *e;
  }
  auto previous = take_previous_response(request);
  if (auto* e = std::get_if<ApiError>(&previous)) {
    return *e;
  }
  const auto& conv_id = std::get<std::string>(conversation);
  const auto& prev_id = std::get<std::string>(previous);
  if (!conv_id.empty() && !prev_id.empty()) {
    return api_error::bad_request(
        "`conversation` and `previous_response_id` cannot be used together: the conversation "
        "already carries the history.",
        std::string("previous_response_id"));
  }
  if (plan.records) {
    plan.new_input_text = input_text(request);
  }
  if (!conv_id.empty()) {
    if (auto e = load_conversation(ctx, conv_id, plan)) {
      return e;
    }
  } else if (!prev_id.empty()) {
    if (auto e = load_previous(ctx, prev_id, plan)) {
      return e;
    }
  }
  if (plan.history.empty() && request.contains("input") && request["input"].is_array()) {
    // Nothing to prepend: resolve in place rather than copy a large input a second time.
    return resolve_files(request["input"], ctx.files);
  }
  json input = replayable(plan.history);
  for (auto& item : input_items(request)) {
    input.push_back(std::move(item));
  }
  if (auto e = resolve_files(input, ctx.files)) {
    return e;
  }
  request["input"] = std::move(input);
  return std::nullopt;
}

void record(const Context& ctx, const Plan& plan, const json& response) {
  if (!ctx.conversations || !response.is_object()) {
    return;
  }
  auto status = string_at(response, "status");
  if (status && *status != "completed" && *status != "incomplete") {
    return;
  }
  json output = json::array();
  if (auto it = response.find("output"); it != response.end() && it->is_array()) {
    output = *it;
  }
  if (auto id = string_at(response, "id"); id && !id->empty()) {
    if (plan.history.empty()) { // the input as the client sent it: written as it is
      (void)ctx.conversations->put_response(*id, plan.new_input_text, output);
    } else {
      json input = plan.history;
      for (auto& item : plan.new_input()) {
        input.push_back(std::move(item));
      }
      (void)ctx.conversations->put_response({*id, std::move(input), output});
    }
  }
  if (!plan.conversation_id.empty()) {
    json items = plan.new_input();
    for (const auto& item : output) {
      items.push_back(item);
    }
    (void)ctx.conversations->append_items(plan.conversation_id, std::move(items));
  }
}

} // namespace airelays::expansion
