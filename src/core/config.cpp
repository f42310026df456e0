// Settings resolution (see config.hpp). Placeholder: defaults only, until the key table lands.
#include <airelays/config.hpp>

namespace airelays::config {

Result<Config> resolve(const Inputs& inputs) {
  Config c;
  c.config_path = inputs.config_path;
  c.data_dir = inputs.home + "/.airelays";
  c.logs_dir = c.data_dir + "/logs";
  c.bearer_token_file = c.data_dir + "/relay-token";
  return c;
}

} // namespace airelays::config
