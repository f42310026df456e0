// `airelays doctor` — placeholder until its capability lands.
#include "command.hpp"

namespace airelays::cli {

void register_doctor(Registry& r) { (void)r; }

} // namespace airelays::cli
