//===- ImportFuzzer.cpp - libFuzzer target: ONNX bytes -> tfm -------------===//
//
// Feeds arbitrary bytes to the ONNX importer as a model file and, when the
// import succeeds, runs what `sinkc --emit=tfm` runs next: canonicalize (the
// tfm folders evaluate constants taken from the model) and CSE, then the
// verifier. Any crash, sanitizer report, or leak is a bug: a hostile model
// must end in an error message.
//
// External data is looked up next to a model path that does not exist, so
// every external reference fails cleanly instead of reading local files.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Tfm/TfmDialect.h"
#include "sinkc/Import/OnnxImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <cstddef>
#include <cstdint>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  DialectRegistry registry;
  registry.insert<sinkc::tfm::TfmDialect, func::FuncDialect>();
  // A fresh context per input: uniqued attributes (the constants of the
  // model) would otherwise accumulate over millions of inputs.
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  context.loadDialect<sinkc::tfm::TfmDialect, func::FuncDialect>();
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });

  sinkc::OnnxImportOptions options;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  auto module = sinkc::importOnnxModelFromBuffer(
      context, bytes, "/nonexistent-sinkc-fuzz-dir/model.onnx", options);
  if (!module) {
    llvm::consumeError(module.takeError());
    return 0;
  }
  PassManager pm(&context);
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (succeeded(pm.run(**module)))
    (void)verify(**module);
  return 0;
}
