// `airelays serve` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_serve(Registry& r) { (void)r; }

} // namespace airelays::cli
