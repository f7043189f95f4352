//===- ReuseDyingOperands.cpp - elementwise results in their inputs' place
//-===//
//
// An elementwise linalg.generic whose destination is only a shape (its init
// is never read) gets a fresh allocation from one-shot bufferization, even
// when one of its inputs is a temporary of the same shape that dies right
// there. In a SwiGLU MLP that is silu(gate) * up: at T = 8192 on a
// Qwen2.5-0.5B shape, gate, up and the product are three [8192, 4864] f32
// buffers, 159 MB each, alive at once. Writing the product into gate's
// buffer removes one of them, and the pages it would have faulted in.
//
// The rewrite makes such an input the destination as well. One-shot
// bufferization then writes in place: linalg ops with identity maps and
// parallel loops declare elementwise access, so reading and writing the same
// buffer is not a conflict. The input must die at the op (it and every
// reshape between it and the linalg op that computed it have one use), and
// be computed in the same block, so that no later reader and no later loop
// iteration sees the overwritten values.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_REUSEDYINGOPERANDS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

/// Whether `value` is a temporary computed by a linalg op of `block`, seen
/// through reshapes, that nothing but its single user reads.
bool isDyingTemporary(Value value, Block *block) {
  Value source = valueBeforeReshapes(value, /*soleUses=*/true);
  Operation *producer = source ? source.getDefiningOp() : nullptr;
  // A reshape on the way is in `block` too: its one use is the next op of
  // the chain, which ends at an op of `block`.
  return producer && producer->getBlock() == block &&
         isa<linalg::LinalgOp>(producer);
}

void reuseDyingOperand(linalg::GenericOp generic) {
  if (generic.getNumLoops() != generic.getNumParallelLoops() ||
      !generic.hasPureTensorSemantics())
    return;
  llvm::SmallPtrSet<OpOperand *, 4> taken;
  for (OpOperand &init : generic.getDpsInitsMutable()) {
    if (generic.payloadUsesValueFromOperand(&init) ||
        !generic.getMatchingIndexingMap(&init).isIdentity())
      continue;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      if (taken.contains(input) ||
          input->get().getType() != init.get().getType() ||
          !generic.getMatchingIndexingMap(input).isIdentity() ||
          !isDyingTemporary(input->get(), generic->getBlock()))
        continue;
      taken.insert(input);
      init.set(input->get());
      break;
    }
  }
}

struct ReuseDyingOperandsPass
    : public impl::ReuseDyingOperandsBase<ReuseDyingOperandsPass> {
  void runOnOperation() override {
    getOperation().walk(
        [](linalg::GenericOp generic) { reuseDyingOperand(generic); });
  }
};

} // namespace
} // namespace sinkc
