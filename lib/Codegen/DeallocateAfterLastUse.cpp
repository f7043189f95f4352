//===- DeallocateAfterLastUse.cpp - Free buffers as early as possible -----===//
//
// MLIR's ownership-based buffer deallocation frees every buffer at the end of
// the block that allocates it. For a model function, one block, that means
// every intermediate tensor of every layer is alive until the function
// returns: the trained Llama at T=1024 peaked at 700 MB, most of it the
// per-layer [8, T, T] attention tensors, and faulting those pages in took
// longer than the computation. This pass moves each such dealloc to just
// after the last use of its buffer or of any view of it, so that memory is
// reused layer after layer (malloc hands the same pages back).
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_DEALLOCATEAFTERLASTUSE
#include "sinkc/Codegen/Passes.h.inc"

namespace {

/// The last operation of `block` that uses `buffer` or a view of it, through
/// nested regions too. Fails when a value derived from the buffer could
/// alias it in a way this analysis does not follow (a memref produced by an
/// op that is not a view, such as a loop result or a select): moving the
/// dealloc would then be a guess.
FailureOr<Operation *> lastUseInBlock(Value buffer, Operation *dealloc) {
  Block *block = dealloc->getBlock();
  Operation *last = nullptr;
  SmallVector<Value> worklist = {buffer};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc)
        continue;
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor)
        return failure();
      if (!last || last->isBeforeInBlock(ancestor))
        last = ancestor;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
        if (view.getViewSource() == value) {
          for (Value result : user->getResults())
            if (isa<BaseMemRefType>(result.getType()))
              worklist.push_back(result);
          continue;
        }
      }
      if (auto metadata = dyn_cast<memref::ExtractStridedMetadataOp>(user)) {
        worklist.push_back(metadata.getBaseBuffer());
        continue;
      }
      if (llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>))
        return failure();
    }
  }
  return last;
}

struct DeallocateAfterLastUsePass
    : public impl::DeallocateAfterLastUseBase<DeallocateAfterLastUsePass> {
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk(
        [&](memref::DeallocOp dealloc) { deallocs.push_back(dealloc); });
    for (memref::DeallocOp dealloc : deallocs) {
      auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != dealloc->getBlock())
        continue;
      FailureOr<Operation *> last = lastUseInBlock(alloc, dealloc);
      if (failed(last))
        continue;
      Operation *after = *last ? *last : alloc.getOperation();
      if (after->isBeforeInBlock(dealloc))
        dealloc->moveAfter(after);
    }
  }
};

} // namespace
} // namespace sinkc
