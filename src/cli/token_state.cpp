// The relay token as the CLI commands report it (see token_state.hpp).
#include "command.hpp"
#include "token_state.hpp"

#include <airelays/relay_token.hpp>

namespace airelays::cli {

TokenState resolve_token(const config::Config& cfg) {
  TokenState t;
  t.token = require(relay_token::resolve(cfg));
  if (t.token) {
    t.source = cfg.bearer_token_env && !cfg.bearer_token_env->empty() ? "env" : "file";
  }
  return t;
}

status_report::TokenFacts token_facts(const TokenState& t) {
  status_report::TokenFacts f;
  f.present = t.token.has_value();
  f.source = t.source;
  if (t.token) {
    f.fingerprint = relay_token::fingerprint(*t.token);
  }
  return f;
}

} // namespace airelays::cli
