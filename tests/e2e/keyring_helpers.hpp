// A private Secret Service for end-to-end tests of the keyring storage: a D-Bus session bus of
// the test's own (a config with no service directories, so nothing is started behind the
// test's back) and gnome-keyring-daemon on it, unlocked with a fixed password. The daemon can
// be stopped and started again (the same keyring file, the same password): a keyring outage
// as a crash or restart of the daemon causes it, while the bus stays up and answers "no
// Secret Service" at once. Tests skip when the programs are not installed.
#pragma once

#include "test_support.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace airelays::test::keyring {

// The absolute path of a program on PATH, or "".
inline std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    std::string dir =
        dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (end == std::string::npos) {
      break;
    }
    start = end + 1;
  }
  return {};
}

// The keyring entry's username for a data dir: "cli|" + 16 hex of SHA-256(canonical path).
inline std::string username(const std::string& data_dir) {
  std::string path = std::filesystem::weakly_canonical(data_dir).string();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(path.data(), path.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out = "cli|";
  for (unsigned i = 0; i < 8; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

class Session {
public:
  // Sets DBUS_SESSION_BUS_ADDRESS in env.vars; ok() is false when a program is missing or the
  // bus or daemon did not come up (why() says which).
  explicit Session(Env& env) : m_env(env) {
    m_bus_bin = find_program("dbus-daemon");
    m_keyring_bin = find_program("gnome-keyring-daemon");
    m_secret_tool = find_program("secret-tool");
    if (m_bus_bin.empty() || m_keyring_bin.empty() || m_secret_tool.empty()) {
      m_why = "dbus-daemon, gnome-keyring-daemon or secret-tool is not installed";
      return;
    }
    std::string dir = env.home.path() + "/keyring-session";
    ::mkdir(dir.c_str(), 0700);
    m_socket = dir + "/bus";
    write_file(dir + "/bus.conf",
               "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" "
               "\"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
               "<busconfig><type>session</type><listen>unix:path=" +
                   m_socket +
                   "</listen><auth>EXTERNAL</auth><policy context=\"default\">"
                   "<allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>"
                   "<allow own=\"*\"/></policy></busconfig>\n",
               0600);
    m_password_file = dir + "/password";
    write_file(m_password_file, "pw", 0600);
    // The daemons' chatter goes to a file: nobody reads their pipes once they are up, and a
    // full pipe blocks a daemon (and every keyring call with it).
    m_log = dir + "/daemons.log";
    m_bus = std::make_unique<Process>(
        std::vector<std::string>{"/bin/sh", "-c",
                                 "exec \"$0\" \"$1\" --nofork --print-address=1 2>> \"$2\"",
                                 m_bus_bin, "--config-file=" + dir + "/bus.conf", m_log},
        env.vars);
    if (!m_bus->wait_for_line(std::regex("^unix:"), std::chrono::seconds(20))) {
      m_why = "the private D-Bus session bus did not start: " + m_bus->output();
      return;
    }
    m_env.vars["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + m_socket;
    m_ok = start();
  }

  bool ok() const { return m_ok; }
  const std::string& why() const { return m_why; }

  // Starts (or restarts) the unlocked keyring daemon; true once it answers.
  bool start() {
    m_daemon = std::make_unique<Process>(
        std::vector<std::string>{
            "/bin/sh", "-c",
            "exec \"$0\" --foreground --unlock --components=secrets < \"$1\" >> \"$2\" 2>&1",
            m_keyring_bin, m_password_file, m_log},
        m_env.vars);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = run({m_secret_tool, "search", "service", "airelays-test-probe"}, m_env.vars,
                   std::chrono::seconds(10));
      if (r.exit_code == 0) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    m_why = "gnome-keyring-daemon did not answer: " + read_file(m_log);
    return false;
  }

  // The outage: the daemon stops (SIGTERM, waited for); the bus stays.
  void stop() {
    if (m_daemon) {
      m_daemon->signal(SIGTERM);
      m_daemon->wait(std::chrono::seconds(20));
      m_daemon.reset();
    }
  }

  // The keyring entry of the login for env's data dir (python-keyring's attributes), or "".
  std::string entry(const std::string& username) {
    auto r = run({m_secret_tool, "lookup", "service", "AIRelays Auth", "username", username},
                 m_env.vars, std::chrono::seconds(10));
    return r.exit_code == 0 ? r.out : std::string();
  }

private:
  Env& m_env;
  std::string m_bus_bin, m_keyring_bin, m_secret_tool;
  std::string m_socket, m_password_file, m_log;
  std::unique_ptr<Process> m_bus;
  std::unique_ptr<Process> m_daemon;
  bool m_ok = false;
  std::string m_why;
};

} // namespace airelays::test::keyring
