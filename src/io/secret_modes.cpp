// Permission checks of the relay's secrets and data dir (see secret_modes.hpp).
#include <airelays/secret_modes.hpp>

#include <cstdio>
#include <sys/stat.h>

namespace airelays::secret_modes {

namespace {

struct Target {
  const char* what;
  std::string path;
  unsigned wanted;
};

std::vector<Target> targets(const paths::Layout& l) {
  return {{"data directory", l.data_dir, 0700},
          {"relay token", l.token_file, 0600},
          {"ChatGPT login (auth.json)", l.auth_file, 0600}};
}

std::string octal(unsigned mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

} // namespace

std::vector<Exposure> exposed(const paths::Layout& layout) {
  std::vector<Exposure> out;
  for (const auto& t : targets(layout)) {
    struct stat st {};
    if (t.path.empty() || ::stat(t.path.c_str(), &st) != 0) {
      continue;
    }
    unsigned mode = st.st_mode & 07777;
    if ((mode & 077) != 0) {
      out.push_back({t.what, t.path, mode, t.wanted});
    }
  }
  return out;
}

std::vector<std::string> repair(const paths::Layout& layout) {
  std::vector<std::string> lines;
  for (const auto& e : exposed(layout)) {
    if (::chmod(e.path.c_str(), e.wanted) != 0) {
      lines.push_back("warning: " + describe(e));
    } else {
      lines.push_back("repaired: " + e.what + " " + e.path + " was mode " + octal(e.mode) +
                      ", now " + octal(e.wanted));
    }
  }
  return lines;
}

std::string describe(const Exposure& e) {
  bool group = (e.mode & 070) != 0;
  bool others = (e.mode & 007) != 0;
  std::string who = group && others ? "group and others" : group ? "its group" : "others";
  return e.what + " " + e.path + " is open to " + who + " (mode " + octal(e.mode) +
         "); run `chmod " + octal(e.wanted).substr(1) + " " + e.path + "` or `airelays init`";
}

} // namespace airelays::secret_modes
