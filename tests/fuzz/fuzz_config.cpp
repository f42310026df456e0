// Fuzzes config::resolve with the input as the config file's text (and, split at the first
// NUL, as the value of AIRELAYS_PORT): any file must resolve or give an error naming where,
// never crash; a resolved port is always within 0..65535.
#include <airelays/config.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  airelays::config::Inputs in;
  in.home = "/home/fuzz";
  in.cwd = "/home/fuzz";
  in.config_path = "/home/fuzz/.config/airelays/config.toml";
  auto nul = text.find('\0');
  if (nul != std::string::npos) {
    in.env["AIRELAYS_PORT"] = text.substr(nul + 1);
    text.resize(nul);
  }
  in.config_text = text;
  auto r = airelays::config::resolve(in);
  if (r) {
    if (r->port < 0 || r->port > 65535) {
      std::abort();
    }
  } else if (r.error().message.empty()) {
    std::abort(); // an error must say something
  }
  return 0;
}
