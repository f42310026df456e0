// `airelays logout` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_logout(Registry& r) { (void)r; }

} // namespace airelays::cli
