// /v1/files end to end against the real binary: upload, list, retrieve, download, delete; both
// 413 limits; the total surviving a restart; and a server killed with SIGKILL in the middle of
// uploads leaving no half file in the listing or on disk.
#include "files_helpers.hpp"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <set>
#include <thread>

using namespace airelays;
using namespace airelays::test;
using namespace airelays::test::files;
using nlohmann::json;

namespace {

const std::string k_png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0", 26);

std::set<std::string> ids_of(const json& list) {
  std::set<std::string> ids;
  for (const auto& f : list["data"]) {
    ids.insert(f["id"].get<std::string>());
  }
  return ids;
}

} // namespace

TEST_CASE("files: upload, list, retrieve, download and delete keep the original bytes and type") {
  Env env;
  configure(env, nullptr);
  auto server = start_server(env);
  auto c = client(server->port);

  auto text = upload(c, "notes.md", "# Notes\nremember the milk\n", "text/markdown");
  auto text_file = body_json(text);
  REQUIRE(text->status == 200);
  CHECK(text_file["object"] == "file");
  CHECK(text_file["filename"] == "notes.md");
  CHECK(text_file["purpose"] == "user_data"); // from the form field, as the SDKs send it
  CHECK(text_file["bytes"] == 26);
  CHECK(text_file["id"].get<std::string>().rfind("file-", 0) == 0);

  auto image = upload(c, "dot.png", k_png, "", "vision");
  REQUIRE(image->status == 200);
  auto image_file = body_json(image);
  CHECK(image_file["content_type"] == "image/png"); // detected when none was declared

  auto listed = body_json(c.Get("/v1/files"));
  REQUIRE(listed["data"].size() == 2);
  CHECK(listed["object"] == "list");
  CHECK(listed["data"][0]["id"] == image_file["id"]); // newest first
  CHECK(body_json(c.Get("/v1/files?purpose=vision"))["data"].size() == 1);
  auto page = body_json(c.Get("/v1/files?limit=1"));
  CHECK(page["data"].size() == 1);
  CHECK(page["has_more"] == true);
  auto rest =
      body_json(c.Get(("/v1/files?limit=1&after=" + page["last_id"].get<std::string>()).c_str()));
  CHECK(rest["data"][0]["id"] == text_file["id"]);
  CHECK(rest["has_more"] == false);

  std::string id = image_file["id"];
  CHECK(body_json(c.Get(("/v1/files/" + id).c_str()))["filename"] == "dot.png");
  auto content = c.Get(("/v1/files/" + id + "/content").c_str());
  REQUIRE(content);
  CHECK(content->status == 200);
  CHECK(content->body == k_png);
  CHECK(content->get_header_value("Content-Type") == "image/png");

  auto deleted = c.Delete(("/v1/files/" + id).c_str());
  REQUIRE(deleted);
  CHECK(body_json(deleted) == json{{"id", id}, {"object", "file"}, {"deleted", true}});
  auto gone = c.Get(("/v1/files/" + id).c_str());
  REQUIRE(gone);
  CHECK(gone->status == 404);
  CHECK(body_json(gone)["error"]["message"] == "No such File object: " + id);
  CHECK(c.Delete(("/v1/files/" + id).c_str())->status == 404);
  CHECK(body_json(c.Get("/v1/files"))["data"].size() == 1);
}

TEST_CASE("files: purpose falls back to the query string, and a missing file part is a 400") {
  Env env;
  configure(env, nullptr);
  auto server = start_server(env);
  auto c = client(server->port);
  httplib::MultipartFormDataItems only_file = {{"file", "x", "a.txt", "text/plain"}};
  auto r = c.Post("/v1/files?purpose=batch", only_file);
  CHECK(body_json(r)["purpose"] == "batch");
  httplib::MultipartFormDataItems no_file = {{"purpose", "user_data", "", ""}};
  auto missing = c.Post("/v1/files", no_file);
  REQUIRE(missing);
  CHECK(missing->status == 400);
  CHECK(body_json(missing)["error"]["param"] == "file");
  auto not_form = c.Post("/v1/files", "{}", "application/json");
  CHECK(not_form->status == 415);
}

TEST_CASE("files: a Latin-1 filename or a binary Content-Type is a 400 and nothing is stored") {
  // Found by fuzz_multipart: these were stored half-way and answered 500.
  Env env;
  configure(env, nullptr);
  auto server = start_server(env);
  auto c = client(server->port);
  auto latin1 = upload(c, "caf\xe9.txt", "menu", "text/plain");
  REQUIRE(latin1);
  CHECK(latin1->status == 400);
  CHECK(body_json(latin1)["error"]["message"] == "The `file` part's filename must be UTF-8 text.");
  auto binary_type = upload(c, "a.txt", "menu", "text/\x89plain");
  REQUIRE(binary_type);
  CHECK(binary_type->status == 400);
  CHECK(body_json(binary_type)["error"]["param"] == "file");
  CHECK(body_json(c.Get("/v1/files"))["data"].empty());
  CHECK(upload(c, "caf\xc3\xa9.txt", "menu", "text/plain")->status == 200);
}

TEST_CASE("files: an upload over max_upload_bytes is refused with 413 and nothing is stored") {
  Env env;
  configure(env, nullptr, "[uploads]\nmax_upload_bytes = 1000\n");
  auto server = start_server(env);
  auto c = client(server->port);
  auto at_limit = upload(c, "ok.txt", std::string(1000, 'a'), "text/plain");
  CHECK(at_limit->status == 200);
  auto over = upload(c, "big.txt", std::string(1001, 'a'), "text/plain");
  REQUIRE(over);
  CHECK(over->status == 413);
  CHECK(body_json(over)["error"]["message"].get<std::string>().find("max_upload_bytes") !=
        std::string::npos);
  // Far over the limit: refused from the declared length before the body is read (the
  // server may close while the client is still sending, so the 413 may not be read back).
  auto huge = upload(c, "huge.txt", std::string(4 << 20, 'a'), "text/plain");
  CHECK((!huge || huge->status == 413));
  CHECK(body_json(c.Get("/v1/files"))["data"].size() == 1);
}

TEST_CASE(
    "files: the total quota gives 413, frees on delete, and is counted again after a restart") {
  Env env;
  configure(env, nullptr, "[uploads]\nmax_upload_bytes = 1000\nmax_total_upload_bytes = 2500\n");
  std::string first;
  {
    auto server = start_server(env);
    auto c = client(server->port);
    first = body_json(upload(c, "a", std::string(1000, 'a'), "text/plain"))["id"];
    CHECK(upload(c, "b", std::string(1000, 'b'), "text/plain")->status == 200);
    auto over = upload(c, "c", std::string(600, 'c'), "text/plain");
    REQUIRE(over);
    CHECK(over->status == 413);
    CHECK(body_json(over)["error"]["message"].get<std::string>().find("max_total_upload_bytes") !=
          std::string::npos);
    CHECK(upload(c, "c", std::string(500, 'c'), "text/plain")->status == 200); // exactly full
  }
  auto server = start_server(env);
  auto c = client(server->port);
  CHECK(upload(c, "d", "d", "text/plain")->status == 413); // 2500 stored before the restart
  CHECK(c.Delete(("/v1/files/" + first).c_str())->status == 200);
  CHECK(upload(c, "d", std::string(1000, 'd'), "text/plain")->status == 200);
}

TEST_CASE("files: SIGKILL in the middle of uploads leaves no half file listed or on disk") {
  Env env;
  configure(env, nullptr);
  auto server = start_server(env);
  int port = server->port;

  // Three clients upload 2 MiB files back to back; when the server dies, some bodies are
  // still arriving and some files are being written.
  std::atomic<bool> stop{false};
  std::atomic<int> completed{0};
  std::vector<std::thread> uploaders;
  for (int t = 0; t < 3; ++t) {
    uploaders.emplace_back([&, t] {
      auto c = client(port);
      for (int i = 0; !stop; ++i) {
        std::string name = "u" + std::to_string(t) + "-" + std::to_string(i) + ".bin";
        std::string bytes(2 << 20, static_cast<char>('a' + (i % 26)));
        auto r = upload(c, name, bytes, "application/octet-stream");
        if (r && r->status == 200) {
          ++completed;
        }
      }
    });
  }
  // Kill once uploads are flowing.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (completed < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  REQUIRE(completed >= 4);
  server->process.signal(SIGKILL);
  REQUIRE(server->process.wait().has_value());
  stop = true;
  for (auto& t : uploaders) {
    t.join();
  }

  auto again = start_server(env);
  auto c = client(again->port);
  auto listed = body_json(c.Get("/v1/files"));
  REQUIRE(listed["data"].size() >= 4);
  for (const auto& f : listed["data"]) {
    std::string name = f["filename"];
    auto i = std::stoi(name.substr(name.find('-') + 1));
    auto content = c.Get(("/v1/files/" + f["id"].get<std::string>() + "/content").c_str());
    REQUIRE(content);
    CHECK(f["bytes"] == 2 << 20);
    CHECK(content->body == std::string(2 << 20, static_cast<char>('a' + (i % 26))));
  }
  // On disk: exactly the listed files, no leftovers of the interrupted ones.
  std::set<std::string> on_disk;
  for (const auto& e : std::filesystem::directory_iterator(env.data_dir() + "/files")) {
    on_disk.insert(e.path().filename().string());
  }
  CHECK(on_disk == ids_of(listed));
}

namespace {

// A meta.json the store would accept for `bytes` bytes under `id`.
std::string planted_meta(const std::string& id, size_t bytes) {
  return json{{"id", id},
              {"filename", "planted.txt"},
              {"purpose", "user_data"},
              {"content_type", "text/plain"},
              {"bytes", bytes},
              {"created_at", 1700000000},
              {"sha256", std::string(64, '0')},
              {"sequence", 1}}
      .dump();
}

} // namespace

TEST_CASE("files: symlinks planted in files/ are dropped at start and never followed") {
  Env env;
  configure(env, nullptr);
  namespace fs = std::filesystem;
  const std::string secret_text = "ssh-private-key-material-that-must-stay-home\n";
  const std::string secret = env.home.path() + "/secret";
  write_file(secret, secret_text, 0600);
  const std::string files = env.data_dir() + "/files";
  fs::create_directories(files);
  // An entry that is a link to a directory elsewhere, holding a valid-looking file...
  const std::string linked_id = "file-" + std::string(24, 'a');
  const std::string outside = env.home.path() + "/outside";
  fs::create_directories(outside);
  write_file(outside + "/meta.json", planted_meta(linked_id, secret_text.size()), 0600);
  fs::create_symlink(secret, outside + "/content");
  fs::create_directory_symlink(outside, files + "/" + linked_id);
  // ...and a real entry whose content is a link to the secret.
  const std::string content_id = "file-" + std::string(24, 'b');
  fs::create_directories(files + "/" + content_id);
  write_file(files + "/" + content_id + "/meta.json", planted_meta(content_id, secret_text.size()),
             0600);
  fs::create_symlink(secret, files + "/" + content_id + "/content");

  auto server = start_server(env);
  auto c = client(server->port);
  auto listed = body_json(c.Get("/v1/files"));
  CHECK(listed["data"].empty());
  for (const auto& id : {linked_id, content_id}) {
    CAPTURE(id);
    auto r = c.Get(("/v1/files/" + id + "/content").c_str());
    REQUIRE(r);
    CHECK(r->status == 404);
    CHECK(r->body.find("ssh-private-key") == std::string::npos);
    std::error_code ec;
    CHECK_FALSE(fs::exists(fs::symlink_status(files + "/" + id, ec))); // dropped from disk
  }
  CHECK(read_file(secret) == secret_text); // the targets are left alone
  CHECK(fs::exists(outside + "/meta.json"));

  // A link swapped in while the relay runs is not followed either.
  auto up = upload(c, "notes.txt", "my notes\n", "text/plain");
  REQUIRE(up->status == 200);
  std::string id = body_json(up)["id"];
  fs::remove(files + "/" + id + "/content");
  fs::create_symlink(secret, files + "/" + id + "/content");
  auto r = c.Get(("/v1/files/" + id + "/content").c_str());
  REQUIRE(r);
  CHECK(r->status != 200);
  CHECK(r->body.find("ssh-private-key") == std::string::npos);
}

TEST_CASE("files: content is served with nosniff and as an attachment") {
  Env env;
  configure(env, nullptr);
  auto server = start_server(env);
  auto c = client(server->port);
  auto up = upload(c, "page \"x\".html", "<script>alert(document.cookie)</script>", "text/html");
  REQUIRE(up->status == 200);
  auto r = c.Get(("/v1/files/" + body_json(up)["id"].get<std::string>() + "/content").c_str());
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(r->get_header_value("Content-Disposition") == "attachment; filename=\"page _x_.html\"");
}
