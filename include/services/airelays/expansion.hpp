// Local state the stateless ChatGPT backend does not have, applied to an upstream Responses
// request before it is sent: stored files (input_file by file_id / filename), conversations
// (their items prepended; the conversation id becomes the upstream session id) and
// previous_response_id (that response's input and output prepended). After the response
// completes, record() keeps it for previous_response_id and appends to the conversation.
#pragma once

#include <airelays/api_error.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace airelays::file_store {
class FileStore;
}
namespace airelays::conversation_store {
class ConversationStore;
}

namespace airelays::expansion {

struct Context {
  file_store::FileStore* files = nullptr;
  conversation_store::ConversationStore* conversations = nullptr;
};

// What expand() decided, for the upstream call and for record().
struct Plan {
  std::string conversation_id; // the client's conversation, or empty
  std::string session_id;      // upstream session id to send, or empty
  // The client's own new input items, as JSON text: a large input's tree is not held beside
  // the request's through the whole call (issue 14); new_input() parses it when recording.
  std::string new_input_text = "[]";
  nlohmann::json new_input() const;
  // Whether record() will be called: a route that stores nothing does not keep new_input_text.
  bool records = true;
  nlohmann::json history = nlohmann::json::array(); // stored items prepended (as stored)
};

// Rewrites `request` (an upstream Responses request: model, instructions, input[], ...) in
// place; `conversation` and `previous_response_id` are consumed. Returns the error to answer
// (404 unknown file/conversation/response, 422 unusable file) or nullopt.
std::optional<api_error::ApiError> expand(nlohmann::json& request, const Context& ctx, Plan& plan);

// Called once with the final response object of a completed response.
void record(const Context& ctx, const Plan& plan, const nlohmann::json& response);

} // namespace airelays::expansion
