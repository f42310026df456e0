// The ChatGPT login lifecycle. Placeholder until the login capability lands: always signed out.
#include <airelays/token_manager.hpp>

namespace airelays::token_manager {

std::string to_string(LoginState s) {
  switch (s) {
  case LoginState::ready:
    return "ready";
  case LoginState::login_required:
    return "login_required";
  default:
    return "signed_out";
  }
}

namespace {

class SignedOut final : public TokenManager {
public:
  Access access() override {
    Access a;
    a.error = api_error::make(503, "No ChatGPT login found. Run `airelays login` first.",
                              std::string("upstream_auth_missing"));
    return a;
  }
  Access after_unauthorized(const std::string&) override { return access(); }
  Summary summary() override { return {}; }
};

} // namespace

std::unique_ptr<TokenManager> make(const config::Config&, const paths::Layout&) {
  return std::make_unique<SignedOut>();
}

} // namespace airelays::token_manager
