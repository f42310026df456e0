// `airelays models [--json]`: the model ids the RUNNING relay accepts (reference §1.10). It
// asks the relay itself (GET <base>/v1/models with the relay token), not the upstream, so
// the answer is exactly what clients of that relay will get, extra_models included.
#include "command.hpp"
#include "term.hpp"
#include "token_state.hpp"

#include <airelays/atomic_file.hpp>
#include <airelays/http_client.hpp>

#include <algorithm>
#include <iostream>
#include <memory>

namespace airelays::cli {

namespace {

using nlohmann::json;

// http://HOST:PORT of the running relay: serve.json when present, else the configured one.
std::string relay_origin(const config::Config& cfg) {
  std::string host = cfg.host == "0.0.0.0" || cfg.host.empty() ? "127.0.0.1" : cfg.host;
  int port = cfg.port;
  auto text = atomic_file::read(paths::layout(cfg).runtime_file);
  if (text && text->has_value()) {
    auto doc = json::parse(**text, nullptr, false);
    if (doc.is_object() && doc.contains("port") && doc["port"].is_number_integer()) {
      port = doc["port"].get<int>();
    }
  }
  if (host.find(':') != std::string::npos && host.front() != '[') {
    host = "[" + host + "]";
  }
  return "http://" + host + ":" + std::to_string(port);
}

std::string joined(const json& arr) {
  std::string out;
  if (!arr.is_array()) {
    return out;
  }
  for (const auto& v : arr) {
    if (v.is_string()) {
      out += (out.empty() ? "" : ", ") + v.get<std::string>();
    }
  }
  return out;
}

std::string section_name(const std::string& provider) {
  if (provider == "openai") {
    return "OpenAI";
  }
  if (provider == "claude") {
    return "Claude";
  }
  return provider;
}

void print_human(const std::string& endpoint, const json& doc) {
  std::vector<std::pair<std::string, std::vector<const json*>>> groups;
  const json& data = doc.contains("data") && doc["data"].is_array() ? doc["data"] : json::array();
  for (const auto& m : data) {
    if (!m.is_object() || !m.contains("id") || !m["id"].is_string()) {
      continue;
    }
    std::string provider = "other";
    if (m.contains("airelays") && m["airelays"].is_object() && m["airelays"].contains("provider") &&
        m["airelays"]["provider"].is_string()) {
      provider = m["airelays"]["provider"].get<std::string>();
    }
    auto g =
        std::find_if(groups.begin(), groups.end(), [&](auto& x) { return x.first == provider; });
    if (g == groups.end()) {
      groups.push_back({provider, {}});
      g = groups.end() - 1;
    }
    g->second.push_back(&m);
  }
  std::cout << "Models\n  Endpoint:          " << endpoint << "\n";
  for (const auto& [provider, models] : groups) {
    size_t width = 0;
    for (const json* m : models) {
      width = std::max(width, (*m)["id"].get<std::string>().size());
    }
    std::cout << "\n" << section_name(provider) << "\n";
    for (const json* m : models) {
      std::string id = (*m)["id"].get<std::string>();
      std::cout << "  " << id << std::string(width - id.size() + 2, ' ');
      const json& block = m->contains("airelays") ? (*m)["airelays"] : json::object();
      if (block.is_object() && block.contains("reasoning") && block["reasoning"].is_object()) {
        std::cout << "reasoning: " << joined(block["reasoning"].value("modes", json::array()));
      }
      if (block.is_object() && block.contains("structured_output") &&
          block["structured_output"].is_object()) {
        std::cout << "  structured: "
                  << joined(block["structured_output"].value("types", json::array()));
      }
      std::cout << "\n";
    }
  }
  std::cout << "\n  Use these ids as `model` in requests to the endpoint above.\n"
               "  Set `reasoning_effort` to one of the listed reasoning modes.\n"
            << std::flush;
}

// The relay's refusal as one line: its error message (not the raw JSON), and what to do for
// the common cases.
std::string refusal_message(int status, const std::string& body) {
  std::string message;
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("error") && doc["error"].is_object() &&
      doc["error"].contains("message") && doc["error"]["message"].is_string()) {
    message = doc["error"]["message"].get<std::string>();
  } else {
    message = body.substr(0, 200);
  }
  std::string out = "Model listing failed (HTTP " + std::to_string(status) + "): " + message;
  if (status == 401) {
    out += " The relay token in this configuration is not the running relay's; check "
           "`airelays token show` against the relay's config.";
  } else if (status == 503 || status == 502 || status == 504) {
    out += " Run `airelays doctor` to check the login and the upstream.";
  }
  return out;
}

ExitCode run_models(const GlobalOptions& globals, bool as_json) {
  config::Config cfg = load_config(globals);
  std::string endpoint = relay_origin(cfg) + "/v1";
  http_client::Request req;
  req.url = endpoint + "/models";
  req.timeout_ms = 15000;
  req.connect_timeout_ms = 2000;
  if (cfg.require_bearer_auth) {
    if (auto token = resolve_token(cfg).token) {
      req.headers.emplace_back("Authorization", "Bearer " + *token);
    }
  }
  auto res = http_client::perform(req);
  if (res.status == 0) {
    throw CliError{make_error("No running relay at " + endpoint +
                              ". Start it with `airelays serve`, then retry.")};
  }
  if (res.status >= 400) {
    throw CliError{make_error(refusal_message(res.status, res.body))};
  }
  auto doc = json::parse(res.body, nullptr, false);
  if (!doc.is_object()) {
    throw CliError{make_error("Model listing failed: the relay answered with invalid JSON.")};
  }
  if (as_json) {
    term::print_json(nlohmann::ordered_json::parse(res.body));
  } else {
    print_human(endpoint, doc);
  }
  return ExitCode::ok;
}

} // namespace

void register_models(Registry& r) {
  CLI::App* sub = r.app().add_subcommand("models", "List the model ids the running relay accepts");
  auto json_flag = std::make_shared<bool>(false);
  sub->add_flag("--json", *json_flag, "Print the relay's /v1/models answer as JSON");
  r.bind(sub, [&r, json_flag] { return run_models(r.globals(), *json_flag); });
}

} // namespace airelays::cli
