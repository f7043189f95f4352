//===- AttentionToRuntime.cpp - sinkc-lower-attention-to-runtime ----------===//
//
// Lowers sink.attention to a call of the runtime's tiled attention kernel,
// sinkrt_attention (docs/runtime-abi.md). Operands are handed over as
// unranked memrefs of any layout (bufferization.to_buffer read_only, as
// sink.emit does); the result and the column sums are fresh identity-layout
// buffers the kernel fills, seen again as tensors through
// bufferization.to_tensor restrict writable.
//
//===----------------------------------------------------------------------===//

#include "RuntimeCalls.h"
#include "sinkc/Conversion/Passes.h"
#include "sinkc/Dialect/Sink/SinkOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace sinkc {
#define GEN_PASS_DEF_LOWERATTENTIONTORUNTIME
#include "sinkc/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

/// The flags of sinkrt_attention (runtime/include/sinkrt/Attention.h).
enum : int64_t { kCausal = 1, kSegments = 2, kColumnSums = 4, kKeyMask = 8 };

/// sinkrt_attention (runtime/include/sinkrt/Attention.h).
FunctionType attentionFunctionType(MLIRContext *ctx) {
  Builder b(ctx);
  Type f32 = UnrankedMemRefType::get(b.getF32Type(), 0);
  Type i64 = UnrankedMemRefType::get(b.getI64Type(), 0);
  return b.getFunctionType({LLVM::LLVMPointerType::get(ctx), f32, f32, f32, i64,
                            i64, i64, f32, f32, b.getF32Type(), b.getI64Type(),
                            b.getI64Type()},
                           {});
}
constexpr RuntimeFunction kAttentionFunction{"sinkrt_attention",
                                             attentionFunctionType};

Value dimOf(OpBuilder &b, Location loc, Value tensor, int64_t dim) {
  return tensor::DimOp::create(b, loc, tensor, dim);
}

/// A fresh buffer of `type` with the dynamic sizes taken from `sizes`.
Value allocate(OpBuilder &b, Location loc, RankedTensorType type,
               ArrayRef<Value> sizes) {
  SmallVector<Value> dynamic;
  for (auto [d, size] : llvm::zip(type.getShape(), sizes))
    if (ShapedType::isDynamic(d))
      dynamic.push_back(size);
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  return memref::AllocOp::create(b, loc, memrefType, dynamic,
                                 b.getI64IntegerAttr(64));
}

/// An empty rank-1 buffer standing in for an operand the flags leave out.
Value placeholder(OpBuilder &b, Location loc, Type element) {
  Value buffer =
      memref::AllocaOp::create(b, loc, MemRefType::get({0}, element));
  return memref::CastOp::create(b, loc, UnrankedMemRefType::get(element, 0),
                                buffer);
}

void buildAttentionCall(OpBuilder &b, sink::AttentionOp op, func::FuncOp callee,
                        Value context) {
  Location loc = op.getLoc();
  Value q = op.getQuery(), k = op.getKey();
  SmallVector<Value> outSizes = {dimOf(b, loc, q, 0), dimOf(b, loc, q, 1),
                                 dimOf(b, loc, q, 2), dimOf(b, loc, q, 3)};
  Value output = allocate(b, loc, op.getResult().getType(), outSizes);
  Value sums;
  int64_t flags = 0;
  if (op.getCausal())
    flags |= kCausal;
  SmallVector<Value> args = {context, toUnrankedReadOnly(b, loc, q),
                             toUnrankedReadOnly(b, loc, k),
                             toUnrankedReadOnly(b, loc, op.getValue())};
  if (!op.getSegments().empty()) {
    flags |= kSegments;
    args.push_back(toUnrankedReadOnly(b, loc, op.getSegments()[0]));
    args.push_back(toUnrankedReadOnly(b, loc, op.getSegments()[1]));
  } else {
    args.push_back(placeholder(b, loc, b.getI64Type()));
    args.push_back(placeholder(b, loc, b.getI64Type()));
  }
  if (Value mask = op.getKeyMask()) {
    flags |= kKeyMask;
    args.push_back(toUnrankedReadOnly(b, loc, mask));
  } else {
    args.push_back(placeholder(b, loc, b.getI64Type()));
  }
  args.push_back(memref::CastOp::create(
      b, loc, UnrankedMemRefType::get(b.getF32Type(), 0), output));
  if (Value columnSums = op.getColumnSums()) {
    flags |= kColumnSums;
    sums = allocate(b, loc, cast<RankedTensorType>(columnSums.getType()),
                    {outSizes[0], outSizes[1], dimOf(b, loc, k, 2)});
    args.push_back(memref::CastOp::create(
        b, loc, UnrankedMemRefType::get(b.getF32Type(), 0), sums));
  } else {
    args.push_back(placeholder(b, loc, b.getF32Type()));
  }
  args.push_back(arith::ConstantOp::create(b, loc, op.getScaleAttr()));
  args.push_back(arith::ConstantOp::create(
      b, loc, b.getI64IntegerAttr(op.getWindow().value_or(0))));
  args.push_back(arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(flags)));
  func::CallOp::create(b, loc, callee, args);
  op.getResult().replaceAllUsesWith(bufferization::ToTensorOp::create(
      b, loc, op.getResult().getType(), output, /*restrict=*/true,
      /*writable=*/true));
  if (Value columnSums = op.getColumnSums())
    columnSums.replaceAllUsesWith(bufferization::ToTensorOp::create(
        b, loc, columnSums.getType(), sums, /*restrict=*/true,
        /*writable=*/true));
}

struct LowerAttentionToRuntime
    : public impl::LowerAttentionToRuntimeBase<LowerAttentionToRuntime> {
  void runOnOperation() override {
    if (failed(lowerToRuntimeCalls<sink::AttentionOp>(
            getOperation(), kAttentionFunction, buildAttentionCall)))
      signalPassFailure();
  }
};

} // namespace
} // namespace sinkc
