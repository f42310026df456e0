// config.example.toml and docs/configuration.md against the key table: every supported key
// is in the example with its default value (derived paths as a commented line) and
// documented with its AIRELAYS_* variable; nothing in the example is outside the table.
#include <airelays/config.hpp>
#include <airelays/config_keys.hpp>

#include <doctest/doctest.h>
#include <toml++/toml.h>

#include <fstream>
#include <regex>
#include <sstream>

using namespace airelays;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const std::string k_example = AIRELAYS_TEST_SOURCE_DIR "/config.example.toml";

} // namespace

TEST_CASE("config.example.toml lists every supported key with its default") {
  std::string text = slurp(k_example);
  REQUIRE_FALSE(text.empty());
  config::Inputs in;
  in.home = "/h";
  in.config_path = k_example;
  in.config_text = text;
  auto loaded = config::resolve(in);
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().message));
  CHECK_MESSAGE(loaded->warnings.empty(), "the example has unknown or unsupported keys");
  config::Config defaults;
  toml::table table = toml::parse(text, k_example);
  for (const config::Key& key : config::keys()) {
    if (key.has(config::k_unsupported)) {
      continue;
    }
    const toml::node* sec = table.at_path(key.section).node();
    const toml::node* node = sec && sec->as_table() ? sec->as_table()->get(key.name) : nullptr;
    if (key.has(config::k_derived)) {
      // Paths whose default depends on the home/data dir are shown commented out.
      std::regex commented("\\n# " + key.name + " = \"~/");
      CHECK_MESSAGE(std::regex_search(text, commented), (key.display() + " is not in the example"));
      CHECK_MESSAGE(node == nullptr, (key.display() + " must stay commented out"));
      continue;
    }
    CHECK_MESSAGE(node != nullptr, (key.display() + " is missing from config.example.toml"));
    CHECK_MESSAGE(config::toml_value(*loaded, key) == config::toml_value(defaults, key),
                  (key.display() + " differs from its default"));
  }
}

TEST_CASE("config.example.toml has a comment line above every key") {
  std::istringstream lines(slurp(k_example));
  std::string prev, line;
  while (std::getline(lines, line)) {
    bool is_key = !line.empty() && line[0] != '#' && line[0] != '[';
    if (is_key) {
      CHECK_MESSAGE(prev.rfind("# ", 0) == 0, ("no comment above: " + line));
    }
    prev = line;
  }
}

TEST_CASE("docs/configuration.md documents every key with its variables") {
  std::string doc = slurp(AIRELAYS_TEST_SOURCE_DIR "/docs/configuration.md");
  REQUIRE_FALSE(doc.empty());
  for (const config::Key& key : config::keys()) {
    std::string heading = "`" + key.name + "`";
    CHECK_MESSAGE(doc.find("[" + key.section + "]") != std::string::npos, key.display());
    CHECK_MESSAGE(doc.find(heading) != std::string::npos, (key.display() + " is not documented"));
    for (const std::string& var : key.env) {
      CHECK_MESSAGE(doc.find(var) != std::string::npos, (var + " is not documented"));
    }
  }
}
