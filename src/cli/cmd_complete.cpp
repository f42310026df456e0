// `airelays complete` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_complete(Registry& r) { (void)r; }

} // namespace airelays::cli
