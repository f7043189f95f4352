//===- Status.h - Error values for the runtime ------------------*- C++ -*-===//
//
// The runtime reports errors by value (no exceptions): a failing function
// returns an Error that says whether the user's input was at fault (exit code
// 2) or the program could not do its work (exit code 1), with a one-line
// message for the user.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_STATUS_H
#define SINKRT_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace sinkrt {

enum class ErrorKind {
  /// Bad command line, inputs, tokens or thresholds: exit code 2.
  BadInput,
  /// Missing or mismatched weights, I/O failures, a malformed manifest, a
  /// misbehaving model: exit code 1.
  Failure,
};

struct Error {
  ErrorKind kind = ErrorKind::Failure;
  std::string message;
};

/// printf-style formatting into a std::string.
std::string formatString(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

Error badInput(const char *format, ...) __attribute__((format(printf, 1, 2)));
Error failure(const char *format, ...) __attribute__((format(printf, 1, 2)));

/// Prefixes the message with context ("reading 'x.npy': " + message).
Error withContext(Error error, const std::string &context);

/// The exit code the CLI uses for an error of this kind.
inline int exitCodeFor(ErrorKind kind) {
  return kind == ErrorKind::BadInput ? 2 : 1;
}

namespace detail {
/// The error half of Status and Expected.
class ErrorSlot {
public:
  const Error &getError() const {
    assert(error && "no error to get");
    return *error;
  }
  Error takeError() {
    assert(error && "no error to take");
    return std::move(*error);
  }

protected:
  ErrorSlot() = default;
  ErrorSlot(Error error) : error(std::move(error)) {}

  std::optional<Error> error;
};
} // namespace detail

class [[nodiscard]] Status : public detail::ErrorSlot {
public:
  Status() = default;
  Status(Error error) : ErrorSlot(std::move(error)) {}
  static Status ok() { return Status(); }

  bool isOk() const { return !error.has_value(); }
  explicit operator bool() const { return isOk(); }
};

template <typename T> class [[nodiscard]] Expected : public detail::ErrorSlot {
public:
  Expected(T value) : value(std::move(value)) {}
  Expected(Error error) : ErrorSlot(std::move(error)) {}

  bool isOk() const { return value.has_value(); }
  explicit operator bool() const { return isOk(); }

  T &operator*() {
    assert(value && "dereferencing an error");
    return *value;
  }
  const T &operator*() const {
    assert(value && "dereferencing an error");
    return *value;
  }
  T *operator->() { return &**this; }
  const T *operator->() const { return &**this; }

private:
  std::optional<T> value;
};

} // namespace sinkrt

#endif // SINKRT_STATUS_H
