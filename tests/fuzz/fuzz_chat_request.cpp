// Fuzzes the three request translators with arbitrary JSON: every input must give a plan or
// an ApiError (400/422 with a message) — never an exception, crash or a plan whose upstream
// request lacks stream:true/store:false.
#include <airelays/packed_items.hpp>
#include <airelays/responses.hpp>
#include <airelays/translate_chat.hpp>
#include <airelays/translate_completions.hpp>

#include <cstdint>
#include <cstdlib>

using nlohmann::json;
using namespace airelays;

namespace {

template <typename Plan> void check(const std::variant<Plan, api_error::ApiError>& r) {
  if (auto* e = std::get_if<api_error::ApiError>(&r)) {
    if ((e->status != 400 && e->status != 422) || e->message.empty()) {
      abort();
    }
    (void)api_error::body(*e);
    return;
  }
  const json& up = std::get<Plan>(r).upstream;
  if (up["stream"] != true || up["store"] != false) {
    abort();
  }
  // Must serialise as sent (packed items written in place) into JSON that parses back.
  if (json::parse(packed_items::dump(up), nullptr, false).is_discarded()) {
    abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  json body = json::parse(data, data + size, nullptr, false);
  if (body.is_discarded()) {
    return 0;
  }
  check(translate_chat::plan_request(body, false));
  check(translate_chat::plan_request(body, true));
  check(translate_completions::plan_request(body));
  check(responses::plan_request(body, false));
  check(responses::plan_request(body, true));
  return 0;
}
