//===- OutliningUtils.h - shared by the loop-outlining passes ---*- C++ -*-===//
//
// sinkc-outline-parallel-loops and sinkc-outline-loop-nests both move a loop
// into a function of its own; they must agree on which outside values travel
// as captures and which are rebuilt inside.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_LIB_CODEGEN_OUTLININGUTILS_H
#define SINKC_LIB_CODEGEN_OUTLININGUTILS_H

#include "mlir/IR/OpDefinition.h"

namespace sinkc {

/// A constant without operands: cloned into the outlined function instead of
/// captured, so that LLVM still sees static sizes, strides and trip counts.
inline bool isCheapToClone(mlir::Value value) {
  mlir::Operation *def = value.getDefiningOp();
  return def && def->hasTrait<mlir::OpTrait::ConstantLike>() &&
         def->getNumOperands() == 0 && def->getNumResults() == 1;
}

} // namespace sinkc

#endif // SINKC_LIB_CODEGEN_OUTLININGUTILS_H
