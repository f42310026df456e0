// OpenAI cursor pages ({"object":"list","data","first_id","last_id","has_more"}) for the
// local lists (files, conversation items): `limit` and `after` from the query string, the
// way the SDKs' auto-pagination sends them.
#pragma once

#include <airelays/api_error.hpp>
#include <airelays/http_types.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>

namespace airelays::server::list_page {

struct Query {
  size_t limit = 0;
  std::optional<std::string> after; // id of the last item of the previous page
  bool ascending = false;           // order=asc
};

// Reads limit (1..max_limit, default default_limit), after and order (asc|desc, default
// desc) from the query string; 400 naming the parameter when one is malformed.
std::variant<Query, api_error::ApiError> read_query(const http::Request& req, size_t default_limit,
                                                    size_t max_limit);

// The page of `items` (objects with "id", already in the requested order) after q.after.
nlohmann::json page(const nlohmann::json& items, const Query& q);

} // namespace airelays::server::list_page
