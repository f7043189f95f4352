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
    target.addIllegalDialect<tfm::TfmDialect>();
    target.addLegalDialect<
        arith::ArithDialect, bufferization::BufferizationDialect,
        cf::ControlFlowDialect, linalg::LinalgDialect, math::MathDialect,
        scf::SCFDialect, tensor::TensorDialect, func::FuncDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    target.addIllegalDialect<tfm::TfmDialect>();
    RewritePatternSet patterns(context);
    lowering::populateElementwisePatterns(patterns);
    lowering::populateShapePatterns(patterns);
    lowering::populateContractionPatterns(patterns);
    lowering::populateNormalizationPatterns(patterns);
    lowering::populateGatherPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace sinkc
