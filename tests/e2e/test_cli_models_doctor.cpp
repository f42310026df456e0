// `airelays models [--json]` and `airelays doctor [--skip-response] [--json]` end to end: the
// real binary against the in-process fake upstream, in an isolated HOME. `models` asks the
// running relay (so it lists exactly what clients get: the upstream catalog plus
// extra_models) and says clearly when no relay runs; `doctor` passes against a healthy fake,
// reports one result per check in --json, and fails with a non-zero exit and a check that
// names the problem when the upstream is down or there is no login.
#include "fault_helpers.hpp"

#include <algorithm>

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::faults;

namespace {

// The fake's catalog (Codex 0.169.0's bundled models) starts with these; extra_models adds one.
const char* k_upstream_model = "gpt-5.5";
const char* k_extra_model = "my-extra-model";

Settings with_extra_model() {
  Settings s;
  s.extra = std::string("extra_models = [\"") + k_extra_model + "\"]\n";
  return s;
}

std::vector<std::string> ids_of(const json& doc) {
  std::vector<std::string> ids;
  if (doc.is_object() && doc.contains("data") && doc["data"].is_array()) {
    for (const auto& m : doc["data"]) {
      if (m.is_object() && m.contains("id") && m["id"].is_string()) {
        ids.push_back(m["id"].get<std::string>());
      }
    }
  }
  return ids;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The check named `name` of a doctor --json document ({} when absent).
json check_named(const json& doc, const std::string& name) {
  if (doc.is_object() && doc.contains("checks") && doc["checks"].is_array()) {
    for (const auto& c : doc["checks"]) {
      if (c.is_object() && c.value("name", "") == name) {
        return c;
      }
    }
  }
  return json::object();
}

// Runs `doctor --json` (plus `extra`) and returns its parsed output.
json doctor_json(const Env& env, RunResult& r, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"doctor", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  r = run_airelays(env, args);
  INFO(r.out);
  INFO(r.err);
  return json::parse(r.out, nullptr, false);
}

} // namespace

TEST_CASE("airelays models lists the running relay's ids, as JSON and as text") {
  Env env;
  fake::FakeUpstream fake;
  auto server = start_relay(env, fake, with_extra_model());

  auto as_json = run_airelays(env, {"models", "--json"});
  INFO(as_json.err);
  CHECK(as_json.exit_code == 0);
  auto doc = json::parse(as_json.out, nullptr, false);
  REQUIRE(doc.is_object());
  CHECK(doc["object"] == "list");
  auto ids = ids_of(doc);
  CHECK(has(ids, k_upstream_model));
  CHECK(has(ids, k_extra_model));
  CHECK(has(ids, "codex-auto-review"));

  // The same ids the relay's own /v1/models answers to a client.
  auto c = serve::client(server->port);
  auto direct = c.Get("/v1/models", serve::bearer());
  REQUIRE(direct);
  CHECK(ids_of(serve::body_json(direct)) == ids);

  auto text = run_airelays(env, {"models"});
  INFO(text.out);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find(server->base_url() + "/v1") != std::string::npos);
  for (const auto& id : ids) {
    CHECK_MESSAGE(text.out.find("  " + id + " ") != std::string::npos, id);
  }
  CHECK(text.err.empty());
}

TEST_CASE("airelays models without a running relay exits non-zero and says how to start one") {
  Env env;
  Settings s;
  s.base_url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/backend-api/codex";
  s.issuer_url = "http://127.0.0.1:1";
  configure(env, s);
  int port = closed_port();
  serve::give_config(env, read_file(env.config_file()) +
                              "[server]\nport = " + std::to_string(port) + "\n");
  for (auto args :
       {std::vector<std::string>{"models"}, std::vector<std::string>{"models", "--json"}}) {
    auto r = run_airelays(env, args);
    INFO(r.out);
    INFO(r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.out.empty());
    CHECK(r.err.find("No running relay at http://127.0.0.1:" + std::to_string(port)) !=
          std::string::npos);
    CHECK(r.err.find("airelays serve") != std::string::npos);
  }
}

TEST_CASE("airelays models reports the relay's own error, not a raw body, when the relay refuses") {
  Env env;
  fake::FakeUpstream fake;
  auto server = start_relay(env, fake);
  // The CLI alone gets another token (the environment wins over the relay's token file).
  env.vars["AIRELAYS_BEARER_TOKEN"] = "a-different-token-that-the-relay-does-not-know-01234";
  auto r = run_airelays(env, {"models"});
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("401") != std::string::npos);
  CHECK(r.err.find("{\"error\"") == std::string::npos); // the message, not the JSON
  CHECK(r.err.find("a-different-token") == std::string::npos);
}

TEST_CASE("airelays doctor passes against the fake, with one result per check in --json") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, {.base_url = fake.backend_url(), .issuer_url = fake.issuer_url(), .extra = ""});
  plant_login(env);

  auto text = run_airelays(env, {"doctor"});
  INFO(text.out);
  INFO(text.err);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("Ready:") != std::string::npos);

  RunResult r;
  auto doc = doctor_json(env, r);
  REQUIRE(doc.is_object());
  CHECK(r.exit_code == 0);
  CHECK(doc["ok"] == true);
  CHECK(doc["summary"]["failed"] == 0);
  REQUIRE(doc["checks"].is_array());
  for (const auto& c : doc["checks"]) {
    CHECK(c["name"].is_string());
    CHECK(c["message"].is_string());
    std::string st = c.value("status", "");
    CHECK((st == "pass" || st == "warn" || st == "skip"));
  }
  for (const char* name :
       {"config", "relay_token", "openai_auth", "openai_models", "openai_response"}) {
    CHECK_MESSAGE(check_named(doc, name)["status"] == "pass", name);
  }
  CHECK(fake.count("/backend-api/codex/responses") >= 1);
  // No secret in the report.
  CHECK(r.out.find(read_file(env.data_dir() + "/relay-token").substr(0, 20)) == std::string::npos);
  CHECK(r.out.find("rt_planted") == std::string::npos);

  size_t posts = fake.count("/backend-api/codex/responses");
  auto skipped = doctor_json(env, r, {"--skip-response"});
  CHECK(r.exit_code == 0);
  CHECK(check_named(skipped, "openai_response")["status"] == "skip");
  CHECK(fake.count("/backend-api/codex/responses") == posts); // no smoke request
}

TEST_CASE("airelays doctor fails with a clear check when the upstream is down") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, {.base_url = fake.backend_url(), .issuer_url = fake.issuer_url(), .extra = ""});
  plant_login(env);
  fake.stop();

  RunResult r;
  auto doc = doctor_json(env, r);
  REQUIRE(doc.is_object());
  CHECK(r.exit_code == 1);
  CHECK(doc["ok"] == false);
  auto models = check_named(doc, "openai_models");
  CHECK(models["status"] == "fail");
  std::string msg = models.value("message", "");
  CHECK(msg.find("connection failed") != std::string::npos);
  // The upstream is unreachable: logging in again would not help.
  auto steps = models.value("next_steps", json::array());
  CHECK(std::find(steps.begin(), steps.end(), json("airelays login")) == steps.end());
  CHECK(check_named(doc, "openai_auth")["status"] == "pass");

  auto text = run_airelays(env, {"doctor"});
  CHECK(text.exit_code == 1);
  CHECK(text.out.find("openai_models:") != std::string::npos);
  CHECK(text.out.find("fail") != std::string::npos);
}

TEST_CASE("airelays doctor without a login fails the auth check and says to log in") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, {.base_url = fake.backend_url(), .issuer_url = fake.issuer_url(), .extra = ""});

  RunResult r;
  auto doc = doctor_json(env, r);
  REQUIRE(doc.is_object());
  CHECK(r.exit_code == 1);
  CHECK(doc["ok"] == false);
  auto auth = check_named(doc, "openai_auth");
  CHECK(auth["status"] == "fail");
  // No display here (a headless machine): the same step status gives, `login --device`.
  auto steps = doc.value("next_steps", json::array());
  CHECK(std::find(steps.begin(), steps.end(), json("airelays login --device")) != steps.end());
  auto status = json::parse(run_airelays(env, {"status", "--json"}).out);
  CHECK(std::find(status["next_steps"].begin(), status["next_steps"].end(),
                  json("airelays login --device")) != status["next_steps"].end());
  CHECK(check_named(doc, "openai_models")["status"] == "skip");
  CHECK(fake.count("/backend-api/codex/models") == 0);
}

TEST_CASE("airelays doctor's upstream hint points at a base URL that status shows") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, {.base_url = fake.backend_url(), .issuer_url = fake.issuer_url(), .extra = ""});
  plant_login(env);
  fake.stop();
  RunResult r;
  auto doc = doctor_json(env, r);
  auto steps = check_named(doc, "openai_models").value("next_steps", json::array());
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].get<std::string>().find("Upstream base URL") != std::string::npos);
  auto status = run_airelays(env, {"status"});
  CHECK(status.out.find("  Upstream base URL: " + fake.backend_url() + "\n") != std::string::npos);
  auto status_json = json::parse(run_airelays(env, {"status", "--json"}).out);
  CHECK(status_json["relay"]["upstream_base_url"] == fake.backend_url());
}

TEST_CASE("airelays doctor with the OpenAI runtime disabled skips its checks and exits 0") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, {.base_url = fake.backend_url(), .issuer_url = fake.issuer_url(), .extra = ""});
  env.vars["AIRELAYS_ENABLE_OPENAI"] = "false";
  RunResult r;
  auto doc = doctor_json(env, r);
  REQUIRE(doc.is_object());
  CHECK(r.exit_code == 0);
  CHECK(doc["ok"] == true);
  for (const char* name : {"openai_auth", "openai_models", "openai_response"}) {
    CAPTURE(name);
    CHECK(check_named(doc, name)["status"] == "skip");
  }
  CHECK(fake.requests().empty());
}

#ifdef __linux__
// Debian's libcurl loads GnuTLS (through librtmp and libldap) though curl does TLS with
// OpenSSL; the binary's _gnutls_global_init_skip keeps GnuTLS from initialising itself at load
// (0.85 MB of a relay's RSS, docs/benchmarks.md). The dynamic loader must bind GnuTLS's call to
// the binary's definition, not to the library's own weak one.
TEST_CASE("a command that talks to the upstream keeps GnuTLS from initialising itself") {
  Env env;
  fake::FakeUpstream fake;
  configure(env, {.base_url = fake.backend_url(), .issuer_url = fake.issuer_url(), .extra = ""});
  plant_login(env);
  env.vars["LD_DEBUG"] = "bindings";
  RunResult r;
  auto doc = doctor_json(env, r, {"--skip-response"});
  CHECK(r.exit_code == 0);
  CHECK(check_named(doc, "openai_models")["status"] == "pass"); // curl was loaded and used
  if (r.err.find("/libgnutls.so") == std::string::npos) {
    MESSAGE("skipped: this libcurl does not load GnuTLS");
    return;
  }
  bool bound_to_binary = false;
  for (size_t at = r.err.find("`_gnutls_global_init_skip'"); at != std::string::npos;
       at = r.err.find("`_gnutls_global_init_skip'", at + 1)) {
    std::string line = r.err.substr(0, at);
    line = line.substr(line.rfind('\n') + 1);
    INFO(line);
    bound_to_binary = bound_to_binary || (line.find("libgnutls.so") != std::string::npos &&
                                          line.find("/airelays [0]") != std::string::npos);
  }
  CHECK(bound_to_binary);
}
#endif
