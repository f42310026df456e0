// Route group "conversation": the OpenAI Conversations API over the local conversation store
// (the backend runs with store:false and keeps nothing). POST /v1/conversations,
// GET/POST/DELETE /v1/conversations/{id}, GET/POST /v1/conversations/{id}/items and
// GET/DELETE /v1/conversations/{id}/items/{item_id}. The items are what a /v1/responses call
// with `conversation` sends upstream before its new input (see expansion.hpp).
#include "list_page.hpp"
#include "routes.hpp"

#include <airelays/conversation_store.hpp>

#include <algorithm>
#include <vector>

namespace airelays::server {

namespace {

using conversation_store::Conversation;
using nlohmann::json;

http::Response fail(const api_error::ApiError& e) { return http::error(e); }

api_error::ApiError no_such_conversation(const std::string& id) {
  return api_error::make(404, "No conversation found with id '" + id + "'.",
                         std::string("conversation_not_found"), std::string("conversation_id"));
}

http::Response store_failure(const Error& e) {
  return fail(api_error::make(500, "The local conversation store failed: " + e.message,
                              std::string("conversation_store_error")));
}

// The JSON body, or {} when there is none (POST /v1/conversations takes an empty body).
std::variant<json, api_error::ApiError> optional_body(const http::Request& req) {
  if (req.body.empty()) {
    return json::object();
  }
  json body;
  if (auto e = http::parse_json_object(req, body)) {
    return *e;
  }
  return body;
}

// `items`: an array of objects; nullopt when absent or null.
std::variant<json, api_error::ApiError> items_of(const json& body, bool required) {
  auto it = body.find("items");
  if (it == body.end() || it->is_null()) {
    if (required) {
      return api_error::bad_request("Missing required parameter: 'items'.", std::string("items"));
    }
    return json::array();
  }
  if (!it->is_array() || (required && it->empty())) {
    return api_error::bad_request("`items` must be a non-empty array of items.",
                                  std::string("items"));
  }
  for (size_t i = 0; i < it->size(); ++i) {
    if (!(*it)[i].is_object()) {
      return api_error::bad_request("Each item must be an object.",
                                    "items[" + std::to_string(i) + "]");
    }
  }
  return *it;
}

std::variant<json, api_error::ApiError> metadata_of(const json& body, bool required) {
  auto it = body.find("metadata");
  if (it == body.end() || it->is_null()) {
    if (required) {
      return api_error::bad_request("Missing required parameter: 'metadata'.",
                                    std::string("metadata"));
    }
    return json::object();
  }
  if (!it->is_object()) {
    return api_error::bad_request("`metadata` must be an object of string values.",
                                  std::string("metadata"));
  }
  return *it;
}

http::Response create(conversation_store::ConversationStore& store, http::Request& req) {
  auto body = optional_body(req);
  if (auto* e = std::get_if<api_error::ApiError>(&body)) {
    return fail(*e);
  }
  auto metadata = metadata_of(std::get<json>(body), false);
  auto items = items_of(std::get<json>(body), false);
  for (auto* v : {&metadata, &items}) {
    if (auto* e = std::get_if<api_error::ApiError>(v)) {
      return fail(*e);
    }
  }
  auto c = store.create(std::get<json>(metadata), std::get<json>(items));
  if (!c) {
    return store_failure(c.error());
  }
  return http::json(200, conversation_store::to_openai(*c));
}

// The conversation of the {id} path parameter, or the response to answer instead.
std::variant<Conversation, http::Response> lookup(conversation_store::ConversationStore& store,
                                                  http::Request& req) {
  const std::string& id = req.path_params["id"];
  auto c = store.get(id);
  if (!c) {
    return store_failure(c.error());
  }
  if (!c.value()) {
    return fail(no_such_conversation(id));
  }
  return std::move(*c.value());
}

http::Response retrieve(conversation_store::ConversationStore& store, http::Request& req) {
  auto c = lookup(store, req);
  if (auto* r = std::get_if<http::Response>(&c)) {
    return std::move(*r);
  }
  return http::json(200, conversation_store::to_openai(std::get<Conversation>(c)));
}

http::Response update(conversation_store::ConversationStore& store, http::Request& req) {
  json body;
  if (auto e = http::parse_json_object(req, body)) {
    return fail(*e);
  }
  auto metadata = metadata_of(body, true);
  if (auto* e = std::get_if<api_error::ApiError>(&metadata)) {
    return fail(*e);
  }
  const std::string& id = req.path_params["id"];
  auto c = store.update_metadata(id, std::get<json>(metadata));
  if (!c) {
    return store_failure(c.error());
  }
  if (!c.value()) {
    return fail(no_such_conversation(id));
  }
  return http::json(200, conversation_store::to_openai(*c.value()));
}

http::Response remove(conversation_store::ConversationStore& store, http::Request& req) {
  const std::string& id = req.path_params["id"];
  auto removed = store.remove(id);
  if (!removed) {
    return store_failure(removed.error());
  }
  if (!removed.value()) {
    return fail(no_such_conversation(id));
  }
  return http::json(200, {{"id", id}, {"object", "conversation.deleted"}, {"deleted", true}});
}

http::Response list_items(conversation_store::ConversationStore& store, http::Request& req) {
  auto q = list_page::read_query(req, 20, 100);
  if (auto* e = std::get_if<api_error::ApiError>(&q)) {
    return fail(*e);
  }
  auto c = lookup(store, req);
  if (auto* r = std::get_if<http::Response>(&c)) {
    return std::move(*r);
  }
  json items = std::get<Conversation>(c).items;
  if (!std::get<list_page::Query>(q).ascending) {
    std::reverse(items.begin(), items.end());
  }
  return http::json(200, list_page::page(items, std::get<list_page::Query>(q)));
}

http::Response add_items(conversation_store::ConversationStore& store, http::Request& req) {
  json body;
  if (auto e = http::parse_json_object(req, body)) {
    return fail(*e);
  }
  auto items = items_of(body, true);
  if (auto* e = std::get_if<api_error::ApiError>(&items)) {
    return fail(*e);
  }
  const std::string& id = req.path_params["id"];
  auto added = store.append_items(id, std::get<json>(items));
  if (!added) {
    return store_failure(added.error());
  }
  if (!added.value()) {
    return fail(no_such_conversation(id));
  }
  list_page::Query all;
  all.limit = added.value()->size();
  return http::json(200, list_page::page(*added.value(), all));
}

http::Response get_item(conversation_store::ConversationStore& store, http::Request& req) {
  auto c = lookup(store, req);
  if (auto* r = std::get_if<http::Response>(&c)) {
    return std::move(*r);
  }
  const std::string& item_id = req.path_params["item_id"];
  for (const auto& item : std::get<Conversation>(c).items) {
    if (item.is_object() && item.contains("id") && item["id"] == item_id) {
      return http::json(200, item);
    }
  }
  return fail(api_error::make(404, "No item found with id '" + item_id + "' in this conversation.",
                              std::string("item_not_found"), std::string("item_id")));
}

// Deleting an item answers with the conversation, as OpenAI does.
http::Response delete_item(conversation_store::ConversationStore& store, http::Request& req) {
  const std::string& id = req.path_params["id"];
  const std::string& item_id = req.path_params["item_id"];
  auto removed = store.remove_item(id, item_id);
  if (!removed) {
    return store_failure(removed.error());
  }
  if (!removed.value()) {
    auto c = lookup(store, req);
    if (auto* r = std::get_if<http::Response>(&c)) {
      return std::move(*r);
    }
    return fail(api_error::make(404,
                                "No item found with id '" + item_id + "' in this conversation.",
                                std::string("item_not_found"), std::string("item_id")));
  }
  return retrieve(store, req);
}

} // namespace

void register_conversation_routes(Router& r, conversation_store::ConversationStore* conversations) {
  add_store_routes<conversation_store::ConversationStore>(
      r, conversations, "Conversations",
      {
          {"POST", "/v1/conversations", create},
          {"GET", "/v1/conversations/{id}", retrieve},
          {"POST", "/v1/conversations/{id}", update},
          {"DELETE", "/v1/conversations/{id}", remove},
          {"GET", "/v1/conversations/{id}/items", list_items},
          {"POST", "/v1/conversations/{id}/items", add_items},
          {"GET", "/v1/conversations/{id}/items/{item_id}", get_item},
          {"DELETE", "/v1/conversations/{id}/items/{item_id}", delete_item},
      });
}

} // namespace airelays::server
