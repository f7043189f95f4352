//===- UnshareFilledInits.cpp - one filled destination per linalg op ------===//
//
// CSE merges the identical `linalg.fill(tensor.empty)` destinations of ops
// with the same result shape: the Q, K and V projections of a layer (one
// input, three weights), the gate and up projections of a gated MLP, the
// sum-of-squares reductions of norms over the same rows. One-shot
// bufferization then fills one buffer and gives every op that writes into
// the shared value a copy of it, since each op overwrites its destination:
// a [T, N] memref.copy per projection (five per Llama layer), and the
// packed-matmul lowering, which no longer sees a zero fill right before the
// product, makes the kernel add to the copied zeros instead of writing.
//
// The rewrite gives each such op its own `tensor.empty` (and the reshapes
// between it and the fill) and fill, cloned right before it; the shared ones
// are erased. Bufferization then allocates and fills once per op, and
// sinkc-lower-packed-matmuls drops each fill as before.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SetVector.h"

#include <algorithm>

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_UNSHAREFILLEDINITS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

/// The ops that make the destination of `fill`, a `tensor.empty` seen
/// through expand_shape and collapse_shape (the [T, 1] sums of squares of a
/// norm fill an expanded [T] tensor), outermost last; empty if the
/// destination is anything else.
SmallVector<Operation *> emptyDestination(linalg::FillOp fill) {
  SmallVector<Operation *> chain;
  Value value = fill.getOutputs()[0];
  while (Operation *producer = value.getDefiningOp()) {
    chain.push_back(producer);
    if (isa<tensor::EmptyOp>(producer)) {
      std::reverse(chain.begin(), chain.end());
      return chain;
    }
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(producer))
      break;
    value = producer->getOperand(0);
  }
  return {};
}

struct UnshareFilledInitsPass
    : public impl::UnshareFilledInitsBase<UnshareFilledInitsPass> {
  void runOnOperation() override {
    SmallVector<OpOperand *> shared;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics())
        return;
      for (OpOperand &init : op.getDpsInitsMutable()) {
        auto fill = init.get().getDefiningOp<linalg::FillOp>();
        if (fill && !fill->hasOneUse() && fill.hasPureTensorSemantics() &&
            !emptyDestination(fill).empty())
          shared.push_back(&init);
      }
    });
    // Every user gets a copy right before it (where the packed-matmul
    // lowering finds it and drops it); the original chain dies.
    llvm::SetVector<Operation *> originals;
    for (OpOperand *init : shared) {
      auto fill = init->get().getDefiningOp<linalg::FillOp>();
      SmallVector<Operation *> chain = emptyDestination(fill);
      OpBuilder builder(init->getOwner());
      IRMapping mapping;
      for (Operation *op : chain)
        builder.clone(*op, mapping);
      init->set(builder.clone(*fill, mapping)->getResult(0));
      originals.insert(fill);
      originals.insert(chain.rbegin(), chain.rend());
    }
    for (Operation *op : originals)
      if (op->use_empty())
        op->erase();
  }
};

} // namespace
} // namespace sinkc
