//===- Shape.cpp - tfm shape and data-movement ops to tensor/linalg -------===//
//
// Reshape-like ops become tensor.expand_shape/collapse_shape when the
// reassociation is known statically and tensor.reshape otherwise; slicing
// and concatenation become extract_slice/insert_slice with run-time bounds;
// Expand, Range, Trilu and ConstantOfShape become linalg ops.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sinkc/Dialect/Tfm/ShapeUtils.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace sinkc::lowering {
namespace {

using namespace sinkc::tfm;

Value maxIndex(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MaxSIOp::create(b, loc, x, y);
}
Value minIndex(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MinSIOp::create(b, loc, x, y);
}

/// Reshapes `input` to `resultType` whose sizes are `dims`. Uses
/// collapse/expand when both shapes are static and related by a
/// reassociation, tensor.reshape otherwise. `sameTypeIsIdentity` says that
/// equal types mean equal shapes (true for squeeze, unsqueeze and flatten;
/// not for reshape, where tensor<?x?xf32> may become another ?x?).
Value reshapeTo(OpBuilder &b, Location loc, Value input,
                RankedTensorType resultType, ArrayRef<OpFoldResult> dims,
                bool sameTypeIsIdentity) {
  auto inputType = cast<RankedTensorType>(input.getType());
  if (inputType == resultType &&
      (sameTypeIsIdentity || inputType.hasStaticShape()))
    return input;
  if (inputType.getRank() == 0 && resultType.hasStaticShape())
    return reshapeScalar(b, loc, input, resultType);
  if (inputType.hasStaticShape() && resultType.hasStaticShape()) {
    if (inputType.getRank() > resultType.getRank()) {
      if (auto reassociation = getReassociationIndicesForCollapse(
              inputType.getShape(), resultType.getShape()))
        return tensor::CollapseShapeOp::create(b, loc, resultType, input,
                                               *reassociation);
    } else if (inputType.getRank() < resultType.getRank()) {
      if (auto reassociation = getReassociationIndicesForCollapse(
              resultType.getShape(), inputType.getShape()))
        return tensor::ExpandShapeOp::create(b, loc, resultType, input,
                                             *reassociation);
    }
  }
  SmallVector<Value> elements;
  for (OpFoldResult d : dims)
    elements.push_back(
        arith::IndexCastOp::create(b, loc, b.getI64Type(), toIndex(b, loc, d)));
  Value shape = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({(int64_t)dims.size()}, b.getI64Type()),
      elements);
  return tensor::ReshapeOp::create(b, loc, resultType, input, shape);
}

/// ceil(span / step) for a step of either sign (`positive`: step > 0), in
/// signless integers of any width; `one` is 1 in that width.
Value ceilDivByStep(OpBuilder &b, Location loc, Value span, Value step,
                    Value positive, Value one) {
  Value adjust = arith::SelectOp::create(
      b, loc, positive, arith::SubIOp::create(b, loc, step, one),
      arith::AddIOp::create(b, loc, step, one));
  return arith::DivSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, span, adjust), step);
}

/// The element of a rank-0 or one-element rank-1 tensor.
Value extractScalar(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> indices(type.getRank(), indexConstant(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, tensor, indices);
}

Value productOf(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> dims) {
  Value product = indexConstant(b, loc, 1);
  for (OpFoldResult d : dims)
    product = arith::MulIOp::create(b, loc, product, toIndex(b, loc, d));
  return product;
}

Value lowerConstant(ConstantOp op, ConstantOp::Adaptor,
                    ConversionPatternRewriter &rewriter) {
  return arith::ConstantOp::create(rewriter, op.getLoc(), op.getValue());
}

Value lowerConstantOfShape(ConstantOfShapeOp op,
                           ConstantOfShapeOp::Adaptor adaptor,
                           ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = op.getResult().getType();
  SmallVector<OpFoldResult> computed;
  Value zero = indexConstant(rewriter, loc, 0);
  for (int64_t i = 0; i < type.getRank(); ++i) {
    Value size = extractIndex(rewriter, loc, adaptor.getShape(), i);
    checkTrue(rewriter, loc,
              arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                    size, zero),
              op, "shape element " + Twine(i) + " is negative");
    computed.push_back(size);
  }
  checkElementCount(rewriter, loc, computed, op);
  auto dims = reconcileDims(rewriter, loc, type, computed, op);
  auto value = cast<DenseElementsAttr>(op.getValue());
  return createFilled(rewriter, loc, type, dims,
                      value.getValues<Attribute>()[0]);
}

Value lowerShape(ShapeOp op, ShapeOp::Adaptor adaptor,
                 ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto inputType = cast<RankedTensorType>(adaptor.getInput().getType());
  auto [start, end] =
      shapeDimRange(inputType.getRank(), op.getStart(), op.getEnd());
  SmallVector<Value> elements;
  for (int64_t i = start; i < end; ++i) {
    Value dim =
        toIndex(rewriter, loc, getDims(rewriter, loc, adaptor.getInput())[i]);
    elements.push_back(
        arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), dim));
  }
  return tensor::FromElementsOp::create(rewriter, loc, op.getResult().getType(),
                                        elements);
}

Value lowerReshape(ReshapeOp op, ReshapeOp::Adaptor adaptor,
                   ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = op.getResult().getType();
  Value input = adaptor.getInput();
  SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
  auto known = getConstantInts(op.getShape());
  // Requested sizes: 0 copies the input size (unless allowzero), -1 is
  // solved from the element count.
  SmallVector<Value> requested;
  int64_t rank = type.getRank();
  Value zero = indexConstant(rewriter, loc, 0);
  Value minusOne = indexConstant(rewriter, loc, -1);
  for (int64_t i = 0; i < rank; ++i) {
    Value r = known ? indexConstant(rewriter, loc, (*known)[i])
                    : extractIndex(rewriter, loc, adaptor.getShape(), i);
    if (!op.getAllowzero() && i < (int64_t)inputDims.size()) {
      Value isZero = arith::CmpIOp::create(rewriter, loc,
                                           arith::CmpIPredicate::eq, r, zero);
      r = arith::SelectOp::create(rewriter, loc, isZero,
                                  toIndex(rewriter, loc, inputDims[i]), r);
    }
    requested.push_back(r);
  }
  Value total = productOf(rewriter, loc, inputDims);
  Value knownProduct = indexConstant(rewriter, loc, 1);
  for (Value r : requested) {
    Value isInferred = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq, r, minusOne);
    knownProduct = arith::MulIOp::create(
        rewriter, loc, knownProduct,
        arith::SelectOp::create(rewriter, loc, isInferred,
                                indexConstant(rewriter, loc, 1), r));
  }
  Value safeKnown =
      maxIndex(rewriter, loc, knownProduct, indexConstant(rewriter, loc, 1));
  Value inferred = arith::DivSIOp::create(rewriter, loc, total, safeKnown);
  SmallVector<OpFoldResult> computed;
  for (Value r : requested) {
    Value isInferred = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq, r, minusOne);
    computed.push_back(
        arith::SelectOp::create(rewriter, loc, isInferred, inferred, r)
            .getResult());
  }
  SmallVector<OpFoldResult> dims =
      reconcileDims(rewriter, loc, type, computed, op);
  checkEqual(rewriter, loc, productOf(rewriter, loc, dims), total, op,
             "the requested shape does not have the input's element count");
  return reshapeTo(rewriter, loc, input, type, dims,
                   /*sameTypeIsIdentity=*/false);
}

/// Squeeze, Unsqueeze and Flatten: the result sizes follow from the input
/// sizes and static attributes.
template <typename OpTy>
Value lowerStaticReshape(OpTy op, typename OpTy::Adaptor adaptor,
                         ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getResult().getType());
  Value input = adaptor.getInput();
  SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
  int64_t inputRank = inputDims.size();
  SmallVector<OpFoldResult> computed;
  if constexpr (std::is_same_v<OpTy, SqueezeOp>) {
    SmallVector<int64_t> axes;
    for (int64_t a : op.getAxes())
      axes.push_back(*normalizeAxis(a, inputRank));
    for (int64_t i = 0; i < inputRank; ++i) {
      if (!axes.empty() && !llvm::is_contained(axes, i)) {
        computed.push_back(inputDims[i]);
        continue;
      }
      if (axes.empty()) {
        if (getConstantIntValue(inputDims[i]) != 1)
          computed.push_back(inputDims[i]);
        continue;
      }
      checkEqual(rewriter, loc, inputDims[i], rewriter.getIndexAttr(1), op,
                 "squeezed dimension " + Twine(i) + " must be 1");
    }
  } else if constexpr (std::is_same_v<OpTy, UnsqueezeOp>) {
    int64_t rank = type.getRank();
    SmallVector<int64_t> axes;
    for (int64_t a : op.getAxes())
      axes.push_back(*normalizeAxis(a, rank));
    for (int64_t i = 0, next = 0; i < rank; ++i)
      computed.push_back(llvm::is_contained(axes, i)
                             ? OpFoldResult(rewriter.getIndexAttr(1))
                             : inputDims[next++]);
  } else {
    int64_t axis = op.getAxis();
    if (axis < 0)
      axis += inputRank;
    computed.push_back(
        productOf(rewriter, loc, ArrayRef(inputDims).take_front(axis)));
    computed.push_back(
        productOf(rewriter, loc, ArrayRef(inputDims).drop_front(axis)));
  }
  SmallVector<OpFoldResult> dims =
      reconcileDims(rewriter, loc, type, computed, op);
  return reshapeTo(rewriter, loc, input, type, dims,
                   /*sameTypeIsIdentity=*/true);
}

Value lowerTranspose(TransposeOp op, TransposeOp::Adaptor adaptor,
                     ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = op.getResult().getType();
  SmallVector<OpFoldResult> inputDims =
      getDims(rewriter, loc, adaptor.getInput());
  SmallVector<OpFoldResult> computed;
  for (int64_t p : op.getPerm())
    computed.push_back(inputDims[p]);
  auto dims = reconcileDims(rewriter, loc, type, computed, op);
  Value init = createEmpty(rewriter, loc, type, dims);
  auto transpose = linalg::TransposeOp::create(
      rewriter, loc, adaptor.getInput(), init, op.getPerm());
  return transpose.getResult()[0];
}

Value lowerConcat(ConcatOp op, ConcatOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = op.getResult().getType();
  int64_t rank = type.getRank();
  int64_t axis = *normalizeAxis(op.getAxis(), rank);
  ValueRange inputs = adaptor.getInputs();
  SmallVector<OpFoldResult> computed = getDims(rewriter, loc, inputs[0]);
  Value total = indexConstant(rewriter, loc, 0);
  for (Value input : inputs) {
    SmallVector<OpFoldResult> d = getDims(rewriter, loc, input);
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis)
        checkEqual(rewriter, loc, d[i], computed[i], op,
                   "concat inputs differ in dimension " + Twine(i));
    total = arith::AddIOp::create(rewriter, loc, total,
                                  toIndex(rewriter, loc, d[axis]));
  }
  computed[axis] = total;
  auto dims = reconcileDims(rewriter, loc, type, computed, op);
  Value result = createEmpty(rewriter, loc, type, dims);
  OpFoldResult offset = rewriter.getIndexAttr(0);
  if (hasStaticZeroDim(type))
    return result;
  for (Value input : inputs) {
    // An empty input adds nothing (and insert_slice refuses offsets at the
    // end of a dimension for it).
    if (hasStaticZeroDim(cast<RankedTensorType>(input.getType())))
      continue;
    SmallVector<OpFoldResult> sizes = getDims(rewriter, loc, input);
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    offsets[axis] = offset;
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    result = tensor::InsertSliceOp::create(rewriter, loc, input, result,
                                           offsets, sizes, strides);
    offset =
        arith::AddIOp::create(rewriter, loc, toIndex(rewriter, loc, offset),
                              toIndex(rewriter, loc, sizes[axis]))
            .getResult();
  }
  return result;
}

SmallVector<Value> lowerSplit(SplitOp op, SplitOp::Adaptor adaptor,
                              ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value input = adaptor.getInput();
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = inputType.getRank();
  int64_t axis = getInputAxis(op);
  SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
  int64_t total = 0;
  for (int64_t size : op.getSplit())
    total += size;
  checkEqual(rewriter, loc, inputDims[axis], rewriter.getIndexAttr(total), op,
             "split sizes must add up to the dimension");
  SmallVector<Value> results;
  int64_t offset = 0;
  for (auto [size, result] : llvm::zip(op.getSplit(), op.getResults())) {
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = inputDims;
    SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
    offsets[axis] = rewriter.getIndexAttr(offset);
    sizes[axis] = rewriter.getIndexAttr(size);
    auto type = cast<RankedTensorType>(result.getType());
    auto dims = reconcileDims(rewriter, loc, type, sizes, op);
    offset += size;
    if (hasStaticZeroDim(type)) {
      // extract_slice refuses offsets into an empty dimension.
      results.push_back(createEmpty(rewriter, loc, type, dims));
      continue;
    }
    Value slice = tensor::ExtractSliceOp::create(rewriter, loc, input, offsets,
                                                 dims, strides);
    results.push_back(castTo(rewriter, loc, slice, type));
  }
  return results;
}

/// ONNX Slice with run-time bounds. Positive constant steps become
/// tensor.extract_slice; anything else a gather-style linalg.generic.
FailureOr<Value> lowerSlice(SliceOp op, SliceOp::Adaptor adaptor,
                            ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = op.getResult().getType();
  Value input = adaptor.getInput();
  int64_t rank = type.getRank();
  auto axes = getConstantInts(op.getAxes());
  if (!axes)
    return rewriter.notifyMatchFailure(op, "slice axes must be constant");
  auto constSteps = getConstantInts(op.getSteps());
  SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
  SmallVector<Value> starts(rank), steps(rank), sizes(rank);
  for (int64_t i = 0; i < rank; ++i) {
    starts[i] = indexConstant(rewriter, loc, 0);
    steps[i] = indexConstant(rewriter, loc, 1);
    sizes[i] = toIndex(rewriter, loc, inputDims[i]);
  }
  Value zero = indexConstant(rewriter, loc, 0);
  Value one = indexConstant(rewriter, loc, 1);
  Value minusOne = indexConstant(rewriter, loc, -1);
  bool positiveSteps = true;
  for (auto [k, axisValue] : llvm::enumerate(*axes)) {
    int64_t axis = *normalizeAxis(axisValue, rank);
    Value dim = toIndex(rewriter, loc, inputDims[axis]);
    Value start = extractIndex(rewriter, loc, adaptor.getStarts(), k);
    Value end = extractIndex(rewriter, loc, adaptor.getEnds(), k);
    Value step = extractIndex(rewriter, loc, adaptor.getSteps(), k);
    bool stepKnownPositive = constSteps && (*constSteps)[k] > 0;
    positiveSteps &= stepKnownPositive;
    checkTrue(rewriter, loc,
              arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                                    step, zero),
              op, "slice step must not be 0");
    // Negative indices count from the end; then clamp as ONNX specifies.
    auto wrap = [&](Value v) {
      Value negative = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::slt, v, zero);
      return arith::SelectOp::create(
          rewriter, loc, negative, arith::AddIOp::create(rewriter, loc, v, dim),
          v);
    };
    start = wrap(start);
    end = wrap(end);
    Value isPositive = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::sgt, step, zero);
    Value dimMinusOne = arith::SubIOp::create(rewriter, loc, dim, one);
    Value startPos =
        minIndex(rewriter, loc, maxIndex(rewriter, loc, start, zero), dim);
    Value startNeg = minIndex(
        rewriter, loc, maxIndex(rewriter, loc, start, zero), dimMinusOne);
    Value endPos =
        minIndex(rewriter, loc, maxIndex(rewriter, loc, end, zero), dim);
    Value endNeg = minIndex(
        rewriter, loc, maxIndex(rewriter, loc, end, minusOne), dimMinusOne);
    start =
        arith::SelectOp::create(rewriter, loc, isPositive, startPos, startNeg);
    end = arith::SelectOp::create(rewriter, loc, isPositive, endPos, endNeg);
    // size = max(0, ceil((end - start) / step))
    Value span = arith::SubIOp::create(rewriter, loc, end, start);
    Value size = maxIndex(
        rewriter, loc,
        ceilDivByStep(rewriter, loc, span, step, isPositive, one), zero);
    starts[axis] = start;
    steps[axis] = step;
    sizes[axis] = size;
  }
  SmallVector<OpFoldResult> computed(sizes.begin(), sizes.end());
  auto dims = reconcileDims(rewriter, loc, type, computed, op);
  if (hasStaticZeroDim(type))
    return createEmpty(rewriter, loc, type, dims);
  if (positiveSteps) {
    SmallVector<OpFoldResult> offsets(starts.begin(), starts.end());
    SmallVector<OpFoldResult> strides;
    for (int64_t i = 0; i < rank; ++i) {
      bool sliced = llvm::any_of(
          *axes, [&](int64_t a) { return *normalizeAxis(a, rank) == i; });
      int64_t stepValue = 1;
      if (sliced)
        for (auto [k, a] : llvm::enumerate(*axes))
          if (*normalizeAxis(a, rank) == i)
            stepValue = (*constSteps)[k];
      strides.push_back(rewriter.getIndexAttr(stepValue));
    }
    Value slice = tensor::ExtractSliceOp::create(rewriter, loc, type, input,
                                                 offsets, dims, strides);
    return slice;
  }
  Value init = createEmpty(rewriter, loc, type, dims);
  return buildParallelGeneric(
      rewriter, loc, {}, {rewriter.getMultiDimIdentityMap(rank)}, init,
      [&](OpBuilder &b, Location nestedLoc, ValueRange) -> Value {
        SmallVector<Value> indices;
        for (int64_t i = 0; i < rank; ++i) {
          Value index = linalg::IndexOp::create(b, nestedLoc, i);
          indices.push_back(arith::AddIOp::create(
              b, nestedLoc, starts[i],
              arith::MulIOp::create(b, nestedLoc, index, steps[i])));
        }
        return tensor::ExtractOp::create(b, nestedLoc, input, indices);
      });
}

Value lowerExpand(ExpandOp op, ExpandOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = op.getResult().getType();
  Value input = adaptor.getInput();
  auto inputType = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  int64_t offset = rank - inputType.getRank();
  SmallVector<OpFoldResult> inputDims = getDims(rewriter, loc, input);
  auto known = getConstantInts(op.getShape());
  SmallVector<OpFoldResult> computed;
  for (int64_t i = 0; i < rank; ++i) {
    Value requested = known
                          ? indexConstant(rewriter, loc, (*known)[i])
                          : extractIndex(rewriter, loc, adaptor.getShape(), i);
    checkTrue(rewriter, loc,
              arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge,
                                    requested, indexConstant(rewriter, loc, 0)),
              op, "shape element " + Twine(i) + " is negative");
    if (i < offset) {
      computed.push_back(requested);
      continue;
    }
    OpFoldResult have = inputDims[i - offset];
    if (getConstantIntValue(have) == 1) {
      computed.push_back(requested);
      continue;
    }
    // Broadcasting a size against a requested 1 keeps the size; any other
    // request must equal it.
    Value haveValue = toIndex(rewriter, loc, have);
    Value one = indexConstant(rewriter, loc, 1);
    Value isOne = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                        requested, one);
    Value ok = arith::OrIOp::create(
        rewriter, loc, isOne,
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                              requested, haveValue));
    checkTrue(rewriter, loc, ok, op,
              "expand shape is not broadcast-compatible");
    computed.push_back(have);
  }
  checkElementCount(rewriter, loc, computed, op);
  auto dims = reconcileDims(rewriter, loc, type, computed, op);
  Value init = createEmpty(rewriter, loc, type, dims);
  // A dynamic input dimension is read with the identity map; it must then
  // equal the result size.
  for (int64_t i = 0; i < inputType.getRank(); ++i)
    if (inputType.isDynamicDim(i) && type.getDimSize(offset + i) != 1)
      checkEqual(rewriter, loc, inputDims[i], dims[offset + i], op,
                 "a dynamic dimension of size 1 cannot be expanded");
  AffineMap inputMap = broadcastMap(rewriter.getContext(), inputType.getShape(),
                                    type.getShape());
  return buildParallelGeneric(
      rewriter, loc, {input}, {inputMap, rewriter.getMultiDimIdentityMap(rank)},
      init, [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

Value lowerRange(RangeOp op, RangeOp::Adaptor adaptor,
                 ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = op.getResult().getType();
  Type element = type.getElementType();
  Value start = extractScalar(rewriter, loc, adaptor.getStart());
  Value limit = extractScalar(rewriter, loc, adaptor.getLimit());
  Value delta = extractScalar(rewriter, loc, adaptor.getDelta());
  Value count;
  if (isa<FloatType>(element)) {
    checkTrue(rewriter, loc,
              arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::UNE,
                                    delta,
                                    scalarConstant(rewriter, loc, element, 0)),
              op, "range delta must not be 0");
    Value span = arith::SubFOp::create(rewriter, loc, limit, start);
    Value ratio = arith::DivFOp::create(rewriter, loc, span, delta);
    Value steps = math::CeilOp::create(rewriter, loc, ratio);
    // Count in f64, whatever the element type (2^40 is not an f16).
    Type f64 = rewriter.getF64Type();
    if (element != f64)
      steps = arith::ExtFOp::create(rewriter, loc, f64, steps);
    // fptosi of NaN, infinity or anything beyond int64 is poison: a bound
    // of inf or NaN would size the result with garbage. The ordered
    // comparison fails for NaN as well as for huge counts.
    checkTrue(
        rewriter, loc,
        arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OLE, steps,
                              scalarConstant(rewriter, loc, f64, kMaxElements)),
        op, "range has too many elements (or a NaN bound)");
    Value zero = scalarConstant(rewriter, loc, f64, 0);
    steps = arith::SelectOp::create(
        rewriter, loc,
        arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OGT, steps,
                              zero),
        steps, zero);
    count =
        arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(), steps);
    count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                       count);
  } else {
    Value zero = scalarConstant(rewriter, loc, element, 0);
    checkTrue(rewriter, loc,
              arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                                    delta, zero),
              op, "range delta must not be 0");
    // limit - start overflows int64 for bounds far apart (and the
    // narrower types in their own width): count in 128 bits, as
    // RangeOp::inferResultType does for constant bounds.
    Type wide = rewriter.getIntegerType(128);
    auto widen = [&](Value v) -> Value {
      return arith::ExtSIOp::create(rewriter, loc, wide, v);
    };
    Value wideDelta = widen(delta);
    Value wideZero = arith::ConstantOp::create(
        rewriter, loc, rewriter.getIntegerAttr(wide, 0));
    Value wideOne = arith::ConstantOp::create(rewriter, loc,
                                              rewriter.getIntegerAttr(wide, 1));
    Value span =
        arith::SubIOp::create(rewriter, loc, widen(limit), widen(start));
    Value positive = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::sgt, wideDelta, wideZero);
    Value wideCount =
        ceilDivByStep(rewriter, loc, span, wideDelta, positive, wideOne);
    checkTrue(rewriter, loc,
              arith::CmpIOp::create(
                  rewriter, loc, arith::CmpIPredicate::sle, wideCount,
                  arith::ConstantOp::create(
                      rewriter, loc,
                      rewriter.getIntegerAttr(
                          wide, static_cast<int64_t>(kMaxElements)))),
              op, "range has too many elements");
    wideCount = arith::MaxSIOp::create(rewriter, loc, wideCount, wideZero);
    count = arith::TruncIOp::create(rewriter, loc, rewriter.getI64Type(),
                                    wideCount);
    count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                       count);
  }
  count = maxIndex(rewriter, loc, count, indexConstant(rewriter, loc, 0));
  auto dims = reconcileDims(rewriter, loc, type, {count}, op);
  Value init = createEmpty(rewriter, loc, type, dims);
  return buildParallelGeneric(
      rewriter, loc, {}, {rewriter.getMultiDimIdentityMap(1)}, init,
      [&](OpBuilder &b, Location nestedLoc, ValueRange) -> Value {
        Value index = linalg::IndexOp::create(b, nestedLoc, 0);
        Value i;
        if (isa<FloatType>(element))
          i = arith::SIToFPOp::create(
              b, nestedLoc, element,
              arith::IndexCastOp::create(b, nestedLoc, b.getI64Type(), index));
        else
          i = arith::IndexCastOp::create(b, nestedLoc, element, index);
        return createFloatOrIntOp<arith::AddFOp, arith::AddIOp>(
            b, nestedLoc, start,
            createFloatOrIntOp<arith::MulFOp, arith::MulIOp>(b, nestedLoc, i,
                                                             delta));
      });
}

Value lowerTrilu(TriluOp op, TriluOp::Adaptor adaptor,
                 ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto type = op.getResult().getType();
  int64_t rank = type.getRank();
  Value input = adaptor.getInput();
  Value init = createEmpty(rewriter, loc, type, getDims(rewriter, loc, input));
  int64_t k = op.getK();
  bool upper = op.getUpper();
  AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
  return buildParallelGeneric(
      rewriter, loc, {input}, {identity, identity}, init,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        Value row = linalg::IndexOp::create(b, nestedLoc, rank - 2);
        Value col = linalg::IndexOp::create(b, nestedLoc, rank - 1);
        Value diff = arith::SubIOp::create(b, nestedLoc, col, row);
        Value kValue = indexConstant(b, nestedLoc, k);
        Value keep = arith::CmpIOp::create(b, nestedLoc,
                                           upper ? arith::CmpIPredicate::sge
                                                 : arith::CmpIPredicate::sle,
                                           diff, kValue);
        Value zero = scalarConstant(b, nestedLoc, args[0].getType(), 0);
        return arith::SelectOp::create(b, nestedLoc, keep, args[0], zero);
      });
}

} // namespace

void populateShapePatterns(RewritePatternSet &patterns) {
  addLowerings<lowerConstant, lowerConstantOfShape, lowerShape, lowerReshape,
               lowerStaticReshape<SqueezeOp>, lowerStaticReshape<UnsqueezeOp>,
               lowerStaticReshape<FlattenOp>, lowerTranspose, lowerConcat,
               lowerSplit, lowerSlice, lowerExpand, lowerRange, lowerTrilu>(
      patterns);
}

} // namespace sinkc::lowering
