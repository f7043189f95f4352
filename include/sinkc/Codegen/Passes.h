//===- Passes.h - sinkc code generation passes ------------------*- C++ -*-===//

#ifndef SINKC_CODEGEN_PASSES_H
#define SINKC_CODEGEN_PASSES_H

#include "sinkc/Conversion/RuntimeContext.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace sinkc {

/// On the linalg.generic of a product over packed weights: the panel width
/// (sinkc-pack-matmul-weights sets it, sinkc-lower-packed-matmuls reads it).
constexpr llvm::StringLiteral kPackedMatmulMarker = "sinkc.packed_matmul";

/// On an scf.for whose iterations are independent: the contraction schedule
/// and sinkc-linalg-to-parallel-loops set it, sinkc-outline-parallel-loops
/// runs the loop on the runtime's threads.
constexpr llvm::StringLiteral kParallelMarker = "sinkc.parallel";

/// Whether a loop marked kParallelMarker encloses `op`: `op` then runs
/// inside that loop's outlined body, on a worker, and must stay serial.
inline bool insideParallelLoop(mlir::Operation *op) {
  for (mlir::Operation *parent = op->getParentOp(); parent;
       parent = parent->getParentOp())
    if (mlir::isa<mlir::scf::ForOp>(parent) && parent->hasAttr(kParallelMarker))
      return true;
  return false;
}

/// `value` seen back through tensor.collapse_shape, tensor.expand_shape and
/// tensor.reshape: the value they reshape (a block argument, or the result
/// of the op that computes it). With `soleUses`, null unless `value` and
/// every value on the way have exactly one use (nothing else reads them).
inline mlir::Value valueBeforeReshapes(mlir::Value value,
                                       bool soleUses = false) {
  while (true) {
    if (soleUses && !value.hasOneUse())
      return nullptr;
    mlir::Operation *producer = value.getDefiningOp();
    if (!producer ||
        !mlir::isa<mlir::tensor::CollapseShapeOp, mlir::tensor::ExpandShapeOp,
                   mlir::tensor::ReshapeOp>(producer))
      return value;
    value = producer->getOperand(0);
  }
}

/// Whether `fill` writes +0.0 (a product's zero start).
inline bool isPositiveZeroFill(mlir::linalg::FillOp fill) {
  auto constant = fill.getInputs()[0].getDefiningOp<mlir::arith::ConstantOp>();
  auto zero =
      constant ? mlir::dyn_cast<mlir::FloatAttr>(constant.getValue()) : nullptr;
  return zero && zero.getValue().isPosZero();
}

#define GEN_PASS_DECL
#include "sinkc/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sinkc/Codegen/Passes.h.inc"

} // namespace sinkc

#endif // SINKC_CODEGEN_PASSES_H
