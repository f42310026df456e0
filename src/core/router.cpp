// Route matching by path segments (see router.hpp).
#include <airelays/router.hpp>

#include <algorithm>

namespace airelays::server {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string::npos) {
      j = path.size();
    }
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

// `below` extra path segments may follow the pattern's (a subtree route); split_path never
// yields an empty segment, so each is what a {capture} would have accepted.
bool segments_match(const std::vector<std::string>& pattern, size_t below,
                    const std::vector<std::string>& path,
                    std::map<std::string, std::string>* params) {
  if (path.size() < pattern.size() || path.size() > pattern.size() + below) {
    return false;
  }
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (path[i].empty()) {
        return false;
      }
      if (params) {
        (*params)[p.substr(1, p.size() - 2)] = path[i];
      }
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

} // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  m_routes.push_back({std::move(method), split_path(pattern), std::move(handler)});
}

void Router::add_subtree(std::string method, std::string prefix, size_t depth, Handler handler) {
  m_routes.push_back({std::move(method), split_path(prefix), std::move(handler), depth});
}

Router::Match Router::match(const std::string& method, const std::string& path,
                            const Handler** handler,
                            std::map<std::string, std::string>& params) const {
  auto segs = split_path(path);
  bool path_seen = false;
  for (const auto& r : m_routes) {
    std::map<std::string, std::string> captured;
    if (!segments_match(r.segments, r.below, segs, &captured)) {
      continue;
    }
    path_seen = true;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      *handler = &r.handler;
      params = std::move(captured);
      return Match::found;
    }
  }
  return path_seen ? Match::wrong_method : Match::none;
}

std::vector<std::string> Router::allowed_methods(const std::string& path) const {
  auto segs = split_path(path);
  std::vector<std::string> out;
  for (const auto& r : m_routes) {
    if (segments_match(r.segments, r.below, segs, nullptr) &&
        std::find(out.begin(), out.end(), r.method) == out.end()) {
      out.push_back(r.method);
    }
  }
  return out;
}

} // namespace airelays::server
