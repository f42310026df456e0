// The Codex CLI config block and its text-preserving merge (see codex_config.hpp).
#include <airelays/codex_config.hpp>
#include <airelays/text.hpp>

#include <toml++/toml.h>

#include <sstream>
#include <vector>

namespace airelays::codex_config {

namespace {

constexpr const char* k_marker =
    "# airelays relay: `codex --profile airelays` (written by airelays connect codex)";

// "[a.b]" → "a.b" with spaces around the dots dropped; "" for other lines ([[…]] included).
std::string table_name(const std::string& line) {
  std::string t(text::trim(line));
  if (t.size() < 3 || t.front() != '[' || t[1] == '[') {
    return {};
  }
  auto close = t.find(']');
  if (close == std::string::npos) {
    return {};
  }
  std::string name;
  for (char c : t.substr(1, close - 1)) {
    if (c != ' ' && c != '\t') {
      name += c;
    }
  }
  return name;
}

bool ours(const std::string& name) {
  return name == "model_providers.airelays" || name == "profiles.airelays";
}

Status parses(const std::string& text, const char* which) {
  try {
    (void)toml::parse(text);
  } catch (const toml::parse_error& e) {
    return make_error(std::string(which) + " is not valid TOML (" + std::string(e.description()) +
                      "); left unchanged.");
  }
  return ok_status();
}

} // namespace

std::string block(const std::string& base_url) {
  std::ostringstream out;
  out << k_marker << "\n"
      << "[model_providers.airelays]\n"
      << "name = \"airelays\"\n"
      << "base_url = \"" << base_url << "\"\n"
      << "env_key = \"CODEX_API_KEY\"\n"
      << "wire_api = \"responses\"\n";
  return out.str();
}

std::string profile() {
  return std::string(
             "# airelays relay profile (airelays connect codex): codex --profile airelays\n") +
         "model_provider = \"airelays\"\n";
}

Result<std::string> merged(const std::string& existing, const std::string& block) {
  if (auto st = parses(existing, "The Codex config"); !st) {
    return st.error();
  }
  std::istringstream in(existing);
  std::vector<std::string> kept;
  bool skipping = false;
  for (std::string line; std::getline(in, line);) {
    std::string name = table_name(line);
    if (!name.empty() || text::trim(line).rfind("[[", 0) == 0) {
      skipping = ours(name);
    }
    if (!skipping && text::trim(line) != k_marker) {
      kept.push_back(line);
    }
  }
  while (!kept.empty() && text::trim(kept.back()).empty()) {
    kept.pop_back();
  }
  std::string out;
  for (const auto& l : kept) {
    out += l + "\n";
  }
  out += (out.empty() ? "" : "\n") + block;
  if (auto st = parses(out, "The merged Codex config"); !st) {
    return st.error();
  }
  return out;
}

} // namespace airelays::codex_config
