// End-to-end test support (see test_support.hpp).
#include "test_support.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace airelays::test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string airelays_bin() { return AIRELAYS_TEST_BIN; }
std::string fake_upstream_bin() { return AIRELAYS_TEST_FAKE_BIN; }
std::string data_dir() { return AIRELAYS_TEST_SOURCE_DIR "/tests/data"; }

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/airelays-test-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_path = buf.data();
}

TempDir::~TempDir() {
  if (m_keep || std::getenv("AIRELAYS_KEEP_TMP")) {
    std::fprintf(stderr, "kept test directory %s\n", m_path.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(m_path, ec);
}

Env::Env() {
  vars["HOME"] = home.path();
  vars["XDG_CONFIG_HOME"] = home.path() + "/.config";
  vars["XDG_DATA_HOME"] = home.path() + "/.local/share";
  vars["XDG_RUNTIME_DIR"] = home.path() + "/run";
  fs::create_directories(home.path() + "/run");
  ::chmod((home.path() + "/run").c_str(), 0700);
  vars["PATH"] = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
  vars["NO_COLOR"] = "1";
  vars["LANG"] = "C.UTF-8";
  vars["TERM"] = "dumb";
  if (const char* t = std::getenv("TMPDIR")) {
    vars["TMPDIR"] = t;
  }
  // Sanitizer settings reach the binary under test (the CI sanitizer stage logs reports).
  for (const char* k : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"}) {
    if (const char* v = std::getenv(k)) {
      vars[k] = v;
    }
  }
}

namespace {

std::vector<char*> cstrings(std::vector<std::string>& storage) {
  std::vector<char*> out;
  for (auto& s : storage) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

int spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
          int* out_fd, int* in_fd) {
  int out_pipe[2];
  int in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> envs;
  for (const auto& [k, v] : env) {
    envs.push_back(k + "=" + v);
  }
  auto cargs = cstrings(args);
  auto cenv = cstrings(envs);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    ::setpgid(0, 0);
    ::execve(cargs[0], cargs.data(), cenv.data());
    std::fprintf(stderr, "exec %s: %s\n", cargs[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(in_pipe[0]);
  *out_fd = out_pipe[0];
  if (in_fd) {
    *in_fd = in_pipe[1];
  } else {
    ::close(in_pipe[1]);
  }
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return -WTERMSIG(status);
}

} // namespace

RunResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
              std::chrono::milliseconds timeout, const std::string& stdin_data) {
  // stdout and stderr are kept apart here: run a child with two pipes.
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC) || ::pipe2(in_pipe, O_CLOEXEC)) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> envs;
  for (const auto& [k, v] : env) {
    envs.push_back(k + "=" + v);
  }
  auto cargs = cstrings(args);
  auto cenv = cstrings(envs);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::execve(cargs[0], cargs.data(), cenv.data());
    std::fprintf(stderr, "exec %s: %s\n", cargs[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(in_pipe[0]);
  if (!stdin_data.empty()) {
    (void)!::write(in_pipe[1], stdin_data.data(), stdin_data.size());
  }
  ::close(in_pipe[1]);
  RunResult r;
  auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  bool killed = false;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && (fds[i].revents & (POLLIN | POLLHUP))) {
        char buf[65536];
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        } else {
          (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
        }
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) {
      ::close(f.fd);
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = killed ? -SIGKILL : decode_status(status);
  return r;
}

RunResult run_airelays(const Env& env, const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{airelays_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env.vars, timeout);
}

Process::Process(const std::vector<std::string>& argv,
                 const std::map<std::string, std::string>& env) {
  m_pid = spawn(argv, env, &m_fd, nullptr);
}

Process::~Process() {
  if (!m_status) {
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

void Process::pump(std::chrono::milliseconds timeout) {
  if (m_fd < 0) {
    return;
  }
  pollfd p{m_fd, POLLIN, 0};
  int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (rc > 0) {
    char buf[65536];
    ssize_t n = ::read(m_fd, buf, sizeof buf);
    if (n > 0) {
      m_buf.append(buf, static_cast<size_t>(n));
    } else {
      ::close(m_fd);
      m_fd = -1;
    }
  }
}

std::optional<std::smatch> Process::wait_for_line(const std::regex& re,
                                                  std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    size_t nl;
    while ((nl = m_buf.find('\n', m_scan)) != std::string::npos) {
      static thread_local std::string line;
      line = m_buf.substr(m_scan, nl - m_scan);
      m_scan = nl + 1;
      std::smatch m;
      if (std::regex_search(line, m, re)) {
        return m;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || m_fd < 0) {
      return std::nullopt;
    }
    pump(std::min(left, std::chrono::milliseconds(200)));
  }
}

int Process::wait_for_listening(std::chrono::milliseconds timeout) {
  auto m = wait_for_line(std::regex(R"(listening on http://[^:\s]+:(\d+))"), timeout);
  return m ? std::stoi((*m)[1].str()) : -1;
}

void Process::signal(int sig) { ::kill(m_pid, sig); }

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  if (m_status) {
    return m_status;
  }
  auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
      m_status = decode_status(status);
      while (m_fd >= 0) {
        pump(std::chrono::milliseconds(50));
      }
      return m_status;
    }
    if (Clock::now() >= deadline) {
      return std::nullopt;
    }
    pump(std::chrono::milliseconds(20));
  }
}

std::string Process::output() {
  pump(std::chrono::milliseconds(0));
  return m_buf;
}

long Process::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(m_pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

std::unique_ptr<Server> start_server(const Env& env, const std::vector<std::string>& extra) {
  std::vector<std::string> argv{airelays_bin(), "serve", "--port", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto s = std::unique_ptr<Server>(new Server{Process(argv, env.vars), -1});
  s->port = s->process.wait_for_listening();
  if (s->port < 0) {
    throw std::runtime_error("airelays serve did not start: " + s->process.output());
  }
  return s;
}

void write_file(const std::string& path, const std::string& contents, unsigned mode) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  ::chmod(path.c_str(), mode);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int file_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return -1;
  }
  return static_cast<int>(st.st_mode & 07777);
}

} // namespace airelays::test
