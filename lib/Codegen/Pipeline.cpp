//===- Pipeline.cpp - the pass pipelines of sinkc -------------------------===//

#include "sinkc/Codegen/Codegen.h"
#include "sinkc/Codegen/Passes.h"
#include "sinkc/Conversion/Passes.h"
#include "sinkrt/MatmulKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;

namespace sinkc {

std::optional<MatmulKernel> lookupMatmulKernel(llvm::StringRef name) {
  if (name == "none")
    return MatmulKernel{};
  for (int64_t id : sinkrt::kMatmulKernels)
    if (name == sinkrt::matmulKernelName(id))
      return MatmulKernel{id, sinkrt::matmulKernelPanelWidth(id),
                          sinkrt::matmulKernelName(id)};
  return std::nullopt;
}

MatmulKernel selectMatmulKernel(const llvm::TargetMachine &machine) {
  const llvm::MCSubtargetInfo *subtarget = machine.getMCSubtargetInfo();
  llvm::StringRef name = "portable";
  if (machine.getTargetTriple().getArch() == llvm::Triple::x86_64) {
    if (subtarget->checkFeatures("+avx512f,+avx512vl,+fma"))
      name = "avx512";
    else if (subtarget->checkFeatures("+avx2,+fma"))
      name = "avx2";
  }
  return *lookupMatmulKernel(name);
}

ContractionTile selectContractionTile(const llvm::TargetMachine &machine) {
  const llvm::MCSubtargetInfo *subtarget = machine.getMCSubtargetInfo();
  switch (machine.getTargetTriple().getArch()) {
  case llvm::Triple::x86_64:
  case llvm::Triple::aarch64:
    return {4, 16};
  case llvm::Triple::arm:
  case llvm::Triple::thumb:
    return {4, subtarget->checkFeatures("+neon") ? 8 : 4};
  case llvm::Triple::riscv64:
    return {4, subtarget->checkFeatures("+v") ? 16 : 4};
  default:
    return {4, 8};
  }
}

void buildLinalgPipeline(OpPassManager &pm, const MatmulKernel &kernel) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createLowerTfmToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (kernel.id >= 0)
    pm.addNestedPass<func::FuncOp>(
        createPackMatmulWeights(PackMatmulWeightsOptions{kernel.panelWidth}));
}

LogicalResult buildLLVMPipeline(OpPassManager &pm, const MatmulKernel &kernel,
                                const ContractionTile &tile) {
  // Upstream passes by their registered names: the pipeline then reads like
  // the mlir-opt command line in docs/codegen.md.
  std::string kernelOptions =
      "{kernel=" + std::to_string(kernel.id) +
      " panel-width=" + std::to_string(kernel.panelWidth) + "}";
  std::string pipeline =
      "func.func(sinkc-materialize-fresh-outputs,sinkc-reuse-dying-operands),"
      "one-shot-bufferize{bufferize-function-boundaries "
      "function-boundary-type-conversion=identity-layout-map},"
      "canonicalize,cse,"
      "buffer-deallocation-pipeline,canonicalize,"
      "func.func(sinkc-deallocate-after-last-use),"
      "sinkc-lower-packed-matmuls" +
      kernelOptions +
      ","
      "func.func(sinkc-tile-and-vectorize-contractions{tile-m=" +
      std::to_string(tile.rows) + " tile-n=" + std::to_string(tile.columns) +
      "},"
      "sinkc-copies-to-linalg,sinkc-linalg-to-parallel-loops),"
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
