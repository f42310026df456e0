// Route group "model": GET /v1/models and /v1/models/{id} (and /no-tools/ mirrors) from the
// upstream catalog plus extra_models, each with the `airelays` capability block (reference
// §8.1); GET /v1/subscription/status and its alias /v1/account/rate_limits, the backend's
// usage snapshot normalised into labelled windows with reset times (reference §8.5,
// upstream-contract.md §4.10).
#include "routes.hpp"

#include <airelays/text.hpp>
#include <airelays/upstream.hpp>

#include <chrono>
#include <cmath>
#include <ctime>

namespace airelays::server {

namespace {

using nlohmann::json;

// What the model routes read: the settings and the upstream's catalog and usage.
struct ModelSource {
  const config::Config& config;
  upstream::Upstream& upstream;
};

const json k_default_modes = {"none", "low", "medium", "high", "xhigh"};

// The catalog entry of `slug`, or null.
const json* catalog_entry(const json& catalog, const std::string& slug) {
  auto it = catalog.find("models");
  if (it == catalog.end() || !it->is_array()) {
    return nullptr;
  }
  for (const auto& m : *it) {
    if (m.is_object() && m.contains("slug") && m["slug"] == slug) {
      return &m;
    }
  }
  return nullptr;
}

json reasoning_block(const json* entry) {
  json modes = k_default_modes;
  json fallback = "none";
  if (entry != nullptr) {
    auto levels = entry->find("supported_reasoning_levels");
    if (levels != entry->end() && levels->is_array() && !levels->empty()) {
      modes = json::array();
      for (const auto& l : *levels) {
        if (l.is_object() && l.contains("effort") && l["effort"].is_string()) {
          modes.push_back(l["effort"]);
        }
      }
    }
    auto d = entry->find("default_reasoning_level");
    if (d != entry->end() && d->is_string()) {
      fallback = *d;
    }
  }
  return {{"parameter", "reasoning_effort"}, {"modes", modes}, {"default", fallback}};
}

json model_record(const std::string& id, const json& catalog) {
  const json* entry = catalog_entry(catalog, id);
  json routes = {{"responses", true}, {"chat_completions", true}, {"completions", true},
                 {"files", true},     {"conversations", true},    {"subscription_status", true}};
  json block = {{"provider", "openai"},
                {"upstream_model", id},
                {"capabilities", {{"routes", routes}, {"stateful_conversations", true}}},
                {"reasoning", reasoning_block(entry)},
                {"structured_output",
                 {{"parameter", "response_format"}, {"types", {"json_schema", "json_object"}}}}};
  if (entry != nullptr && entry->contains("context_window") &&
      (*entry)["context_window"].is_number()) {
    block["context_window"] = (*entry)["context_window"];
  }
  return {{"id", id},
          {"object", "model"},
          {"created", 0},
          {"owned_by", "airelays-openai-subscription"},
          {"airelays", block}};
}

// The latest usage windows the backend reported, as x-ratelimit-* headers (docs/api.md).
void add_latest_ratelimit_headers(const ModelSource& s, http::Response& res) {
  if (auto snap = s.upstream.latest_usage()) {
    long now = static_cast<long>(std::time(nullptr));
    for (const auto& [k, v] : usage_windows::ratelimit_headers(*snap, now)) {
      res.set_header(k, v);
    }
  }
}

// The claude-* families /v1/messages serves and the GPT model each runs on ([messages]).
json messages_aliases(const config::Config& c) {
  json out = json::array();
  for (const auto& [family, model] : {std::pair{"claude-opus", c.messages_opus_model},
                                      {"claude-sonnet", c.messages_sonnet_model},
                                      {"claude-haiku", c.messages_haiku_model}}) {
    json block = {{"provider", "openai"},
                  {"upstream_model", model},
                  {"alias", {{"matches", std::string(family) + "-*"}, {"route", "/v1/messages"}}},
                  {"capabilities", {{"routes", {{"messages", true}}}}}};
    out.push_back({{"id", family},
                   {"object", "model"},
                   {"created", 0},
                   {"owned_by", "airelays-openai-subscription"},
                   {"airelays", block}});
  }
  return out;
}

// With [providers.openai] enabled = false the relay offers no model (as AIRelays does).
bool runtime_disabled(const ModelSource& s) { return !s.config.openai_enabled; }

http::Response list_models(const ModelSource& s, http::Request& req) {
  if (runtime_disabled(s)) {
    return http::json(200, {{"object", "list"}, {"data", json::array()}});
  }
  auto catalog = s.upstream.models();
  (*req.annotations)["upstream_status"] = catalog.upstream_status;
  if (!catalog.ok()) {
    return http::error(catalog.error);
  }
  json data = json::array();
  for (const auto& id : s.upstream.model_ids(*catalog.value)) {
    data.push_back(model_record(id, *catalog.value));
  }
  for (auto& alias : messages_aliases(s.config)) {
    data.push_back(std::move(alias));
  }
  auto res = http::json(200, {{"object", "list"}, {"data", data}});
  add_latest_ratelimit_headers(s, res);
  return res;
}

http::Response get_model(const ModelSource& s, http::Request& req) {
  if (runtime_disabled(s)) {
    return http::error(api_error::not_found("The model `" + req.path_params["id"] +
                                                "` does not exist: the OpenAI runtime is disabled.",
                                            std::string("model_not_found")));
  }
  auto catalog = s.upstream.models();
  if (!catalog.ok()) {
    return http::error(catalog.error);
  }
  const std::string& id = req.path_params["id"];
  for (const auto& known : s.upstream.model_ids(*catalog.value)) {
    if (known == id) {
      auto res = http::json(200, model_record(id, *catalog.value));
      add_latest_ratelimit_headers(s, res);
      return res;
    }
  }
  return http::error(api_error::not_found("The model `" + id + "` does not exist.",
                                          std::string("model_not_found")));
}

// --- subscription status ---------------------------------------------------------------------

json nonempty_string(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() && !it->get<std::string>().empty() ? *it
                                                                               : json(nullptr);
}

json boolean(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() ? *it : json(nullptr);
}

json integer(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? *it : json(nullptr);
}

std::string window_label(long seconds) {
  if (seconds == 604800) {
    return "weekly";
  }
  if (seconds % 86400 == 0) {
    return std::to_string(seconds / 86400) + "d";
  }
  if (seconds % 3600 == 0) {
    return std::to_string(seconds / 3600) + "h";
  }
  if (seconds % 60 == 0) {
    return std::to_string(seconds / 60) + "m";
  }
  return std::to_string(seconds) + "s";
}

std::string iso_utc(long epoch, long micros = -1) {
  std::time_t t = epoch;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (micros >= 0) {
    char frac[24]; // room for any long, though micros is below 1e6
    std::snprintf(frac, sizeof frac, ".%06ld", micros);
    out += frac;
  }
  return out + "Z";
}

json window(const json& w) {
  if (!w.is_object()) {
    return nullptr;
  }
  json out = json::object();
  auto used = w.find("used_percent");
  if (used != w.end() && used->is_number()) {
    double u = used->get<double>();
    out["used_percent"] = u;
    out["remaining_percent"] = std::round(std::clamp(100.0 - u, 0.0, 100.0) * 100.0) / 100.0;
  } else {
    out["used_percent"] = nullptr;
    out["remaining_percent"] = nullptr;
  }
  json seconds = integer(w, "limit_window_seconds");
  out["window_seconds"] = seconds;
  bool positive = seconds.is_number() && seconds.get<long>() > 0;
  out["window_minutes"] = positive ? json((seconds.get<long>() + 59) / 60) : json(nullptr);
  out["window_label"] = positive ? json(window_label(seconds.get<long>())) : json(nullptr);
  json after = integer(w, "reset_after_seconds");
  out["reset_after_seconds"] = after.is_null() ? integer(w, "resets_in_seconds") : after;
  json at = integer(w, "reset_at");
  out["reset_at"] = at;
  out["reset_at_iso"] =
      at.is_number() && at.get<long>() > 0 ? json(iso_utc(at.get<long>())) : json(nullptr);
  return out;
}

json rate_limit(const json& r) {
  if (!r.is_object()) {
    return nullptr;
  }
  return {{"allowed", boolean(r, "allowed")},
          {"limit_reached", boolean(r, "limit_reached")},
          {"primary_window", window(r.value("primary_window", json()))},
          {"secondary_window", window(r.value("secondary_window", json()))}};
}

json credits(const json& c) {
  if (!c.is_object()) {
    return nullptr;
  }
  auto array_or_null = [&c](const char* k) {
    auto it = c.find(k);
    return it != c.end() && it->is_array() ? *it : json(nullptr);
  };
  auto balance = c.find("balance");
  return {{"has_credits", boolean(c, "has_credits")},
          {"unlimited", boolean(c, "unlimited")},
          {"overage_limit_reached", boolean(c, "overage_limit_reached")},
          {"balance", balance != c.end() && balance->is_string()   ? *balance
                      : balance != c.end() && balance->is_number() ? json(balance->dump())
                                                                   : json(nullptr)},
          {"approx_local_messages", array_or_null("approx_local_messages")},
          {"approx_cloud_messages", array_or_null("approx_cloud_messages")}};
}

json object_or_null(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : json(nullptr);
}

std::string captured_now() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  return iso_utc(static_cast<long>(micros / 1000000), static_cast<long>(micros % 1000000));
}

std::string url_path(const std::string& url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

json normalise_usage(const json& u, const std::string& upstream_path) {
  json additional = json::array();
  if (auto it = u.find("additional_rate_limits"); it != u.end() && it->is_array()) {
    for (const auto& a : *it) {
      if (a.is_object()) {
        additional.push_back({{"limit_name", nonempty_string(a, "limit_name")},
                              {"metered_feature", nonempty_string(a, "metered_feature")},
                              {"rate_limit", rate_limit(a.value("rate_limit", json()))}});
      }
    }
  }
  return {{"object", "subscription_status"},
          {"captured_at", captured_now()},
          {"source", {{"kind", "chatgpt_subscription"}, {"upstream_path", upstream_path}}},
          {"account",
           {{"user_id", nonempty_string(u, "user_id")},
            {"account_id", nonempty_string(u, "account_id")},
            {"email", nonempty_string(u, "email")},
            {"plan_type", nonempty_string(u, "plan_type")}}},
          {"rate_limits",
           {{"default", rate_limit(u.value("rate_limit", json()))},
            {"code_review", rate_limit(u.value("code_review_rate_limit", json()))},
            {"additional", additional}}},
          {"credits", credits(u.value("credits", json()))},
          {"spend_control", object_or_null(u, "spend_control")},
          {"rate_limit_reached_type", nonempty_string(u, "rate_limit_reached_type")},
          {"rate_limit_reset_credits", object_or_null(u, "rate_limit_reset_credits")}};
}

bool truthy(const std::string& v) {
  std::string l = text::lower(v);
  return l == "1" || l == "true" || l == "yes" || l == "on" || l == "t" || l == "y";
}

http::Response subscription_status(const ModelSource& s, http::Request& req) {
  auto provider = req.query_param("provider").value_or("openai");
  if (provider != "openai") {
    return http::error(api_error::make(
        501, "Subscription status is currently verified only for the OpenAI subscription runtime.",
        std::string("unsupported_error")));
  }
  if (runtime_disabled(s)) {
    return http::error(api_error::make(
        501, "The OpenAI subscription runtime is disabled for this airelays process.",
        std::string("unsupported_error")));
  }
  if (auto account = req.query_param("account"); account && *account != "default") {
    return http::error(api_error::not_found("Unknown account `" + *account + "`.",
                                            std::string("account_not_found")));
  }
  auto usage = s.upstream.usage();
  if (!usage.ok()) {
    return http::error(usage.error);
  }
  json out = normalise_usage(*usage.value, url_path(s.upstream.usage_url()));
  if (truthy(req.query_param("raw").value_or(""))) {
    out["raw"] = *usage.value;
  }
  return http::json(200, out);
}

} // namespace

void register_model_routes(Router& r, const config::Config& c, upstream::Upstream& upstream) {
  ModelSource s{c, upstream};
  for (std::string prefix : {"/v1", "/no-tools/v1"}) {
    r.add("GET", prefix + "/models", [s](http::Request& req) { return list_models(s, req); });
    r.add("GET", prefix + "/models/{id}", [s](http::Request& req) { return get_model(s, req); });
  }
  for (const char* path : {"/v1/subscription/status", "/v1/account/rate_limits"}) {
    r.add("GET", path, [s](http::Request& req) { return subscription_status(s, req); });
  }
}

} // namespace airelays::server
