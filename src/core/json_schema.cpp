// json_schema normalisation for strict structured outputs (see json_schema.hpp, reference §5.5).
// The recursion walks every subschema keyword of JSON Schema that holds schemas; locations
// are path segments joined with "." ("root" for the top).
#include <airelays/json_schema.hpp>

#include <algorithm>

namespace airelays::json_schema {

namespace {

using nlohmann::json;

constexpr int k_max_depth = 64;

std::string join(const std::string& loc, const std::string& seg) {
  return loc.empty() ? seg : loc + "." + seg;
}

std::string where(const std::string& loc) { return loc.empty() ? "root" : loc; }

bool allows_null(const json& s);

bool any_variant_allows_null(const json& s, const char* key) {
  auto it = s.find(key);
  if (it == s.end() || !it->is_array()) {
    return false;
  }
  return std::any_of(it->begin(), it->end(), [](const json& v) { return allows_null(v); });
}

bool allows_null(const json& s) {
  if (!s.is_object()) {
    return false;
  }
  if (auto t = s.find("type"); t != s.end()) {
    if (*t == "null") {
      return true;
    }
    if (t->is_array() && std::find(t->begin(), t->end(), json("null")) != t->end()) {
      return true;
    }
  }
  if (auto c = s.find("const"); c != s.end() && c->is_null()) {
    return true;
  }
  if (auto e = s.find("enum");
      e != s.end() && e->is_array() && std::find(e->begin(), e->end(), json(nullptr)) != e->end()) {
    return true;
  }
  return any_variant_allows_null(s, "anyOf") || any_variant_allows_null(s, "oneOf");
}

void make_nullable(json& s) {
  if (!s.is_object() || allows_null(s)) {
    return;
  }
  auto t = s.find("type");
  if (t != s.end() && t->is_string()) {
    *t = json::array({*t, "null"});
  } else if (t != s.end() && t->is_array()) {
    t->push_back("null");
  } else if (auto a = s.find("anyOf"); a != s.end() && a->is_array()) {
    a->push_back({{"type", "null"}});
  } else if (auto o = s.find("oneOf"); o != s.end() && o->is_array()) {
    o->push_back({{"type", "null"}});
  } else {
    s = json{{"anyOf", json::array({s, {{"type", "null"}}})}};
  }
}

std::optional<std::string> walk(json& s, const std::string& loc, int depth);

std::optional<std::string> walk_children(json& s, const std::string& loc, int depth) {
  for (const char* key : {"properties", "patternProperties", "$defs", "definitions"}) {
    auto it = s.find(key);
    if (it != s.end() && it->is_object()) {
      for (auto& [name, child] : it->items()) {
        if (auto err = walk(child, join(join(loc, key), name), depth + 1)) {
          return err;
        }
      }
    }
  }
  for (const char* key : {"items", "contains", "additionalItems", "if", "then", "else", "not"}) {
    auto it = s.find(key);
    if (it != s.end()) {
      if (auto err = walk(*it, join(loc, key), depth + 1)) {
        return err;
      }
    }
  }
  for (const char* key : {"anyOf", "allOf", "oneOf", "prefixItems"}) {
    auto it = s.find(key);
    if (it != s.end() && it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        if (auto err = walk((*it)[i], join(join(loc, key), std::to_string(i)), depth + 1)) {
          return err;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> fix_required(json& s, const std::string& loc) {
  json& props = s["properties"];
  json original = json::array();
  if (auto r = s.find("required"); r != s.end()) {
    if (!r->is_array()) {
      return "`required` must be an array in response schema at `" + where(loc) + "`.";
    }
    for (const auto& name : *r) {
      if (!name.is_string()) {
        return "`required` must contain only strings in response schema at `" + where(loc) + "`.";
      }
    }
    original = *r;
  }
  auto was_required = [&](const std::string& n) {
    return std::find(original.begin(), original.end(), json(n)) != original.end();
  };
  json required = json::array();
  for (auto& [name, child] : props.items()) {
    if (!was_required(name)) {
      make_nullable(child);
    }
    required.push_back(name);
  }
  for (const auto& name : original) {
    if (!props.contains(name.get<std::string>())) {
      required.push_back(name);
    }
  }
  s["required"] = std::move(required);
  return std::nullopt;
}

std::optional<std::string> fix_object(json& s, const std::string& loc) {
  if (auto p = s.find("properties"); p != s.end()) {
    if (!p->is_object()) {
      return "`properties` must be an object in response schema at `" + where(loc) + "`.";
    }
    if (auto err = fix_required(s, loc)) {
      return err;
    }
  }
  auto ap = s.find("additionalProperties");
  if (ap == s.end()) {
    s["additionalProperties"] = false;
  } else if (*ap != json(false)) {
    return "The subscription backend requires every object schema to set "
           "`additionalProperties` to `false`; incompatible value at `" +
           where(loc) + "`.";
  }
  return std::nullopt;
}

std::optional<std::string> walk(json& s, const std::string& loc, int depth) {
  if (depth > k_max_depth) {
    return "Response schema is nested too deeply at `" + where(loc) + "`.";
  }
  if (s.is_array()) {
    for (size_t i = 0; i < s.size(); ++i) {
      if (auto err = walk(s[i], join(loc, std::to_string(i)), depth + 1)) {
        return err;
      }
    }
    return std::nullopt;
  }
  if (!s.is_object()) {
    return std::nullopt;
  }
  if (auto err = walk_children(s, loc, depth)) {
    return err;
  }
  bool object_schema = s.contains("properties");
  if (auto t = s.find("type"); t != s.end() && *t == "object") {
    object_schema = true;
  }
  return object_schema ? fix_object(s, loc) : std::nullopt;
}

} // namespace

std::optional<std::string> normalize(nlohmann::json& schema) { return walk(schema, "", 0); }

} // namespace airelays::json_schema
