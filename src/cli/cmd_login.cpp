// `airelays login` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_login(Registry& r) { (void)r; }

} // namespace airelays::cli
