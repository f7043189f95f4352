//===- LinalgToParallelLoops.cpp - loop nests the thread pool can split ---===//
//
// convert-linalg-to-loops, plus the knowledge that it throws away: which
// loops of an op are parallel. Elementwise ops, norms, softmax rows and
// copies are a fifth of a forward pass; on one thread they cap what a second
// core can give. Each op's leading parallel loops except the innermost (which
// stays whole, for the vectorizer) are coalesced into one loop, so that a
// [B, T, D] op splits over B * T rows even when B is 1, and that loop is
// marked sinkc.parallel for sinkc-outline-parallel-loops. Each iteration
// writes its own output elements, so the results do not depend on how the
// rows are split.
//
// Whether a loop is worth a parallel region depends on the op's total work,
// not on its row length: a head transpose of [1, 8, T, 32] moves 32 floats
// per row but 8 * T * 32 in all, and serial copies of that kind were 8 % of
// the trained Llama's single-thread time at T = 256 that a second thread
// could not share.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_LINALGTOPARALLELLOOPS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

struct LinalgToParallelLoopsPass
    : public impl::LinalgToParallelLoopsBase<LinalgToParallelLoopsPass> {
  using LinalgToParallelLoopsBase::LinalgToParallelLoopsBase;

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) { ops.push_back(op); });
    for (linalg::LinalgOp op : ops) {
      if (!op.hasPureBufferSemantics()) {
        op.emitOpError("must be bufferized before it becomes loops");
        return signalPassFailure();
      }
      // How many leading loops are parallel, and how much work the whole
      // op does, with a dynamic extent counted as dynamicExtentGuess.
      SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      unsigned leadingParallel = 0;
      while (leadingParallel < iterators.size() &&
             iterators[leadingParallel] == utils::IteratorType::parallel)
        ++leadingParallel;
      // The innermost loop stays whole: it is the one LLVM vectorizes.
      unsigned band = std::min<unsigned>(leadingParallel, ranges.size() - 1);
      uint64_t work = 1;
      for (int64_t range : ranges)
        work = llvm::SaturatingMultiply<uint64_t>(
            work, ShapedType::isDynamic(range) ? dynamicExtentGuess
                                               : std::max<int64_t>(range, 1));
      bool worthSplitting = band > 0 && work >= uint64_t(minWork) &&
                            !insideParallelLoop(op) && op.getNumLoops() > 1;
      // Coalesce only as many leading loops as it takes to have minRows
      // rows for sure (a dynamic extent may be 1: a batch). Every coalesced
      // iteration recovers its indices with divisions by the loop extents,
      // tens of cycles: more than a head transpose's 32-float row costs, so
      // [B, 8, T, 32] splits over B * 8 and keeps T as an ordinary loop.
      unsigned coalesced = 0;
      for (int64_t rows = 1; coalesced < band && rows < minRows; ++coalesced)
        rows *= ShapedType::isDynamic(ranges[coalesced])
                    ? 1
                    : std::max<int64_t>(ranges[coalesced], 1);

      rewriter.setInsertionPoint(op);
      FailureOr<linalg::LinalgLoops> loops =
          linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops)) {
        op.emitOpError("could not be converted to loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
      if (!worthSplitting || loops->size() != ranges.size())
        continue;
      SmallVector<scf::ForOp> nest;
      for (unsigned d = 0; d < coalesced; ++d)
        if (auto loop = dyn_cast<scf::ForOp>((*loops)[d]))
          nest.push_back(loop);
      if (nest.size() != coalesced)
        continue;
      scf::ForOp outer = nest.front();
      if (nest.size() > 1) {
        if (failed(coalesceLoops(rewriter, nest)))
          continue;
        outer = nest.front();
      }
      outer->setAttr(kParallelMarker, rewriter.getUnitAttr());
    }
  }
};

} // namespace
} // namespace sinkc
