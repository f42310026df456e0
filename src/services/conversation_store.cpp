// Conversations and stored responses on disk (see conversation_store.hpp).
#include <airelays/atomic_file.hpp>
#include <airelays/conversation_store.hpp>
#include <airelays/paths.hpp>
#include <airelays/random.hpp>
#include <airelays/text.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace airelays::conversation_store {

namespace fs = std::filesystem;

namespace {

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool is_conversation_id(const std::string& id) {
  return id.size() == 37 && id.compare(0, 5, "conv_") == 0 &&
         text::is_hex(std::string_view(id).substr(5));
}

// Response ids come from the upstream ("resp_…"); only safe file-name characters are used.
bool is_safe_response_id(const std::string& id) {
  return !id.empty() && id.size() <= 200 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

nlohmann::json to_disk(const Conversation& c) {
  return {{"id", c.id},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at},
          {"metadata", c.metadata},
          {"items", c.items}};
}

std::optional<Conversation> from_disk(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) {
    return std::nullopt;
  }
  auto id = j.find("id");
  auto created = j.find("created_at");
  auto updated = j.find("updated_at");
  auto metadata = j.find("metadata");
  auto items = j.find("items");
  if (id == j.end() || !id->is_string() || created == j.end() || !created->is_number_integer() ||
      updated == j.end() || !updated->is_number_integer() || metadata == j.end() ||
      !metadata->is_object() || items == j.end() || !items->is_array()) {
    return std::nullopt;
  }
  return Conversation{id->get<std::string>(), created->get<int64_t>(), updated->get<int64_t>(),
                      *metadata, *items};
}

} // namespace

nlohmann::json to_openai(const Conversation& c) {
  return {{"id", c.id},
          {"object", "conversation"},
          {"created_at", c.created_at},
          {"updated_at", c.updated_at},
          {"metadata", c.metadata}};
}

void assign_item_ids(nlohmann::json& items) {
  for (auto& item : items) {
    if (!item.is_object()) {
      continue;
    }
    auto id = item.find("id");
    if (id != item.end() && id->is_string() && !id->get<std::string>().empty()) {
      continue;
    }
    auto type = item.find("type");
    bool message =
        (type == item.end() && item.contains("role")) || (type != item.end() && *type == "message");
    item["id"] = (message ? "msg_" : "item_") + random::hex(32);
  }
}

ConversationStore::ConversationStore(std::string dir, int max_responses, Clock now)
    : m_dir(std::move(dir)), m_max_responses(std::max(max_responses, 0)), m_now(std::move(now)) {}

Result<std::unique_ptr<ConversationStore>>
ConversationStore::open(std::string dir, int max_stored_responses, Clock now) {
  for (const auto& d : {dir, dir + "/responses"}) {
    Status made = paths::ensure_private_dir(d);
    if (!made) {
      return made.error();
    }
  }
  std::unique_ptr<ConversationStore> store(
      new ConversationStore(std::move(dir), max_stored_responses, std::move(now)));
  Status loaded = store->load_responses();
  if (!loaded) {
    return loaded.error();
  }
  return store;
}

std::string ConversationStore::conversation_path(const std::string& id) const {
  return m_dir + "/" + id + ".json";
}

std::string ConversationStore::response_path(int64_t sequence, const std::string& id) const {
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "%012lld", static_cast<long long>(sequence));
  return m_dir + "/responses/" + prefix + "-" + id + ".json";
}

// Response files are named <sequence>-<id>.json, so the index is built from names alone.
Status ConversationStore::load_responses() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_dir + "/responses", ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(".", 0) == 0 && name.find(".tmp-") != std::string::npos) {
      std::error_code rm;
      fs::remove(entry.path(), rm); // the temp file of a write a crash interrupted
      continue;
    }
    bool digits = name.size() > 18 && std::all_of(name.begin(), name.begin() + 12,
                                                  [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || name[12] != '-' || name.compare(name.size() - 5, 5, ".json") != 0) {
      continue;
    }
    int64_t sequence = std::stoll(name.substr(0, 12));
    std::string id = name.substr(13, name.size() - 18);
    m_responses[id] = sequence;
    m_next_sequence = std::max(m_next_sequence, sequence + 1);
  }
  if (ec) {
    return make_error("cannot read " + m_dir + "/responses: " + ec.message());
  }
  evict_locked();
  return ok_status();
}

void ConversationStore::evict_locked() {
  while (m_responses.size() > static_cast<size_t>(m_max_responses)) {
    auto oldest =
        std::min_element(m_responses.begin(), m_responses.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    (void)atomic_file::remove(response_path(oldest->second, oldest->first));
    m_responses.erase(oldest);
  }
}

Status ConversationStore::write(const Conversation& c) const {
  return atomic_file::write(conversation_path(c.id), to_disk(c).dump());
}

Result<std::optional<Conversation>> ConversationStore::read_locked(const std::string& id) const {
  if (!is_conversation_id(id)) {
    return std::optional<Conversation>{};
  }
  auto text = atomic_file::read(conversation_path(id));
  if (!text) {
    return text.error();
  }
  if (!*text) {
    return std::optional<Conversation>{};
  }
  auto c = from_disk(**text);
  if (!c) {
    return make_error("the stored conversation " + id + " is damaged");
  }
  return c;
}

Result<Conversation> ConversationStore::create(nlohmann::json metadata, nlohmann::json items) {
  Conversation c;
  c.id = "conv_" + random::hex(32);
  c.created_at = c.updated_at = m_now();
  c.metadata = metadata.is_object() ? std::move(metadata) : nlohmann::json::object();
  c.items = items.is_array() ? std::move(items) : nlohmann::json::array();
  assign_item_ids(c.items);
  std::lock_guard lock(m_mutex);
  Status written = write(c);
  if (!written) {
    return written.error();
  }
  return c;
}

Result<std::optional<Conversation>> ConversationStore::get(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  return read_locked(id);
}

Result<std::optional<Conversation>>
ConversationStore::update_metadata(const std::string& id, const nlohmann::json& metadata) {
  std::lock_guard lock(m_mutex);
  auto c = read_locked(id);
  if (!c || !*c) {
    return c;
  }
  if (metadata.is_object()) {
    for (const auto& [key, value] : metadata.items()) {
      (*c)->metadata[key] = value;
    }
  }
  (*c)->updated_at = m_now();
  Status written = write(**c);
  if (!written) {
    return written.error();
  }
  return c;
}

Result<bool> ConversationStore::remove(const std::string& id) {
  std::lock_guard lock(m_mutex);
  if (!is_conversation_id(id) || !fs::exists(conversation_path(id))) {
    return false;
  }
  Status removed = atomic_file::remove(conversation_path(id));
  if (!removed) {
    return removed.error();
  }
  return true;
}

Result<std::optional<nlohmann::json>> ConversationStore::append_items(const std::string& id,
                                                                      nlohmann::json items) {
  std::lock_guard lock(m_mutex);
  auto c = read_locked(id);
  if (!c) {
    return c.error();
  }
  if (!*c) {
    return std::optional<nlohmann::json>{};
  }
  assign_item_ids(items);
  for (const auto& item : items) {
    (*c)->items.push_back(item);
  }
  (*c)->updated_at = m_now();
  Status written = write(**c);
  if (!written) {
    return written.error();
  }
  return std::optional<nlohmann::json>(std::move(items));
}

Result<bool> ConversationStore::remove_item(const std::string& id, const std::string& item_id) {
  std::lock_guard lock(m_mutex);
  auto c = read_locked(id);
  if (!c || !*c) {
    return c ? Result<bool>(false) : Result<bool>(c.error());
  }
  auto& items = (*c)->items;
  auto it = std::find_if(items.begin(), items.end(), [&](const nlohmann::json& item) {
    auto iid = item.find("id");
    return iid != item.end() && iid->is_string() && *iid == item_id;
  });
  if (it == items.end()) {
    return false;
  }
  items.erase(it);
  (*c)->updated_at = m_now();
  Status written = write(**c);
  if (!written) {
    return written.error();
  }
  return true;
}

Status ConversationStore::put_response(const StoredResponse& response) {
  return put_response(response.id, json_text(response.input), response.output);
}

Status ConversationStore::put_response(const std::string& id, const std::string& input_text,
                                       const nlohmann::json& output) {
  if (!is_safe_response_id(id) || m_max_responses == 0) {
    return ok_status();
  }
  // The record's text written piece by piece: a tree of it would copy a large input.
  std::string record = "{\"id\":" + json_text(id) + ",\"input\":" + input_text +
                       ",\"output\":" + json_text(output) + "}";
  int64_t sequence = 0;
  {
    std::lock_guard lock(m_mutex);
    sequence = m_next_sequence++;
  }
  // Written outside the lock and without fsync: this is on every Responses request's path,
  // and a stored response is a cache (a lost one reads as unknown, see response()).
  Status written =
      atomic_file::write(response_path(sequence, id), record, 0600, atomic_file::Sync::cache);
  if (!written) {
    return written;
  }
  std::lock_guard lock(m_mutex);
  if (auto old = m_responses.find(id); old != m_responses.end()) {
    if (old->second > sequence) { // a newer copy of the same id landed first: keep it
      (void)atomic_file::remove(response_path(sequence, id));
      return ok_status();
    }
    (void)atomic_file::remove(response_path(old->second, old->first));
    m_responses.erase(old);
  }
  m_responses[id] = sequence;
  evict_locked();
  return ok_status();
}

Result<std::optional<StoredResponse>> ConversationStore::response(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  auto it = m_responses.find(id);
  if (it == m_responses.end()) {
    return std::optional<StoredResponse>{};
  }
  auto text = atomic_file::read(response_path(it->second, it->first));
  if (!text) {
    return text.error();
  }
  if (!*text) {
    return std::optional<StoredResponse>{};
  }
  nlohmann::json j = nlohmann::json::parse(**text, nullptr, false);
  auto input = j.is_object() ? j.find("input") : j.end();
  auto output = j.is_object() ? j.find("output") : j.end();
  if (!j.is_object() || input == j.end() || !input->is_array() || output == j.end() ||
      !output->is_array()) {
    return std::optional<StoredResponse>{}; // cut short by a power loss: as if evicted
  }
  return std::optional<StoredResponse>(StoredResponse{id, *input, *output});
}

size_t ConversationStore::stored_responses() const {
  std::lock_guard lock(m_mutex);
  return m_responses.size();
}

} // namespace airelays::conversation_store
