//===- TfmToLinalg.cpp - the sinkc-lower-tfm-to-linalg pass ---------------===//

#include "LoweringUtils.h"
#include "sinkc/Conversion/Passes.h"
#include "sinkc/Dialect/Tfm/TfmDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace sinkc {
#define GEN_PASS_DEF_LOWERTFMTOLINALG
#include "sinkc/Conversion/Passes.h.inc"

namespace {

using namespace mlir;

struct LowerTfmToLinalg : public impl::LowerTfmToLinalgBase<LowerTfmToLinalg> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    // Every tfm op must go; the patterns produce ops of these dialects. The
    // conversion is partial: ops of other dialects (the sink ops of the
    // instrumentation and of fused attention) stay for their own lowering.
    target.addIllegalDialect<tfm::TfmDialect>();
    target.addLegalDialect<
        arith::ArithDialect, bufferization::BufferizationDialect,
        cf::ControlFlowDialect, linalg::LinalgDialect, math::MathDialect,
        scf::SCFDialect, tensor::TensorDialect, func::FuncDialect>();
    RewritePatternSet patterns(context);
    lowering::populateElementwisePatterns(patterns);
    lowering::populateShapePatterns(patterns);
    lowering::populateContractionPatterns(patterns);
    lowering::populateNormalizationPatterns(patterns);
    lowering::populateGatherPatterns(patterns);
    lowering::populateRotaryEmbeddingPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace sinkc
