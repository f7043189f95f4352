//===- AttentionToRuntime.cpp - sinkc-lower-attention-to-runtime ----------===//
//
// Lowers sink.attention to a call of the runtime's tiled attention kernel,
// sinkrt_attention (docs/runtime-abi.md). Operands are handed over as
// unranked memrefs of any layout (bufferization.to_buffer read_only, as
// sink.emit does); the result and the column sums are fresh buffers the
// kernel fills, seen again as tensors through bufferization.to_tensor
// restrict writable.
//
// The kernel honours any strides, so the head transposes around attention
// need no copies: an operand that is a linalg.transpose of a [B, T, H, D]
// projection is handed over as a transposed view of that projection, and a
// result whose only use transposes it back to [B, T, H, D] is written
// through a transposed view straight into a buffer of that layout. Exported
// graphs have five such copies per layer; two of them (v and the output)
// always go this way, q and k's fold into their rotary embedding instead.
//
//===----------------------------------------------------------------------===//

#include "RuntimeCalls.h"
#include "sinkc/Conversion/Passes.h"
#include "sinkc/Dialect/Sink/SinkOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"

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

/// `buffer` seen through `permutation` (dimension i of the view is dimension
/// permutation[i] of the buffer, as linalg.transpose defines it), as a
/// `memref<*xf32>`.
Value permutedView(OpBuilder &b, Location loc, Value buffer,
                   ArrayRef<int64_t> permutation) {
  SmallVector<unsigned> dims(permutation.begin(), permutation.end());
  AffineMap map = AffineMap::getPermutationMap(dims, b.getContext());
  return toUnranked(
      b, loc,
      memref::TransposeOp::create(b, loc, buffer, AffineMapAttr::get(map)));
}

/// An attention operand for the kernel: a transposed tensor as a view of
/// the transpose's input (no copy), anything else as it is.
Value operandView(OpBuilder &b, Location loc, Value tensor) {
  auto transpose = tensor.getDefiningOp<linalg::TransposeOp>();
  if (!transpose)
    return toUnrankedReadOnly(b, loc, tensor);
  return permutedView(b, loc, toReadOnlyBuffer(b, loc, transpose.getInput()),
                      transpose.getPermutation());
}

/// Dimension `dim` of an operand, read from the transpose's input when the
/// operand is a transpose (so that nothing but the call reads it).
Value operandDim(OpBuilder &b, Location loc, Value operand, int64_t dim) {
  if (auto transpose = operand.getDefiningOp<linalg::TransposeOp>())
    return dimOf(b, loc, transpose.getInput(), transpose.getPermutation()[dim]);
  return dimOf(b, loc, operand, dim);
}

/// The linalg.transpose that is the only use of `result`, if any: the
/// kernel then writes the transposed layout directly.
linalg::TransposeOp soleTransposeUser(Value result) {
  if (!result.hasOneUse())
    return {};
  auto transpose = dyn_cast<linalg::TransposeOp>(*result.user_begin());
  if (!transpose || transpose.getInput() != result)
    return {};
  return transpose;
}

/// An empty rank-1 buffer standing in for an operand the flags leave out.
Value placeholder(OpBuilder &b, Location loc, Type element) {
  return toUnranked(
      b, loc, memref::AllocaOp::create(b, loc, MemRefType::get({0}, element)));
}

void buildAttentionCall(OpBuilder &b, sink::AttentionOp op, func::FuncOp callee,
                        Value context) {
  Location loc = op.getLoc();
  Value q = op.getQuery(), k = op.getKey();
  SmallVector<Value> outSizes = {
      operandDim(b, loc, q, 0), operandDim(b, loc, q, 1),
      operandDim(b, loc, q, 2), operandDim(b, loc, q, 3)};
  // The result in the layout its only user wants, or as the op defines it.
  linalg::TransposeOp outTranspose = soleTransposeUser(op.getResult());
  RankedTensorType outputType = op.getResult().getType();
  SmallVector<Value> outputSizes = outSizes;
  if (outTranspose) {
    outputType = cast<RankedTensorType>(outTranspose.getInit().getType());
    outputSizes.clear();
    for (int64_t from : outTranspose.getPermutation())
      outputSizes.push_back(outSizes[from]);
  }
  Value output = allocateBuffer(b, loc, outputType, outputSizes);
  Value outputArg;
  if (outTranspose) {
    // The view that reads the transposed buffer in the op's own layout.
    outputArg = permutedView(
        b, loc, output, invertPermutationVector(outTranspose.getPermutation()));
  } else {
    outputArg = toUnranked(b, loc, output);
  }
  Value sums;
  int64_t flags = 0;
  if (op.getCausal())
    flags |= kCausal;
  SmallVector<Value> args = {context, operandView(b, loc, q),
                             operandView(b, loc, k),
                             operandView(b, loc, op.getValue())};
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
  args.push_back(outputArg);
  if (Value columnSums = op.getColumnSums()) {
    flags |= kColumnSums;
    sums = allocateBuffer(b, loc, cast<RankedTensorType>(columnSums.getType()),
                          {outSizes[0], outSizes[1], operandDim(b, loc, k, 2)});
    args.push_back(toUnranked(b, loc, sums));
  } else {
    args.push_back(placeholder(b, loc, b.getF32Type()));
  }
  args.push_back(arith::ConstantOp::create(b, loc, op.getScaleAttr()));
  args.push_back(arith::ConstantOp::create(
      b, loc, b.getI64IntegerAttr(op.getWindow().value_or(0))));
  args.push_back(arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(flags)));
  func::CallOp::create(b, loc, callee, args);
  Value result = bufferization::ToTensorOp::create(
      b, loc, outputType, output, /*restrict=*/true, /*writable=*/true);
  if (outTranspose) {
    outTranspose.getResult()[0].replaceAllUsesWith(result);
    outTranspose.erase();
  } else {
    op.getResult().replaceAllUsesWith(result);
  }
  if (Value columnSums = op.getColumnSums())
    columnSums.replaceAllUsesWith(bufferization::ToTensorOp::create(
        b, loc, columnSums.getType(), sums, /*restrict=*/true,
        /*writable=*/true));
}

struct LowerAttentionToRuntime
    : public impl::LowerAttentionToRuntimeBase<LowerAttentionToRuntime> {
  void runOnOperation() override {
    // The transposes the calls read through views: once their attention is
    // gone, nothing uses them, but bufferization would still materialise them.
    llvm::SetVector<linalg::TransposeOp> viewed;
    getOperation().walk([&](sink::AttentionOp op) {
      for (Value operand : {op.getQuery(), op.getKey(), op.getValue()})
        if (auto transpose = operand.getDefiningOp<linalg::TransposeOp>())
          viewed.insert(transpose);
    });
    if (failed(lowerToRuntimeCalls<sink::AttentionOp>(
            getOperation(), kAttentionFunction, buildAttentionCall)))
      return signalPassFailure();
    for (linalg::TransposeOp transpose : viewed)
      if (transpose->use_empty())
        transpose.erase();
  }
};

} // namespace
} // namespace sinkc
