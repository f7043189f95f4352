//===- Error.h - llvm::Error from a message ---------------------*- C++ -*-===//
//
// The compiler's libraries report bad input as llvm::Error carrying one
// message line (file, node, op, what is wrong); the driver prints it and
// exits 1. This is the one way they make such an error.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_SUPPORT_ERROR_H
#define SINKC_SUPPORT_ERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace sinkc {

/// An error with `message` and no error code.
inline llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

} // namespace sinkc

#endif // SINKC_SUPPORT_ERROR_H
