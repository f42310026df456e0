// The traffic log: hourly files, redaction that cannot be switched off, retention.
#include "test_support.hpp"

#include <airelays/traffic_log.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <thread>

using namespace airelays;
using traffic_log::Log;
namespace fs = std::filesystem;

namespace {

traffic_log::TimePoint at(int y, int mo, int d, int h, int mi = 0) {
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::vector<nlohmann::json> records(const std::string& file) {
  std::vector<nlohmann::json> out;
  std::istringstream in(test::read_file(file));
  for (std::string line; std::getline(in, line);) {
    out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

} // namespace

TEST_CASE("traffic_log::redact hides secrets at any depth but keeps error codes") {
  nlohmann::json in = {
      {"headers", {{"Authorization", "Bearer sk-relay"}, {"Cookie", "a=b"}, {"accept", "x"}}},
      {"auth", {{"access_token", "at"}, {"refresh_token", "rt"}, {"id_token", "it"}}},
      {"code", "oauth-code"},
      {"error", {{"code", "rate_limit_exceeded"}, {"message", "slow down"}}},
      {"items", {{{"api_key", "k"}}, "Bearer inline-secret"}},
      {"input_file", {{"file_data", "base64..."}}}};
  auto out = traffic_log::redact(in);
  CHECK(out["headers"]["Authorization"] == "[REDACTED]");
  CHECK(out["headers"]["Cookie"] == "[REDACTED]");
  CHECK(out["headers"]["accept"] == "x");
  CHECK(out["auth"]["access_token"] == "[REDACTED]");
  CHECK(out["auth"]["refresh_token"] == "[REDACTED]");
  CHECK(out["auth"]["id_token"] == "[REDACTED]");
  CHECK(out["code"] == "[REDACTED]");
  CHECK(out["error"]["code"] == "rate_limit_exceeded");
  CHECK(out["items"][0]["api_key"] == "[REDACTED]");
  CHECK(out["items"][1] == "[REDACTED]");
  CHECK(out["input_file"]["file_data"] == "[REDACTED]");
}

TEST_CASE("traffic_log::body_snapshot keeps contents only when asked") {
  auto plain =
      traffic_log::body_snapshot(R"({"model":"m","api_key":"k"})", "application/json", false);
  CHECK(plain["kind"] == "json");
  CHECK(plain["bytes"] == 27);
  CHECK(plain["sha256"].get<std::string>().size() == 64);
  CHECK_FALSE(plain.contains("json"));
  auto full =
      traffic_log::body_snapshot(R"({"model":"m","api_key":"k"})", "application/json", true);
  CHECK(full["json"]["model"] == "m");
  CHECK(full["json"]["api_key"] == "[REDACTED]");
  CHECK(traffic_log::body_snapshot("", "", true)["kind"] == "empty");
  CHECK(traffic_log::body_snapshot("\x89PNG", "image/png", true)["kind"] == "binary_summary");
  CHECK(traffic_log::body_snapshot("hi", "text/plain", true)["text"] == "hi");
}

TEST_CASE("traffic_log::Log writes one redacted JSON line per record into the hour's file") {
  test::TempDir dir;
  Log log({dir.path() + "/logs", false, 14});
  auto t = at(2026, 11, 22, 7, 12);
  REQUIRE(log.write({{"request_id", "req_1"}, {"authorization", "Bearer secret-token"}}, t));
  REQUIRE(log.write({{"request_id", "req_2"}}, t + std::chrono::minutes(3)));
  std::string file = dir.path() + "/logs/2026/11/22-07.log";
  auto recs = records(file);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0]["request_id"] == "req_1");
  CHECK(recs[0]["authorization"] == "[REDACTED]");
  CHECK(recs[0]["logged_at"] == "2026-11-22T07:12:00.000000+00:00");
  CHECK(test::read_file(file).find("secret-token") == std::string::npos);
  CHECK(test::file_mode(file) == 0600);
  CHECK(test::file_mode(dir.path() + "/logs/2026/11") == 0700);
  REQUIRE(log.write({{"request_id", "req_3"}}, at(2026, 11, 22, 8, 1)));
  CHECK(records(dir.path() + "/logs/2026/11/22-08.log").size() == 1);
}

TEST_CASE(
    "traffic_log::Log keeps every record whole when threads write at once, across an hour change") {
  test::TempDir dir;
  Log log({dir.path() + "/logs", false, 0});
  std::string filler(3000, 'x'); // records longer than a pipe's atomic size still stay whole
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto when = at(2026, 11, 22, i < 100 ? 7 : 8, 59);
        log.write(
            {{"request_id", "req_" + std::to_string(t) + "_" + std::to_string(i)}, {"pad", filler}},
            when);
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::set<std::string> ids;
  for (const char* hour : {"07", "08"}) {
    for (const auto& r : records(dir.path() + "/logs/2026/11/22-" + std::string(hour) + ".log")) {
      CHECK(r["pad"] == filler);
      ids.insert(r["request_id"].get<std::string>());
    }
  }
  CHECK(ids.size() == 1600);
}

TEST_CASE("traffic_log::Log deletes hour files older than retention_days and empty dirs") {
  test::TempDir dir;
  std::string logs = dir.path() + "/logs";
  test::write_file(logs + "/2026/10/01-05.log", "{}\n");
  test::write_file(logs + "/2026/11/07-23.log", "{}\n");   // ends 15 days before now
  test::write_file(logs + "/2026/11/09-10.log", "{}\n");   // 13 days: kept
  test::write_file(logs + "/2026/11/notes.txt", "mine\n"); // not a log: kept
  Log log({logs, false, 14});
  auto now = at(2026, 11, 22, 12);
  CHECK(log.purge(now) == 2);
  CHECK_FALSE(fs::exists(logs + "/2026/10"));
  CHECK_FALSE(fs::exists(logs + "/2026/11/07-23.log"));
  CHECK(fs::exists(logs + "/2026/11/09-10.log"));
  CHECK(fs::exists(logs + "/2026/11/notes.txt"));
}

TEST_CASE("traffic_log::Log purges when a new hour's file starts") {
  test::TempDir dir;
  std::string logs = dir.path() + "/logs";
  test::write_file(logs + "/2026/01/01-00.log", "{}\n");
  Log log({logs, false, 1});
  REQUIRE(log.write({{"x", 1}}, at(2026, 3, 1, 0)));
  CHECK_FALSE(fs::exists(logs + "/2026/01/01-00.log"));
}

TEST_CASE("traffic_log::Log with retention_days 0 keeps everything") {
  test::TempDir dir;
  std::string logs = dir.path() + "/logs";
  test::write_file(logs + "/2020/01/01-00.log", "{}\n");
  Log log({logs, false, 0});
  CHECK(log.purge(at(2026, 1, 1, 0)) == 0);
  CHECK(fs::exists(logs + "/2020/01/01-00.log"));
}

TEST_CASE("traffic_log::Log is fail-open when the directory cannot be written") {
  test::TempDir dir;
  test::write_file(dir.path() + "/file", "x");
  Log log({dir.path() + "/file/logs", false, 14});
  CHECK_FALSE(log.write({{"x", 1}}, at(2026, 1, 1, 0)));
}

TEST_CASE("traffic_log::redact matches secret keys in any case and spelling, not token counts") {
  nlohmann::json in = {{"apiKey", "a"},
                       {"OPENAI_API_KEY", "b"},
                       {"x-api-key", "c"},
                       {"clientSecret", "d"},
                       {"Password", "e"},
                       {"sessionToken", "f"},
                       {"proxy_authorization", "g"},
                       {"max_tokens", 5},
                       {"usage", {{"input_tokens", 3}}},
                       {"token_type", "bearer"},
                       {"key", "kept outside a query"},
                       {"query", {{"key", "q"}, {"page", "2"}, {"Api_Key", "r"}}}};
  auto out = traffic_log::redact(in);
  for (const char* k : {"apiKey", "OPENAI_API_KEY", "x-api-key", "clientSecret", "Password",
                        "sessionToken", "proxy_authorization"}) {
    CAPTURE(k);
    CHECK(out[k] == "[REDACTED]");
  }
  CHECK(out["max_tokens"] == 5);
  CHECK(out["usage"]["input_tokens"] == 3);
  CHECK(out["token_type"] == "bearer");
  CHECK(out["key"] == "kept outside a query");
  CHECK(out["query"]["key"] == "[REDACTED]");
  CHECK(out["query"]["Api_Key"] == "[REDACTED]");
  CHECK(out["query"]["page"] == "2");
}

TEST_CASE("traffic_log::redact replaces Bearer credentials and sk- keys inside any text") {
  nlohmann::json in = {
      {"content", "use Authorization: Bearer abc.DEF-123_x~ then sk-proj-0123456789abcdef."},
      {"plain", "a task-list and sk-short and ask-0123456789abcdef stay"}};
  auto out = traffic_log::redact(in);
  CHECK(out["content"] == "use Authorization: [REDACTED] then [REDACTED]");
  CHECK(out["plain"] == "a task-list and sk-short and ask-0123456789abcdef stay");
  auto text =
      traffic_log::body_snapshot("key=sk-0123456789abcdefgh; Bearer tok", "text/plain", true);
  auto logged = traffic_log::redact(text);
  CHECK(logged["text"] == "key=[REDACTED]; [REDACTED]");
}

TEST_CASE("traffic_log::body_snapshot logs JSON nested past 256 levels as text") {
  std::string deep = std::string(300, '[') + std::string(300, ']');
  auto snap = traffic_log::body_snapshot(deep, "application/json", true);
  CHECK(snap["kind"] == "text");
  CHECK(traffic_log::redact(snap)["text"] == deep);
}

namespace {

// What the log wrote before records were written as text: the redacted tree with its
// logged_at, dumped.
std::string tree_line(const nlohmann::json& record, traffic_log::TimePoint now) {
  nlohmann::json r = traffic_log::redact(record);
  r["logged_at"] = traffic_log::iso_time(now);
  return r.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace

TEST_CASE("traffic_log::Record writes the very line the redacted tree dumped") {
  auto t = at(2026, 11, 22, 7, 12) + std::chrono::microseconds(947397);
  nlohmann::json usage = {{"input_tokens", 12},
                          {"output_tokens", 3},
                          {"output_tokens_details", {{"reasoning_tokens", 0}}},
                          {"total_tokens", 15}};
  nlohmann::json adaptations = {{"ignored_parameters", {"temperature", "top_p"}},
                                {"adjusted_parameters", "reasoning_effort=high"}};
  nlohmann::json error = {{"code", "rate_limit_exceeded"},
                          {"message", "slow down, Bearer abcdef12345"},
                          {"param", nullptr}};
  nlohmann::json body = {{"model", "gpt-5.5"},
                         {"api_key", "sk-abcdefghijkl"},
                         {"messages", {{{"role", "user"}, {"content", "héllo \u2603 \U0001F600"}}}},
                         {"headers", {{"Authorization", "Bearer x"}, {"Cookie", "a=b"}}},
                         {"code", "oauth"},
                         {"ratio", 0.25},
                         {"big", 18446744073709551615ull},
                         {"neg", -7},
                         {"flag", false},
                         {"nothing", nullptr},
                         {"empty", nlohmann::json::object()},
                         {"none", nlohmann::json::array()}};
  nlohmann::json query = {{"key", "k1"}, {"sig", "s"}, {"page", "2"}, {"api-key", "z"}};
  std::string long_key(80, 'a');
  for (double ms : {0.0, 1.0, 12.34, 0.07, 1234567.89, 1e-7, 3e21}) {
    CAPTURE(ms);
    traffic_log::Record rec;
    nlohmann::json tree;
    auto text = [&](const std::string& k, const std::string& v) {
      rec.text(k, v);
      tree[k] = v;
    };
    text("phase", "request");
    text("request_id", "req_0123456789abcdef");
    text("method", "POST");
    text("path", "/v1/chat/completions?x=\"q\"\\");
    text("route", "/v1/chat/completions");
    text("client_ip", "127.0.0.1");
    rec.integer("status", 200);
    tree["status"] = 200;
    rec.real("duration_ms", ms);
    tree["duration_ms"] = ms;
    rec.count("request_bytes", 1234);
    tree["request_bytes"] = size_t{1234};
    rec.count("response_bytes", 0);
    tree["response_bytes"] = size_t{0};
    rec.boolean("streamed", true);
    tree["streamed"] = true;
    rec.boolean("completed", false);
    tree["completed"] = false;
    text("rejected", "auth");
    // Annotations: nested values, secrets by name, credentials in text, control characters,
    // invalid UTF-8, a name set twice (the later wins), a long secret name.
    std::vector<std::pair<std::string, nlohmann::json>> annotations = {
        {"usage", usage},
        {"adaptations", adaptations},
        {"error", error},
        {"error_code", nullptr},
        {"model", "gpt-5.5 \u00e9\t\n\x01"},
        {"bad_utf8", "a\xff\xfe b \xc3"},
        {"authorization", "Bearer sk-secret"},
        {"x-api-key", "k"},
        {"sessionToken", "t"},
        {"code", "oauth-code"},
        {"note", "key sk-0123456789abcdef and Bearer tok.en/xyz= here"},
        {"status", 502},
        {long_key + "_token", "t"},
        {long_key, "kept"},
        {"upstream_attempts", 1},
        {"logged_at", "from an annotation"}};
    for (const auto& [k, v] : annotations) { // referred to: they outlive the line
      rec.value(k, v);
      tree[k] = v;
    }
    rec.owned("query", query);
    tree["query"] = query;
    rec.owned("request_body", {{"kind", "json"}, {"json", body}});
    tree["request_body"] = {{"kind", "json"}, {"json", body}};
    CHECK(rec.line(t) == tree_line(tree, t));
  }
  // A top-level message makes a top-level code an error's category, not a secret.
  traffic_log::Record with_message;
  with_message.text("message", "failed");
  with_message.text("code", "upstream_error");
  CHECK(with_message.line(t) == tree_line({{"message", "failed"}, {"code", "upstream_error"}}, t));
  traffic_log::Record empty;
  CHECK(empty.line(t) == tree_line(nlohmann::json::object(), t));
}

TEST_CASE("traffic_log::Log::write of a tree writes what the redacted tree dumped") {
  test::TempDir dir;
  Log log({dir.path() + "/logs", false, 14});
  auto t = at(2026, 11, 22, 7, 12);
  nlohmann::json rec = {{"phase", "endpoint_security_ready"},
                        {"authorization", "Bearer secret-token"},
                        {"detail", {{"token", "x"}, {"items", {1, 2.5, "sk-0123456789ab"}}}}};
  REQUIRE(log.write(rec, t));
  CHECK(test::read_file(dir.path() + "/logs/2026/11/22-07.log") == tree_line(rec, t));
}
