//===- Contraction.cpp - tfm.matmul and tfm.gemm to linalg ----------------===//
//
// A matmul against a 2-D right operand (every projection of a transformer)
// collapses the left operand's batch dimensions into M and becomes one
// linalg.matmul; batched products (attention scores and values) collapse
// their batch dimensions into one and become linalg.batch_matmul, after
// materialising any batch broadcast.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sinkc/Dialect/Tfm/ShapeUtils.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace sinkc::lowering {
namespace {

using namespace sinkc::tfm;

Value zeroFilled(OpBuilder &b, Location loc, RankedTensorType type,
                 ArrayRef<OpFoldResult> dims) {
  return createFilled(b, loc, type, dims, b.getZeroAttr(type.getElementType()));
}

/// Static size of a product of dims, or dynamic.
int64_t staticProduct(ArrayRef<int64_t> dims) {
  int64_t product = 1;
  for (int64_t d : dims) {
    if (d == ShapedType::kDynamic)
      return ShapedType::kDynamic;
    product *= d;
  }
  return product;
}

/// Collapses dims [0, count) of `value` into one leading dimension. A group
/// of several dynamic dims is collapsed with tensor.reshape when `opaque`:
/// linalg's reshape propagation would otherwise move the collapse through
/// the contraction and leave expand_shapes that split one dynamic size into
/// several, which memref expand-strided-metadata cannot lower (it crashes in
/// LLVM 22).
Value collapseLeading(OpBuilder &b, Location loc, Value value, int64_t count,
                      bool opaque = false) {
  auto type = cast<RankedTensorType>(value.getType());
  if (count == 1)
    return value;
  if (opaque && count > 1 &&
      llvm::count_if(type.getShape().take_front(count), ShapedType::isDynamic) >
          1) {
    SmallVector<OpFoldResult> dims = getDims(b, loc, value);
    SmallVector<Value> sizes;
    Value rows = indexConstant(b, loc, 1);
    for (int64_t i = 0; i < count; ++i)
      rows = arith::MulIOp::create(b, loc, rows, toIndex(b, loc, dims[i]));
    sizes.push_back(rows);
    for (int64_t i = count; i < type.getRank(); ++i)
      sizes.push_back(toIndex(b, loc, dims[i]));
    SmallVector<int64_t> shape = {ShapedType::kDynamic};
    llvm::append_range(shape, type.getShape().drop_front(count));
    Value shapeTensor = tensor::FromElementsOp::create(
        b, loc,
        RankedTensorType::get({(int64_t)sizes.size()}, b.getIndexType()),
        sizes);
    return tensor::ReshapeOp::create(b, loc, type.clone(shape), value,
                                     shapeTensor);
  }
  SmallVector<ReassociationIndices> reassociation;
  ReassociationIndices first;
  for (int64_t i = 0; i < count; ++i)
    first.push_back(i);
  reassociation.push_back(first);
  for (int64_t i = count; i < type.getRank(); ++i)
    reassociation.push_back({i});
  SmallVector<int64_t> shape = {
      staticProduct(type.getShape().take_front(count))};
  llvm::append_range(shape, type.getShape().drop_front(count));
  if (count == 0) {
    // Insert a unit leading dimension.
    SmallVector<ReassociationIndices> expand;
    for (int64_t i = 0; i < type.getRank(); ++i)
      expand.push_back(i == 0 ? ReassociationIndices{0, 1}
                              : ReassociationIndices{i + 1});
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
    llvm::append_range(sizes, getDims(b, loc, value));
    return tensor::ExpandShapeOp::create(b, loc, type.clone(shape), value,
                                         expand, sizes);
  }
  return tensor::CollapseShapeOp::create(b, loc, type.clone(shape), value,
                                         reassociation);
}

/// Expands the leading dimension of `value` back into `leading` dims.
Value expandLeading(OpBuilder &b, Location loc, Value value,
                    ArrayRef<OpFoldResult> leading,
                    RankedTensorType resultType) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t count = leading.size();
  if (count == 1)
    return value;
  SmallVector<OpFoldResult> sizes(leading.begin(), leading.end());
  llvm::append_range(sizes, ArrayRef(getDims(b, loc, value)).drop_front());
  if (count == 0) {
    SmallVector<ReassociationIndices> collapse;
    collapse.push_back({0, 1});
    for (int64_t i = 2; i < type.getRank(); ++i)
      collapse.push_back({i});
    return tensor::CollapseShapeOp::create(b, loc, resultType, value, collapse);
  }
  SmallVector<ReassociationIndices> reassociation;
  ReassociationIndices first;
  for (int64_t i = 0; i < count; ++i)
    first.push_back(i);
  reassociation.push_back(first);
  for (int64_t i = 1; i < type.getRank(); ++i)
    reassociation.push_back({count + i - 1});
  return expandShape(b, loc, value, resultType, reassociation, sizes);
}

/// Broadcasts `value` ([batch..., R, C]) to the batch dims `batchDims`.
Value broadcastBatch(OpBuilder &b, Location loc, Value value,
                     ArrayRef<int64_t> batchShape,
                     ArrayRef<OpFoldResult> batchDims, Operation *origin) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t batchRank = batchShape.size();
  int64_t ownBatch = type.getRank() - 2;
  if (ownBatch == batchRank &&
      llvm::equal(type.getShape().take_front(ownBatch), batchShape)) {
    // No broadcast to materialise, but a dynamic batch dim must still agree
    // with the other operand's (a run-time 1 is not broadcast).
    SmallVector<OpFoldResult> own = getDims(b, loc, value);
    for (int64_t i = 0; i < ownBatch; ++i)
      if (type.isDynamicDim(i))
        checkEqual(b, loc, own[i], batchDims[i], origin,
                   "matmul batch dimensions differ (a dynamic dimension of "
                   "size 1 is not broadcast)");
    return value;
  }
  SmallVector<int64_t> shape(batchShape.begin(), batchShape.end());
  llvm::append_range(shape, type.getShape().take_back(2));
  auto resultType = type.clone(shape);
  SmallVector<OpFoldResult> dims(batchDims.begin(), batchDims.end());
  llvm::append_range(dims, ArrayRef(getDims(b, loc, value)).take_back(2));
  for (int64_t i = 0; i < ownBatch; ++i) {
    int64_t at = batchRank - ownBatch + i;
    if (type.getDimSize(i) != 1)
      checkEqual(b, loc, getDims(b, loc, value)[i], dims[at], origin,
                 "matmul batch dimensions differ");
  }
  Value init = createEmpty(b, loc, resultType, dims);
  AffineMap map = broadcastMap(b.getContext(), type.getShape(), shape);
  return buildParallelGeneric(
      b, loc, {value}, {map, b.getMultiDimIdentityMap(shape.size())}, init,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

FailureOr<Value> lowerMatMul(MatMulOp op, MatMulOp::Adaptor adaptor,
                             ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto resultType = op.getResult().getType();
  Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  Type element = resultType.getElementType();

  // numpy promotion of 1-D operands.
  bool lhsVector = lhsType.getRank() == 1, rhsVector = rhsType.getRank() == 1;
  if (lhsVector) {
    lhs = tensor::ExpandShapeOp::create(
        rewriter, loc, lhsType.clone({1, lhsType.getDimSize(0)}), lhs,
        SmallVector<ReassociationIndices>{{0, 1}},
        SmallVector<OpFoldResult>{rewriter.getIndexAttr(1),
                                  getDims(rewriter, loc, lhs)[0]});
    lhsType = cast<RankedTensorType>(lhs.getType());
  }
  if (rhsVector) {
    rhs = tensor::ExpandShapeOp::create(
        rewriter, loc, rhsType.clone({rhsType.getDimSize(0), 1}), rhs,
        SmallVector<ReassociationIndices>{{0, 1}},
        SmallVector<OpFoldResult>{getDims(rewriter, loc, rhs)[0],
                                  rewriter.getIndexAttr(1)});
    rhsType = cast<RankedTensorType>(rhs.getType());
  }
  SmallVector<OpFoldResult> lhsDims = getDims(rewriter, loc, lhs);
  SmallVector<OpFoldResult> rhsDims = getDims(rewriter, loc, rhs);
  checkEqual(rewriter, loc, lhsDims.back(), rhsDims[rhsDims.size() - 2], op,
             "matmul contraction dimensions differ");
  OpFoldResult m = lhsDims[lhsDims.size() - 2];
  OpFoldResult n = rhsDims.back();
  int64_t mStatic = lhsType.getDimSize(lhsType.getRank() - 2);
  int64_t nStatic = rhsType.getDimSize(rhsType.getRank() - 1);

  // The full (unpromoted) result shape, before removing promoted dims.
  SmallVector<int64_t> fullShape;
  SmallVector<OpFoldResult> fullDims;
  Value product;
  if (rhsType.getRank() == 2) {
    // [batch..., M, K] x [K, N]: one matmul over batch*M rows.
    int64_t batchRank = lhsType.getRank() - 2;
    Value rows = collapseLeading(rewriter, loc, lhs, batchRank + 1);
    auto rowsType = cast<RankedTensorType>(rows.getType());
    auto outType =
        RankedTensorType::get({rowsType.getDimSize(0), nStatic}, element);
    Value init = zeroFilled(rewriter, loc, outType,
                            {getDims(rewriter, loc, rows)[0], n});
    product = linalg::MatmulOp::create(rewriter, loc, TypeRange{outType},
                                       ValueRange{rows, rhs}, ValueRange{init})
                  .getResult(0);
    fullShape = llvm::to_vector(lhsType.getShape().drop_back());
    fullShape.push_back(nStatic);
    fullDims = llvm::to_vector(ArrayRef(lhsDims).drop_back());
    fullDims.push_back(n);
    product =
        expandLeading(rewriter, loc, product, ArrayRef(fullDims).drop_back(),
                      RankedTensorType::get(fullShape, element));
  } else {
    // Batched: broadcast the batch dims, collapse them, batch_matmul.
    auto batchShape = broadcastShapes(lhsType.getShape().drop_back(2),
                                      rhsType.getShape().drop_back(2));
    if (!batchShape)
      return rewriter.notifyMatchFailure(op, "incompatible batch dims");
    int64_t batchRank = batchShape->size();
    SmallVector<OpFoldResult> batchDims;
    for (int64_t i = 0; i < batchRank; ++i) {
      OpFoldResult size = rewriter.getIndexAttr(1);
      for (auto [dims, type] : {std::make_pair(&lhsDims, lhsType),
                                std::make_pair(&rhsDims, rhsType)}) {
        int64_t at = i - (batchRank - (type.getRank() - 2));
        if (at >= 0 && type.getDimSize(at) != 1)
          size = (*dims)[at];
      }
      if ((*batchShape)[i] != ShapedType::kDynamic)
        size = rewriter.getIndexAttr((*batchShape)[i]);
      batchDims.push_back(size);
    }
    lhs = broadcastBatch(rewriter, loc, lhs, *batchShape, batchDims, op);
    rhs = broadcastBatch(rewriter, loc, rhs, *batchShape, batchDims, op);
    Value lhs3 = collapseLeading(rewriter, loc, lhs, batchRank,
                                 /*opaque=*/true);
    Value rhs3 = collapseLeading(rewriter, loc, rhs, batchRank,
                                 /*opaque=*/true);
    auto lhs3Type = cast<RankedTensorType>(lhs3.getType());
    auto outType = RankedTensorType::get(
        {lhs3Type.getDimSize(0), mStatic, nStatic}, element);
    Value init = zeroFilled(rewriter, loc, outType,
                            {getDims(rewriter, loc, lhs3)[0], m, n});
    product =
        linalg::BatchMatmulOp::create(rewriter, loc, TypeRange{outType},
                                      ValueRange{lhs3, rhs3}, ValueRange{init})
            .getResult(0);
    fullShape = llvm::to_vector(*batchShape);
    fullShape.push_back(mStatic);
    fullShape.push_back(nStatic);
    fullDims = batchDims;
    fullDims.push_back(m);
    fullDims.push_back(n);
    product = expandLeading(rewriter, loc, product, batchDims,
                            RankedTensorType::get(fullShape, element));
  }

  // Drop the unit dims added for 1-D operands.
  if (lhsVector || rhsVector) {
    int64_t rank = fullShape.size();
    SmallVector<int64_t> dropped;
    if (lhsVector)
      dropped.push_back(rank - 2);
    if (rhsVector)
      dropped.push_back(rank - 1);
    product = dropUnitDims(rewriter, loc, product, dropped);
  }
  return castTo(rewriter, loc, product, resultType);
}

Value lowerGemm(GemmOp op, GemmOp::Adaptor adaptor,
                ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto resultType = op.getResult().getType();
  Type element = resultType.getElementType();
  auto transpose = [&](Value v) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    auto dims = getDims(rewriter, loc, v);
    auto tType = type.clone({type.getDimSize(1), type.getDimSize(0)});
    Value init = createEmpty(rewriter, loc, tType, {dims[1], dims[0]});
    return linalg::TransposeOp::create(rewriter, loc, v, init,
                                       ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  };
  Value a = op.getTransA() ? transpose(adaptor.getA()) : adaptor.getA();
  Value b = op.getTransB() ? transpose(adaptor.getB()) : adaptor.getB();
  auto aDims = getDims(rewriter, loc, a);
  auto bDims = getDims(rewriter, loc, b);
  checkEqual(rewriter, loc, aDims[1], bDims[0], op,
             "gemm contraction dimensions differ");
  auto dims =
      reconcileDims(rewriter, loc, resultType, {aDims[0], bDims[1]}, op);
  Value init = zeroFilled(rewriter, loc, resultType, dims);
  Value product = linalg::MatmulOp::create(rewriter, loc, TypeRange{resultType},
                                           ValueRange{a, b}, ValueRange{init})
                      .getResult(0);
  double alpha = op.getAlpha().convertToDouble();
  double beta = op.getBeta().convertToDouble();
  Value c = adaptor.getC();
  if (alpha == 1.0 && (!c || beta == 0.0)) {
    return product;
  }
  SmallVector<Value> inputs = {product};
  SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(2)};
  if (c && beta != 0.0) {
    auto cType = cast<RankedTensorType>(c.getType());
    inputs.push_back(c);
    maps.push_back(broadcastMap(rewriter.getContext(), cType.getShape(),
                                resultType.getShape()));
    broadcastDims(rewriter, loc, {product, c}, resultType, op);
  }
  maps.push_back(rewriter.getMultiDimIdentityMap(2));
  Value out = createEmpty(rewriter, loc, resultType, dims);
  return buildParallelGeneric(
      rewriter, loc, inputs, maps, out,
      [&](OpBuilder &builder, Location nestedLoc, ValueRange args) {
        auto mul = [&](Value x, double s) -> Value {
          if (s == 1.0)
            return x;
          Value k = scalarConstant(builder, nestedLoc, element, s);
          return createFloatOrIntOp<arith::MulFOp, arith::MulIOp>(
              builder, nestedLoc, x, k);
        };
        Value acc = mul(args[0], alpha);
        if (args.size() > 2)
          acc = createFloatOrIntOp<arith::AddFOp, arith::AddIOp>(
              builder, nestedLoc, acc, mul(args[1], beta));
        return acc;
      });
}

} // namespace

void populateContractionPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerMatMul, lowerGemm>(patterns);
}

} // namespace sinkc::lowering
