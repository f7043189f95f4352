//===- Pipeline.cpp - the pass pipelines of sinkc -------------------------===//

#include "sinkc/Codegen/Codegen.h"
#include "sinkc/Codegen/Passes.h"
#include "sinkc/Conversion/Passes.h"
#include "sinkc/Transforms/Passes.h"
#include "sinkrt/MatmulKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>

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

void buildTfmPipeline(OpPassManager &pm, const TfmPipelineOptions &options) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  const bool instrument = !options.instrumentMetrics.empty();
  const bool capture = !options.captureStates.empty();
  if (instrument || capture || options.intervention)
    pm.addPass(createRecognizeTransformer(
        RecognizeTransformerOptions{kEntryFunctionName.str()}));
  if (const std::optional<MlpNormCapSpec> &cap = options.intervention) {
    InterveneMlpNormCapOptions capOptions;
    capOptions.layer = cap->layer;
    capOptions.cosThreshold = cap->cosThreshold;
    capOptions.norm = cap->norm;
    capOptions.skipFirst = cap->skipFirst;
    capOptions.reference.assign(options.steerVector.begin(),
                                options.steerVector.end());
    capOptions.referenceName = options.steerVectorName;
    pm.addPass(createInterveneMlpNormCap(capOptions));
    if (!instrument && !capture)
      pm.addPass(createClearRecognitionMarks(
          ClearRecognitionMarksOptions{kEntryFunctionName.str()}));
  }
  if (instrument)
    pm.addPass(createInstrumentSinks(InstrumentSinksOptions{
        options.instrumentLayers, options.instrumentMetrics}));
  // After the intervention, like the instrumentation: a captured mlp_out is
  // what the block adds to the residual stream.
  if (capture)
    pm.addPass(createCaptureStates(
        CaptureStatesOptions{options.captureLayers, options.captureStates}));
  if (options.logits != "all")
    pm.addPass(createSelectLogits(
        SelectLogitsOptions{kEntryFunctionName.str(), options.logits}));
}

void buildLinalgPipeline(OpPassManager &pm, const MatmulKernel &kernel,
                         bool fuseAttention, llvm::StringRef weightsDType) {
  if (fuseAttention)
    pm.addPass(createFuseAttention());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(
      createNarrowGatherTables(NarrowGatherTablesOptions{weightsDType.str()}));
  pm.addPass(createLowerTfmToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (kernel.id >= 0) {
    pm.addNestedPass<func::FuncOp>(createPackMatmulWeights(
        PackMatmulWeightsOptions{kernel.panelWidth, weightsDType.str()}));
    pm.addNestedPass<func::FuncOp>(createFuseResidualAdds());
  }
}

LogicalResult buildLLVMPipeline(OpPassManager &pm, const MatmulKernel &kernel,
                                const ContractionTile &tile) {
  // Upstream passes by their registered names: the pipeline then reads like
  // the mlir-opt command line in docs/codegen.md.
  std::string kernelOptions =
      "{kernel=" + std::to_string(kernel.id) +
      " panel-width=" + std::to_string(kernel.panelWidth) + "}";
  std::string pipeline =
      "func.func(sinkc-unshare-filled-inits,sinkc-materialize-fresh-outputs,"
      "sinkc-reuse-dying-operands),"
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

LogicalResult buildModelToLLVMPipeline(OpPassManager &pm,
                                       const MatmulKernel &kernel,
                                       const ContractionTile &tile) {
  pm.addPass(createPrepareEntryAbi(PrepareEntryAbiOptions{
      kEntryFunctionName.str(), kModelSymbolName.str()}));
  pm.addPass(createLowerAttentionToRuntime());
  pm.addPass(createLowerSinkToLinalg());
  pm.addPass(createCSEPass());
  return buildLLVMPipeline(pm, kernel, tile);
}

namespace {

/// The kernel choices of the registered pipelines; the driver's `auto`
/// needs a target machine, which a pipeline on IR does not have.
enum class KernelChoice { None, Portable, Avx2, Avx512 };

llvm::StringRef kernelName(KernelChoice choice) {
  switch (choice) {
  case KernelChoice::Portable:
    return sinkrt::matmulKernelName(sinkrt::kMatmulKernelPortable);
  case KernelChoice::Avx2:
    return sinkrt::matmulKernelName(sinkrt::kMatmulKernelAvx2);
  case KernelChoice::Avx512:
    return sinkrt::matmulKernelName(sinkrt::kMatmulKernelAvx512);
  case KernelChoice::None:
    break;
  }
  return "none";
}

llvm::cl::ValuesClass kernelChoices() {
  return llvm::cl::values(
      clEnumValN(KernelChoice::None, "none",
                 "the generic contraction schedule"),
      clEnumValN(KernelChoice::Portable, "portable",
                 "128-bit vectors, any target"),
      clEnumValN(KernelChoice::Avx2, "avx2", "x86-64 AVX2 + FMA"),
      clEnumValN(KernelChoice::Avx512, "avx512", "x86-64 AVX-512F"));
}

constexpr llvm::StringLiteral kKernelHelp =
    "Runtime matrix kernel for products against weights (sinkc "
    "--matmul-kernel; no 'auto': a pipeline on IR has no target machine)";

struct PrepareTfmOptions : public PassPipelineOptions<PrepareTfmOptions> {
  Option<std::string> instrumentLayers{
      *this, "instrument-layers",
      llvm::cl::desc("Layers to instrument: all, or a list like 2-5,7 (the "
                     "layers= of sinkc --instrument)"),
      llvm::cl::init("all")};
  Option<std::string> instrumentMetrics{
      *this, "instrument-metrics",
      llvm::cl::desc("Metric groups or names to instrument (the metrics= of "
                     "sinkc --instrument); empty: no instrumentation"),
      llvm::cl::init("")};
  Option<std::string> captureLayers{
      *this, "capture-layers",
      llvm::cl::desc("Layers whose states to capture: all, or a list like "
                     "2-5,7 (the layers= of sinkc --capture)"),
      llvm::cl::init("all")};
  Option<std::string> captureStates{
      *this, "capture-states",
      llvm::cl::desc("States to capture (the states= of sinkc --capture); "
                     "empty: no capture"),
      llvm::cl::init("")};
  Option<std::string> intervene{
      *this, "intervene",
      llvm::cl::desc("The steering intervention (sinkc --intervene), e.g. "
                     "mlp-norm-cap:layer=2;norm=1 with ';' for the spec's "
                     "commas; empty: none"),
      llvm::cl::init("")};
  ListOption<double> steerVector{
      *this, "steer-vector",
      llvm::cl::desc("The intervention's reference direction (the values "
                     "of sinkc --steer-vector); empty: BOS's MLP output")};
  Option<std::string> logits{
      *this, "logits",
      llvm::cl::desc("Logits to compute: all, last or none (sinkc --logits)"),
      llvm::cl::init("all")};
};

struct LowerToLinalgOptions : public PassPipelineOptions<LowerToLinalgOptions> {
  Option<KernelChoice> kernel{
      *this, "matmul-kernel", llvm::cl::desc(kKernelHelp),
      llvm::cl::init(KernelChoice::None), kernelChoices()};
  Option<bool> fuseAttention{
      *this, "fuse-attention",
      llvm::cl::desc("Run sinkc-fuse-attention first (sinkc --fuse-attention)"),
      llvm::cl::init(true)};
  Option<std::string> weightsDType{
      *this, "weights-dtype",
      llvm::cl::desc("Storage of the gathered tables and packed weights: "
                     "f32, f16 or bf16 (sinkc --weights-dtype)"),
      llvm::cl::init("f32")};
};

struct LowerToLLVMOptions : public PassPipelineOptions<LowerToLLVMOptions> {
  Option<KernelChoice> kernel{
      *this, "matmul-kernel", llvm::cl::desc(kKernelHelp),
      llvm::cl::init(KernelChoice::None), kernelChoices()};
  Option<int64_t> tileM{*this, "tile-m",
                        llvm::cl::desc("Rows of the contraction register tile "
                                       "(sinkc picks it from the target)"),
                        llvm::cl::init(ContractionTile{}.rows)};
  Option<int64_t> tileN{*this, "tile-n",
                        llvm::cl::desc("Columns of the contraction register "
                                       "tile (sinkc picks it from the target)"),
                        llvm::cl::init(ContractionTile{}.columns)};
};

MatmulKernel kernelOf(KernelChoice choice) {
  return *lookupMatmulKernel(kernelName(choice));
}

} // namespace

void registerSinkcPipelines() {
  // Registered by hand rather than through PassPipelineRegistration, whose
  // builder cannot fail: a bad intervention spec is an error that names the
  // spec's fault, as sinkc's --intervene does.
  registerPassPipeline(
      "sinkc-prepare-tfm",
      "sinkc's simplification, recognition, intervention, instrumentation, "
      "capture and logit selection (sinkc --emit=tfm-raw to --emit=tfm)",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        PrepareTfmOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        TfmPipelineOptions tfm;
        tfm.instrumentLayers = options.instrumentLayers;
        tfm.instrumentMetrics = options.instrumentMetrics;
        tfm.captureLayers = options.captureLayers;
        tfm.captureStates = options.captureStates;
        tfm.logits = options.logits;
        if (!options.intervene.empty()) {
          std::string spec = options.intervene;
          std::replace(spec.begin(), spec.end(), ';', ',');
          llvm::Expected<MlpNormCapSpec> parsed = parseInterventionSpec(spec);
          if (!parsed)
            return errorHandler("sinkc-prepare-tfm: intervene: " +
                                llvm::toString(parsed.takeError()));
          tfm.intervention = *parsed;
        }
        for (double value : options.steerVector)
          tfm.steerVector.push_back(static_cast<float>(value));
        buildTfmPipeline(pm, tfm);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> handler) {
        handler(PrepareTfmOptions());
      });
  PassPipelineRegistration<LowerToLinalgOptions>(
      "sinkc-lower-to-linalg",
      "sinkc's tfm -> linalg pipeline (sinkc --emit=tfm to --emit=linalg)",
      [](OpPassManager &pm, const LowerToLinalgOptions &options) {
        buildLinalgPipeline(pm, kernelOf(options.kernel), options.fuseAttention,
                            options.weightsDType);
      });
  PassPipelineRegistration<LowerToLLVMOptions>(
      "sinkc-lower-to-llvm",
      "sinkc's linalg -> LLVM dialect pipeline, weights and entry ABI "
      "included (sinkc --emit=linalg to --emit=llvm)",
      [](OpPassManager &pm, const LowerToLLVMOptions &options) {
        pm.addPass(createExternalizeWeights(ExternalizeWeightsOptions{
            kWeightsThresholdBytes, kEntryFunctionName.str()}));
        // The pipeline string is fixed and parses; a failure here is a bug.
        if (failed(buildModelToLLVMPipeline(
                pm, kernelOf(options.kernel),
                ContractionTile{options.tileM, options.tileN})))
          llvm::report_fatal_error("sinkc-lower-to-llvm: bad pipeline");
      });
}

} // namespace sinkc
