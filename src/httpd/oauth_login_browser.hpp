// The browser login's callback listener (private to the HTTP module; the CLI reaches it
// through httpd::Module::start_browser_login).
#pragma once

#include <airelays/oauth_login.hpp>

namespace airelays::oauth_login {

// Binds localhost:<callback_port>; if it cannot, the error points to `airelays login --device`.
Result<std::unique_ptr<BrowserLogin>> start_browser_login(const Settings& s);

} // namespace airelays::oauth_login
