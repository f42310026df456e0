// The stored login as `login`, `logout` and `status` see it (see token_manager.hpp): saving a
// fresh login under auth.lock, loading and deleting it in every place, the persisted
// login-required state, and the claim summary. No network.
#include <airelays/atomic_file.hpp>
#include <airelays/json_util.hpp>
#include <airelays/jwt.hpp>
#include <airelays/secret_store.hpp>
#include <airelays/token_manager.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

namespace airelays::token_manager {

namespace {

using json_util::string_or_empty;

double now_unix() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string unsaved_path(const paths::Layout& layout) {
  return layout.data_dir + "/auth-unsaved.json";
}

// Creates (or truncates) an empty 0600 file: an inode, no data block.
bool touch_empty(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return false;
  }
  ::close(fd);
  return true;
}

} // namespace

std::optional<SaveFailure> read_save_failure(const paths::Layout& layout) {
  auto text = atomic_file::read(unsaved_path(layout));
  if (!text || !text->has_value()) {
    return std::nullopt;
  }
  SaveFailure f;
  auto j = nlohmann::json::parse(**text, nullptr, false);
  if (j.is_object()) {
    f.since = string_or_empty(j, "since");
    f.error = string_or_empty(j, "error");
    auto pid = j.find("pid");
    f.pid = pid != j.end() && pid->is_number_integer() ? pid->get<long>() : 0;
  }
  return f;
}

void write_save_failure(const paths::Layout& layout, const SaveFailure& failure) {
  nlohmann::json j = {{"since", failure.since}, {"error", failure.error}, {"pid", failure.pid}};
  if (!atomic_file::write(unsaved_path(layout), j.dump(2) + "\n", 0600)) {
    (void)touch_empty(unsaved_path(layout));
  }
}

void clear_save_failure(const paths::Layout& layout) {
  (void)atomic_file::remove(unsaved_path(layout));
}

void mark_changed(const paths::Layout& layout) {
  std::string path = layout.data_dir + "/auth.changed";
  std::string temp = layout.data_dir + "/.auth.changed.tmp-" + std::to_string(::getpid());
  if (touch_empty(temp) && std::rename(temp.c_str(), path.c_str()) != 0) {
    (void)::unlink(temp.c_str());
  }
}

std::string to_string(LoginState s) {
  switch (s) {
  case LoginState::ready:
    return "ready";
  case LoginState::login_required:
    return "login_required";
  default:
    return "signed_out";
  }
}

std::optional<LoginRequired> read_login_required(const paths::Layout& layout) {
  auto text = atomic_file::read(layout.login_state);
  if (!text || !text->has_value()) {
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(**text, nullptr, false);
  LoginRequired s;
  if (j.is_object()) {
    s.reason = string_or_empty(j, "reason");
    s.message = string_or_empty(j, "message");
    s.time = string_or_empty(j, "time");
  }
  if (s.reason.empty()) {
    s.reason = "unknown";
  }
  if (s.message.empty()) {
    s.message = "Token refresh failed: the stored login can no longer be refreshed. Run "
                "`airelays login` again.";
  }
  return s;
}

Status write_login_required(const paths::Layout& layout, const LoginRequired& state) {
  nlohmann::json j = {{"state", "login_required"},
                      {"reason", state.reason},
                      {"message", state.message},
                      {"time", state.time}};
  return atomic_file::write(layout.login_state, j.dump(2) + "\n", 0600);
}

Status clear_login_required(const paths::Layout& layout) {
  return atomic_file::remove(layout.login_state);
}

Summary summarize(const auth_record::Record& r, const std::string& place) {
  Summary s;
  s.state = auth_record::authenticated(r) ? LoginState::ready : LoginState::signed_out;
  s.storage = place;
  auto id = jwt::claims(r.id_token);
  auto access = jwt::claims(r.access_token);
  s.email = id.email.empty() ? access.email : id.email;
  s.plan = id.plan.empty() ? access.plan : id.plan;
  s.account_id = r.account_id;
  s.access_token_expires_at = access.exp;
  if (auto t = auth_record::parse_time(r.last_refresh)) {
    s.last_refresh = static_cast<long>(*t);
  }
  return s;
}

Result<SavedLogin> save_login(const config::Config& cfg, const paths::Layout& layout,
                              const std::string& id_token, const std::string& access_token,
                              const std::string& refresh_token) {
  auto record = auth_record::build(id_token, access_token, refresh_token, "", now_unix());
  if (!record) {
    return record.error();
  }
  auto lock = secret_store::Lock::acquire(layout.auth_lock);
  if (!lock) {
    return lock.error();
  }
  auto store = secret_store::open(cfg.storage, layout.data_dir, layout.auth_file);
  auto saved = store->save(auth_record::serialize(*record, cfg.storage == "file"));
  if (!saved) {
    return make_error("could not store the login: " + saved.error().message);
  }
  if (store->place() == "keyring") {
    (void)atomic_file::remove(layout.auth_file); // one place only (reference §3.2)
  }
  (void)clear_login_required(layout);
  clear_save_failure(layout);
  mark_changed(layout);
  return SavedLogin{store->place(), store->notice(), summarize(*record, store->place())};
}

Result<std::optional<auth_record::Record>> load_login(const config::Config& cfg,
                                                      const paths::Layout& layout) {
  auto store = secret_store::open(cfg.storage, layout.data_dir, layout.auth_file);
  auto text = store->load();
  if (!text) {
    return text.error();
  }
  if (!text->has_value()) {
    return std::optional<auth_record::Record>{};
  }
  std::string where = store->place() == "keyring" ? "the keyring" : layout.auth_file;
  auto record = auth_record::parse(**text, where);
  if (!record) {
    return record.error();
  }
  return std::optional<auth_record::Record>{std::move(*record)};
}

Result<bool> remove_login(const config::Config&, const paths::Layout& layout) {
  auto lock = secret_store::Lock::acquire(layout.auth_lock);
  if (!lock) {
    return lock.error();
  }
  // Every place, whatever the mode: a keyring that does not answer holds nothing to delete.
  auto keyring = secret_store::make_keyring(layout.data_dir)->remove();
  auto file = secret_store::make_file(layout.auth_file)->remove();
  (void)clear_login_required(layout);
  clear_save_failure(layout);
  mark_changed(layout);
  if (!file) {
    return file.error();
  }
  return (keyring && *keyring) || *file;
}

} // namespace airelays::token_manager
