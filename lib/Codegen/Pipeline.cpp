//===- Pipeline.cpp - the pass pipelines of sinkc -------------------------===//

#include "sinkc/Codegen/Codegen.h"
#include "sinkc/Codegen/Passes.h"
#include "sinkc/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace sinkc {

void buildLinalgPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createLowerTfmToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

LogicalResult buildLLVMPipeline(OpPassManager &pm) {
  // Upstream passes by their registered names: the pipeline then reads like
  // the mlir-opt command line in docs/codegen.md.
  static constexpr llvm::StringLiteral pipeline =
      "func.func(sinkc-materialize-fresh-outputs),"
      "one-shot-bufferize{bufferize-function-boundaries "
      "function-boundary-type-conversion=identity-layout-map},"
      "canonicalize,cse,"
      "buffer-deallocation-pipeline,canonicalize,"
      "func.func(sinkc-deallocate-after-last-use,"
      "sinkc-tile-and-vectorize-contractions,"
      "sinkc-copies-to-linalg,convert-linalg-to-loops),"
      "sinkc-outline-parallel-loops,"
      "sinkc-approximate-math,"
      "expand-strided-metadata,"
      "lower-affine,sinkc-outline-loop-nests,convert-scf-to-cf,"
      "sinkc-lower-runtime-checks,"
      "canonicalize,cse,"
      "finalize-memref-to-llvm{use-generic-functions=true},"
      "convert-math-to-llvm,convert-math-to-libm,"
      "sinkc-lower-vector-leftovers,"
      "convert-to-llvm,"
      "reconcile-unrealized-casts";
  return parsePassPipeline(pipeline, pm);
}

} // namespace sinkc
