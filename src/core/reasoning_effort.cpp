// Mapping a requested reasoning effort onto the levels a model supports (see the header).
#include <airelays/reasoning_effort.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>

namespace airelays::reasoning_effort {

namespace {

constexpr std::array<const char*, 8> k_scale = {"none", "minimal", "low", "medium",
                                                "high", "xhigh",   "max", "ultra"};

int rank(const std::string& level) {
  auto it = std::find(k_scale.begin(), k_scale.end(), level);
  return it == k_scale.end() ? -1 : static_cast<int>(it - k_scale.begin());
}

} // namespace

std::vector<std::string> supported(const nlohmann::json& catalog, const std::string& model) {
  std::vector<std::string> out;
  auto models = catalog.find("models");
  if (models == catalog.end() || !models->is_array()) {
    return out;
  }
  for (const auto& m : *models) {
    if (!m.is_object() || m.value("slug", "") != model) {
      continue;
    }
    auto levels = m.find("supported_reasoning_levels");
    if (levels == m.end() || !levels->is_array()) {
      return out;
    }
    for (const auto& l : *levels) {
      if (l.is_object() && l.contains("effort") && l["effort"].is_string()) {
        out.push_back(l["effort"].get<std::string>());
      }
    }
    return out;
  }
  return out;
}

std::optional<std::string> nearest(const std::string& requested,
                                   const std::vector<std::string>& levels) {
  int want = rank(requested);
  if (want < 0 || levels.empty() ||
      std::find(levels.begin(), levels.end(), requested) != levels.end()) {
    return std::nullopt;
  }
  std::optional<std::string> best;
  int best_distance = 0;
  for (const auto& l : levels) {
    int r = rank(l);
    if (r < 0) {
      continue;
    }
    int d = std::abs(r - want);
    bool better = !best || d < best_distance || (d == best_distance && r > rank(*best));
    if (better) {
      best = l;
      best_distance = d;
    }
  }
  return best;
}

std::optional<std::string> adjust(nlohmann::json& body, const nlohmann::json& catalog,
                                  const std::string& param) {
  auto reasoning = body.find("reasoning");
  if (reasoning == body.end() || !reasoning->is_object() || !body.contains("model") ||
      !body["model"].is_string()) {
    return std::nullopt;
  }
  auto effort = reasoning->find("effort");
  if (effort == reasoning->end() || !effort->is_string()) {
    return std::nullopt;
  }
  std::string requested = effort->get<std::string>();
  auto mapped = nearest(requested, supported(catalog, body["model"].get<std::string>()));
  if (!mapped) {
    return std::nullopt;
  }
  *effort = *mapped;
  return param + "=" + requested + "->" + *mapped;
}

} // namespace airelays::reasoning_effort
