// Who else on the machine can read the relay's secrets. The relay token, the ChatGPT login
// (auth.json) and the data dir that holds them are written 0600/0700, but a copy, an untar or
// a umask-less editor can widen them later, and then any local user can take the token (and
// with it the subscription). `status` and `doctor` report such modes; `init` and
// `token rotate` put them back (issue 14).
#pragma once

#include <airelays/paths.hpp>

#include <string>
#include <vector>

namespace airelays::secret_modes {

struct Exposure {
  std::string what; // "relay token", "ChatGPT login (auth.json)", "data directory"
  std::string path;
  unsigned mode = 0;   // the permission bits found
  unsigned wanted = 0; // 0600 for a file, 0700 for a directory
};

// The secrets and the data dir of layout whose mode gives group or others any access.
// Missing paths are not exposures.
std::vector<Exposure> exposed(const paths::Layout& layout);

// chmods every exposure of layout to its wanted mode; returns one line per exposure found
// ("repaired: ..." or "warning: ... " when chmod failed), empty when all was private.
std::vector<std::string> repair(const paths::Layout& layout);

// One line for a person: "relay token /p is readable by others (mode 0644); run `chmod 600 /p`".
std::string describe(const Exposure& e);

} // namespace airelays::secret_modes
