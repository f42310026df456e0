// The HTTP module's one exported symbol: the table of its entry points (see httpd.hpp).
#include "oauth_login_browser.hpp"

#include <airelays/httpd.hpp>
#include <airelays/server.hpp>

extern "C" __attribute__((visibility("default")))
const airelays::httpd::Module airelays_httpd_module{
    .serve = airelays::server::serve,
    .start_browser_login = airelays::oauth_login::start_browser_login,
};
