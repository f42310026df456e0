// Reasoning effort the model can do (issue 16): each model's supported effort levels come
// from the upstream catalog ({"models":[{"slug","supported_reasoning_levels":[{"effort"}]}]});
// a requested `reasoning.effort` the model lacks (`minimal`, `none`, `xhigh` on a model
// without it) is mapped to the nearest supported level, so a request never fails or hangs
// upstream for it, and the change is disclosed in `x-airelays-adjusted-parameters`. Pure.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace airelays::reasoning_effort {

// The effort levels the catalog lists for `model`, in catalog order; empty when unknown.
std::vector<std::string> supported(const nlohmann::json& catalog, const std::string& model);
// The supported level nearest to `requested` on the scale none < minimal < low < medium <
// high < xhigh < max < ultra (a tie goes to the higher level); nullopt when `requested` is
// supported, off the scale, or nothing is supported.
std::optional<std::string> nearest(const std::string& requested,
                                   const std::vector<std::string>& levels);
// Rewrites body.reasoning.effort when the model lacks it; returns the disclosure
// ("<param>=xhigh->high", param as the client named it) when it did.
std::optional<std::string> adjust(nlohmann::json& upstream_body, const nlohmann::json& catalog,
                                  const std::string& param = "reasoning.effort");

} // namespace airelays::reasoning_effort
