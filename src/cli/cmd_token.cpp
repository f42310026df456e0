// `airelays token` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_token(Registry& r) { (void)r; }

} // namespace airelays::cli
