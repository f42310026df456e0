// `airelays unsupported` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_unsupported(Registry& r) { (void)r; }

} // namespace airelays::cli
