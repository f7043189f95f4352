//===- Manifest.h - the model manifest of docs/runtime-abi.md ---*- C++ -*-===//

#ifndef SINKC_TARGET_MANIFEST_H
#define SINKC_TARGET_MANIFEST_H

#include "sinkrt/Manifest.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

namespace sinkc {

/// Fills the inputs, the outputs and, when there is a tokens input and a
/// logits output, the language-model record (its vocabulary) of `manifest`
/// from the signature of the imported (tfm) entry function; roles come from
/// the ONNX names. The manifest itself, its text form
/// (sinkrt::renderManifest) and its parser are the runtime's: one definition
/// for the writer and the reader.
llvm::Error describeSignature(mlir::func::FuncOp entry,
                              sinkrt::Manifest &manifest);

} // namespace sinkc

#endif // SINKC_TARGET_MANIFEST_H
