//===- ApproximateMath.cpp - polynomial math approximations ---------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "sinkc/Codegen/Passes.h.inc"

namespace {

struct ApproximateMathPass
    : public impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // AVX2-specific rsqrt stays off: the same pipeline targets AArch64.
    MathPolynomialApproximationOptions options;
    populateMathPolynomialApproximationPatterns(patterns, options);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace sinkc
