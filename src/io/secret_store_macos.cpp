// The macOS keychain behind the secret_store interface. Not implemented yet: every operation
// reports that clearly, so `storage = "auto"` uses the 0600 file and `storage = "keyring"`
// fails with a message that names the fix. Compiled only on Apple platforms.
#ifdef __APPLE__

#include <airelays/secret_store.hpp>

namespace airelays::secret_store {

namespace {

class UnsupportedKeychain final : public Store {
public:
  Result<std::optional<std::string>> load() override { return unsupported(); }
  Status save(const std::string&) override { return unsupported(); }
  Result<bool> remove() override { return unsupported(); }
  std::string place() const override { return {}; }

private:
  static Error unsupported() {
    return make_error("the macOS Keychain is not supported by this build of airelays; set "
                      "[auth] storage = \"file\" (or \"auto\") to keep the login in a 0600 file");
  }
};

} // namespace

std::unique_ptr<Store> make_keyring(const std::string&) {
  return std::make_unique<UnsupportedKeychain>();
}

} // namespace airelays::secret_store

#endif
