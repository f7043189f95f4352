//===- Status.cpp - Error values for the runtime --------------------------===//

#include "sinkrt/Status.h"

#include <cstdarg>
#include <cstdio>

namespace sinkrt {

static std::string formatVarArgs(const char *format, va_list args) {
  va_list argsCopy;
  va_copy(argsCopy, args);
  int length = std::vsnprintf(nullptr, 0, format, argsCopy);
  va_end(argsCopy);
  if (length <= 0)
    return std::string();
  std::string text(static_cast<size_t>(length) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);
  text.resize(static_cast<size_t>(length));
  return text;
}

std::string formatString(const char *format, ...) {
  va_list args;
  va_start(args, format);
  std::string text = formatVarArgs(format, args);
  va_end(args);
  return text;
}

Error badInput(const char *format, ...) {
  va_list args;
  va_start(args, format);
  Error error{ErrorKind::BadInput, formatVarArgs(format, args)};
  va_end(args);
  return error;
}

Error failure(const char *format, ...) {
  va_list args;
  va_start(args, format);
  Error error{ErrorKind::Failure, formatVarArgs(format, args)};
  va_end(args);
  return error;
}

Error withContext(Error error, const std::string &context) {
  error.message = context + ": " + error.message;
  return error;
}

} // namespace sinkrt
