// file_store: uploads on disk, limits, listing order, and what a crash leaves behind.
#include "test_support.hpp"

#include <airelays/file_store.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <thread>

using namespace airelays;
using file_store::FileStore;

namespace {

struct Fixture {
  test::TempDir tmp;
  std::string dir = tmp / "files";
  int64_t clock = 1700000000;
  file_store::Limits limits{100, 250};

  std::unique_ptr<FileStore> open() {
    auto store = FileStore::open(dir, limits, [this] { return clock; });
    REQUIRE(store.ok());
    return std::move(store.value());
  }
};

file_store::FileInfo must_add(FileStore& s, std::string name, std::string_view bytes,
                              std::string purpose = "user_data") {
  auto r = s.add({std::move(name), std::move(purpose), "text/plain", bytes});
  REQUIRE(std::holds_alternative<file_store::FileInfo>(r));
  return std::get<file_store::FileInfo>(r);
}

int status_of(const std::variant<file_store::FileInfo, api_error::ApiError>& r) {
  return std::holds_alternative<api_error::ApiError>(r) ? std::get<api_error::ApiError>(r).status
                                                        : 200;
}

} // namespace

TEST_CASE("file_store keeps the bytes and metadata of an upload, private on disk") {
  Fixture fx;
  auto store = fx.open();
  auto f = must_add(*store, "notes.txt", "hello");
  CHECK(f.id.rfind("file-", 0) == 0);
  CHECK(f.id.size() == 29);
  CHECK(f.bytes == 5);
  CHECK(f.created_at == 1700000000);
  CHECK(f.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  auto bytes = store->read(f.id);
  REQUIRE(bytes.ok());
  CHECK(bytes.value() == std::optional<std::string>("hello"));
  CHECK(test::file_mode(fx.dir + "/" + f.id + "/content") == 0600);
  CHECK(test::file_mode(fx.dir + "/" + f.id + "/meta.json") == 0600);
  CHECK(test::file_mode(fx.dir + "/" + f.id) == 0700);
  CHECK(test::file_mode(fx.dir) == 0700);
  auto j = file_store::to_openai(f);
  CHECK(j["object"] == "file");
  CHECK(j["filename"] == "notes.txt");
  CHECK(j["purpose"] == "user_data");
  CHECK(j["status"] == "processed");
}

TEST_CASE("file_store lists newest first and filters by purpose") {
  Fixture fx;
  auto store = fx.open();
  auto a = must_add(*store, "a", "1", "assistants");
  auto b = must_add(*store, "b", "2", "user_data"); // same second as a: upload order decides
  fx.clock += 10;
  auto c = must_add(*store, "c", "3", "assistants");
  auto all = store->list();
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == c.id);
  CHECK(all[1].id == b.id);
  CHECK(all[2].id == a.id);
  auto assistants = store->list(std::string("assistants"));
  REQUIRE(assistants.size() == 2);
  CHECK(assistants[0].id == c.id);
  CHECK(store->find_by_filename("b")->id == b.id);
  CHECK_FALSE(store->find_by_filename("zzz"));
}

TEST_CASE("file_store refuses a file over max_upload_bytes with 413, equal is accepted") {
  Fixture fx;
  auto store = fx.open();
  CHECK(status_of(store->add({"big", "user_data", "", std::string(101, 'x')})) == 413);
  CHECK(status_of(store->add({"edge", "user_data", "", std::string(100, 'x')})) == 200);
  auto e = std::get<api_error::ApiError>(store->add({"big", "p", "", std::string(101, 'x')}));
  CHECK(e.message.find("max_upload_bytes") != std::string::npos);
  CHECK(store->list().size() == 1);
}

TEST_CASE("file_store enforces max_total_upload_bytes and frees quota on delete") {
  Fixture fx;
  auto store = fx.open();
  auto a = must_add(*store, "a", std::string(100, 'a'));
  must_add(*store, "b", std::string(100, 'b'));
  must_add(*store, "c", std::string(50, 'c')); // exactly 250
  auto over = store->add({"d", "user_data", "", "x"});
  REQUIRE(status_of(over) == 413);
  CHECK(std::get<api_error::ApiError>(over).message.find("max_total_upload_bytes") !=
        std::string::npos);
  CHECK(store->total_bytes() == 250);
  REQUIRE(store->remove(a.id).value());
  CHECK(store->total_bytes() == 150);
  CHECK(status_of(store->add({"d", "user_data", "", std::string(100, 'd')})) == 200);
  CHECK_FALSE(store->remove(a.id).value());
  CHECK_FALSE(std::filesystem::exists(fx.dir + "/" + a.id));
}

TEST_CASE("file_store counts the same files and bytes after a restart") {
  Fixture fx;
  std::string kept;
  {
    auto store = fx.open();
    auto a = must_add(*store, "a", std::string(60, 'a'));
    kept = must_add(*store, "b", std::string(70, 'b')).id;
    REQUIRE(store->remove(a.id).value());
  }
  auto store = fx.open();
  CHECK(store->total_bytes() == 70);
  REQUIRE(store->list().size() == 1);
  CHECK(store->list()[0].id == kept);
  auto c = must_add(*store, "c", "c");
  CHECK(store->list()[0].id == c.id); // the upload order continues after the restart
}

TEST_CASE("file_store removes what an interrupted upload or delete left, and lists none of it") {
  Fixture fx;
  std::string good;
  {
    auto store = fx.open();
    good = must_add(*store, "good", "good bytes").id;
  }
  std::string base = fx.dir + "/file-";
  // Killed after the bytes, before meta.json.
  test::write_file(base + "aaaaaaaaaaaaaaaaaaaaaaaa/content", "partial");
  // Killed while the bytes were still a temp file.
  test::write_file(base + "bbbbbbbbbbbbbbbbbbbbbbbb/.content.tmp-XYZ123", "half");
  // A meta.json that does not match the bytes (cannot happen with rename, checked anyway).
  test::write_file(base + "cccccccccccccccccccccccc/content", "abc");
  test::write_file(base + "cccccccccccccccccccccccc/meta.json",
                   R"({"id":"file-cccccccccccccccccccccccc","filename":"x","purpose":"p",)"
                   R"("content_type":"","bytes":999,"created_at":1,"sha256":"","sequence":1})");
  // A torn meta.json.
  test::write_file(base + "dddddddddddddddddddddddd/content", "abc");
  test::write_file(base + "dddddddddddddddddddddddd/meta.json", R"({"id":"file-ddd)");
  // Killed after meta.json was removed by a delete.
  test::write_file(base + "eeeeeeeeeeeeeeeeeeeeeeee/content", "deleted");

  auto store = fx.open();
  REQUIRE(store->list().size() == 1);
  CHECK(store->list()[0].id == good);
  CHECK(store->total_bytes() == 10);
  for (char c : std::string("abcde")) {
    CHECK_FALSE(std::filesystem::exists(base + std::string(24, c)));
  }
}

TEST_CASE("file_store never lets parallel uploads overshoot the quota together") {
  Fixture fx;
  fx.limits = {100, 500};
  auto store = fx.open();
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      std::string bytes(100, 'x');
      if (std::holds_alternative<file_store::FileInfo>(store->add({"p", "u", "", bytes}))) {
        ++accepted;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  CHECK(accepted == 5);
  CHECK(store->total_bytes() == 500);
}
