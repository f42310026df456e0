// Local state for the Conversations API and previous_response_id. The ChatGPT backend runs
// with store:false and remembers nothing, so the relay keeps (a) conversations — metadata and
// the items exchanged so far, one JSON file each under the data dir's conversations/ — and
// (b) completed responses — their input and output, one JSON file each under
// conversations/responses/, at most [conversations] max_stored_responses of them, the oldest
// evicted. Every file is written atomically (temp + rename, 0600), so a crash leaves the
// previous or the next version, never a torn one; conversations are also fsynced, stored
// responses are not (a cache on every request's path: one lost to a power loss reads as
// unknown). Ids given by clients are checked
// against their format before they name a file.
#pragma once

#include <airelays/error.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace airelays::conversation_store {

struct Conversation {
  std::string id; // conv_<32 hex>
  int64_t created_at = 0;
  int64_t updated_at = 0;
  nlohmann::json metadata = nlohmann::json::object();
  nlohmann::json items = nlohmann::json::array(); // every item has a string "id"
};

// The OpenAI conversation object: {"id","object":"conversation","created_at","metadata"}.
nlohmann::json to_openai(const Conversation& c);

struct StoredResponse {
  std::string id;
  nlohmann::json input = nlohmann::json::array();  // everything the model was given
  nlohmann::json output = nlohmann::json::array(); // the response's output items
};

using Clock = std::function<int64_t()>;

class ConversationStore {
public:
  // Opens the store in dir (created 0700) keeping at most max_stored_responses responses.
  static Result<std::unique_ptr<ConversationStore>> open(std::string dir, int max_stored_responses,
                                                         Clock now);

  // A new conversation with the given metadata (object) and initial items (array); items
  // without an id get one.
  Result<Conversation> create(nlohmann::json metadata, nlohmann::json items);
  // nullopt when there is no such conversation.
  Result<std::optional<Conversation>> get(const std::string& id) const;
  // Merges metadata keys into the conversation's (shallow; added or overwritten).
  Result<std::optional<Conversation>> update_metadata(const std::string& id,
                                                      const nlohmann::json& metadata);
  Result<bool> remove(const std::string& id);
  // Appends items (ids added where missing); returns the items as stored, or nullopt when
  // there is no such conversation.
  Result<std::optional<nlohmann::json>> append_items(const std::string& id, nlohmann::json items);
  // Removes one item; false when the conversation or the item does not exist.
  Result<bool> remove_item(const std::string& id, const std::string& item_id);

  // Keeps a completed response, evicting the oldest beyond the bound.
  Status put_response(const StoredResponse& response);
  // The same with the input given as JSON text (an array), so a large one is not parsed
  // into a tree only to be written out again.
  Status put_response(const std::string& id, const std::string& input_text,
                      const nlohmann::json& output);
  // nullopt when unknown or evicted.
  Result<std::optional<StoredResponse>> response(const std::string& id) const;
  size_t stored_responses() const;

private:
  ConversationStore(std::string dir, int max_responses, Clock now);
  Status load_responses();
  void evict_locked(); // drops the oldest responses beyond the bound
  std::string conversation_path(const std::string& id) const;
  std::string response_path(int64_t sequence, const std::string& id) const;
  Status write(const Conversation& c) const;
  Result<std::optional<Conversation>> read_locked(const std::string& id) const;

  std::string m_dir;
  int m_max_responses;
  Clock m_now;
  mutable std::mutex m_mutex;
  std::map<std::string, int64_t> m_responses; // response id → sequence (its file name prefix)
  int64_t m_next_sequence = 1;
};

// Gives every item of `items` (an array) that lacks a string id a fresh one: msg_… for
// messages, item_… otherwise.
void assign_item_ids(nlohmann::json& items);

} // namespace airelays::conversation_store
