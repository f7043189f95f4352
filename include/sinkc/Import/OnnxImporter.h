//===- OnnxImporter.h - ONNX protobuf to the tfm dialect --------*- C++ -*-===//
//
// Reads an ONNX model and builds a module with one function, @main, whose
// arguments are the graph inputs and whose results are the graph outputs. One
// tfm op per ONNX node; initializers become tfm.constant ops.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_IMPORT_ONNXIMPORTER_H
#define SINKC_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

namespace sinkc {

struct OnnxImportOptions {
  /// Fixes the shape of graph inputs, e.g. {"input_ids": {1, 24}}; the rank
  /// must match and static dimensions must agree with the model.
  llvm::StringMap<llvm::SmallVector<int64_t>> staticInputShapes;
  /// Refine inferred result types with the model's value_info (shapes the
  /// exporter recorded). The lowering checks refined dimensions at run time.
  bool useValueInfo = true;
  /// Initializers with more elements than this become dense_resource blobs.
  int64_t inlineElementLimit = 64;
};

/// Imports the model at `path`. On failure the error names the file and the
/// offending node (name, op_type, opset) or tensor.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxModel(mlir::MLIRContext &context, llvm::StringRef path,
                const OnnxImportOptions &options);

/// Imports a model from memory (the fuzz targets use it). `path` names the
/// model in messages and its directory is where external data is looked up.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
importOnnxModelFromBuffer(mlir::MLIRContext &context, llvm::StringRef contents,
                          llvm::StringRef path,
                          const OnnxImportOptions &options);

/// Parses "name:1x24[,name2:...]" into `shapes`.
llvm::Error
parseStaticShapes(llvm::StringRef spec,
                  llvm::StringMap<llvm::SmallVector<int64_t>> &shapes);

} // namespace sinkc

#endif // SINKC_IMPORT_ONNXIMPORTER_H
