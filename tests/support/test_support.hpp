// Support for end-to-end tests: run the real airelays binary (or the fake upstream) in an
// isolated HOME/XDG directory, read its output lines against a deadline, and keep the temp
// directory of a failed test as evidence. No sleeps, no fixed ports.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace airelays::test {

// Path of the built airelays binary and of the fake upstream (set by CMake).
std::string airelays_bin();
std::string fake_upstream_bin();
// tests/data in the source tree.
std::string data_dir();

// A fresh directory under $TMPDIR; removed at destruction unless keep() was called or
// AIRELAYS_KEEP_TMP is set.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string operator/(const std::string& rel) const { return m_path + "/" + rel; }
  void keep() { m_keep = true; }

private:
  std::string m_path;
  bool m_keep = false;
};

// An isolated environment for the binary: HOME, XDG_CONFIG_HOME, XDG_DATA_HOME and
// XDG_RUNTIME_DIR inside a TempDir, no DBUS session (so the keyring is absent unless a test
// sets one up), NO_COLOR, and nothing inherited that airelays reads (AIRELAYS_*, ...).
struct Env {
  TempDir home;
  std::map<std::string, std::string> vars;
  Env();
  std::string data_dir() const { return home.path() + "/.airelays"; }
  std::string config_file() const { return home.path() + "/.config/airelays/config.toml"; }
};

struct RunResult {
  int exit_code = -1; // -signal when killed
  std::string out;
  std::string err;
};

// Runs a command to completion (argv[0] is a path) with the given environment; kills it
// after `timeout`.
RunResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
              std::chrono::milliseconds timeout = std::chrono::seconds(30),
              const std::string& stdin_data = {});
// Runs airelays with args in env.
RunResult run_airelays(const Env& env, const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A long-running child (airelays serve, the fake upstream) with its output collected.
class Process {
public:
  Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);
  ~Process(); // SIGKILL + reap if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Waits for a stdout or stderr line matching re; returns the match or nullopt at deadline.
  std::optional<std::smatch>
  wait_for_line(const std::regex& re, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Convenience: waits for "listening on http://HOST:PORT" and returns the port (or -1).
  int wait_for_listening(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void signal(int sig);
  // Waits for exit; returns the exit code (or -signal), nullopt at deadline.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  int pid() const { return m_pid; }
  // Everything read so far.
  std::string output();
  // Resident set size in KiB (from /proc), or -1.
  long rss_kib() const;

private:
  void pump(std::chrono::milliseconds timeout);
  int m_pid = -1;
  int m_fd = -1; // stdout+stderr merged
  std::string m_buf;
  size_t m_scan = 0;
  std::optional<int> m_status;
};

// `airelays serve --port 0` in env, already listening (extra args appended).
struct Server {
  Process process;
  int port;
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port); }
};
std::unique_ptr<Server> start_server(const Env& env, const std::vector<std::string>& extra = {});

// Writes a file (parents created).
void write_file(const std::string& path, const std::string& contents, unsigned mode = 0644);
std::string read_file(const std::string& path);
// File mode bits (e.g. 0600), or -1 when missing.
int file_mode(const std::string& path);

} // namespace airelays::test
