// Cursor pages of local lists (see list_page.hpp).
#include "list_page.hpp"

namespace airelays::server::list_page {

using nlohmann::json;

std::variant<Query, api_error::ApiError> read_query(const http::Request& req, size_t default_limit,
                                                    size_t max_limit) {
  Query q;
  q.limit = default_limit;
  if (auto limit = req.query_param("limit")) {
    bool digits = !limit->empty() && limit->size() <= 9 &&
                  limit->find_first_not_of("0123456789") == std::string::npos;
    size_t n = digits ? std::stoul(*limit) : 0;
    if (n < 1 || n > max_limit) {
      return api_error::bad_request("`limit` must be an integer from 1 to " +
                                        std::to_string(max_limit) + ".",
                                    std::string("limit"));
    }
    q.limit = n;
  }
  if (auto after = req.query_param("after"); after && !after->empty()) {
    q.after = *after;
  }
  if (auto order = req.query_param("order")) {
    if (*order != "asc" && *order != "desc") {
      return api_error::bad_request("`order` must be `asc` or `desc`.", std::string("order"));
    }
    q.ascending = *order == "asc";
  }
  return q;
}

json page(const json& items, const Query& q) {
  size_t start = 0;
  if (q.after) {
    start = items.size(); // an unknown cursor has nothing after it
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].is_object() && items[i].contains("id") && items[i]["id"] == *q.after) {
        start = i + 1;
        break;
      }
    }
  }
  json data = json::array();
  for (size_t i = start; i < items.size() && data.size() < q.limit; ++i) {
    data.push_back(items[i]);
  }
  bool has_more = start + data.size() < items.size();
  json first = data.empty() ? json(nullptr) : data.front().value("id", json(nullptr));
  json last = data.empty() ? json(nullptr) : data.back().value("id", json(nullptr));
  return {{"object", "list"},
          {"data", data},
          {"first_id", first},
          {"last_id", last},
          {"has_more", has_more}};
}

} // namespace airelays::server::list_page
