//===- RuntimeContext.h - how generated code finds the runtime --*- C++ -*-===//
//
// Every call into the runtime from generated code (probes, fused attention,
// matrix kernels, parallel loops) passes the runtime context, an argument of
// the model function that sinkc-prepare-entry-abi adds and marks
// (docs/runtime-abi.md). The mark, not the argument's position, identifies
// it, so that no pass depends on where it sits.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_CONVERSION_RUNTIMECONTEXT_H
#define SINKC_CONVERSION_RUNTIMECONTEXT_H

#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringRef.h"

namespace sinkc {

/// On the entry function's argument that carries the runtime context.
constexpr llvm::StringLiteral kRuntimeContextMarker = "sinkc.runtime_context";

/// The runtime-context argument of `function`, or null.
inline mlir::Value findRuntimeContext(mlir::FunctionOpInterface function) {
  for (unsigned i = 0; i < function.getNumArguments(); ++i)
    if (function.getArgAttr(i, kRuntimeContextMarker))
      return function.getArgument(i);
  return nullptr;
}

} // namespace sinkc

#endif // SINKC_CONVERSION_RUNTIMECONTEXT_H
