// The route table of the generation pipeline: every dialect and the path it answers on. The
// server registers a POST route per line (and its /no-tools/ mirror when asked for); adding
// a dialect is its file in this folder and one line here.
#include "dialects.hpp"

namespace airelays::dialect {

const std::vector<Registration>& registry() {
  static const std::vector<Registration> k_dialects = {
      {"/responses", true, make_responses},
      {"/chat/completions", true, make_chat},
      {"/completions", true, make_completions},
      {"/messages", false, make_messages},
  };
  return k_dialects;
}

} // namespace airelays::dialect
