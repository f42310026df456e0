// /v1/responses request normalisation (see responses.hpp; reference §5.0, §5.3): the body is
// passed through as the client sent it — tools of every type, additional_tools items, include,
// reasoning, text, unknown keys — except for what the ChatGPT backend insists on (stream:true,
// store:false, no sampling or token-limit parameters) and the few shapes it cannot take.
#include <airelays/json_schema.hpp>
#include <airelays/responses.hpp>
#include <airelays/text.hpp>

#include <algorithm>
#include <cctype>

namespace airelays::responses {

namespace {

using api_error::ApiError;
using nlohmann::json;

bool is_blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
}

// MIME types for raw base64 input_file data (reference §6.3's table).
std::optional<std::string> mime_for(const std::string& filename) {
  static const std::pair<const char*, const char*> k_types[] = {
      {"pdf", "application/pdf"},
      {"txt", "text/plain"},
      {"md", "text/markdown"},
      {"csv", "text/csv"},
      {"tsv", "text/tab-separated-values"},
      {"json", "application/json"},
      {"xml", "application/xml"},
      {"html", "text/html"},
      {"htm", "text/html"},
      {"js", "text/javascript"},
      {"py", "text/x-python"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"svg", "image/svg+xml"},
      {"doc", "application/msword"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"rtf", "application/rtf"},
      {"zip", "application/zip"}};
  auto dot = filename.rfind('.');
  if (dot == std::string::npos) {
    return std::nullopt;
  }
  std::string ext = text::lower(filename.substr(dot + 1));
  for (const auto& [e, type] : k_types) {
    if (ext == e) {
      return std::string(type);
    }
  }
  return std::nullopt;
}

// Raw base64 file_data becomes a data: URL the backend accepts.
std::optional<ApiError> fix_input_file(json& part, const std::string& param) {
  auto data = part.find("file_data");
  if (data == part.end() || !data->is_string() || data->get<std::string>().rfind("data:", 0) == 0) {
    return std::nullopt;
  }
  std::string filename;
  if (auto f = part.find("filename"); f != part.end()) {
    if (!f->is_string()) {
      return api_error::bad_request("`input_file.filename` must be a string when provided.",
                                    param + ".filename");
    }
    filename = f->get<std::string>();
  }
  auto mime = mime_for(filename);
  if (!mime) {
    return api_error::unprocessable(
        "Raw `input_file.file_data` requires a recognizable filename extension so airelays can "
        "translate it for the subscription backend.",
        param + ".filename");
  }
  *data = "data:" + *mime + ";base64," + data->get<std::string>();
  return std::nullopt;
}

std::optional<ApiError> check_items(json& input) {
  for (size_t i = 0; i < input.size(); ++i) {
    std::string param = "input[" + std::to_string(i) + "]";
    json& item = input[i];
    if (!item.is_object()) {
      return api_error::bad_request("Each input item must be an object.", param);
    }
    auto content = item.find("content");
    if (content == item.end() || !content->is_array()) {
      continue;
    }
    for (size_t k = 0; k < content->size(); ++k) {
      json& part = (*content)[k];
      std::string pparam = param + ".content[" + std::to_string(k) + "]";
      if (!part.is_object()) {
        return api_error::bad_request("Each content item must be an object.", pparam);
      }
      if (auto t = part.find("type"); t != part.end() && *t == "input_file") {
        if (auto err = fix_input_file(part, pparam)) {
          return err;
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<ApiError> normalize_input(json& body) {
  auto it = body.find("input");
  if (it == body.end() || it->is_null()) {
    if (body.contains("previous_response_id") || body.contains("conversation")) {
      body["input"] = json::array();
      return std::nullopt;
    }
    return api_error::bad_request("Missing required parameter: 'input'.", "input");
  }
  if (it->is_string()) {
    *it = json::array({{{"type", "message"},
                        {"role", "user"},
                        {"content", json::array({{{"type", "input_text"}, {"text", *it}}})}}});
  } else if (it->is_object()) {
    *it = json::array({*it});
  } else if (!it->is_array()) {
    return api_error::bad_request(
        "Responses requests must include `input` as a string, object, or array.", "input");
  }
  return check_items(*it);
}

std::optional<ApiError> check_flags(const json& body, bool& stream) {
  if (auto s = body.find("stream"); s != body.end() && !s->is_null()) {
    if (!s->is_boolean()) {
      return api_error::bad_request("`stream` must be a boolean.", "stream");
    }
    stream = s->get<bool>();
  }
  if (auto s = body.find("store"); s != body.end() && !s->is_null()) {
    if (!s->is_boolean() || s->get<bool>()) {
      return api_error::bad_request("The subscription backend requires `store=false`.", "store");
    }
  }
  if (auto b = body.find("background"); b != body.end() && b->is_boolean() && b->get<bool>()) {
    return api_error::unprocessable(
        "Background responses are not supported by the subscription backend.", "background");
  }
  if (auto c = body.find("conversation"); c != body.end() && !c->is_null()) {
    bool ok = c->is_string() || (c->is_object() && c->contains("id") && (*c)["id"].is_string());
    if (!ok) {
      return api_error::bad_request(
          "`conversation` must be a string or an object with string `id`.", "conversation");
    }
  }
  return std::nullopt;
}

bool has_additional_tools(const json& input) {
  return std::any_of(input.begin(), input.end(), [](const json& item) {
    return item.is_object() && item.contains("type") && item["type"] == "additional_tools";
  });
}

std::optional<ApiError> check_tools(const json& body, bool no_tools) {
  auto tools = body.find("tools");
  if (tools != body.end() && !tools->is_null() && !tools->is_array()) {
    return api_error::bad_request("`tools` must be an array when provided.", "tools");
  }
  if (!no_tools) {
    return std::nullopt;
  }
  auto choice = body.find("tool_choice");
  bool uses_tools = (tools != body.end() && tools->is_array() && !tools->empty()) ||
                    (choice != body.end() && !choice->is_null() && *choice != "none") ||
                    has_additional_tools(body["input"]);
  if (uses_tools) {
    return api_error::unprocessable("This route disables tools.", "tools");
  }
  return std::nullopt;
}

std::optional<ApiError> normalize_text(json& body) {
  auto text = body.find("text");
  if (text == body.end() || text->is_null()) {
    return std::nullopt;
  }
  if (!text->is_object()) {
    return api_error::bad_request("`text` must be an object when provided.", "text");
  }
  auto format = text->find("format");
  if (format == text->end() || format->is_null()) {
    return std::nullopt;
  }
  if (!format->is_object()) {
    return api_error::bad_request("`text.format` must be an object when provided.", "text.format");
  }
  return normalize_format(*format, "text.format");
}

} // namespace

std::optional<ApiError> normalize_format(json& format, const std::string& param) {
  auto type = format.find("type");
  if (type != format.end() && (*type == "text" || *type == "json_object")) {
    return std::nullopt;
  }
  if (type == format.end() || *type != "json_schema") {
    return api_error::bad_request("Unsupported `" + param + ".type` value.", param + ".type");
  }
  auto name = format.find("name");
  if (name == format.end() || !name->is_string() || name->get<std::string>().empty()) {
    return api_error::bad_request("`" + param + ".name` must be a non-empty string.",
                                  param + ".name");
  }
  auto schema = format.find("schema");
  if (schema == format.end() || !schema->is_object()) {
    return api_error::bad_request("`" + param + ".schema` must be an object.", param + ".schema");
  }
  if (auto strict = format.find("strict"); strict != format.end() && *strict == false) {
    return std::nullopt; // non-strict schemas are taken as written
  }
  if (auto err = json_schema::normalize(*schema)) {
    return api_error::unprocessable(*err, param + ".schema");
  }
  return std::nullopt;
}

const std::vector<std::string>& stripped_parameters() {
  static const std::vector<std::string> k_names = {"temperature",       "top_p",
                                                   "presence_penalty",  "frequency_penalty",
                                                   "max_output_tokens", "max_completion_tokens",
                                                   "max_tokens"};
  return k_names;
}

void strip_parameters(json& body, std::vector<std::string>& ignored) {
  for (const auto& name : stripped_parameters()) {
    if (body.erase(name) > 0) {
      ignored.push_back(name);
    }
  }
}

void disclose_unhandled(const json& body, const std::set<std::string>& handled,
                        std::vector<std::string>& ignored) {
  const auto& stripped = stripped_parameters();
  for (const auto& [key, value] : body.items()) {
    if (handled.count(key) == 0 &&
        std::find(stripped.begin(), stripped.end(), key) == stripped.end()) {
      ignored.push_back(key);
    }
  }
}

std::variant<Plan, ApiError> plan_translated(json& body, const std::set<std::string>& handled,
                                             const Translate& translate) {
  if (!body.is_object()) {
    return api_error::bad_request("Request body must be a JSON object.");
  }
  Plan plan;
  strip_parameters(body, plan.ignored);
  if (auto err = translate(body, plan)) {
    return *err;
  }
  disclose_unhandled(body, handled, plan.ignored);
  return plan;
}

std::optional<ApiError> check_store(const json& body) {
  if (auto s = body.find("store");
      s != body.end() && !s->is_null() && (!s->is_boolean() || s->get<bool>())) {
    return api_error::bad_request("The subscription backend requires `store=false`.", "store");
  }
  return std::nullopt;
}

std::optional<ApiError> read_stream(const json& body, Plan& plan) {
  if (auto s = body.find("stream"); s != body.end() && !s->is_null()) {
    if (!s->is_boolean()) {
      return api_error::bad_request("`stream` must be a boolean.", "stream");
    }
    plan.stream = s->get<bool>();
  }
  if (auto o = body.find("stream_options"); o != body.end() && o->is_object()) {
    auto u = o->find("include_usage");
    plan.include_usage = u != o->end() && u->is_boolean() && u->get<bool>();
  }
  return std::nullopt;
}

std::string ignored_header(const std::vector<std::string>& ignored) {
  std::string out;
  for (const auto& name : ignored) {
    out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

std::variant<Plan, ApiError> plan_request(json body, bool no_tools) {
  if (!body.is_object()) {
    return api_error::bad_request("Request body must be a JSON object.");
  }
  Plan plan;
  plan.upstream = std::move(body);
  json& up = plan.upstream;
  strip_parameters(up, plan.ignored);
  auto model = up.find("model");
  if (model == up.end() || !model->is_string() || model->get<std::string>().empty()) {
    return api_error::bad_request("Responses requests must include a `model` string.", "model");
  }
  plan.model = model->get<std::string>();
  if (auto err = check_flags(up, plan.stream)) {
    return *err;
  }
  if (auto err = normalize_input(up)) {
    return *err;
  }
  if (auto err = check_tools(up, no_tools)) {
    return *err;
  }
  auto instr = up.find("instructions");
  if (instr != up.end() && !instr->is_null() && !instr->is_string()) {
    return api_error::bad_request("`instructions` must be a string.", "instructions");
  }
  if (instr == up.end() || instr->is_null() || is_blank(instr->get<std::string>())) {
    up["instructions"] = ".";
  }
  if (auto err = normalize_text(up)) {
    return *err;
  }
  up["store"] = false;
  up["stream"] = true;
  return plan;
}

} // namespace airelays::responses
