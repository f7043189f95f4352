//===- PassSupport.h - What the spec-driven passes share --------*- C++ -*-===//
//
// Recognition, instrumentation, capture and intervention are each a library
// function returning llvm::Error (the driver reports it with the option that
// caused it) wrapped by a pass that reports the same error on the module. The
// wrapping is the same for all of them, and so is reading their records
// (probes, captures) back from the module for the manifest.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_TRANSFORMS_PASSSUPPORT_H
#define SINKC_TRANSFORMS_PASSSUPPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Error.h"

#include <utility>
#include <vector>

namespace sinkc {

/// Emits the message of `error` on `op`: failure() for an error, success()
/// for none.
inline mlir::LogicalResult emitErrorOn(mlir::Operation *op, llvm::Error error) {
  if (!error)
    return mlir::success();
  op->emitError(llvm::toString(std::move(error)));
  return mlir::failure();
}

/// Applies a parsed pass spec to `module` (`apply(module, spec)` returns an
/// llvm::Error) and emits the error of the parse or of `apply` on the
/// module.
template <typename Spec, typename Apply>
mlir::LogicalResult applySpec(mlir::ModuleOp module, llvm::Expected<Spec> spec,
                              Apply &&apply) {
  if (!spec)
    return emitErrorOn(module, spec.takeError());
  return emitErrorOn(module, apply(module, *spec));
}

/// One record per `OpTy` of `module` (`toRecord(op)`), ordered by the
/// records' `id`: the manifest lists probes and captures by id, whatever
/// order later rewrites left their ops in.
template <typename OpTy, typename ToRecord>
auto collectRecordsById(mlir::ModuleOp module, ToRecord &&toRecord) {
  using Record = decltype(toRecord(std::declval<OpTy>()));
  std::vector<Record> records;
  module.walk([&](OpTy op) { records.push_back(toRecord(op)); });
  llvm::sort(records,
             [](const Record &a, const Record &b) { return a.id < b.id; });
  return records;
}

} // namespace sinkc

#endif // SINKC_TRANSFORMS_PASSSUPPORT_H
