//===- RuntimeCalls.h - lowerings that call the runtime ---------*- C++ -*-===//
//-*-===//
//
// sink.emit (sinkrt_probe) and sink.attention (sinkrt_attention) both hand
// tensors to the runtime and need the runtime context; they must do it the
// same way (docs/runtime-abi.md).
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_LIB_CONVERSION_SINKTOLINALG_RUNTIMECALLS_H
#define SINKC_LIB_CONVERSION_SINKTOLINALG_RUNTIMECALLS_H

#include "sinkc/Conversion/RuntimeContext.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace sinkc {

/// The runtime context of the function around `op`: the argument marked
/// kRuntimeContextMarker (sinkc-prepare-entry-abi adds it).
inline mlir::FailureOr<mlir::Value> runtimeContextFor(mlir::Operation *op) {
  auto function = op->getParentOfType<mlir::FunctionOpInterface>();
  mlir::Value context = function ? findRuntimeContext(function) : nullptr;
  if (!context)
    return op->emitOpError("needs the runtime context: no argument of the "
                           "enclosing function is marked ")
           << kRuntimeContextMarker << " (sinkc-prepare-entry-abi adds it)";
  return context;
}

/// `tensor` as a read-only `memref<*xT>` of any layout: the runtime honours
/// the descriptor's offset and strides, so bufferization never needs a copy
/// to hand the value over.
inline mlir::Value toUnrankedReadOnly(mlir::OpBuilder &b, mlir::Location loc,
                                      mlir::Value tensor) {
  auto type = mlir::cast<mlir::RankedTensorType>(tensor.getType());
  llvm::SmallVector<int64_t> strides(type.getRank(),
                                     mlir::ShapedType::kDynamic);
  auto layout = mlir::StridedLayoutAttr::get(
      b.getContext(), mlir::ShapedType::kDynamic, strides);
  auto memrefType =
      mlir::MemRefType::get(type.getShape(), type.getElementType(), layout);
  mlir::Value buffer = mlir::bufferization::ToBufferOp::create(
      b, loc, memrefType, tensor, /*read_only=*/true);
  return mlir::memref::CastOp::create(
      b, loc, mlir::UnrankedMemRefType::get(type.getElementType(), 0), buffer);
}

} // namespace sinkc

#endif // SINKC_LIB_CONVERSION_SINKTOLINALG_RUNTIMECALLS_H
