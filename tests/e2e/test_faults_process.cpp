// Fault injection at the process and the disk, end to end: airelays killed with SIGKILL at the
// exact moment it commits a state file (strace's syscall fault injection stops it at the
// fsync or the rename of `token rotate`, of `login`'s record, and of an upload), and a data dir
// on a real 1 MB tmpfs that fills up. Afterwards every state file still parses and holds the
// old or the new contents, never a mix; a full disk is a clear error, not a corrupt store.
#include "fault_helpers.hpp"
#include "files_helpers.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/mount.h>

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::faults;
namespace fs = std::filesystem;

namespace {

const char* k_renames = "rename,renameat,renameat2";

const char* k_strace = "/usr/bin/strace";

bool have_strace() { return ::access(k_strace, X_OK) == 0; }

// argv run under strace, killed with SIGKILL at the `when`-th call of `syscalls`.
std::vector<std::string> killed_at(const std::string& syscalls, int when,
                                   std::vector<std::string> argv) {
  std::vector<std::string> out = {k_strace,
                                  "-f",
                                  "-qq",
                                  "-o",
                                  "/dev/null",
                                  "-e",
                                  "trace=" + syscalls,
                                  "-e",
                                  "inject=" + syscalls +
                                      ":signal=KILL:when=" + std::to_string(when)};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

std::vector<std::string> airelays_args(std::vector<std::string> args) {
  args.insert(args.begin(), airelays_bin());
  return args;
}

std::string relay_token_text(const Env& env) { return read_file(env.data_dir() + "/relay-token"); }

bool token_file_whole(const std::string& text) {
  return std::regex_match(text, std::regex(R"([A-Za-z0-9_\-]{20,}\n?)"));
}

json parse_file(const std::string& path) { return json::parse(read_file(path), nullptr, false); }

// The data dir holds no leftover that a reader would take for a state file.
void check_no_visible_partials(const Env& env) {
  for (const auto& e : fs::recursive_directory_iterator(env.data_dir())) {
    std::string name = e.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) {
      CHECK_MESSAGE(name[0] == '.', "a temp file is not hidden: " << e.path());
    }
  }
}

} // namespace

TEST_CASE("faults: token rotate killed at fsync or rename leaves the old token whole") {
  if (!have_strace()) {
    MESSAGE("strace is not installed: kill-at-commit tests skipped");
    return;
  }
  for (const std::string point : {"fsync", k_renames}) {
    CAPTURE(point);
    Env env;
    serve::give_token(env);
    auto r = run(killed_at(point, 1, airelays_args({"token", "rotate"})), env.vars);
    CHECK(r.exit_code == -SIGKILL);
    std::string text = relay_token_text(env);
    CHECK(text == serve::k_token + "\n"); // killed before the commit: the old token, whole
    check_no_visible_partials(env);
    auto show = run_airelays(env, {"token", "show"});
    CHECK(show.exit_code == 0);
    CHECK(show.out.find(serve::k_token) != std::string::npos);
    auto rotated = run_airelays(env, {"token", "rotate"}); // and the next rotate works
    CHECK(rotated.exit_code == 0);
    CHECK(token_file_whole(relay_token_text(env)));
    CHECK(relay_token_text(env) != text);
  }
}

TEST_CASE("faults: login killed while writing its record leaves the previous login readable") {
  if (!have_strace()) {
    MESSAGE("strace is not installed: kill-at-commit tests skipped");
    return;
  }
  for (const std::string point : {"fsync", k_renames}) {
    CAPTURE(point);
    Env env;
    fake::FakeUpstream fake;
    Settings s;
    s.base_url = fake.backend_url();
    s.issuer_url = fake.issuer_url();
    configure(env, s);
    std::string planted = plant_login(env);
    std::string before = read_file(env.data_dir() + "/auth.json");
    auto r = run(killed_at(point, 1, airelays_args({"login", "--device"})), env.vars,
                 std::chrono::seconds(60));
    INFO(r.out << r.err);
    CHECK(r.exit_code == -SIGKILL);
    CHECK(fake.count("/oauth/token") == 1); // it got as far as the token exchange
    CHECK(read_file(env.data_dir() + "/auth.json") == before);
    check_no_visible_partials(env);
    auto status = run_airelays(env, {"status", "--json"});
    REQUIRE(status.exit_code == 0);
    auto j = json::parse(status.out, nullptr, false);
    CHECK(j["auth"]["state"] == "ready");
    auto again = run_airelays(env, {"login", "--device"}, std::chrono::seconds(60));
    CHECK(again.exit_code == 0);
    auto rec = parse_file(env.data_dir() + "/auth.json");
    CHECK(rec["tokens"]["access_token"] != planted);
  }
}

TEST_CASE("faults: serve killed at the commit of an upload's record lists no half file and accepts "
          "the next") {
  if (!have_strace()) {
    MESSAGE("strace is not installed: kill-at-commit tests skipped");
    return;
  }
  // strace counts `when` per thread: serve's main thread renames once (serve.json) and the
  // worker that stores an upload renames its content, then its meta record. when=2 is the
  // worker's second: the content is in place, the meta record written but not committed.
  for (int nth : {2}) {
    CAPTURE(nth);
    Env env;
    files::configure(env, nullptr);
    {
      Process p(killed_at(k_renames, nth, airelays_args({"serve", "--port", "0"})), env.vars);
      int port = p.wait_for_listening();
      REQUIRE(port > 0);
      auto c = files::client(port);
      auto r = files::upload(c, "notes.txt", std::string(100000, 'x'), "text/plain");
      CHECK_FALSE((r && r->status == 200)); // it died before answering
      CHECK(p.wait(std::chrono::seconds(10)) == -SIGKILL);
    }
    check_no_visible_partials(env);
    auto server = start_server(env);
    auto c = files::client(server->port);
    auto listed = files::body_json(c.Get("/v1/files"));
    CHECK(listed["data"].size() == 0);
    auto ok = files::upload(c, "notes.txt", "whole\n", "text/plain");
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(files::body_json(c.Get("/v1/files"))["data"].size() == 1);
  }
}

TEST_CASE("faults: a full data disk is a clear error and corrupts nothing") {
  Env env;
  SmallDisk disk(env.data_dir());
  if (!disk.mounted) {
    MESSAGE("cannot mount a tmpfs here (" << std::strerror(errno)
                                          << "): disk-full test used no real small filesystem");
    return;
  }
  MESSAGE("disk-full test: real 1 MB tmpfs on the data dir");
  files::configure(env, nullptr);
  auto server = start_server(env);
  auto c = files::client(server->port);
  auto first = files::upload(c, "keep.txt", "keep me\n", "text/plain");
  REQUIRE(first);
  REQUIRE(first->status == 200);
  std::string keep_id = files::body_json(first)["id"];
  disk.fill();

  auto rotate = run_airelays(env, {"token", "rotate"});
  CHECK(rotate.exit_code == 1);
  CHECK(rotate.err.find("No space left on device") != std::string::npos);
  CHECK(relay_token_text(env) == files::k_token + "\n");

  auto full = files::upload(c, "big.txt", std::string(200000, 'y'), "text/plain");
  REQUIRE(full);
  INFO(full->body);
  CHECK(full->status >= 500);
  CHECK(serve::openai_error(full));
  auto listed = files::body_json(c.Get("/v1/files"));
  REQUIRE(listed["data"].size() == 1);
  CHECK(listed["data"][0]["id"] == keep_id);
  auto kept = c.Get(("/v1/files/" + keep_id + "/content").c_str());
  REQUIRE(kept);
  CHECK(kept->body == "keep me\n");
  check_no_visible_partials(env);

  disk.free_space();
  auto after = files::upload(c, "big.txt", std::string(200000, 'y'), "text/plain");
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(run_airelays(env, {"token", "rotate"}).exit_code == 0);
}
