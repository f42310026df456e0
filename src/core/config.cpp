// Settings resolution (see config.hpp): for every row of the key table, the highest source
// present wins (flag > environment > file > default) and its value is coerced as leniently as
// AIRelays does (reference §2.1), so a file AIRelays wrote loads unchanged. What cannot be
// coerced is an error naming where it came from (file:line:column, variable or option) and
// the key; unknown keys are warnings; keys of features airelays lacks are reported once.
#include "config_coerce.hpp"

#include <airelays/config_keys.hpp>

#include <toml++/toml.h>

#include <set>

namespace airelays::config {

namespace {

using detail::Coercion;
using detail::Outcome;
using detail::Raw;

// Where a raw value came from, for messages.
struct Found {
  Raw raw;
  std::string where; // "/x/config.toml:3:8", "environment variable AIRELAYS_PORT", ...
  bool from_flag = false;
};

std::string position(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

const toml::table* section_table(const toml::table& root, const std::string& section) {
  const toml::table* t = &root;
  size_t start = 0;
  while (t != nullptr && start <= section.size()) {
    size_t dot = section.find('.', start);
    std::string part = section.substr(start, dot == std::string::npos ? dot : dot - start);
    t = t->get_as<toml::table>(part);
    if (dot == std::string::npos) {
      break;
    }
    start = dot + 1;
  }
  return t;
}

class Resolver {
public:
  Resolver(const Inputs& in, const toml::table* file) : m_in(in), m_file(file) {}

  // The value of key from the highest source present (flags only when with_flags).
  std::optional<Found> lookup(const Key& key, bool with_flags) const {
    if (auto f = m_in.flags.find(key.dotted()); with_flags && f != m_in.flags.end()) {
      return Found{Raw::text(f->second), "command-line option", true};
    }
    for (const std::string& var : key.env) {
      auto e = m_in.env.find(var);
      if (e != m_in.env.end() && !e->second.empty()) {
        return Found{Raw::text(e->second), "environment variable " + var};
      }
    }
    if (const toml::table* sec = m_file ? section_table(*m_file, key.section) : nullptr) {
      if (const toml::node* n = sec->get(key.name)) {
        return Found{Raw::from_node(*n), position(m_in.config_path, n->source())};
      }
    }
    return std::nullopt;
  }

  // Applies key's winning source to cfg; records whether it was set. Error on bad values.
  Status apply(const Key& key, Config& cfg) {
    std::optional<Found> found = lookup(key, true);
    if (!found) {
      return ok_status();
    }
    if (key.has(k_unsupported)) {
      note_unsupported(key, found->where);
    }
    Coercion c = std::visit(detail::Apply{found->raw, key, cfg, m_in}, key.member);
    if (c.outcome == Outcome::error) {
      return make_error(found->where + ": " + key.display() + ": " + c.problem);
    }
    if (c.outcome == Outcome::use_default && !c.problem.empty()) {
      cfg.warnings.push_back(found->where + ": " + key.display() + ": " + c.problem);
    }
    if (c.outcome == Outcome::set) {
      m_set.insert(key.dotted());
      if (found->from_flag) {
        m_from_flag.insert(key.dotted());
      }
    }
    return ok_status();
  }

  bool was_set(const std::string& dotted) const { return m_set.count(dotted) != 0; }
  bool from_flag(const std::string& dotted) const { return m_from_flag.count(dotted) != 0; }

  void note_unsupported(const Key& key, const std::string& where) {
    bool env = where.rfind("environment variable ", 0) == 0;
    std::string what =
        env ? where.substr(21)
            : (is_unsupported_section(key.section) ? "[" + key.section + "]" : key.display());
    for (const std::string& u : m_unsupported) {
      if (u == what) {
        return;
      }
    }
    m_unsupported.push_back(what);
  }

  // The one line reporting every unsupported key that was given.
  std::optional<std::string> unsupported_line() const {
    if (m_unsupported.empty()) {
      return std::nullopt;
    }
    std::string list;
    for (const std::string& u : m_unsupported) {
      list += (list.empty() ? "" : ", ") + u;
    }
    return "settings of features airelays does not have are accepted and ignored: " + list;
  }

private:
  const Inputs& m_in;
  const toml::table* m_file;
  std::set<std::string> m_set;
  std::set<std::string> m_from_flag;
  std::vector<std::string> m_unsupported;
};

// Warns about keys and tables of the file that are not in the key table.
Status scan_unknown(const toml::table& root, const std::string& file, Resolver& r,
                    std::vector<std::string>& warnings, const std::string& prefix = "") {
  for (auto&& [k, node] : root) {
    std::string name(k.str());
    std::string where = position(file, k.source());
    if (const toml::table* t = node.as_table()) {
      std::string section = prefix.empty() ? name : prefix + "." + name;
      if (is_unsupported_section(section)) {
        for (auto&& [sub, _] : *t) {
          Key key;
          key.section = section;
          key.name = std::string(sub.str());
          r.note_unsupported(key, where);
        }
        continue;
      }
      if (!is_known_section(section)) {
        warnings.push_back(where + ": unknown table [" + section + "] (ignored)");
        continue;
      }
      Status s = scan_unknown(*t, file, r, warnings, section);
      if (!s) {
        return s;
      }
    } else if (prefix.empty() && is_known_section(name)) {
      return make_error(where + ": [" + name + "] must be a table");
    } else if (prefix.empty() || prefix == "providers" || find_key(prefix, name) == nullptr) {
      std::string shown = prefix.empty() ? name : "[" + prefix + "] " + name;
      warnings.push_back(where + ": unknown key " + shown + " (ignored)");
    }
  }
  return ok_status();
}

Result<std::optional<toml::table>> parse_file(const Inputs& in) {
  if (!in.config_text) {
    return std::optional<toml::table>{};
  }
  try {
    return std::optional<toml::table>(toml::parse(*in.config_text, in.config_path));
  } catch (const toml::parse_error& e) {
    return make_error(position(in.config_path, e.source()) +
                      ": invalid TOML: " + std::string(e.description()));
  }
}

// data_dir, logs_dir and bearer_token_file defaults, and --data-dir moving the paths that
// were still derived from the previous data directory (reference §1.1).
void derive_paths(const Inputs& in, const Resolver& r, Config& cfg) {
  std::string home_default = in.home + (in.legacy_data_dir_only ? "/.airelay" : "/.airelays");
  if (!r.was_set("paths.data_dir")) {
    cfg.data_dir = home_default;
  }
  std::string base = home_default; // data_dir as it would be without the flag
  if (r.from_flag("paths.data_dir")) {
    Config probe;
    if (auto f = r.lookup(*find_key("paths", "data_dir"), false)) {
      if (std::visit(detail::Apply{f->raw, *find_key("paths", "data_dir"), probe, in},
                     find_key("paths", "data_dir")->member)
              .outcome == Outcome::set) {
        base = probe.data_dir;
      }
    }
  }
  auto derive = [&](const char* dotted, std::string& value, const char* leaf) {
    bool stale = r.from_flag("paths.data_dir") && !r.from_flag(dotted) && value == base + leaf;
    if (!r.was_set(dotted) || stale) {
      value = cfg.data_dir + leaf;
    }
  };
  derive("paths.logs_dir", cfg.logs_dir, "/logs");
  derive("security.bearer_token_file", cfg.bearer_token_file, "/relay-token");
}

} // namespace

Result<Config> resolve(const Inputs& inputs) {
  auto file = parse_file(inputs);
  if (!file) {
    return file.error();
  }
  Config cfg;
  cfg.config_path = inputs.config_path;
  cfg.config_file_exists = inputs.config_text.has_value();
  const toml::table* table = file->has_value() ? &**file : nullptr;
  Resolver r(inputs, table);
  if (table) {
    Status s = scan_unknown(*table, inputs.config_path, r, cfg.warnings);
    if (!s) {
      return s.error();
    }
  }
  for (const Key& key : keys()) {
    Status s = r.apply(key, cfg);
    if (!s) {
      return s.error();
    }
  }
  derive_paths(inputs, r, cfg);
  for (const char* var : {"AIRELAYS_BEARER_TOKEN", "AIRELAY_BEARER_TOKEN"}) {
    auto e = inputs.env.find(var);
    if (e != inputs.env.end() && !e->second.empty() && !cfg.bearer_token_env) {
      cfg.bearer_token_env = e->second;
    }
  }
  if (auto line = r.unsupported_line()) {
    cfg.warnings.push_back(*line);
  }
  return cfg;
}

} // namespace airelays::config
