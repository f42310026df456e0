// The fake OpenAI issuer (upstream-contract §1–3, checklist §7): authorize redirect, the
// form-encoded code exchange with S256 PKCE verification, the API-key token exchange, JSON
// refresh with rotation (a spent refresh token answers 401 refresh_token_reused, as the real
// issuer does), device usercode/token with pending polls, and revoke. Tokens are unsigned
// JWTs carrying the claims the contract lists.
//
// Scripts (fake.next_step(key), consumed one per matching request):
//   "authorize"       {error, error_description} → redirect with an error; {state} overrides
//   "token"           {status, body}             → the code exchange answers this instead
//                     {delay_ms}                 → the code exchange pauses first
//   "refresh"         {status, code}             → error {"error":{code,message,...}}
//                     {status, body}             → that body; {delay_ms} → pause first;
//                     {expires_in}               → lifetime of the new access token;
//                     {exp_shift}                → exp/iat claims shifted by this many seconds
//                                                  (an issuer clock that differs from ours);
//                     {omit: ["id_token", ...]}  → leave fields out of a success
//   "device_usercode" {status} | {interval}      → 404 = feature off; interval as given
//   "device_token"    {status}                   → that status for one poll
//   "revoke"          {status}
// State knobs (fake.state(), under fake.mutex()): email, plan, account_id, user_id,
// access_ttl_seconds (3600), device_pending_polls (2), device_interval ("1").
#include "fake_upstream.hpp"

#include <httplib.h>
#include <openssl/evp.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace airelays::fake {

namespace {

using json = nlohmann::json;

long now_seconds() {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
}

std::string b64url(const unsigned char* d, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), d, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  for (auto& c : out) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  return out;
}

std::string s256(const std::string& verifier) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(verifier.data(), verifier.size(), md, &len, EVP_sha256(), nullptr);
  return b64url(md, len);
}

std::string url_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> parse_form(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    std::string pair = body.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    size_t eq = pair.find('=');
    if (!pair.empty()) {
      out[url_decode(pair.substr(0, eq))] =
          eq == std::string::npos ? "" : url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string::npos) {
      break;
    }
    pos = amp + 1;
  }
  return out;
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return out;
}

std::string unique(const std::string& prefix) {
  static std::atomic<long> counter{0};
  unsigned char r[8];
  for (auto& b : r) {
    b = static_cast<unsigned char>(std::rand());
  }
  return prefix + std::to_string(++counter) + "_" + b64url(r, sizeof r);
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void oauth_error(httplib::Response& res, int status, const std::string& code,
                 const std::string& message) {
  send_json(res, status,
            {{"error",
              {{"message", message},
               {"type", "invalid_request_error"},
               {"param", nullptr},
               {"code", code}}}});
}

struct Identity {
  std::string email, plan, account_id, user_id;
  long access_ttl;
};

Identity identity(FakeUpstream& fake) {
  std::lock_guard lock(fake.mutex());
  const json& s = fake.state();
  auto str = [&s](const char* k, const char* d) {
    return s.contains(k) && s[k].is_string() ? s[k].get<std::string>() : std::string(d);
  };
  long ttl = s.contains("access_ttl_seconds") && s["access_ttl_seconds"].is_number()
                 ? s["access_ttl_seconds"].get<long>()
                 : 3600;
  return {str("email", "user@example.com"), str("plan", "plus"),
          str("account_id", "11111111-2222-3333-4444-555555555555"), str("user_id", "user-fake-1"),
          ttl};
}

json issue_tokens(FakeUpstream& fake, std::optional<long> ttl_override = std::nullopt,
                  long exp_shift = 0) {
  Identity id = identity(fake);
  long now = now_seconds() + exp_shift;
  long ttl = ttl_override.value_or(id.access_ttl);
  json auth = {{"chatgpt_account_id", id.account_id}, {"chatgpt_plan_type", id.plan},
               {"chatgpt_user_id", id.user_id},       {"user_id", id.user_id},
               {"organizations", json::array()},      {"groups", json::array()}};
  json id_claims = {{"aud", {"app_EMoamEEZ73f0CkXaXp7hrann"}},
                    {"email", id.email},
                    {"email_verified", true},
                    {"exp", now + 3600},
                    {"iat", now},
                    {"iss", fake.issuer_url()},
                    {"sub", "auth0|fake"},
                    {"https://api.openai.com/auth", auth}};
  json access_auth = auth;
  access_auth["chatgpt_account_user_id"] = id.user_id + "__" + id.account_id;
  json access_claims = {
      {"aud", {"https://api.openai.com/v1"}},
      {"client_id", "app_EMoamEEZ73f0CkXaXp7hrann"},
      {"exp", now + ttl},
      {"iat", now},
      {"nbf", now},
      {"iss", fake.issuer_url()},
      {"scp", {"openid", "profile", "email", "offline_access"}},
      {"session_id", unique("authsess_")},
      {"sub", "auth0|fake"},
      {"jti", unique("jti_")},
      {"https://api.openai.com/auth", access_auth},
      {"https://api.openai.com/profile", {{"email", id.email}, {"email_verified", true}}}};
  return {{"id_token", make_jwt(id_claims)},
          {"access_token", make_jwt(access_claims)},
          {"refresh_token", unique("rt_fake_")},
          {"token_type", "Bearer"},
          {"expires_in", ttl},
          {"scope", "openid profile email offline_access"}};
}

std::string query_param(const httplib::Request& req, const char* key) {
  return req.has_param(key) ? req.get_param_value(key) : std::string();
}

void on_authorize(const httplib::Request& req, httplib::Response& res, FakeUpstream& fake) {
  std::string redirect = query_param(req, "redirect_uri");
  std::string state = query_param(req, "state");
  if (query_param(req, "response_type") != "code" || redirect.empty() || state.empty() ||
      query_param(req, "code_challenge_method") != "S256" ||
      query_param(req, "code_challenge").empty() || query_param(req, "client_id").empty()) {
    res.status = 400;
    res.set_content("bad authorize request", "text/plain");
    return;
  }
  auto step = fake.next_step("authorize").value_or(json::object());
  if (step.contains("state")) {
    state = step["state"].get<std::string>();
  }
  std::string sep = redirect.find('?') == std::string::npos ? "?" : "&";
  if (step.contains("error")) {
    res.set_redirect(redirect + sep + "error=" + url_encode(step["error"].get<std::string>()) +
                     "&error_description=" + url_encode(step.value("error_description", "")) +
                     "&state=" + url_encode(state));
    return;
  }
  std::string code = unique("ac_");
  {
    std::lock_guard lock(fake.mutex());
    fake.state()["codes"][code] = {{"challenge", query_param(req, "code_challenge")},
                                   {"redirect_uri", redirect},
                                   {"client_id", query_param(req, "client_id")}};
  }
  res.set_redirect(redirect + sep + "code=" + url_encode(code) + "&state=" + url_encode(state));
}

void on_code_exchange(const std::map<std::string, std::string>& f, httplib::Response& res,
                      FakeUpstream& fake) {
  if (auto step = fake.next_step("token")) {
    if (!step->contains("delay_ms")) {
      send_json(res, step->value("status", 400), step->value("body", json::object()));
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds((*step)["delay_ms"].get<int>()));
  }
  json entry;
  {
    std::lock_guard lock(fake.mutex());
    auto& codes = fake.state()["codes"];
    auto it = f.find("code");
    if (it == f.end() || !codes.contains(it->second)) {
      oauth_error(res, 400, "invalid_grant", "unknown or used authorization code");
      return;
    }
    entry = codes[it->second];
    codes.erase(it->second);
  }
  auto get = [&f](const char* k) {
    auto it = f.find(k);
    return it == f.end() ? std::string() : it->second;
  };
  if (get("redirect_uri") != entry["redirect_uri"].get<std::string>() ||
      get("client_id") != entry["client_id"].get<std::string>()) {
    oauth_error(res, 400, "invalid_grant", "redirect_uri or client_id does not match");
    return;
  }
  if (s256(get("code_verifier")) != entry["challenge"].get<std::string>()) {
    oauth_error(res, 400, "invalid_grant", "PKCE verification failed");
    return;
  }
  send_json(res, 200, issue_tokens(fake));
}

void on_token(const httplib::Request& req, httplib::Response& res, FakeUpstream& fake) {
  std::string type = req.get_header_value("Content-Type");
  if (type.rfind("application/x-www-form-urlencoded", 0) == 0) {
    auto f = parse_form(req.body);
    if (f["grant_type"] == "authorization_code") {
      on_code_exchange(f, res, fake);
    } else if (f["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange") {
      send_json(res, 200, {{"access_token", unique("sk-fake-")}});
    } else {
      oauth_error(res, 400, "unsupported_grant_type", "unsupported grant_type");
    }
    return;
  }
  auto body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || body.value("grant_type", "") != "refresh_token" ||
      !body.contains("refresh_token") || !body["refresh_token"].is_string()) {
    oauth_error(res, 400, "invalid_request", "expected a JSON refresh_token grant");
    return;
  }
  auto step = fake.next_step("refresh").value_or(json::object());
  if (step.contains("delay_ms")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(step["delay_ms"].get<int>()));
  }
  if (step.contains("status")) {
    int status = step["status"].get<int>();
    if (step.contains("body")) {
      send_json(res, status, step["body"]);
    } else {
      oauth_error(res, status, step.value("code", "server_error"), "scripted refresh failure");
    }
    return;
  }
  std::string token = body["refresh_token"].get<std::string>();
  {
    std::lock_guard lock(fake.mutex());
    auto& spent = fake.state()["spent_refresh_tokens"];
    if (spent.is_object() && spent.contains(token)) {
      std::string why = spent[token].get<std::string>();
      oauth_error(res, 401, why == "revoked" ? "refresh_token_invalidated" : "refresh_token_reused",
                  "Your refresh token has already been used to generate a new access token.");
      return;
    }
    spent[token] = "used";
  }
  std::optional<long> ttl;
  if (step.contains("expires_in")) {
    ttl = step["expires_in"].get<long>();
  }
  json tokens = issue_tokens(fake, ttl, step.value("exp_shift", 0L));
  for (const auto& k : step.value("omit", json::array())) {
    tokens.erase(k.get<std::string>());
  }
  send_json(res, 200, tokens);
}

void on_usercode(const httplib::Request& req, httplib::Response& res, FakeUpstream& fake) {
  auto step = fake.next_step("device_usercode").value_or(json::object());
  if (step.contains("status")) {
    send_json(res, step["status"].get<int>(), {{"error", "scripted"}});
    return;
  }
  auto body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("client_id")) {
    send_json(res, 400, {{"error", "client_id required"}});
    return;
  }
  std::string id = unique("deviceauth_");
  std::string user_code = "ABCD-" + std::to_string(1000 + std::rand() % 9000);
  json interval;
  {
    std::lock_guard lock(fake.mutex());
    auto& s = fake.state();
    interval = step.contains("interval")
                   ? step["interval"]
                   : (s.contains("device_interval") ? s["device_interval"] : json("1"));
    int pending = s.contains("device_pending_polls") ? s["device_pending_polls"].get<int>() : 2;
    s["devices"][id] = {{"user_code", user_code}, {"pending", pending}};
  }
  send_json(res, 200,
            {{"device_auth_id", id},
             {"user_code", user_code},
             {"interval", interval},
             {"expires_at", "2099-01-01T00:00:00Z"}});
}

void on_device_token(const httplib::Request& req, httplib::Response& res, FakeUpstream& fake) {
  if (auto step = fake.next_step("device_token")) {
    send_json(res, step->value("status", 403), {{"error", "scripted"}});
    return;
  }
  auto body = json::parse(req.body, nullptr, false);
  std::string id = body.is_object() ? body.value("device_auth_id", "") : "";
  std::lock_guard lock(fake.mutex());
  auto& devices = fake.state()["devices"];
  if (!devices.contains(id) || devices[id]["user_code"] != body.value("user_code", "")) {
    send_json(res, 404, {{"error", "deviceauth_not_found"}});
    return;
  }
  auto& d = devices[id];
  if (d["pending"].get<int>() > 0) {
    d["pending"] = d["pending"].get<int>() - 1;
    send_json(res, 403, {{"error", "authorization_pending"}});
    return;
  }
  unsigned char raw[32];
  for (auto& b : raw) {
    b = static_cast<unsigned char>(std::rand());
  }
  std::string verifier = b64url(raw, sizeof raw);
  std::string code = unique("devcode_");
  fake.state()["codes"][code] = {{"challenge", s256(verifier)},
                                 {"redirect_uri", fake.issuer_url() + "/deviceauth/callback"},
                                 {"client_id", "app_EMoamEEZ73f0CkXaXp7hrann"}};
  devices.erase(id);
  send_json(res, 200,
            {{"authorization_code", code},
             {"code_challenge", s256(verifier)},
             {"code_verifier", verifier}});
}

void on_revoke(const httplib::Request& req, httplib::Response& res, FakeUpstream& fake) {
  if (auto step = fake.next_step("revoke")) {
    send_json(res, step->value("status", 500), {{"error", "scripted"}});
    return;
  }
  auto body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
    send_json(res, 400, {{"error", "token required"}});
    return;
  }
  std::lock_guard lock(fake.mutex());
  fake.state()["spent_refresh_tokens"][body["token"].get<std::string>()] = "revoked";
  send_json(res, 200, json::object());
}

} // namespace

void register_issuer_routes(httplib::Server& server, FakeUpstream& fake) {
  server.Get("/oauth/authorize", [&fake](const httplib::Request& req, httplib::Response& res) {
    fake.log_request(req);
    on_authorize(req, res, fake);
  });
  server.Post("/oauth/token", [&fake](const httplib::Request& req, httplib::Response& res) {
    fake.log_request(req);
    on_token(req, res, fake);
  });
  server.Post("/api/accounts/deviceauth/usercode",
              [&fake](const httplib::Request& req, httplib::Response& res) {
                fake.log_request(req);
                on_usercode(req, res, fake);
              });
  server.Post("/api/accounts/deviceauth/token",
              [&fake](const httplib::Request& req, httplib::Response& res) {
                fake.log_request(req);
                on_device_token(req, res, fake);
              });
  server.Post("/oauth/revoke", [&fake](const httplib::Request& req, httplib::Response& res) {
    fake.log_request(req);
    on_revoke(req, res, fake);
  });
  server.Get("/codex/device", [&fake](const httplib::Request& req, httplib::Response& res) {
    fake.log_request(req);
    res.set_content("<html><body><h1>Enter your one-time code</h1></body></html>",
                    "text/html; charset=utf-8");
  });
}

} // namespace airelays::fake
