// `airelays status` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_status(Registry& r) { (void)r; }

} // namespace airelays::cli
