// `airelays __complete <words…>` — the one source of shell completions.
//
// The bash, zsh and fish scripts in completions/ are thin: they pass the words typed after
// `airelays` (the last one is the word being completed, possibly empty) to this hidden
// subcommand and show what it prints. It walks the same CLI11 app that parses real command
// lines, so a new subcommand, flag or choice is completable the moment it is registered and
// the shells never drift from the CLI.
//
// Call it as `airelays __complete -- <words…>`: after the `--` every word is data, even an
// empty one, `-`, `--` or `--help`.
//
// Output: one candidate per line, `candidate<TAB>description` (bash drops the description),
// already filtered by the typed prefix. Two marker lines ask the shell to complete paths
// instead: `:file` (any path) and `:dir` (directories only).
#include "command.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace airelays::cli {

namespace {

constexpr const char* k_command = "__complete";

struct Candidate {
  std::string word;
  std::string description;
};

// Where the walk over the typed words ended.
struct Position {
  CLI::App* app = nullptr;
  const CLI::Option* pending = nullptr; // the option whose value is being typed
  bool positional_only = false;
};

bool is_flag(const CLI::Option* opt) {
  return opt->get_type_size_max() == 0 || opt->get_expected_max() == 0;
}

// The option named `name` ("--x" or "-x") on `app` or, through fallthrough, on its parents.
const CLI::Option* find_option(CLI::App* app, const std::string& name) {
  for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      if (!opt->get_positional() && opt->check_name(name)) {
        return opt;
      }
    }
    if (!a->get_fallthrough()) {
      break;
    }
  }
  return nullptr;
}

// Visible subcommands: hidden ones (empty group, like this one) are never offered.
std::vector<CLI::App*> visible_subcommands(CLI::App* app) {
  return app->get_subcommands(
      [](CLI::App* sub) { return !sub->get_name().empty() && !sub->get_group().empty(); });
}

CLI::App* find_subcommand(CLI::App* app, const std::string& word) {
  for (CLI::App* sub : visible_subcommands(app)) {
    if (sub->check_name(word)) {
      return sub;
    }
  }
  return nullptr;
}

// Consumes one completed word (not the one being typed) and moves the position on.
void step(Position& pos, const std::string& word) {
  if (pos.pending != nullptr) {
    pos.pending = nullptr;
    return;
  }
  if (!pos.positional_only && word == "--") {
    pos.positional_only = true;
    return;
  }
  bool dashed = !pos.positional_only && word.size() > 1 && word[0] == '-';
  if (dashed) {
    bool is_long = word.starts_with("--");
    std::string name = is_long ? word.substr(0, word.find('=')) : word.substr(0, 2);
    const CLI::Option* opt = find_option(pos.app, name);
    bool inline_value = is_long ? word.find('=') != std::string::npos : word.size() > 2;
    if (opt != nullptr && !is_flag(opt) && !inline_value) {
      pos.pending = opt;
    }
    return;
  }
  if (CLI::App* sub = find_subcommand(pos.app, word)) {
    pos.app = sub;
  }
}

// Choices from an IsMember check ("TEXT:{auto,keyring,file}"), or nothing.
std::vector<std::string> choices_of(const CLI::Option* opt) {
  std::string type = opt->get_type_name();
  auto open = type.find('{');
  auto close = type.find('}', open);
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos) {
    return out;
  }
  for (const std::string& item : CLI::detail::split(type.substr(open + 1, close - open - 1), ',')) {
    std::string key = item.substr(0, item.find("->")); // maps print "key->value"
    if (!key.empty()) {
      out.push_back(key);
    }
  }
  return out;
}

// ":file" / ":dir" for options whose value is a path, judged by the type name or validator.
std::optional<std::string> path_marker(const CLI::Option* opt) {
  std::string type = opt->get_type_name();
  if (type.find("DIR") != std::string::npos) {
    return ":dir";
  }
  if (type.find("PATH") != std::string::npos || type.find("FILE") != std::string::npos) {
    return ":file";
  }
  return std::nullopt;
}

// Values of `opt`, each prefixed by `lead` (e.g. "--auth-storage=" for the inline form).
std::vector<Candidate> value_candidates(const CLI::Option* opt, const std::string& lead) {
  std::vector<Candidate> out;
  for (const std::string& choice : choices_of(opt)) {
    out.push_back({lead + choice, ""});
  }
  if (out.empty() && lead.empty()) {
    if (auto marker = path_marker(opt)) {
      out.push_back({*marker, ""});
    }
  }
  return out;
}

// Option names valid at `app`: its own, then the ones inherited through fallthrough.
std::vector<Candidate> option_candidates(CLI::App* app) {
  std::vector<Candidate> out;
  std::vector<std::string> seen;
  for (CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      if (opt->get_positional()) {
        continue;
      }
      std::vector<std::string> names;
      for (const std::string& l : opt->get_lnames()) {
        names.push_back("--" + l);
      }
      if (names.empty()) {
        for (const std::string& s : opt->get_snames()) {
          names.push_back("-" + s);
        }
      }
      for (const std::string& n : names) {
        if (std::find(seen.begin(), seen.end(), n) == seen.end()) {
          seen.push_back(n);
          out.push_back({n, opt->get_description()});
        }
      }
    }
    if (!a->get_fallthrough()) {
      break;
    }
  }
  return out;
}

std::vector<Candidate> subcommand_candidates(CLI::App* app) {
  std::vector<Candidate> out;
  for (CLI::App* sub : visible_subcommands(app)) {
    out.push_back({sub->get_name(), sub->get_description()});
  }
  return out;
}

// Everything that may replace `current` at `pos`, before prefix filtering.
std::vector<Candidate> candidates_at(const Position& pos, const std::string& current) {
  if (pos.pending != nullptr) {
    return value_candidates(pos.pending, "");
  }
  bool dashed = !pos.positional_only && current.starts_with("-");
  if (dashed && current.starts_with("--") && current.find('=') != std::string::npos) {
    std::string lead = current.substr(0, current.find('=') + 1);
    const CLI::Option* opt = find_option(pos.app, lead.substr(0, lead.size() - 1));
    return opt != nullptr ? value_candidates(opt, lead) : std::vector<Candidate>{};
  }
  if (dashed) {
    return option_candidates(pos.app);
  }
  std::vector<Candidate> subs = subcommand_candidates(pos.app);
  if (!subs.empty() || pos.positional_only) {
    return subs;
  }
  return current.empty() ? option_candidates(pos.app) : std::vector<Candidate>{};
}

// Completes the last of `words` (the words after the program name).
void complete(CLI::App& root, const std::vector<std::string>& words, std::ostream& out) {
  Position pos;
  pos.app = &root;
  std::string current = words.empty() ? "" : words.back();
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    step(pos, words[i]);
  }
  for (const Candidate& c : candidates_at(pos, current)) {
    bool marker = c.word.starts_with(":");
    if (!marker && !c.word.starts_with(current)) {
      continue;
    }
    out << c.word;
    if (!c.description.empty()) {
      out << '\t' << c.description;
    }
    out << '\n';
  }
}

} // namespace

void register_complete(Registry& r) {
  CLI::App* sub = r.app().add_subcommand(k_command, "Print shell completions for the given words");
  auto words = std::make_shared<std::vector<std::string>>();
  sub->group("");          // hidden from --help and from completion itself
  sub->fallthrough(false); // the words are data: a typed --config must not be parsed
  sub->allow_extras();     // the "--" that makes every later word data is kept as an extra
  sub->set_help_flag();    // a typed --help is a word to complete, not a request
  // A positional that still wants a value is what makes CLI11 keep a "--" inside this
  // subcommand (and every later word as data) instead of handing it back to the root app.
  sub->add_option("words", *words, "The words after `airelays`, the last one being typed");
  CLI::App& root = r.app();
  r.bind(sub, [words, &root]() {
    complete(root, *words, std::cout);
    return ExitCode::ok;
  });
}

} // namespace airelays::cli
