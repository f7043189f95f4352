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
#include "mlir/Dialect/Func/IR/FuncOps.h"
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

/// `tensor` as a read-only memref of any layout (offset and strides
/// dynamic): the runtime honours the descriptor's offset and strides, so
/// bufferization never needs a copy to hand the value over.
inline mlir::Value toReadOnlyBuffer(mlir::OpBuilder &b, mlir::Location loc,
                                    mlir::Value tensor) {
  auto type = mlir::cast<mlir::RankedTensorType>(tensor.getType());
  llvm::SmallVector<int64_t> strides(type.getRank(),
                                     mlir::ShapedType::kDynamic);
  auto layout = mlir::StridedLayoutAttr::get(
      b.getContext(), mlir::ShapedType::kDynamic, strides);
  auto memrefType =
      mlir::MemRefType::get(type.getShape(), type.getElementType(), layout);
  return mlir::bufferization::ToBufferOp::create(b, loc, memrefType, tensor,
                                                 /*read_only=*/true);
}

/// A fresh 64-byte aligned buffer for a result of `type` that the runtime
/// writes, with the dynamic sizes taken from `sizes` (one per dimension).
inline mlir::Value allocateBuffer(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::RankedTensorType type,
                                  llvm::ArrayRef<mlir::Value> sizes) {
  llvm::SmallVector<mlir::Value> dynamic;
  for (auto [d, size] : llvm::zip(type.getShape(), sizes))
    if (mlir::ShapedType::isDynamic(d))
      dynamic.push_back(size);
  auto memrefType =
      mlir::MemRefType::get(type.getShape(), type.getElementType());
  return mlir::memref::AllocOp::create(b, loc, memrefType, dynamic,
                                       b.getI64IntegerAttr(64));
}

/// A memref of any layout as `memref<*xT>`, the runtime's argument type.
inline mlir::Value toUnranked(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value buffer) {
  auto element =
      mlir::cast<mlir::MemRefType>(buffer.getType()).getElementType();
  return mlir::memref::CastOp::create(
      b, loc, mlir::UnrankedMemRefType::get(element, 0), buffer);
}

/// `tensor` as a read-only `memref<*xT>` (toReadOnlyBuffer, unranked).
inline mlir::Value toUnrankedReadOnly(mlir::OpBuilder &b, mlir::Location loc,
                                      mlir::Value tensor) {
  return toUnranked(b, loc, toReadOnlyBuffer(b, loc, tensor));
}

/// A function of the runtime that the lowerings call: its name and type
/// (docs/runtime-abi.md).
struct RuntimeFunction {
  llvm::StringLiteral name;
  mlir::FunctionType (*getType)(mlir::MLIRContext *);
};

/// The private declaration of `function` in `module`, added at the end of
/// the module on first need.
inline mlir::func::FuncOp
getOrDeclareRuntimeFunction(mlir::ModuleOp module,
                            const RuntimeFunction &function) {
  if (auto callee = module.lookupSymbol<mlir::func::FuncOp>(function.name))
    return callee;
  auto b = mlir::OpBuilder::atBlockEnd(module.getBody());
  auto callee = mlir::func::FuncOp::create(
      b, module.getLoc(), function.name, function.getType(module.getContext()));
  callee.setPrivate();
  return callee;
}

/// Replaces every `OpT` in `module` by a call of `function`, declared
/// privately at the end of the module on first need: `buildCall` builds the
/// call before the op, with the runtime context of the enclosing function,
/// and hands the op's results over; the op is erased after. Fails (with an
/// error on the op) where there is no runtime context.
template <typename OpT>
mlir::LogicalResult lowerToRuntimeCalls(
    mlir::ModuleOp module, const RuntimeFunction &function,
    llvm::function_ref<void(mlir::OpBuilder &, OpT, mlir::func::FuncOp callee,
                            mlir::Value context)>
        buildCall) {
  llvm::SmallVector<OpT> ops;
  module.walk([&](OpT op) { ops.push_back(op); });
  if (ops.empty())
    return mlir::success();
  mlir::func::FuncOp callee = getOrDeclareRuntimeFunction(module, function);
  for (OpT op : ops) {
    mlir::FailureOr<mlir::Value> context = runtimeContextFor(op);
    if (mlir::failed(context))
      return mlir::failure();
    mlir::OpBuilder b(op);
    buildCall(b, op, callee, *context);
    op.erase();
  }
  return mlir::success();
}

} // namespace sinkc

#endif // SINKC_LIB_CONVERSION_SINKTOLINALG_RUNTIMECALLS_H
