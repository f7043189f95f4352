//===- LowerVectorLeftovers.cpp - n-D vector ops to 1-D -------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_LOWERVECTORLEFTOVERS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

struct LowerVectorLeftoversPass
    : public impl::LowerVectorLeftoversBase<LowerVectorLeftoversPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    vector::populateVectorFromElementsUnrollPatterns(patterns);
    vector::populateVectorToElementsUnrollPatterns(patterns);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    // The shape_cast lowering builds 1-D results with strided-slice ops,
    // which convert-to-llvm (unlike convert-vector-to-llvm) does not lower.
    vector::populateVectorInsertExtractStridedSliceTransforms(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace sinkc
