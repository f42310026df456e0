// `airelays serve`: what the person running it can see — /v1/relay/status and /metrics
// moving with traffic, the traffic log (one summary per request, ids matching x-request-id,
// no token anywhere), log retention, and the home page.
#include "serve_helpers.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace airelays::test;
using namespace airelays::test::serve;
namespace fs = std::filesystem;

namespace {

// Every line of every file under dir.
std::vector<std::string> log_lines(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) {
    return out;
  }
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      std::ifstream in(e.path());
      for (std::string line; std::getline(in, line);) {
        out.push_back(line);
      }
    }
  }
  return out;
}

std::optional<nlohmann::json> record_for(const std::string& dir, const std::string& request_id) {
  for (const auto& line : log_lines(dir)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("request_id", "") == request_id) {
      return j;
    }
  }
  return std::nullopt;
}

std::string utc_hour_path(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d/%02d/%02d-%02d.log", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour);
  return buf;
}

} // namespace

TEST_CASE("serve: /v1/relay/status counts requests and shows limits and the caller's state") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  auto first = body_json(c.Get("/v1/relay/status", bearer()));
  CHECK(first["object"] == "relay.status");
  CHECK(first["version"] == AIRELAYS_TEST_VERSION);
  CHECK(first["uptime_seconds"].is_number());
  CHECK(first["in_flight"] == 1); // this very request
  CHECK(first["login"]["state"] == "signed_out");
  CHECK(first["security"]["rate_limit_per_minute"] == 120);
  CHECK(first["security"]["rate_limit_burst"] == 40);
  CHECK(first["security"]["concurrent_requests_per_ip"] == 50);
  CHECK(first["security"]["client"]["ip"] == "127.0.0.1");
  CHECK(first["security"]["client"]["active_requests"] == 1);
  CHECK(first["security"]["blocked_clients"] == 0);
  CHECK(first["upstream"]["models_cache"].is_object());
  double before = first["requests_total"].get<double>();
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.Get("/")->status == 200);
  }
  c.Get("/v1/relay/status", bearer("bad"));
  auto second = body_json(c.Get("/v1/relay/status", bearer()));
  CHECK(second["requests_total"].get<double>() == before + 3);
  CHECK(second["security"]["client"]["failed_auth_attempts"] == 1);
  CHECK(second["security"]["client"]["allowance_remaining"].get<double>() < 40);
}

TEST_CASE("serve: /metrics is Prometheus text that moves with traffic") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(c.Get("/healthz")->status == 200);
  }
  c.Get("/v1/relay/status"); // 401
  auto m = c.Get("/metrics", bearer());
  REQUIRE(m);
  CHECK(m->status == 200);
  CHECK(m->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(m->body.find("# TYPE airelays_http_requests_total counter") != std::string::npos);
  CHECK(m->body.find("airelays_http_requests_total{route=\"/healthz\",status=\"200\"} 4\n") !=
        std::string::npos);
  CHECK(m->body.find("airelays_edge_rejections_total{reason=\"invalid_api_key\"} 1\n") !=
        std::string::npos);
  CHECK(m->body.find("airelays_http_requests_in_flight 1\n") != std::string::npos);
  CHECK(m->body.find("# TYPE airelays_http_request_duration_seconds histogram") !=
        std::string::npos);
  CHECK(m->body.find("airelays_blocked_clients 0\n") != std::string::npos);
  REQUIRE(c.Get("/healthz")->status == 200);
  auto again = c.Get("/metrics", bearer());
  CHECK(again->body.find("airelays_http_requests_total{route=\"/healthz\",status=\"200\"} 5\n") !=
        std::string::npos);
}

TEST_CASE("serve: the traffic log has one summary per request, matching x-request-id, no token") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto c = client(s->port);
  auto ok = c.Get("/v1/relay/status?api_key=" + k_token, bearer());
  REQUIRE(ok);
  auto bad = c.Post("/v1/embeddings", bearer(), R"({"input":"x","api_key":")" + k_token + "\"}",
                    "application/json");
  REQUIRE(bad);
  auto denied = c.Get("/v1/models", bearer(k_token + "x"));
  REQUIRE(denied);
  std::string logs = env.data_dir() + "/logs";
  auto rec = record_for(logs, ok->get_header_value("x-request-id"));
  REQUIRE(rec);
  CHECK((*rec)["route"] == "/v1/relay/status");
  CHECK((*rec)["status"] == 200);
  CHECK((*rec)["duration_ms"].is_number());
  CHECK((*rec)["client_ip"] == "127.0.0.1");
  CHECK((*rec)["logged_at"].is_string());
  auto rec501 = record_for(logs, bad->get_header_value("x-request-id"));
  REQUIRE(rec501);
  CHECK((*rec501)["status"] == 501);
  CHECK((*rec501)["request_bytes"].get<int>() > 10);
  CHECK_FALSE(rec501->contains("request_body")); // contents are off by default
  auto rec401 = record_for(logs, denied->get_header_value("x-request-id"));
  REQUIRE(rec401);
  CHECK((*rec401)["rejected"] == "invalid_api_key");
  CHECK(fs::exists(logs + "/" + utc_hour_path(std::chrono::system_clock::now())));
  for (const auto& line : log_lines(logs)) {
    CHECK(line.find(k_token) == std::string::npos);
  }
}

TEST_CASE("serve: [logging] content = true logs bodies, still without secrets") {
  Env env;
  give_token(env);
  give_config(env, "[logging]\ncontent = true\n");
  auto s = start_server(env);
  auto r = client(s->port).Post("/v1/embeddings", bearer(),
                                R"({"input":"hello log","api_key":")" + k_token + "\"}",
                                "application/json");
  REQUIRE(r);
  auto rec = record_for(env.data_dir() + "/logs", r->get_header_value("x-request-id"));
  REQUIRE(rec);
  CHECK((*rec)["request_body"]["json"]["input"] == "hello log");
  CHECK((*rec)["request_body"]["json"]["api_key"] == "[REDACTED]");
  CHECK((*rec)["response_body"]["json"]["error"]["type"] == "unsupported_error");
  for (const auto& line : log_lines(env.data_dir() + "/logs")) {
    CHECK(line.find(k_token) == std::string::npos);
  }
}

TEST_CASE("serve: log files older than retention_days are deleted at start") {
  Env env;
  give_token(env);
  std::string logs = env.data_dir() + "/logs";
  auto now = std::chrono::system_clock::now();
  std::string old_file = logs + "/" + utc_hour_path(now - std::chrono::hours(24 * 20));
  std::string recent_file = logs + "/" + utc_hour_path(now - std::chrono::hours(24 * 3));
  write_file(old_file, "{}\n", 0600);
  write_file(recent_file, "{}\n", 0600);
  auto s = start_server(env);
  CHECK_FALSE(fs::exists(old_file));
  CHECK(fs::exists(recent_file));
}

TEST_CASE("serve: GET / is a small HTML page with the base URL and never the token") {
  Env env;
  give_token(env);
  auto s = start_server(env);
  auto r = client(s->port).Get("/");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(r->body.find("http://127.0.0.1:" + std::to_string(s->port) + "/v1") != std::string::npos);
  CHECK(r->body.find("airelays token show") != std::string::npos);
  CHECK(r->body.find("Upstream ChatGPT login missing") != std::string::npos);
  CHECK(r->body.find("Relay client token ready") != std::string::npos);
  CHECK(r->body.find(k_token) == std::string::npos);
  CHECK(r->body.find("<script") == std::string::npos);
  CHECK(r->body.find("src=\"http") == std::string::npos);
}

TEST_CASE("serve: content logging redacts planted secrets in every position") {
  Env env;
  give_token(env);
  give_config(env, "[logging]\ncontent = true\n");
  auto s = start_server(env);
  auto c = client(s->port);
  // One distinct secret per position, so a leak names the position that leaked.
  std::vector<std::string> secrets;
  auto secret = [&](const std::string& where) {
    secrets.push_back("planted-" + where + "-0123456789abcdef");
    return secrets.back();
  };
  nlohmann::json body = {
      {"model", "gpt-5"},
      {"apiKey", secret("apiKey")},
      {"openai_api_key", secret("openai_api_key")},
      {"Secret", secret("Secret")},
      {"PASSWORD", secret("PASSWORD")},
      {"sessionToken", secret("sessionToken")},
      {"X-Authorization", secret("x_authorization")},
      {"messages",
       {{{"role", "user"},
         {"content", "call it with Authorization: Bearer " + secret("bearer_in_text") +
                         " and the key sk-" + secret("sk_in_text") + " please"}},
        {{"role", "user"}, {"content", {{{"type", "text"}, {"api_key", secret("nested")}}}}}}},
      {"metadata", {{"client_secret", secret("client_secret")}}}};
  auto r = c.Post("/v1/chat/completions?key=" + secret("query_key") + "&api_key=" +
                      secret("query_api_key") + "&Token=" + secret("query_token") + "&page=2",
                  bearer(), body.dump(), "application/json");
  REQUIRE(r);
  std::string text = "plain text: Bearer " + secret("text_bearer") + ", sk-" + secret("text_sk");
  auto t = c.Post("/v1/chat/completions", bearer(), text, "text/plain");
  REQUIRE(t);
  auto rec = record_for(env.data_dir() + "/logs", r->get_header_value("x-request-id"));
  REQUIRE(rec);
  CHECK((*rec)["query"]["page"] == "2"); // what is not a secret stays readable
  CHECK((*rec)["request_body"]["json"]["model"] == "gpt-5");
  auto text_rec = record_for(env.data_dir() + "/logs", t->get_header_value("x-request-id"));
  REQUIRE(text_rec);
  CHECK((*text_rec)["request_body"]["text"].get<std::string>().rfind("plain text: ", 0) == 0);
  auto lines = log_lines(env.data_dir() + "/logs");
  REQUIRE(lines.size() >= 2);
  for (const auto& planted : secrets) {
    CAPTURE(planted);
    for (const auto& line : lines) {
      CHECK(line.find(planted) == std::string::npos);
    }
  }
}
