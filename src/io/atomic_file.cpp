// Atomic, private state files (see atomic_file.hpp).
#include <airelays/atomic_file.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace airelays::atomic_file {

namespace {

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

Status make_parents(const std::filesystem::path& dir) {
  if (dir.empty()) {
    return ok_status();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    return ok_status();
  }
  Status parent = make_parents(dir.parent_path());
  if (!parent) {
    return parent;
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(errno_text("cannot create directory", dir.string()));
  }
  return ok_status();
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

} // namespace

Status write(const std::string& path, std::string_view contents, unsigned mode, Sync sync) {
  std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  Status made = make_parents(dir);
  if (!made) {
    return made;
  }
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data()); // created 0600
  if (fd < 0) {
    return make_error(errno_text("cannot create temporary file for", path));
  }
  std::string tmp(name.data());
  bool durable = sync == Sync::durable;
  bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, contents) && (!durable || ::fsync(fd) == 0);
  int saved = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) {
      saved = errno;
    }
    ::unlink(tmp.c_str());
    errno = saved;
    return make_error(errno_text("cannot write", path));
  }
  if (durable) {
    fsync_dir(dir);
  }
  return ok_status();
}

Result<std::optional<std::string>> read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return std::optional<std::string>{};
    }
    return make_error(errno_text("cannot read", path));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      return make_error(errno_text("cannot read", path));
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

Status remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return make_error(errno_text("cannot remove", path));
  }
  return ok_status();
}

} // namespace airelays::atomic_file
