//===- Codegen.h - from linalg on tensors to native code --------*- C++ -*-===//
//
// The back half of sinkc up to the LLVM dialect: the weights blob, the
// matrix kernel and register tile of a target, and the bufferization and
// lowering pipelines. What follows the LLVM dialect (LLVM IR, the packed
// entry point and manifest, objects, the link) is sinkc/Target/Target.h.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_CODEGEN_CODEGEN_H
#define SINKC_CODEGEN_CODEGEN_H

#include "sinkc/Support/EntryAbi.h"

#include "sinkc/Transforms/Intervention.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace sinkc {

/// Constants larger than this many bytes move to the weights blob; smaller
/// ones stay in the code.
inline constexpr int64_t kWeightsThresholdBytes = 256;

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

/// Where each externalized constant lives in the weights blob. The data is
/// borrowed from the constants' attributes and stays valid while the module's
/// context lives.
struct WeightsLayout {
  struct Entry {
    uint64_t offset;
    llvm::ArrayRef<char> data;
  };
  std::vector<Entry> entries;
  uint64_t size = 0;

  /// Writes the blob (entries plus zero padding) and returns its hash
  /// (sinkrt::hashWeights of the written bytes).
  uint64_t write(llvm::raw_ostream &os) const;
  /// The hash of the blob without writing it.
  uint64_t hash() const;
};

/// Moves the large constants of the entry function into the blob (see the
/// sinkc-externalize-weights pass).
mlir::LogicalResult externalizeWeights(mlir::ModuleOp module,
                                       llvm::StringRef entryName,
                                       int64_t thresholdBytes,
                                       WeightsLayout *layout);

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

/// The runtime matrix kernel that products against weights use, and the
/// panel width the weights are packed in for it. The numbers are the
/// runtime's (runtime/include/sinkrt/MatmulKernels.h).
struct MatmulKernel {
  int64_t id = -1; ///< -1: no kernel, the generic contraction schedule
  int64_t panelWidth = 0;
  llvm::StringRef name = "none";
};

/// The kernels by name: "avx512", "avx2", "portable" and "none".
std::optional<MatmulKernel> lookupMatmulKernel(llvm::StringRef name);

/// The fastest kernel `machine`'s target features allow: AVX-512F -> avx512,
/// AVX2 + FMA -> avx2, any other target -> portable (128-bit vectors).
MatmulKernel selectMatmulKernel(const llvm::TargetMachine &machine);

/// What sinkc does to the imported module before it lowers it: the spec of
/// --instrument, split into its two keys (empty metrics: no
/// instrumentation), the layers and states of --capture (empty states: no
/// capture), --intervene with its --steer-vector, and --logits.
struct TfmPipelineOptions {
  std::string instrumentLayers = "all";
  std::string instrumentMetrics;
  std::string captureLayers = "all";
  std::string captureStates;
  std::optional<MlpNormCapSpec> intervention;
  /// The reference direction of the intervention; empty: BOS's MLP output.
  std::vector<float> steerVector;
  /// How the intervention's errors name the steer vector.
  std::string steerVectorName = "the reference direction";
  std::string logits = "all";
};

/// Imported (tfm-raw) -> tfm as sinkc --emit=tfm prints it: canonicalized
/// and CSE'd; with instrumentation, capture or an intervention,
/// sinkc-recognize-transformer, then sinkc-intervene-mlp-norm-cap, then
/// sinkc-instrument-sinks, then sinkc-capture-states (an intervention alone
/// removes the recognition marks again); with --logits other than all,
/// sinkc-select-logits.
/// Registered as the sinkc-prepare-tfm pipeline.
void buildTfmPipeline(mlir::OpPassManager &pm,
                      const TfmPipelineOptions &options);

/// tfm -> linalg on tensors, simplified and fused; constant matmul weights
/// packed for `kernel`. With `fuseAttention`, sinkc-fuse-attention first.
/// `weightsDType` (f32, f16 or bf16) is the storage of the packed weights and
/// of gathered tables (sinkc --weights-dtype).
void buildLinalgPipeline(mlir::OpPassManager &pm,
                         const MatmulKernel &kernel = {},
                         bool fuseAttention = false,
                         llvm::StringRef weightsDType = "f32");

/// The register tile of sinkc-tile-and-vectorize-contractions (products of
/// two activations, and weight products without a kernel): rows x columns
/// of f32, the columns a multiple of the vector width.
struct ContractionTile {
  int64_t rows = 4;
  int64_t columns = 16;
};

/// A tile whose accumulators fill about half of the target's vector
/// registers: 4 x 16 on x86-64 (4 zmm or 8 ymm) and AArch64 (16 of 32
/// 128-bit registers), 4 x 8 on ARMv7 NEON (8 of 16), 4 x 4 on targets
/// without vector registers in the baseline (RISC-V RV64GC: 16 of 32 FP
/// registers).
ContractionTile selectContractionTile(const llvm::TargetMachine &machine);

/// linalg on tensors (with weights externalized) -> LLVM dialect.
mlir::LogicalResult buildLLVMPipeline(mlir::OpPassManager &pm,
                                      const MatmulKernel &kernel = {},
                                      const ContractionTile &tile = {});

/// Everything after the weights are externalized: the entry ABI
/// (sinkc-prepare-entry-abi), the sink ops and fused attention lowered to
/// runtime calls, then buildLLVMPipeline. `sinkc` runs it after
/// externalizeWeights(); the registered sinkc-lower-to-llvm pipeline runs
/// sinkc-externalize-weights and then the same passes.
mlir::LogicalResult buildModelToLLVMPipeline(mlir::OpPassManager &pm,
                                             const MatmulKernel &kernel = {},
                                             const ContractionTile &tile = {});

/// Registers sinkc-lower-to-linalg and sinkc-lower-to-llvm, the pipelines
/// `sinkc` runs, for sinkc-opt: `sinkc --emit=tfm | sinkc-opt
/// --sinkc-lower-to-linalg=...` and `sinkc --emit=linalg | sinkc-opt
/// --sinkc-lower-to-llvm=...` reproduce `sinkc --emit=linalg` and
/// `sinkc --emit=llvm` (docs/codegen.md).
void registerSinkcPipelines();

} // namespace sinkc

#endif // SINKC_CODEGEN_CODEGEN_H
