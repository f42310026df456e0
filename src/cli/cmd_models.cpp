// `airelays models` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_models(Registry& r) { (void)r; }

} // namespace airelays::cli
