//===- LoweringUtils.h - helpers shared by the tfm lowerings ----*- C++ -*-===//

#ifndef SINKC_LIB_CONVERSION_TFMTOLINALG_LOWERINGUTILS_H
#define SINKC_LIB_CONVERSION_TFMTOLINALG_LOWERINGUTILS_H

#include "sinkrt/Limits.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

namespace sinkc::lowering {

using namespace mlir;

/// The ONNX node an op came from, for run-time error messages.
std::string nodeDescription(Operation *op);

/// The size of every dimension: static sizes as attributes, dynamic ones as
/// `tensor.dim` values.
SmallVector<OpFoldResult> getDims(OpBuilder &b, Location loc, Value tensor);

/// A tensor.empty of `type` whose dynamic dimensions take their sizes from
/// `dims` (which must have one entry per dimension).
Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> dims);

/// Like createEmpty, then filled with `value`.
Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<OpFoldResult> dims, Attribute value);

/// Emits a run-time check that `actual == expected` with a message naming the
/// node; does nothing when both are the same constant.
void checkEqual(OpBuilder &b, Location loc, OpFoldResult actual,
                OpFoldResult expected, Operation *origin, const Twine &what);

/// Emits a run-time check of an i1 condition with a message naming the node.
void checkTrue(OpBuilder &b, Location loc, Value condition, Operation *origin,
               const Twine &what);

/// The most elements a tensor may have: the bound the importer and the
/// tfm type inference put on static shapes, checked at run time where sizes
/// come from data.
constexpr int64_t kMaxElements = sinkrt::kMaxTensorElements;

/// Emits a run-time check that the non-negative sizes `dims` (the shape of a
/// result whose sizes come from tensor data) hold at most kMaxElements
/// elements. Without it, a hostile shape such as [2^32, 2^32, 2] wraps the
/// allocation size to a few bytes and the fill writes past it. Does nothing
/// when all sizes are constant (type inference checked those).
void checkElementCount(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> dims,
                       Operation *origin);

/// Reconciles the sizes computed from the operands with the declared result
/// type: a static declared size wins (after a run-time check when the computed
/// one is dynamic or different).
SmallVector<OpFoldResult> reconcileDims(OpBuilder &b, Location loc,
                                        RankedTensorType declared,
                                        ArrayRef<OpFoldResult> computed,
                                        Operation *origin);

/// Casts to the declared result type when the types differ (tensor.cast).
Value castTo(OpBuilder &b, Location loc, Value value, Type type);

/// True when some dimension of `type` is statically 0 (an empty tensor).
bool hasStaticZeroDim(RankedTensorType type);

Value indexConstant(OpBuilder &b, Location loc, int64_t value);
Value toIndex(OpBuilder &b, Location loc, OpFoldResult value);

/// Element `i` of a 0-D/1-D integer tensor as an `index` value.
Value extractIndex(OpBuilder &b, Location loc, Value tensor, int64_t i);

/// Scalar constant of `type` (float or integer).
Value scalarConstant(OpBuilder &b, Location loc, Type type, double value);

/// `FloatOp` on floating-point operands, `IntOp` on integer ones (the type of
/// the first operand decides).
template <typename FloatOp, typename IntOp, typename... Operands>
Value createFloatOrIntOp(OpBuilder &b, Location loc, Value first,
                         Operands... rest) {
  if (isa<FloatType>(first.getType()))
    return FloatOp::create(b, loc, first, rest...);
  return IntOp::create(b, loc, first, rest...);
}

/// A linalg.generic with all-parallel iterators producing `init`.
Value buildParallelGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, ArrayRef<AffineMap> maps,
    Value init, function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// Indexing map reading an operand of `operandShape` broadcast (ONNX
/// multidirectional rules) into a result of rank `resultRank`: leading
/// dimensions are dropped and static size-1 dimensions read index 0 when the
/// result dimension is not also 1.
AffineMap broadcastMap(MLIRContext *context, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> resultShape);

/// Result dimensions of a broadcast of `operands` (ONNX rules), with run-time
/// checks that every non-broadcast dynamic operand dimension agrees.
SmallVector<OpFoldResult> broadcastDims(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        RankedTensorType resultType,
                                        Operation *origin);

/// tensor.expand_shape, except when a group would split one dynamic size into
/// several dynamic sizes: memref expand-strided-metadata cannot lower that
/// (it crashes in LLVM 22), so such reshapes use tensor.reshape.
Value expandShape(OpBuilder &b, Location loc, Value value,
                  RankedTensorType resultType,
                  ArrayRef<ReassociationIndices> reassociation,
                  ArrayRef<OpFoldResult> sizes);

/// Reshapes a rank-0 tensor to a static all-ones shape (extract and
/// from_elements; expand_shape from rank 0 is not supported downstream).
Value reshapeScalar(OpBuilder &b, Location loc, Value scalar,
                    RankedTensorType resultType);

/// The reassociation between a rank-`rank` shape and the shape without its
/// unit dimensions at `positions`: each other dimension groups with the unit
/// dimensions before it, and trailing ones join the last group. Empty when
/// every dimension is a unit dimension (the shape without them is rank 0).
SmallVector<ReassociationIndices>
unitDimReassociation(int64_t rank, ArrayRef<int64_t> positions);

/// Inserts static unit dimensions so that `value` gets `resultType`
/// (tensor.expand_shape); `positions` are the unit dims of the result.
Value insertUnitDims(OpBuilder &b, Location loc, Value value,
                     ArrayRef<int64_t> positions, RankedTensorType resultType);

/// Collapses away the static unit dimensions of `value` at `positions`
/// (tensor.collapse_shape).
Value dropUnitDims(OpBuilder &b, Location loc, Value value,
                   ArrayRef<int64_t> positions);

/// The conversion pattern of the lowering function `Lower`, which builds what
/// replaces one `OpTy`:
///
///   Result Lower(OpTy op, OpTy::Adaptor adaptor,
///                ConversionPatternRewriter &rewriter);
///
/// `Result` is the replacement value (or values), or FailureOr of it for a
/// lowering that may not apply (its failure is the pattern's).
template <auto Lower> struct FunctionLowering;

namespace detail {
template <typename T> struct IsFailureOr : std::false_type {};
template <typename T> struct IsFailureOr<FailureOr<T>> : std::true_type {};
} // namespace detail

template <typename OpTy, typename Result,
          Result (*Lower)(OpTy, typename OpTy::Adaptor,
                          ConversionPatternRewriter &)>
struct FunctionLowering<Lower> : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Result replacement = Lower(op, adaptor, rewriter);
    if constexpr (detail::IsFailureOr<Result>::value) {
      if (failed(replacement))
        return failure();
      rewriter.replaceOp(op, *replacement);
    } else {
      rewriter.replaceOp(op, replacement);
    }
    return success();
  }
};

/// Adds the patterns of the lowering functions `Lowers` (FunctionLowering).
template <auto... Lowers> void addLowerings(RewritePatternSet &patterns) {
  patterns.add<FunctionLowering<Lowers>...>(patterns.getContext());
}

void populateElementwisePatterns(RewritePatternSet &patterns);
void populateShapePatterns(RewritePatternSet &patterns);
void populateContractionPatterns(RewritePatternSet &patterns);
void populateNormalizationPatterns(RewritePatternSet &patterns);
void populateGatherPatterns(RewritePatternSet &patterns);
void populateRotaryEmbeddingPatterns(RewritePatternSet &patterns);

} // namespace sinkc::lowering

#endif // SINKC_LIB_CONVERSION_TFMTOLINALG_LOWERINGUTILS_H
