// Fuzzes the multipart upload path end to end, in one process: the real relay (server::serve,
// started once on a loopback port 0 with its data dir in a temp dir) receives each input as a
// POST /v1/files over a keep-alive connection. So the bytes go through everything an upload
// goes through: httplib's chunked decoding and multipart parser, server.cpp's capped form
// reader, the edge, handlers_files (purpose, type detection) and the file store on disk.
// httplib itself is Debian's compiled library, not instrumented: a memory error inside its
// parser shows only where it reaches an intercepted call; the relay's code is all instrumented.
//
// The first input byte picks the mode:
//   bit 0 clear (raw): the rest is "<boundary>\n<body>": the boundary goes into the
//     Content-Type header as given, the body is sent verbatim (any bytes, any framing).
//     Oracle: an accepted upload's stored bytes are a contiguous slice of the body.
//   bit 0 set (structured): the rest is a list of parts the harness frames correctly (its
//     boundary occurs in no part); oracle: exactly what the server must do with that form.
//   bit 1: send the body chunked, in pieces of 1 << (byte >> 4) bytes (the parser then sees
//     its input split at those points); otherwise with a Content-Length.
// Every input: no 5xx and no crash; an accepted upload reads back byte-identical, lists its
// size and is deleted; a refused one leaves nothing in the store's directory.
#include <airelays/file_type.hpp>
#include <airelays/server.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <signal.h>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int64_t k_max_upload = 4096; // small, so the store's size limit is reached too

struct Relay {
  std::string root;      // the temp dir holding data/ and logs/
  std::string files_dir; // the file store's directory
  std::unique_ptr<httplib::Client> client;
};
Relay* g_relay = nullptr;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_multipart: invariant broken: %s\n", what.c_str());
  std::abort();
}

// Removes the temp dirs of runs that have ended: a crash skips the atexit cleanup, and the
// relay's traffic log may write once more after it.
void remove_stale_roots(const std::string& base) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(base, ec); !ec && it != fs::directory_iterator(); ++it) {
    std::string name = it->path().filename().string();
    if (name.rfind("airelays-fuzz-", 0) != 0) {
      continue;
    }
    long pid = std::strtol(name.c_str() + 14, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code rm;
      fs::remove_all(it->path(), rm);
    }
  }
}

std::string make_root() { // /dev/shm when writable: the store fsyncs every upload
  for (std::string base : {std::string("/dev/shm"), fs::temp_directory_path().string()}) {
    remove_stale_roots(base);
    std::string pattern = base + "/airelays-fuzz-" + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) {
      return pattern;
    }
  }
  fail("cannot create a temp dir under /dev/shm or TMPDIR");
}

airelays::config::Config relay_config(const std::string& root) {
  airelays::config::Config c;
  c.port = 0;
  c.workers = 2;
  c.data_dir = root + "/data";
  c.logs_dir = root + "/logs";
  c.storage = "file"; // no keyring daemon
  c.openai_enabled = true;
  c.rate_limit_per_minute = 1 << 30; // every input comes from 127.0.0.1
  c.rate_limit_burst = 1 << 30;
  c.max_upload_bytes = k_max_upload;
  c.max_total_upload_bytes = 1 << 20;
  c.retention_days = 1;
  return c;
}

// The port serve() bound, from its runtime file (written once it listens).
int wait_for_port(const std::string& runtime_file) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(runtime_file);
    json j = json::parse(in, nullptr, false);
    if (j.is_object() && j.contains("port") && j["port"].is_number_integer()) {
      return j["port"].get<int>();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10)); // startup poll, not a test wait
  }
  fail("the relay did not start within 20 s");
}

size_t entries(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) {
    ++n;
  }
  return n;
}

// One part of a structured input.
struct Part {
  std::string name, filename, content_type, content;
  bool has_filename = false;
};

// Reads a length-prefixed field; header fields lose the bytes that would break their framing.
std::string take(const uint8_t*& p, const uint8_t* end, size_t len, bool header) {
  len = std::min<size_t>(len, static_cast<size_t>(end - p));
  std::string out;
  for (size_t i = 0; i < len; ++i) {
    char c = static_cast<char>(p[i]);
    if (!header || (c != '"' && c != '\r' && c != '\n' && c != '\\' && c != '\0')) {
      out.push_back(c);
    }
  }
  p += len;
  return out;
}

// Structured input: records of [flags][name_len][name][filename_len][filename][type_len][type]
// [content_len_lo][content_len_hi][content]; flags bit 0 = send a filename.
std::vector<Part> parse_parts(const uint8_t* p, const uint8_t* end) {
  std::vector<Part> parts;
  while (p < end && parts.size() < 16) {
    Part part;
    uint8_t flags = *p++;
    part.has_filename = flags & 1;
    part.name = take(p, end, p < end ? *p++ : 0, true);
    part.filename = take(p, end, p < end ? *p++ : 0, true);
    part.content_type = take(p, end, p < end ? *p++ : 0, true);
    size_t len = p < end ? *p++ : 0;
    len |= static_cast<size_t>(p < end ? *p++ : 0) << 8;
    part.content = take(p, end, len, false);
    if (!part.has_filename) {
      part.filename.clear(); // what the server sees for a part sent without one
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

std::string frame(const std::vector<Part>& parts, std::string& boundary) {
  boundary = "airelaysfuzz";
  for (bool clash = true; clash;) {
    clash = false;
    for (const auto& part : parts) {
      clash =
          clash || (part.content + part.name + part.filename + part.content_type).find(boundary) !=
                       std::string::npos;
    }
    if (clash) {
      boundary += "x";
    }
  }
  std::string body;
  for (const auto& part : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.name + "\"";
    if (part.has_filename) {
      body += "; filename=\"" + part.filename + "\"";
    }
    body += "\r\n";
    if (!part.content_type.empty()) {
      body += "Content-Type: " + part.content_type + "\r\n";
    }
    body += "\r\n" + part.content + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

httplib::Result post(const std::string& body, const std::string& type, int chunk_log2,
                     bool chunked) {
  auto& cli = *g_relay->client;
  if (!chunked) {
    return cli.Post("/v1/files", body, type);
  }
  size_t piece = size_t{1} << chunk_log2;
  return cli.Post(
      "/v1/files", {},
      [&body, piece](size_t offset, httplib::DataSink& sink) {
        if (offset < body.size()) {
          sink.write(body.data() + offset, std::min(piece, body.size() - offset));
        } else {
          sink.done();
        }
        return true;
      },
      type);
}

// An accepted upload: metadata and bytes read back, then deleted.
void check_accepted(const httplib::Response& res, const std::optional<std::string>& expected,
                    const std::string& body) {
  json info = json::parse(res.body, nullptr, false);
  if (!info.is_object() || !info.contains("id") || !info["id"].is_string() ||
      !info.contains("bytes") || !info["bytes"].is_number_integer()) {
    fail("a 200 upload answered without id/bytes: " + res.body);
  }
  std::string id = info["id"].get<std::string>();
  auto got = g_relay->client->Get("/v1/files/" + id + "/content");
  if (!got || got->status != 200) {
    fail("an accepted upload cannot be read back: " + id);
  }
  if (info["bytes"].get<int64_t>() != static_cast<int64_t>(got->body.size())) {
    fail("`bytes` differs from the stored size");
  }
  if (expected ? got->body != *expected : body.find(got->body) == std::string::npos) {
    fail("the stored bytes are not the uploaded part's bytes");
  }
  auto deleted = g_relay->client->Delete("/v1/files/" + id);
  if (!deleted || deleted->status != 200 || entries(g_relay->files_dir) != 0) {
    fail("an accepted upload could not be deleted");
  }
}

bool valid_purpose(const std::string& p) { // handlers_files' rule, restated as the oracle
  return !p.empty() && p.size() <= 64 && std::all_of(p.begin(), p.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

// A name that is not UTF-8 or a type that is not printable ASCII is refused (400).
bool storable(const Part& file) {
  return airelays::file_type::is_valid_utf8(file.filename) &&
         std::all_of(file.content_type.begin(), file.content_type.end(),
                     [](char c) { return c == '\t' || (c >= 0x20 && c < 0x7f); });
}

const Part* first(const std::vector<Part>& parts, const std::string& name) {
  for (const auto& part : parts) {
    if (part.name == name) {
      return &part;
    }
  }
  return nullptr;
}

// What the relay must answer for a well-framed form: 400 without a `file` part, with a bad
// `purpose` field or an unstorable name or type, 413 over max_upload_bytes, else 200 storing
// the first `file` part's bytes.
void check_structured(const httplib::Response& res, const std::vector<Part>& parts,
                      const std::string& body) {
  const Part* file = first(parts, "file");
  const Part* purpose = first(parts, "purpose");
  int expected = 200;
  if (file == nullptr ||
      (purpose && purpose->filename.empty() && !valid_purpose(purpose->content)) ||
      !storable(*file)) {
    expected = 400;
  } else if (static_cast<int64_t>(file->content.size()) > k_max_upload) {
    expected = 413;
  }
  if (res.status != expected) {
    fail("a well-framed form got " + std::to_string(res.status) + ", expected " +
         std::to_string(expected) + ": " + res.body);
  }
  if (res.status == 200) {
    check_accepted(res, file->content, body);
  }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_relay = new Relay;
  g_relay->root = make_root();
  auto cfg = relay_config(g_relay->root);
  g_relay->files_dir = cfg.data_dir + "/files";
  std::thread([cfg] {
    auto r = airelays::server::serve(cfg, {.no_auth = true, .read_timeout_seconds = 5});
    fail("serve() returned: " + (r ? std::string("ok") : r.error().message));
  }).detach();
  int port = wait_for_port(cfg.data_dir + "/serve.json");
  g_relay->client = std::make_unique<httplib::Client>("127.0.0.1", port);
  g_relay->client->set_keep_alive(true);
  g_relay->client->set_tcp_nodelay(true); // or each request waits 40 ms for a delayed ACK
  g_relay->client->set_read_timeout(20);
  g_relay->client->set_write_timeout(20);
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(g_relay->root, ec);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const uint8_t mode = data[0];
  const uint8_t* p = data + 1;
  const uint8_t* end = data + size;
  std::string boundary, body;
  std::vector<Part> parts;
  if (mode & 1) {
    parts = parse_parts(p, end);
    body = frame(parts, boundary);
  } else {
    const uint8_t* nl = std::find(p, end, '\n');
    for (; p < nl; ++p) { // the boundary parameter as sent, kept to one header line
      if (*p != '\r' && *p != '\0') {
        boundary.push_back(static_cast<char>(*p));
      }
    }
    body.assign(reinterpret_cast<const char*>(std::min(nl + 1, end)),
                reinterpret_cast<const char*>(end));
  }
  auto res = post(body, "multipart/form-data; boundary=" + boundary, mode >> 4, mode & 2);
  if (!res) {
    // The relay may close a connection whose body it refused before reading it all; the
    // store must hold nothing either way.
    if (entries(g_relay->files_dir) != 0) {
      fail("a failed exchange left a file behind");
    }
    return 0;
  }
  if (res->status >= 500) {
    fail("status " + std::to_string(res->status) + ": " + res->body);
  }
  if (res->status != 200 && entries(g_relay->files_dir) != 0) {
    fail("a refused upload (" + std::to_string(res->status) + ") left a file behind");
  }
  // Known, httplib 0.11.4 (Debian 12): when the first read of the body is shorter than the
  // opening "--boundary\r\n" line, its multipart parser fails and the relay answers 400.
  bool split_opening = (mode & 2) && (size_t{1} << (mode >> 4)) < boundary.size() + 4;
  if (mode & 1 && !(split_opening && res->status == 400)) {
    check_structured(*res, parts, body);
  } else if (res->status == 200) {
    check_accepted(*res, std::nullopt, body);
  }
  return 0;
}
