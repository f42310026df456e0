// The HTTP module as the CLI sees it (private to the cli layer): `serve` and browser `login`
// call the relay's server and the login's callback listener through its table (see httpd.hpp).
#pragma once

#include <airelays/httpd.hpp>

namespace airelays::cli {

// The module's table, loaded by the first call; throws CliError (what to reinstall) when the
// module is missing, cannot be loaded or is of another build.
const httpd::Module& httpd_module();

} // namespace airelays::cli
