//===- Normalization.cpp - reductions, softmax, layer norm, cumsum --------===//
//
// Reductions are linalg.generic ops with reduction iterators into a filled
// accumulator (sums carry `reassoc` so they vectorise). Softmax and layer
// normalisation are decomposed here, not by linalg, so that their sums get
// the same treatment and the max uses -inf rather than a NaN sentinel.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sinkc/Dialect/Tfm/ShapeUtils.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

namespace sinkc::lowering {
namespace {

using namespace sinkc::tfm;

enum class ReduceKind { Sum, Max };

arith::FastMathFlagsAttr reassoc(OpBuilder &b) {
  return arith::FastMathFlagsAttr::get(b.getContext(),
                                       arith::FastMathFlags::reassoc);
}

/// Reduces `input` over the sorted `axes` (no kept unit dims).
Value reduce(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
             ReduceKind kind) {
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  SmallVector<OpFoldResult> inputDims = getDims(b, loc, input);
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> dims;
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (llvm::is_contained(axes, i)) {
      iterators.push_back(utils::IteratorType::reduction);
      continue;
    }
    iterators.push_back(utils::IteratorType::parallel);
    shape.push_back(type.getDimSize(i));
    dims.push_back(inputDims[i]);
    outExprs.push_back(b.getAffineDimExpr(i));
  }
  auto resultType = RankedTensorType::get(shape, element);
  bool fp = isa<FloatType>(element);
  Attribute init;
  if (kind == ReduceKind::Sum)
    init = b.getZeroAttr(element);
  else if (fp)
    init = b.getFloatAttr(element, -std::numeric_limits<double>::infinity());
  else
    init = b.getIntegerAttr(
        element, APInt::getSignedMinValue(element.getIntOrFloatBitWidth()));
  Value accumulator = createFilled(b, loc, resultType, dims, init);
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(type.getRank()),
      AffineMap::get(type.getRank(), 0, outExprs, b.getContext())};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{input}, ValueRange{accumulator},
      maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result;
        if (kind == ReduceKind::Max)
          result = createFloatOrIntOp<arith::MaximumFOp, arith::MaxSIOp>(
              nested, nestedLoc, args[0], args[1]);
        else if (fp)
          result = arith::AddFOp::create(nested, nestedLoc, args[0], args[1],
                                         reassoc(nested));
        else
          result = arith::AddIOp::create(nested, nestedLoc, args[0], args[1]);
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

/// Number of elements over `axes`, as a scalar of `element` type.
Value countOf(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
              Type element) {
  SmallVector<OpFoldResult> dims = getDims(b, loc, input);
  Value count = indexConstant(b, loc, 1);
  for (int64_t axis : axes)
    count = arith::MulIOp::create(b, loc, count, toIndex(b, loc, dims[axis]));
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
  if (isa<FloatType>(element))
    return arith::SIToFPOp::create(b, loc, element, asInt);
  return arith::TruncIOp::create(b, loc, element, asInt);
}

/// Map that reads a reduced tensor (axes removed) from the full iteration
/// space of rank `rank`.
AffineMap reducedMap(MLIRContext *context, int64_t rank,
                     ArrayRef<int64_t> axes) {
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(axes, i))
      exprs.push_back(getAffineDimExpr(i, context));
  return AffineMap::get(rank, 0, exprs, context);
}

template <typename OpTy>
Value lowerReduce(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  auto type = cast<RankedTensorType>(input.getType());
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  SmallVector<int64_t> axes;
  for (int64_t a : op.getAxes())
    axes.push_back(*normalizeAxis(a, type.getRank()));
  if (axes.empty()) {
    if (op.getNoopWithEmptyAxes()) {
      return castTo(rewriter, loc, input, resultType);
    }
    for (int64_t i = 0; i < type.getRank(); ++i)
      axes.push_back(i);
  }
  llvm::sort(axes);
  constexpr bool isMax = std::is_same_v<OpTy, ReduceMaxOp>;
  Value result = reduce(rewriter, loc, input, axes,
                        isMax ? ReduceKind::Max : ReduceKind::Sum);
  if constexpr (std::is_same_v<OpTy, ReduceMeanOp>) {
    Type element = type.getElementType();
    Value count = countOf(rewriter, loc, input, axes, element);
    auto reducedType = cast<RankedTensorType>(result.getType());
    Value init =
        createEmpty(rewriter, loc, reducedType, getDims(rewriter, loc, result));
    AffineMap identity = rewriter.getMultiDimIdentityMap(reducedType.getRank());
    result = buildParallelGeneric(
        rewriter, loc, {result}, {identity, identity}, init,
        [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
          return createFloatOrIntOp<arith::DivFOp, arith::DivSIOp>(
              b, nestedLoc, args[0], count);
        });
  }
  if (op.getKeepdims())
    result = insertUnitDims(rewriter, loc, result, axes, resultType);
  return castTo(rewriter, loc, result, resultType);
}

Value lowerSoftmax(SoftmaxOp op, SoftmaxOp::Adaptor adaptor,
                   ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes = {getInputAxis(op)};
  SmallVector<OpFoldResult> dims = getDims(rewriter, loc, input);
  AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
  AffineMap reduced = reducedMap(rewriter.getContext(), rank, axes);

  Value rowMax = reduce(rewriter, loc, input, axes, ReduceKind::Max);
  Value shifted = buildParallelGeneric(
      rewriter, loc, {input, rowMax}, {identity, reduced, identity},
      createEmpty(rewriter, loc, type, dims),
      [](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        return math::ExpOp::create(
            b, nestedLoc,
            arith::SubFOp::create(b, nestedLoc, args[0], args[1]));
      });
  Value rowSum = reduce(rewriter, loc, shifted, axes, ReduceKind::Sum);
  Value result = buildParallelGeneric(
      rewriter, loc, {shifted, rowSum}, {identity, reduced, identity},
      createEmpty(rewriter, loc, type, dims),
      [](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        return arith::DivFOp::create(b, nestedLoc, args[0], args[1]);
      });
  return castTo(rewriter, loc, result, op.getResult().getType());
}

Value lowerLayerNormalization(LayerNormalizationOp op,
                              LayerNormalizationOp::Adaptor adaptor,
                              ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes;
  for (int64_t i = getInputAxis(op); i < rank; ++i)
    axes.push_back(i);
  SmallVector<OpFoldResult> dims = getDims(rewriter, loc, input);
  AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
  AffineMap reduced = reducedMap(rewriter.getContext(), rank, axes);
  Value count = countOf(rewriter, loc, input, axes, element);

  Value sum = reduce(rewriter, loc, input, axes, ReduceKind::Sum);
  Value centered = buildParallelGeneric(
      rewriter, loc, {input, sum}, {identity, reduced, identity},
      createEmpty(rewriter, loc, type, dims),
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        Value mean = arith::DivFOp::create(b, nestedLoc, args[1], count);
        return arith::SubFOp::create(b, nestedLoc, args[0], mean);
      });
  Value squares = buildParallelGeneric(
      rewriter, loc, {centered}, {identity, identity},
      createEmpty(rewriter, loc, type, dims),
      [](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        return arith::MulFOp::create(b, nestedLoc, args[0], args[0]);
      });
  Value sumSquares = reduce(rewriter, loc, squares, axes, ReduceKind::Sum);

  SmallVector<Value> inputs = {centered, sumSquares, adaptor.getScale()};
  SmallVector<AffineMap> maps = {
      identity, reduced,
      broadcastMap(
          rewriter.getContext(),
          cast<RankedTensorType>(adaptor.getScale().getType()).getShape(),
          type.getShape())};
  broadcastDims(rewriter, loc, {input, adaptor.getScale()}, type, op);
  if (Value bias = adaptor.getBias()) {
    inputs.push_back(bias);
    maps.push_back(broadcastMap(
        rewriter.getContext(),
        cast<RankedTensorType>(bias.getType()).getShape(), type.getShape()));
    broadcastDims(rewriter, loc, {input, bias}, type, op);
  }
  maps.push_back(identity);
  double epsilon = op.getEpsilon().convertToDouble();
  Value result = buildParallelGeneric(
      rewriter, loc, inputs, maps, createEmpty(rewriter, loc, type, dims),
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        Value variance = arith::DivFOp::create(b, nestedLoc, args[1], count);
        Value shiftedVariance = arith::AddFOp::create(
            b, nestedLoc, variance,
            scalarConstant(b, nestedLoc, element, epsilon));
        Value inverse = math::RsqrtOp::create(b, nestedLoc, shiftedVariance);
        Value normalized =
            arith::MulFOp::create(b, nestedLoc, args[0], inverse);
        Value scaled = arith::MulFOp::create(b, nestedLoc, normalized, args[2]);
        if (args.size() > 4)
          scaled = arith::AddFOp::create(b, nestedLoc, scaled, args[3]);
        return scaled;
      });
  return castTo(rewriter, loc, result, op.getResult().getType());
}

/// CumSum as a masked reduction: out[..i..] = sum_j x[..j..] over the j
/// that the (exclusive, reverse) flags select. Quadratic in the scanned
/// dimension, which in transformers is the short position/mask vector; it
/// keeps the op a plain parallel linalg.generic.
Value lowerCumSum(CumSumOp op, CumSumOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  int64_t rank = type.getRank();
  int64_t axis = getInputAxis(op);
  SmallVector<OpFoldResult> dims = getDims(rewriter, loc, input);
  Value accumulator =
      createFilled(rewriter, loc, type, dims, rewriter.getZeroAttr(element));
  // Iteration space: the result dims plus the summed index j (last).
  MLIRContext *context = rewriter.getContext();
  SmallVector<AffineExpr> inputExprs;
  for (int64_t i = 0; i < rank; ++i)
    inputExprs.push_back(i == axis ? getAffineDimExpr(rank, context)
                                   : getAffineDimExpr(i, context));
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank + 1, 0, inputExprs, context),
      AffineMap::getMultiDimIdentityMap(rank + 1, context)
          .getMajorSubMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  bool exclusive = op.getExclusive(), reverse = op.getReverse();
  arith::CmpIPredicate predicate =
      reverse
          ? (exclusive ? arith::CmpIPredicate::sgt : arith::CmpIPredicate::sge)
          : (exclusive ? arith::CmpIPredicate::slt : arith::CmpIPredicate::sle);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{type}, ValueRange{input},
      ValueRange{accumulator}, maps, iterators,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        Value i = linalg::IndexOp::create(b, nestedLoc, axis);
        Value j = linalg::IndexOp::create(b, nestedLoc, rank);
        Value selected = arith::CmpIOp::create(b, nestedLoc, predicate, j, i);
        Value sum = createFloatOrIntOp<arith::AddFOp, arith::AddIOp>(
            b, nestedLoc, args[1], args[0]);
        Value result =
            arith::SelectOp::create(b, nestedLoc, selected, sum, args[1]);
        linalg::YieldOp::create(b, nestedLoc, result);
      });
  return castTo(rewriter, loc, generic.getResult(0), op.getResult().getType());
}

} // namespace

void populateNormalizationPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerReduce<ReduceMeanOp>, lowerReduce<ReduceSumOp>,
               lowerReduce<ReduceMaxOp>, lowerSoftmax, lowerLayerNormalization,
               lowerCumSum>(patterns);
}

} // namespace sinkc::lowering
