// Mapping a requested reasoning effort onto the levels the catalog lists for the model.
#include <airelays/reasoning_effort.hpp>

#include <doctest/doctest.h>

using namespace airelays;

TEST_CASE("reasoning_effort::nearest picks the closest supported level, ties upward") {
  std::vector<std::string> levels = {"low", "medium", "high", "xhigh"};
  CHECK(reasoning_effort::nearest("minimal", levels) == std::optional<std::string>("low"));
  CHECK(reasoning_effort::nearest("none", levels) == std::optional<std::string>("low"));
  CHECK(reasoning_effort::nearest("ultra", levels) == std::optional<std::string>("xhigh"));
  CHECK_FALSE(reasoning_effort::nearest("high", levels));
  CHECK_FALSE(reasoning_effort::nearest("banana", levels));
  CHECK(reasoning_effort::nearest("medium", {"low", "high"}) == std::optional<std::string>("high"));
}

TEST_CASE("reasoning_effort::adjust rewrites the body and says so") {
  nlohmann::json catalog = {
      {"models",
       {{{"slug", "m"},
         {"supported_reasoning_levels", {{{"effort", "low"}}, {{"effort", "high"}}}}}}}};
  nlohmann::json body = {{"model", "m"}, {"reasoning", {{"effort", "xhigh"}}}};
  CHECK(reasoning_effort::adjust(body, catalog) ==
        std::optional<std::string>("reasoning.effort=xhigh->high"));
  CHECK(body["reasoning"]["effort"] == "high");
  nlohmann::json unknown = {{"model", "other"}, {"reasoning", {{"effort", "xhigh"}}}};
  CHECK_FALSE(reasoning_effort::adjust(unknown, catalog));
}
