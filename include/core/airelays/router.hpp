// Route table of the relay: method + path pattern ("/v1/files/{id}") → handler. Pure, so the
// 404/405 decisions and {id} captures are unit-tested without sockets.
#pragma once

#include <airelays/http_types.hpp>

#include <functional>
#include <string>
#include <vector>

namespace airelays::server {

using Handler = std::function<http::Response(http::Request&)>;

class Router {
public:
  // Adds a route; `pattern` segments in braces capture into Request::path_params.
  void add(std::string method, std::string pattern, Handler handler);
  // Adds one route for `prefix` and every path up to `depth` segments below it (nothing
  // captured): what `depth + 1` patterns ending in {a}/{b}/… would match, as one entry.
  void add_subtree(std::string method, std::string prefix, size_t depth, Handler handler);

  enum class Match { found, wrong_method, none };
  // Finds the handler for method+path, filling params; wrong_method when only the path matches.
  Match match(const std::string& method, const std::string& path, const Handler** handler,
              std::map<std::string, std::string>& params) const;
  // The methods allowed on path (for a 405's Allow header).
  std::vector<std::string> allowed_methods(const std::string& path) const;

private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    size_t below = 0; // extra segments a subtree route accepts after `segments`
  };
  std::vector<Route> m_routes;
};

} // namespace airelays::server
