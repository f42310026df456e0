// `airelays init` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_init(Registry& r) { (void)r; }

} // namespace airelays::cli
