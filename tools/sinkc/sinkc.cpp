//===- sinkc.cpp - the sinkc compiler driver -------------------------------===//
//
// sinkc MODEL.onnx -o OUT [--emit=...] [--static-shape=...]
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Tfm/TfmDialect.h"
#include "sinkc/Import/OnnxImporter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class EmitKind { TfmRaw, Tfm };

cl::OptionCategory sinkcCategory("sinkc options");

cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"),
                               cl::Required, cl::cat(sinkcCategory));
cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("path"), cl::init("-"),
                                cl::cat(sinkcCategory));
cl::opt<EmitKind> emitKind(
    "emit", cl::desc("Stop after this stage and write its output"),
    cl::values(clEnumValN(EmitKind::TfmRaw, "tfm-raw",
                          "the tfm module exactly as imported, one op per "
                          "ONNX node"),
               clEnumValN(EmitKind::Tfm, "tfm",
                          "the tfm module after folding and simplification")),
    cl::init(EmitKind::Tfm), cl::cat(sinkcCategory));
cl::opt<std::string> staticShapes(
    "static-shape",
    cl::desc("Fix input shapes, e.g. input_ids:1x24 (comma separated)"),
    cl::value_desc("name:DxD,..."), cl::cat(sinkcCategory));
cl::opt<bool> noValueInfo(
    "no-value-info",
    cl::desc("Ignore the shapes the exporter recorded in value_info"),
    cl::init(false), cl::cat(sinkcCategory));

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "sinkc") << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(sinkcCategory);
  cl::ParseCommandLineOptions(argc, argv, "sinkc: ONNX to instrumented native "
                                          "executables\n");

  sinkc::OnnxImportOptions importOptions;
  importOptions.useValueInfo = !noValueInfo;
  if (llvm::Error e =
          sinkc::parseStaticShapes(staticShapes, importOptions.staticInputShapes))
    return fail(llvm::toString(std::move(e)));

  MLIRContext context;
  context.loadDialect<sinkc::tfm::TfmDialect, func::FuncDialect>();
  auto module = sinkc::importOnnxModel(context, inputPath, importOptions);
  if (!module)
    return fail(llvm::toString(module.takeError()));

  if (emitKind != EmitKind::TfmRaw) {
    PassManager pm(&context);
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    if (failed(pm.run(**module)))
      return fail("simplification of the imported module failed");
  }

  std::string errorMessage;
  auto output = openOutputFile(outputPath, &errorMessage);
  if (!output)
    return fail(errorMessage);
  (*module)->print(output->os());
  output->os() << "\n";
  output->keep();
  return 0;
}
