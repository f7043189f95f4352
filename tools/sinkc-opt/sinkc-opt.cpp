//===- sinkc-opt.cpp - mlir-opt for sinkc dialects and passes -------------===//

#include "sinkc/Codegen/Codegen.h"
#include "sinkc/Codegen/Passes.h"
#include "sinkc/Conversion/Passes.h"
#include "sinkc/Dialect/Sink/SinkDialect.h"
#include "sinkc/Dialect/Tfm/TfmDialect.h"
#include "sinkc/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  sinkc::registerSinkcConversionPasses();
  sinkc::registerSinkcCodegenPasses();
  sinkc::registerSinkcTransformsPasses();
  sinkc::registerSinkcPipelines();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<sinkc::tfm::TfmDialect, sinkc::sink::SinkDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "sinkc optimizer driver\n", registry));
}
