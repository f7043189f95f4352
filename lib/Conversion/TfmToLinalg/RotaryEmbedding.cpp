//===- RotaryEmbedding.cpp - rotary position embeddings in one loop nest --===//
//
// Hugging Face models apply rotary position embeddings as
//
//   x * cos + concat(-x[..., h:], x[..., :h]) * sin        (rotate_half)
//
// which the generic lowering turns into a slice, a negation, two inserts of
// the concatenation and a multiply-add loop, after a transpose of x from the
// projection's [B, T, H, D] to [B, H, T, D]: five passes over every query and
// key of every layer. This lowering matches the add and computes it in one
// linalg.generic that reads x twice, once straight and once with its halves
// swapped, and reads through the transpose. To keep every map affine and the
// innermost loop unit-stride, the loop nest runs over the last dimension
// split into [2, h] (half s, index j): x[..., s, j] and x[..., 1 - s, j];
// the result is collapsed back to [..., D]. The arithmetic is the graph's
// (two products, one sum; the negation is exact), so results are unchanged.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sinkc/Dialect/Tfm/ShapeUtils.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"

namespace sinkc::lowering {
namespace {

using namespace tfm;

/// `slice` of the last axis of `x` with step 1 from `start` to at least
/// `end` (ONNX clamps larger ends): the slices of rotate_half.
bool slicesLastAxis(SliceOp slice, Value x, int64_t start, int64_t end) {
  if (!slice || slice.getInput() != x)
    return false;
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  int64_t size = type.getDimSize(rank - 1);
  auto axes = getConstantInts(slice.getAxes());
  auto starts = getConstantInts(slice.getStarts());
  auto ends = getConstantInts(slice.getEnds());
  auto steps = getConstantInts(slice.getSteps());
  if (!axes || !starts || !ends || !steps || axes->size() != 1 ||
      starts->size() != 1 || ends->size() != 1 || steps->size() != 1)
    return false;
  std::optional<int64_t> axis = normalizeAxis((*axes)[0], rank);
  auto wrap = [&](int64_t v) { return v < 0 ? v + size : v; };
  return axis && *axis == rank - 1 && (*steps)[0] == 1 &&
         wrap((*starts)[0]) == start &&
         (end == size ? wrap((*ends)[0]) >= size : wrap((*ends)[0]) == end);
}

/// The x of `concat(-x[..., h:], x[..., :h])` on the last axis, for a
/// static even last dimension 2h.
Value rotatedHalvesOf(Value value) {
  auto concat = value.getDefiningOp<ConcatOp>();
  if (!concat || concat.getInputs().size() != 2)
    return {};
  auto negated = concat.getInputs()[0].getDefiningOp<NegOp>();
  auto low = concat.getInputs()[1].getDefiningOp<SliceOp>();
  auto high = negated ? negated.getInput().getDefiningOp<SliceOp>() : nullptr;
  if (!high || !low)
    return {};
  Value x = high.getInput();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  std::optional<int64_t> axis = normalizeAxis(concat.getAxis(), rank);
  int64_t size = type.getDimSize(rank - 1);
  if (!axis || *axis != rank - 1 || ShapedType::isDynamic(size) || size % 2 ||
      !type.getElementType().isF32())
    return {};
  int64_t half = size / 2;
  if (!slicesLastAxis(high, x, half, size) || !slicesLastAxis(low, x, 0, half))
    return {};
  return x;
}

/// The operands of `x * cos + rotate_half(x) * sin`, in either order of the
/// sum and of each product.
struct RotaryTerms {
  Value x, cos, sin;
};

std::optional<RotaryTerms> matchRotary(AddOp add) {
  auto products = std::array<MulOp, 2>{add.getLhs().getDefiningOp<MulOp>(),
                                       add.getRhs().getDefiningOp<MulOp>()};
  if (!products[0] || !products[1])
    return std::nullopt;
  for (int rotatedIndex : {0, 1}) {
    MulOp rotated = products[rotatedIndex],
          straight = products[1 - rotatedIndex];
    for (int side : {0, 1}) {
      Value x = rotatedHalvesOf(rotated->getOperand(side));
      if (!x)
        continue;
      Value sin = rotated->getOperand(1 - side);
      for (int straightSide : {0, 1})
        if (straight->getOperand(straightSide) == x)
          return RotaryTerms{x, straight->getOperand(1 - straightSide), sin};
    }
  }
  return std::nullopt;
}

struct RotaryEmbeddingLowering : public OpConversionPattern<AddOp> {
  // Before the elementwise lowering of the add, which it replaces.
  RotaryEmbeddingLowering(MLIRContext *context)
      : OpConversionPattern<AddOp>(context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(AddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    std::optional<RotaryTerms> terms = matchRotary(op);
    if (!terms)
      return rewriter.notifyMatchFailure(op, "not x * cos + rotate_half(x) * "
                                             "sin");
    auto resultType = cast<RankedTensorType>(op.getType());
    auto xType = cast<RankedTensorType>(terms->x.getType());
    auto cosType = cast<RankedTensorType>(terms->cos.getType());
    auto sinType = cast<RankedTensorType>(terms->sin.getType());
    int64_t rank = xType.getRank();
    if (resultType.getShape() != xType.getShape() || cosType.getRank() > rank ||
        sinType.getRank() > rank ||
        cosType.getElementType() != xType.getElementType() ||
        sinType.getElementType() != xType.getElementType())
      return rewriter.notifyMatchFailure(op, "cos/sin do not broadcast to x");
    MLIRContext *context = rewriter.getContext();
    Location loc = op.getLoc();

    // x itself or the input of the transpose that produced it: the loop nest
    // reads through the permutation.
    Value source = rewriter.getRemappedValue(terms->x);
    SmallVector<int64_t> toSource =
        llvm::to_vector(llvm::seq<int64_t>(0, rank));
    if (auto transpose = terms->x.getDefiningOp<TransposeOp>()) {
      source = rewriter.getRemappedValue(transpose.getInput());
      // x[i] = input[j] with j[perm[k]] = i[k].
      for (auto [k, p] : llvm::enumerate(transpose.getPerm()))
        toSource[k] = p;
    }
    SmallVector<OpFoldResult> sourceDims = getDims(rewriter, loc, source);
    SmallVector<OpFoldResult> dims(rank);
    for (int64_t k = 0; k < rank; ++k)
      dims[k] = sourceDims[toSource[k]];
    // cos and sin must broadcast to x, as the two products checked (not with
    // broadcastDims: it would take x's sizes from the transposed x and keep
    // the transpose alive).
    Value cos = rewriter.getRemappedValue(terms->cos);
    Value sin = rewriter.getRemappedValue(terms->sin);
    for (Value table : {cos, sin}) {
      auto type = cast<RankedTensorType>(table.getType());
      int64_t offset = rank - type.getRank();
      for (int64_t i = 0; i < type.getRank(); ++i) {
        if (type.getDimSize(i) == 1)
          continue;
        OpFoldResult size =
            type.isDynamicDim(i)
                ? OpFoldResult(tensor::DimOp::create(rewriter, loc, table, i)
                                   .getResult())
                : OpFoldResult(rewriter.getIndexAttr(type.getDimSize(i)));
        checkEqual(rewriter, loc, size, dims[offset + i], op,
                   "broadcast dimension " + Twine(offset + i) +
                       " differs between operands (a dynamic dimension of "
                       "size 1 cannot be broadcast)");
      }
    }
    dims = reconcileDims(rewriter, loc, resultType, dims, op);

    // The loop nest: the leading dimensions, then half s and index j.
    int64_t half = xType.getDimSize(rank - 1) / 2;
    SmallVector<int64_t> splitShape(resultType.getShape().drop_back());
    splitShape.append({2, half});
    auto splitType = RankedTensorType::get(splitShape, xType.getElementType());
    SmallVector<OpFoldResult> splitDims(ArrayRef(dims).drop_back());
    splitDims.append({rewriter.getIndexAttr(2), rewriter.getIndexAttr(half)});
    Value init = createEmpty(rewriter, loc, splitType, splitDims);

    AffineExpr s = getAffineDimExpr(rank - 1, context);
    AffineExpr j = getAffineDimExpr(rank, context);
    // The split loop nest in the dimensions of x, the last one `last`.
    auto unsplit = [&](AffineExpr last) {
      SmallVector<AffineExpr> index;
      for (int64_t k = 0; k + 1 < rank; ++k)
        index.push_back(getAffineDimExpr(k, context));
      index.push_back(last);
      return AffineMap::get(rank + 1, 0, index, context);
    };
    // x's dimensions in the source's: source[toSource[k]] = x[k].
    SmallVector<unsigned> fromX;
    for (int64_t k : invertPermutationVector(toSource))
      fromX.push_back(k);
    AffineMap xToSource = AffineMap::getPermutationMap(fromX, context);
    auto xIndex = [&](AffineExpr last) {
      return xToSource.compose(unsplit(last));
    };
    AffineMap toUnsplit = unsplit(s * half + j);
    auto tableMap = [&](RankedTensorType type) {
      return broadcastMap(context, type.getShape(), resultType.getShape())
          .compose(toUnsplit);
    };
    SmallVector<AffineMap> maps = {
        xIndex(s * half + j), xIndex((1 - s) * half + j),
        tableMap(cast<RankedTensorType>(cos.getType())),
        tableMap(cast<RankedTensorType>(sin.getType())),
        AffineMap::getMultiDimIdentityMap(rank + 1, context)};
    Value split = buildParallelGeneric(
        rewriter, loc, {source, source, cos, sin}, maps, init,
        [&](OpBuilder &b, Location nested, ValueRange args) {
          // rotate_half(x)[s, j] = -x[1, j] for s = 0, x[0, j] for s = 1.
          Value firstHalf = arith::CmpIOp::create(
              b, nested, arith::CmpIPredicate::eq,
              linalg::IndexOp::create(b, nested, rank - 1),
              indexConstant(b, nested, 0));
          Value swapped = arith::SelectOp::create(
              b, nested, firstHalf, arith::NegFOp::create(b, nested, args[1]),
              args[1]);
          Value straight = arith::MulFOp::create(b, nested, args[0], args[2]);
          Value rotated = arith::MulFOp::create(b, nested, swapped, args[3]);
          return arith::AddFOp::create(b, nested, straight, rotated);
        });
    SmallVector<ReassociationIndices> groups;
    for (int64_t k = 0; k + 1 < rank; ++k)
      groups.push_back({k});
    groups.push_back({rank - 1, rank});
    Value result =
        tensor::CollapseShapeOp::create(rewriter, loc, split, groups);
    rewriter.replaceOp(op, castTo(rewriter, loc, result, resultType));
    return success();
  }
};

} // namespace

void populateRotaryEmbeddingPatterns(RewritePatternSet &patterns) {
  patterns.add<RotaryEmbeddingLowering>(patterns.getContext());
}

} // namespace sinkc::lowering
