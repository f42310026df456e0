// `airelays doctor [--skip-response] [--json]`: local checks (config, relay token, ChatGPT
// login), then the upstream models call and one tiny /responses smoke request, reported as
// pass/warn/fail/skip with next steps (reference §1.8). Exit 1 when any check failed. The
// network checks go through the same upstream service as the relay, so a passing doctor means
// the relay's own calls work.
#include "command.hpp"
#include "term.hpp"
#include "token_state.hpp"

#include <airelays/responses.hpp>
#include <airelays/secret_modes.hpp>
#include <airelays/status_report.hpp>
#include <airelays/token_manager.hpp>
#include <airelays/upstream.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

namespace airelays::cli {

namespace {

using json = nlohmann::ordered_json;

struct Check {
  std::string name;
  std::string status; // pass | warn | fail | skip
  std::string message;
  std::vector<std::string> next_steps;
  json data = json::object();
};

const char* k_upstream_hint = "Check the network and [upstream] base_url in the config "
                              "(`airelays status` shows it as \"Upstream base URL\").";

// The login step, as status words it on this machine (`--device` when headless).
std::string login_step() { return status_report::login_hint(term::looks_headless()); }

// What to do about a failed upstream call: log in again only when the login is the problem
// (an unreachable or failing upstream is not fixed by a new login).
std::vector<std::string> steps_for(const api_error::ApiError& e) {
  bool login_problem = e.type == "authentication_error" || e.status == 401 ||
                       (e.code && e.code->rfind("upstream_auth", 0) == 0);
  return {login_problem ? login_step() : k_upstream_hint};
}

Check check_config(const config::Config& cfg) {
  json data = {{"config_path", cfg.config_path}, {"config_exists", cfg.config_file_exists}};
  if (cfg.config_file_exists) {
    return {"config", "pass", "Configuration file found.", {}, data};
  }
  return {
      "config", "warn", "Using built-in defaults; no config file exists.", {"airelays init"}, data};
}

Check check_relay_token(const config::Config& cfg) {
  if (!cfg.require_bearer_auth) {
    return {"relay_token", "skip", "Relay bearer auth is disabled for this configuration.", {}, {}};
  }
  auto t = resolve_token(cfg);
  json data = {{"bearer_token_file", cfg.bearer_token_file}};
  if (!t.token) {
    return {"relay_token",
            "fail",
            "Relay bearer auth is enabled, but no relay token is configured.",
            {"airelays init", "airelays token rotate"},
            data};
  }
  data["bearer_token_source"] = t.source;
  return {"relay_token", "pass", "Relay bearer token is present.", {}, data};
}

// The relay token, auth.json and the data dir must be private to the user (issue 14).
Check check_file_modes(const config::Config& cfg) {
  auto exposures = secret_modes::exposed(paths::layout(cfg));
  if (exposures.empty()) {
    return {"file_modes",
            "pass",
            "The relay token, the login and the data directory are private.",
            {},
            {}};
  }
  std::string message;
  json paths = json::array();
  for (const auto& e : exposures) {
    message += (message.empty() ? "" : " ") + secret_modes::describe(e) + ".";
    paths.push_back(e.path);
  }
  return {"file_modes", "warn", message, {"airelays init"}, {{"paths", paths}}};
}

Check check_auth(const token_manager::Summary& s) {
  if (s.state == token_manager::LoginState::ready) {
    return {"openai_auth",
            "pass",
            "OpenAI subscription login is ready.",
            {},
            {{"email", s.email}, {"account_id", s.account_id}, {"storage_mode", s.storage}}};
  }
  std::string message = "OpenAI subscription login is missing, incomplete, or account-mismatched.";
  if (s.state == token_manager::LoginState::login_required) {
    message = "The ChatGPT login must be renewed: " + s.login_required_reason;
  }
  return {"openai_auth",
          "fail",
          message,
          {login_step()},
          {{"authenticated", false},
           {"credentials_present", s.state != token_manager::LoginState::signed_out},
           {"account_bound", !s.account_id.empty()}}};
}

Check check_models(upstream::Upstream& up, std::string& first_slug) {
  auto r = up.models(true);
  if (!r.ok()) {
    return {"openai_models",
            "fail",
            "OpenAI upstream /models probe failed: " + r.error.message,
            steps_for(r.error),
            {{"status", r.error.status}}};
  }
  auto upstream_only = upstream::catalog_slugs(*r.value);
  first_slug = upstream_only.empty() ? "" : upstream_only.front();
  json data = {{"model_count", upstream_only.size()}, {"selected_model", first_slug}};
  if (upstream_only.empty()) {
    return {"openai_models", "fail", "Upstream /models returned no usable model slugs.", {}, data};
  }
  return {"openai_models",
          "pass",
          "Upstream /models returned " + std::to_string(upstream_only.size()) + " model(s).",
          {},
          data};
}

Check check_response(upstream::Upstream& up, const std::string& model) {
  nlohmann::json body = {
      {"model", model},
      {"input",
       {{{"role", "user"},
         {"content", {{{"type", "input_text"}, {"text", "Reply with exactly: ok"}}}}}}},
      {"instructions", "Reply with exactly: ok."},
      {"store", false},
      {"tools", nlohmann::json::array()},
      {"stream", true}};
  std::vector<std::string> steps = {
      "Check `airelays status` and retry after upstream limits reset if needed."};
  auto opened = up.open_responses(body, {});
  if (opened.error) {
    return {"openai_response",
            "fail",
            "OpenAI /responses smoke request failed: " + opened.error->message,
            steps,
            {}};
  }
  responses::ResponseAccumulator acc;
  for (const auto& ev : opened.head) {
    acc.feed(ev);
  }
  while (auto ev = opened.stream->next()) {
    acc.feed(*ev);
  }
  auto result = acc.finish();
  if (auto* e = std::get_if<api_error::ApiError>(&result)) {
    return {"openai_response",
            "fail",
            "OpenAI /responses smoke request failed: " + e->message,
            steps,
            {}};
  }
  const auto& r = std::get<nlohmann::json>(result);
  auto field = [&r](const char* k) { return r.contains(k) ? r[k] : nlohmann::json(""); };
  return {"openai_response",
          "pass",
          "Tiny /responses smoke request completed.",
          {},
          {{"response_id", field("id")}, {"status", field("status")}, {"model", field("model")}}};
}

// The OpenAI runtime's checks when [providers.openai] enabled = false: skipped, as AIRelays does.
void skip_openai(std::vector<Check>& checks) {
  for (const char* name : {"openai_auth", "openai_models", "openai_response"}) {
    checks.push_back({name, "skip", "OpenAI subscription runtime is disabled.", {}, {}});
  }
}

std::vector<Check> run_checks(const config::Config& cfg, bool skip_response) {
  std::vector<Check> checks{check_config(cfg), check_relay_token(cfg)};
  if (!cfg.openai_enabled) {
    skip_openai(checks);
    checks.push_back({"claude", "skip", "The Claude runtime is disabled.", {}, {}});
    return checks;
  }
  auto tokens =
      std::shared_ptr<token_manager::TokenManager>(token_manager::make(cfg, paths::layout(cfg)));
  checks.push_back(check_auth(tokens->summary()));
  bool ready = checks.back().status == "pass";
  config::Config quick = cfg;
  quick.retry_attempts = 0;
  upstream::Upstream up(quick, tokens);
  std::string model;
  if (ready) {
    checks.push_back(check_models(up, model));
  } else {
    checks.push_back(
        {"openai_models", "skip", "OpenAI model probe requires a ready OpenAI login.", {}, {}});
  }
  if (skip_response) {
    checks.push_back(
        {"openai_response", "skip", "Response smoke probe skipped by --skip-response.", {}, {}});
  } else if (!ready) {
    checks.push_back(
        {"openai_response", "skip", "Response smoke probe requires a ready OpenAI login.", {}, {}});
  } else if (model.empty()) {
    checks.push_back({"openai_response",
                      "skip",
                      "Response smoke probe requires a usable model from /models.",
                      {},
                      {}});
  } else {
    checks.push_back(check_response(up, model));
  }
  checks.push_back({"claude", "skip", "The Claude runtime is disabled.", {}, {}});
  checks.push_back(check_file_modes(cfg));
  return checks;
}

json to_json(const std::vector<Check>& checks) {
  json summary = {{"passed", 0}, {"warnings", 0}, {"failed", 0}, {"skipped", 0}};
  json list = json::array();
  std::vector<std::string> next;
  for (const auto& c : checks) {
    const char* key = c.status == "pass"   ? "passed"
                      : c.status == "warn" ? "warnings"
                      : c.status == "fail" ? "failed"
                                           : "skipped";
    summary[key] = summary[key].get<int>() + 1;
    json item = {{"name", c.name}, {"status", c.status}, {"message", c.message}};
    if (!c.next_steps.empty()) {
      item["next_steps"] = c.next_steps;
    }
    if (!c.data.empty()) {
      item["data"] = c.data;
    }
    list.push_back(item);
    for (const auto& s : c.next_steps) {
      if (std::find(next.begin(), next.end(), s) == next.end()) {
        next.push_back(s);
      }
    }
  }
  return {
      {"ok", summary["failed"] == 0}, {"summary", summary}, {"checks", list}, {"next_steps", next}};
}

void print_text(const json& doc) {
  auto line = [](const std::string& label, const std::string& value) {
    std::cout << "  " << label << std::string(label.size() < 19 ? 19 - label.size() : 1, ' ')
              << value << "\n";
  };
  std::cout << "airelays " AIRELAYS_VERSION " Doctor\n\nSummary\n";
  line("Ready:", doc["ok"].get<bool>() ? "yes" : "no");
  line("Passed:", std::to_string(doc["summary"]["passed"].get<int>()));
  line("Warnings:", std::to_string(doc["summary"]["warnings"].get<int>()));
  line("Failed:", std::to_string(doc["summary"]["failed"].get<int>()));
  line("Skipped:", std::to_string(doc["summary"]["skipped"].get<int>()));
  std::cout << "\nChecks\n";
  for (const auto& c : doc["checks"]) {
    line(c["name"].get<std::string>() + ":", c["status"].get<std::string>());
    std::cout << "    " << c["message"].get<std::string>() << "\n";
  }
  if (!doc["next_steps"].empty()) {
    std::cout << "\nNext Steps\n";
    int i = 1;
    for (const auto& s : doc["next_steps"]) {
      std::cout << "  " << i++ << ". " << s.get<std::string>() << "\n";
    }
  }
  std::cout << std::flush;
}

ExitCode run_doctor(const GlobalOptions& globals, bool as_json, bool skip_response) {
  config::Config cfg = load_config(globals);
  json doc = to_json(run_checks(cfg, skip_response));
  if (as_json) {
    term::print_json(doc);
  } else {
    print_text(doc);
  }
  return doc["ok"].get<bool>() ? ExitCode::ok : ExitCode::failure;
}

} // namespace

void register_doctor(Registry& r) {
  CLI::App* sub = r.app().add_subcommand(
      "doctor", "Check the settings, the login and the upstream (models + a tiny response)");
  auto json_flag = std::make_shared<bool>(false);
  auto skip = std::make_shared<bool>(false);
  sub->add_flag("--json", *json_flag, "Print the checks as JSON");
  sub->add_flag("--skip-response", *skip, "Skip the /responses smoke request");
  r.bind(sub, [&r, json_flag, skip] { return run_doctor(r.globals(), *json_flag, *skip); });
}

} // namespace airelays::cli
