// The Secret Service keyring through libsecret (Linux). The entry is the one AIRelays writes
// through python-keyring: generic schema org.freedesktop.Secret.Generic, attributes
// service="AIRelays Auth" and username="cli|<16 hex of SHA-256(data dir)>", value = the record
// JSON. Lookups do not match the schema name, so entries written by python-keyring (which
// carry no xdg:schema) are found too. An entry under the legacy service "AIRelay Auth" is
// moved to the current one on first read. Any libsecret error (no session bus, no Secret
// Service, locked collection) comes back as an Error so "auto" can fall back to the file.
// libsecret keeps one connection to the Secret Service per process, bound to the daemon it
// first reached: after the keyring daemon restarts (a crash, an update, a new session) every
// call of a running relay failed for good. So after an error that connection is dropped and
// the next call opens a new one. This is the only file that includes libsecret.
//
// libsecret is opened with dlopen on first use, not linked: it pulls in glib, gio, gobject,
// libgcrypt and seven more libraries whose loading and constructors every command paid for
// (a third of `airelays --version`'s start-up) and whose pages every relay kept resident,
// though most runs never touch the keyring. Without libsecret installed, the keyring is
// simply unavailable (a clear error; "auto" storage uses the file).
#ifndef __APPLE__

#include <airelays/secret_store.hpp>

#include <libsecret/secret.h>

#include <dlfcn.h>

namespace airelays::secret_store {

namespace {

// The entry points used, resolved from libsecret (g_error_free from its glib).
struct Api {
  gchar* (*lookup_sync)(const SecretSchema*, GCancellable*, GError**, ...) = nullptr;
  gboolean (*store_sync)(const SecretSchema*, const gchar*, const gchar*, const gchar*,
                         GCancellable*, GError**, ...) = nullptr;
  gboolean (*clear_sync)(const SecretSchema*, GCancellable*, GError**, ...) = nullptr;
  void (*password_free)(gchar*) = nullptr;
  void (*error_free)(GError*) = nullptr;
  void (*disconnect)() = nullptr; // secret_service_disconnect (optional)
  std::string problem;            // why the keyring is unavailable, when it is
};

template <typename F> bool resolve(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(::dlsym(lib, name));
  return out != nullptr;
}

const Api& api() {
  static const Api k_api = [] {
    Api a;
    void* lib = ::dlopen("libsecret-1.so.0", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      a.problem = "libsecret is not installed (the package libsecret-1-0)";
      return a;
    }
    if (!resolve(lib, "secret_password_lookup_sync", a.lookup_sync) ||
        !resolve(lib, "secret_password_store_sync", a.store_sync) ||
        !resolve(lib, "secret_password_clear_sync", a.clear_sync) ||
        !resolve(lib, "secret_password_free", a.password_free) ||
        !resolve(lib, "g_error_free", a.error_free)) {
      a = Api{};
      a.problem = "the installed libsecret lacks secret_password_*_sync";
    }
    (void)resolve(lib, "secret_service_disconnect", a.disconnect);
    return a; // the library stays loaded for the life of the process
  }();
  return k_api;
}

Status available(const char* what) {
  if (!api().problem.empty()) {
    return make_error(std::string("keyring ") + what + " failed: " + api().problem);
  }
  return ok_status();
}

const SecretSchema* generic_schema() {
  static const SecretSchema k_schema = {"org.freedesktop.Secret.Generic",
                                        SECRET_SCHEMA_DONT_MATCH_NAME,
                                        {{"service", SECRET_SCHEMA_ATTRIBUTE_STRING},
                                         {"username", SECRET_SCHEMA_ATTRIBUTE_STRING},
                                         {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING}},
                                        0,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr};
  return &k_schema;
}

Error keyring_error(const char* what, GError* err) {
  std::string message =
      std::string("keyring ") + what +
      " failed: " + (err != nullptr && err->message != nullptr ? err->message : "unknown error");
  if (err != nullptr) {
    api().error_free(err);
  }
  if (api().disconnect != nullptr) {
    api().disconnect(); // the next call connects afresh (see the file comment)
  }
  return make_error(message);
}

Result<std::optional<std::string>> lookup(const char* service, const std::string& user) {
  if (Status ok = available("lookup"); !ok) {
    return ok.error();
  }
  GError* err = nullptr;
  gchar* value = api().lookup_sync(generic_schema(), nullptr, &err, "service", service, "username",
                                   user.c_str(), nullptr);
  if (err != nullptr) {
    return keyring_error("lookup", err);
  }
  if (value == nullptr) {
    return std::optional<std::string>{};
  }
  std::string out(value);
  api().password_free(value);
  return std::optional<std::string>{std::move(out)};
}

Status store(const char* service, const std::string& user, const std::string& value) {
  if (Status ok = available("store"); !ok) {
    return ok;
  }
  GError* err = nullptr;
  std::string label = "Password for '" + user + "' on '" + service + "'";
  gboolean ok =
      api().store_sync(generic_schema(), SECRET_COLLECTION_DEFAULT, label.c_str(), value.c_str(),
                       nullptr, &err, "service", service, "username", user.c_str(), nullptr);
  if (err != nullptr || !ok) {
    return keyring_error("store", err);
  }
  return ok_status();
}

Result<bool> clear(const char* service, const std::string& user) {
  if (Status ok = available("delete"); !ok) {
    return ok.error();
  }
  GError* err = nullptr;
  gboolean removed = api().clear_sync(generic_schema(), nullptr, &err, "service", service,
                                      "username", user.c_str(), nullptr);
  if (err != nullptr) {
    return keyring_error("delete", err);
  }
  return removed != FALSE;
}

class LibsecretStore final : public Store {
public:
  explicit LibsecretStore(const std::string& data_dir) : m_user(keyring_username(data_dir)) {}

  Result<std::optional<std::string>> load() override {
    auto current = lookup(k_keyring_service, m_user);
    if (!current || current->has_value()) {
      note(current);
      return current;
    }
    auto legacy = lookup(k_legacy_keyring_service, m_user);
    if (legacy && legacy->has_value() && store(k_keyring_service, m_user, **legacy)) {
      (void)clear(k_legacy_keyring_service, m_user);
    }
    note(legacy);
    return legacy;
  }

  Status save(const std::string& value) override {
    auto s = store(k_keyring_service, m_user, value);
    if (s) {
      m_place = "keyring";
    }
    return s;
  }

  Result<bool> remove() override {
    auto current = clear(k_keyring_service, m_user);
    if (!current) {
      return current;
    }
    auto legacy = clear(k_legacy_keyring_service, m_user);
    return *current || (legacy && *legacy);
  }

  std::string place() const override { return m_place; }

private:
  void note(const Result<std::optional<std::string>>& r) {
    if (r) {
      m_place = "keyring";
    }
  }
  std::string m_user;
  std::string m_place;
};

} // namespace

std::unique_ptr<Store> make_keyring(const std::string& data_dir) {
  return std::make_unique<LibsecretStore>(data_dir);
}

} // namespace airelays::secret_store

#endif
