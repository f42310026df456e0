// Anticipated failures are values. Below the CLI every fallible function returns
// Result<T>: either the value or an Error carrying a message meant for the user and the
// exit code the CLI should use for it. Exceptions stay at the call sites of third-party
// libraries and at the single try/catch in cli::run.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace airelays {

// Process exit codes, fixed and documented in docs/cli.md.
enum class ExitCode : int {
  ok = 0,
  failure = 1,
  usage = 2,
  aborted = 130, // the user pressed Ctrl-C during an interactive command
};

struct Error {
  std::string message;
  ExitCode exit_code = ExitCode::failure;
};

template <typename T> class [[nodiscard]] Result {
public:
  Result(T value) : m_v(std::move(value)) {}
  Result(Error error) : m_v(std::move(error)) {}

  bool ok() const { return m_v.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(m_v); }
  const T& value() const& { return std::get<0>(m_v); }
  T&& value() && { return std::get<0>(std::move(m_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(m_v); }

private:
  std::variant<T, Error> m_v;
};

// Result of an operation that produces no value.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

inline Error make_error(std::string message, ExitCode code = ExitCode::failure) {
  return Error{std::move(message), code};
}

} // namespace airelays
