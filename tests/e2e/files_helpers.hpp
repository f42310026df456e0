// Helpers of the files/conversations end-to-end tests: an isolated airelays with a relay
// token, optionally signed in to the in-process fake upstream (device login), and an HTTP
// client that sends the token.
#pragma once

#include "fake_upstream.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <ctime>
#include <string>

namespace airelays::test::files {

inline const std::string k_token = "e2e-files-relay-token-0123456789abcdefghij";

// Writes the relay token and config (extra TOML appended; upstream pointed at `fake` when
// given).
inline void configure(const Env& env, const fake::FakeUpstream* fake,
                      const std::string& extra = "") {
  write_file(env.data_dir() + "/relay-token", k_token + "\n", 0600);
  std::string toml;
  if (fake != nullptr) {
    toml = "[upstream]\nissuer_base_url = \"" + fake->issuer_url() + "\"\nbase_url = \"" +
           fake->backend_url() + "\"\n";
  }
  write_file(env.config_file(), toml + extra, 0600);
}

// Plants a ChatGPT login valid for a day (the reference §3.1 record, file storage), as the
// Node helper does, so tests need no login flow.
inline void login(const Env& env) {
  auto now = static_cast<long>(std::time(nullptr));
  const std::string account = "11111111-2222-3333-4444-555555555555";
  nlohmann::json auth = {{"chatgpt_account_id", account},
                         {"chatgpt_plan_type", "plus"},
                         {"chatgpt_user_id", "user-fake"}};
  nlohmann::json record = {
      {"bound_account_id", account},
      {"tokens",
       {{"id_token", fake::make_jwt({{"email", "user@example.com"},
                                     {"exp", now + 86400},
                                     {"iat", now},
                                     {"https://api.openai.com/auth", auth}})},
        {"access_token",
         fake::make_jwt(
             {{"exp", now + 86400}, {"iat", now}, {"https://api.openai.com/auth", auth}})},
        {"refresh_token", "rt_fake_refresh"},
        {"account_id", account}}},
      {"last_refresh", "2026-01-01T00:00:00+00:00"}};
  write_file(env.data_dir() + "/auth.json", record.dump(2), 0600);
  std::string config = read_file(env.config_file());
  write_file(env.config_file(), "[auth]\nstorage = \"file\"\n" + config, 0600);
}

inline httplib::Client client(int port) {
  // A server that refuses an upload early (413) or dies closes the socket while the client is
  // still writing; that must be an error result, not a SIGPIPE ending the test program.
  std::signal(SIGPIPE, SIG_IGN);
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5);
  c.set_read_timeout(30);
  c.set_write_timeout(30);
  c.set_default_headers({{"Authorization", "Bearer " + k_token}});
  return c;
}

inline nlohmann::json body_json(const httplib::Result& r) {
  REQUIRE(r);
  return nlohmann::json::parse(r->body, nullptr, false);
}

// POST /v1/files with a `file` part and a `purpose` form field.
inline httplib::Result upload(httplib::Client& c, const std::string& filename,
                              const std::string& bytes, const std::string& content_type,
                              const std::string& purpose = "user_data") {
  httplib::MultipartFormDataItems items = {
      {"purpose", purpose, "", ""},
      {"file", bytes, filename, content_type},
  };
  return c.Post("/v1/files", items);
}

inline nlohmann::json post_json(httplib::Client& c, const std::string& path,
                                const nlohmann::json& body, int expected_status = 200) {
  auto r = c.Post(path, body.dump(), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == expected_status);
  return nlohmann::json::parse(r->body, nullptr, false);
}

// The upstream request bodies the fake backend received, oldest first.
inline std::vector<nlohmann::json> upstream_bodies(const fake::FakeUpstream& fake) {
  std::vector<nlohmann::json> out;
  for (const auto& r : fake.requests_to("/backend-api/codex/responses")) {
    out.push_back(nlohmann::json::parse(r.body, nullptr, false));
  }
  return out;
}

// All text of an upstream input (every input_text/output_text/content string), joined.
inline std::string input_text(const nlohmann::json& body) {
  std::string out;
  if (!body.contains("input") || !body["input"].is_array()) {
    return out;
  }
  for (const auto& item : body["input"]) {
    if (!item.is_object() || !item.contains("content")) {
      continue;
    }
    const auto& content = item["content"];
    if (content.is_string()) {
      out += content.get<std::string>() + "\n";
      continue;
    }
    if (!content.is_array()) {
      continue;
    }
    for (const auto& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        out += part["text"].get<std::string>() + "\n";
      }
    }
  }
  return out;
}

} // namespace airelays::test::files
