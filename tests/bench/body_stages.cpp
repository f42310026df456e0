// Where a large JSON body's memory goes on its way through a generation request (issue 14,
// item 4): the relay's own steps, in the order handlers_generations.cpp runs them, on one body
// of tiny items, with every heap block counted (a global operator new). The e2e test
// (test_serve_body_memory.cpp) gives the whole process's peak; this says which step holds what,
// so a change to a translator can be checked before it reaches the relay. Run it with
// tests/bench/body_stages.sh; figures are heap bytes as multiples of the body's size.
#include <airelays/expansion.hpp>
#include <airelays/http_types.hpp>
#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>
#include <airelays/translate_messages.hpp>
#include <airelays/upstream.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <new>

using namespace airelays;
using nlohmann::json;

namespace {

std::atomic<long> g_live{0};
std::atomic<long> g_peak{0};
long g_base = 0;
double g_size = 1;

void stage(const char* name) {
  std::printf("  %-30s held %5.1fx  peak so far %5.1fx\n", name,
              static_cast<double>(g_live - g_base) / g_size,
              static_cast<double>(g_peak - g_base) / g_size);
}

// `{"role":…,"content":"message N"}` items of about `bytes` bytes in all, in the route's body.
std::string body_of(const std::string& route, size_t bytes) {
  json items = json::array();
  for (size_t i = 0, size = 0; size < bytes; ++i) {
    json m = {{"role", i % 2 ? "assistant" : "user"}, {"content", "message " + std::to_string(i)}};
    size += m.dump().size() + 1;
    items.push_back(std::move(m));
  }
  if (route == "responses") {
    return json{{"model", "gpt-5.4"}, {"input", std::move(items)}}.dump();
  }
  json body = {{"model", "gpt-5.4"}, {"messages", std::move(items)}};
  if (route == "messages") {
    body["max_tokens"] = 100;
  }
  return body.dump();
}

json plan(const std::string& route, json&& body) {
  if (route == "responses") {
    auto r = responses::plan_request(std::move(body), false);
    return std::move(std::get<responses::Plan>(r).upstream);
  }
  if (route == "chat") {
    auto r = translate_chat::plan_request(std::move(body), false);
    return std::move(std::get<translate_chat::ChatPlan>(r).upstream);
  }
  auto r = translate_messages::plan_request(std::move(body), {"gpt-5.4", "gpt-5.4", "gpt-5.4"});
  return std::move(std::get<translate_messages::MessagesPlan>(r).upstream);
}

} // namespace

void* operator new(size_t n) {
  void* p = std::malloc(n);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  long live = g_live += static_cast<long>(malloc_usable_size(p));
  long peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  return p;
}
void operator delete(void* p) noexcept {
  if (p != nullptr) {
    g_live -= static_cast<long>(malloc_usable_size(p));
    std::free(p);
  }
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }

int main(int argc, char** argv) {
  std::string route = argc > 1 ? argv[1] : "chat";
  http::Request req;
  req.body = body_of(route, argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 7500000);
  req.body.shrink_to_fit();
  g_size = static_cast<double>(req.body.size());
  g_base = g_live - static_cast<long>(malloc_usable_size(req.body.data()));
  g_peak = g_live.load();
  std::printf("%s: a body of %zu bytes\n", route.c_str(), req.body.size());
  stage("body text");
  json body;
  if (auto e = http::parse_json_object(req, body)) {
    std::puts("the body does not parse");
    return 1;
  }
  stage("parsed");
  http::release_body(req);
  stage("text released");
  json upstream = plan(route, std::move(body));
  stage("translated");
  expansion::Plan expanded;
  expanded.records = route == "responses"; // only a Responses client names its input again
  if (route != "messages" && expansion::expand(upstream, {}, expanded)) {
    std::puts("expansion failed");
    return 1;
  }
  stage("expanded");
  std::string wire = upstream::request_text(upstream);
  stage("serialised");
  upstream = json();
  stage("tree freed");
  std::string request_copy = wire; // http_client::Request's body, then its Stream's
  std::string stream_copy = request_copy;
  stage("sending");
  if (route == "responses") {
    json input = expanded.new_input(); // only with history: a response is written from text
    stage("recorded (with history)");
  }
  return 0;
}
