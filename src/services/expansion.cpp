// Expansion of stored files, conversations and previous responses. Placeholder until the
// file store lands.
#include <airelays/expansion.hpp>

namespace airelays::expansion {

std::optional<api_error::ApiError> expand(nlohmann::json& request, const Context& ctx, Plan& plan) {
  (void)request;
  (void)ctx;
  (void)plan;
  return std::nullopt;
}

void record(const Context& ctx, const Plan& plan, const nlohmann::json& response) {
  (void)ctx;
  (void)plan;
  (void)response;
}

} // namespace airelays::expansion
