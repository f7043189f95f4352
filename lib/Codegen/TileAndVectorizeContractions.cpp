//===- TileAndVectorizeContractions.cpp - register tiling of matmuls ------===//
//
// The contraction schedule of docs/codegen.md, in C++ so that it can adapt to
// each op's static and dynamic sizes:
//
//   tile [.., tileM, tileN, 1]  ->  peel M and N loops that are dynamic or not
//   divisible  ->  canonicalize (main tiles become static)  ->  tile what is
//   still dynamic to 1  ->  vectorize (vector.contract)  ->  outer products,
//   accumulator hoisted out of the K loop  ->  1-D vector ops.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_TILEANDVECTORIZECONTRACTIONS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

constexpr llvm::StringLiteral kTileMarker = "sinkc.register_tile";

/// The matmul-like ops this schedule handles: named matmuls and the
/// generics that fusion and reshape propagation make of them (e.g. a batch
/// matmul over [B, H] with the batch dimensions left uncollapsed), on f32
/// buffers.
std::optional<linalg::ContractionDimensions>
contractionDims(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || !linalg::isaContractionOpInterface(op) ||
      op.getNumDpsInits() != 1 ||
      !getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32())
    return std::nullopt;
  auto dims = linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return std::nullopt;
  return *dims;
}

/// `loop` and, `depth` levels down, the scf.for nested in it.
scf::ForOp nestedFor(scf::ForOp loop, unsigned depth);

/// The first scf.for directly inside `loop`'s body.
scf::ForOp firstNestedFor(scf::ForOp loop) {
  for (Operation &op : *loop.getBody())
    if (auto nested = dyn_cast<scf::ForOp>(op))
      return nested;
  return nullptr;
}

scf::ForOp nestedFor(scf::ForOp loop, unsigned depth) {
  for (unsigned i = 0; loop && i < depth; ++i)
    loop = firstNestedFor(loop);
  return loop;
}

/// Peels `loop` when its trip count is not a known multiple of its step;
/// returns the loops to continue with (the main loop and, if peeled, the
/// remainder).
SmallVector<scf::ForOp> peel(RewriterBase &rewriter, scf::ForOp loop) {
  scf::ForOp remainder;
  if (succeeded(scf::peelForLoopAndSimplifyBounds(rewriter, loop, remainder)) &&
      remainder)
    return {loop, remainder};
  return {loop};
}

/// Tiles `op` with `options` in its place and marks the tiles with
/// kTileMarker; failure (the op is left alone) when tiling fails.
FailureOr<scf::SCFTilingResult>
tileAndMark(RewriterBase &rewriter, linalg::LinalgOp op,
            const scf::SCFTilingOptions &options) {
  rewriter.setInsertionPoint(op);
  auto tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  for (Operation *tile : tiled->tiledOps)
    tile->setAttr(kTileMarker, rewriter.getUnitAttr());
  rewriter.eraseOp(op);
  return tiled;
}

/// The linalg ops of `func` that carry kTileMarker.
SmallVector<linalg::LinalgOp> markedTiles(func::FuncOp func) {
  SmallVector<linalg::LinalgOp> tiles;
  func.walk([&](linalg::LinalgOp op) {
    if (op->hasAttr(kTileMarker))
      tiles.push_back(op);
  });
  return tiles;
}

void canonicalize(func::FuncOp func) {
  MLIRContext *context = func.getContext();
  RewritePatternSet patterns(context);
  for (Dialect *dialect : context->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : context->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, context);
  (void)applyPatternsGreedily(func, std::move(patterns));
}

struct TileAndVectorizeContractionsPass
    : public impl::TileAndVectorizeContractionsBase<
          TileAndVectorizeContractionsPass> {
  using TileAndVectorizeContractionsBase::TileAndVectorizeContractionsBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *context = &getContext();
    IRRewriter rewriter(context);

    SmallVector<std::pair<linalg::LinalgOp, linalg::ContractionDimensions>>
        contractions;
    func.walk([&](linalg::LinalgOp op) {
      if (auto dims = contractionDims(op))
        contractions.push_back({op, *dims});
    });
    if (contractions.empty())
      return;

    // 1. Register tiles, loops ordered batch, M, N, K (K innermost, so the
    // accumulator can stay in registers), with peeled M and N loops.
    for (auto &[op, dims] : contractions) {
      SmallVector<OpFoldResult> tileSizes(op.getNumLoops(),
                                          rewriter.getIndexAttr(1));
      tileSizes[dims.m.back()] = rewriter.getIndexAttr(tileM);
      tileSizes[dims.n.back()] = rewriter.getIndexAttr(tileN);
      SmallVector<int64_t> interchange;
      for (const auto &group : {dims.batch, dims.m, dims.n, dims.k})
        for (unsigned d : group)
          interchange.push_back(d);
      if (interchange.size() != op.getNumLoops())
        continue; // a dimension outside the contraction roles
      scf::SCFTilingOptions options;
      options.setTileSizes(tileSizes);
      options.setInterchange(interchange);
      auto tiled = tileAndMark(rewriter, op, options);
      if (failed(tiled)) {
        op.emitError("tiling the contraction failed");
        return signalPassFailure();
      }
      unsigned mPosition = dims.batch.size() + dims.m.size() - 1;
      if (tiled->loops.size() != interchange.size())
        continue;
      auto mLoop = dyn_cast<scf::ForOp>(tiled->loops[mPosition].getOperation());
      if (!mLoop)
        continue;
      for (scf::ForOp mPart : peel(rewriter, mLoop))
        if (scf::ForOp nLoop = nestedFor(mPart, dims.n.size()))
          (void)peel(rewriter, nLoop);
      // Row tiles are independent: the runtime may run them in parallel.
      mLoop->setAttr(kParallelMarker, rewriter.getUnitAttr());
    }
    canonicalize(func);

    // 2. Whatever is still dynamic (remainders of dynamic sizes) is tiled to
    // one element in that dimension, so that every tile is static.
    for (linalg::LinalgOp op : markedTiles(func)) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::none_of(ranges, ShapedType::isDynamic))
        continue;
      SmallVector<OpFoldResult> sizes;
      for (int64_t range : ranges)
        sizes.push_back(
            rewriter.getIndexAttr(ShapedType::isDynamic(range) ? 1 : 0));
      scf::SCFTilingOptions options;
      options.setTileSizes(sizes);
      if (failed(tileAndMark(rewriter, op, options))) {
        op.emitError("tiling a contraction remainder failed");
        return signalPassFailure();
      }
    }
    canonicalize(func);

    // 3. Vectorize every static tile.
    for (linalg::LinalgOp op : markedTiles(func)) {
      if (llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic)) {
        op->removeAttr(kTileMarker); // stays scalar (lowered to loops)
        continue;
      }
      rewriter.setInsertionPoint(op);
      auto result = linalg::vectorize(rewriter, op, {}, {},
                                      /*vectorizeNDExtract=*/false,
                                      /*flatten1DDepthwiseConv=*/false,
                                      /*assumeDynamicDimsMatchVecSizes=*/false,
                                      /*createNamedContraction=*/true);
      if (failed(result)) {
        op->removeAttr(kTileMarker);
        continue;
      }
      if (!result->replacements.empty())
        rewriter.replaceOp(op, result->replacements);
      else
        rewriter.eraseOp(op);
    }

    // 4. Outer products; fold subviews into the transfers so that the
    // accumulator's read/write can be hoisted out of the K loop.
    {
      RewritePatternSet patterns(context);
      vector::populateVectorContractLoweringPatterns(
          patterns, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      memref::populateFoldMemRefAliasOpPatterns(patterns);
      for (Dialect *dialect : context->getLoadedDialects())
        dialect->getCanonicalizationPatterns(patterns);
      // Not converging within the iteration limit leaves correct IR.
      (void)applyPatternsGreedily(func, std::move(patterns));
    }
    linalg::hoistRedundantVectorTransfers(func);

    // 5. Down to 1-D vectors, which convert-vector-to-llvm takes.
    {
      RewritePatternSet patterns(context);
      vector::populateVectorOuterProductLoweringPatterns(patterns);
      VectorTransferToSCFOptions toScf;
      toScf.setTargetRank(1);
      toScf.enableFullUnroll();
      populateVectorToSCFConversionPatterns(patterns, toScf);
      vector::populateVectorTransferLoweringPatterns(patterns,
                                                     /*maxTransferRank=*/1);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, vector::VectorTransposeLowering::EltWise);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      vector::populateVectorFromElementsUnrollPatterns(patterns);
      // Not converging within the iteration limit leaves correct IR.
      (void)applyPatternsGreedily(func, std::move(patterns));
    }
    func.walk([](Operation *op) { op->removeAttr(kTileMarker); });
  }
};

} // namespace
} // namespace sinkc
