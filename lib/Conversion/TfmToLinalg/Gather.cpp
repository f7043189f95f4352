//===- Gather.cpp - tfm.gather and tfm.gather_nd to linalg ----------------===//
//
// Gathers are linalg.generic ops over the result whose body reads the index
// operand and extracts from the data tensor. Indices are normalised (negative
// counts from the end) and bounds-checked at run time: an out-of-range token
// id or index must stop the program, never read out of bounds.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sinkc/Dialect/Tfm/ShapeUtils.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"

namespace sinkc::lowering {
namespace {

using namespace sinkc::tfm;

/// Normalises and bounds-checks one index against a dimension size.
Value checkedIndex(OpBuilder &b, Location loc, Value raw, Value size,
                   Operation *origin) {
  Value index =
      raw.getType().isIndex()
          ? raw
          : Value(arith::IndexCastOp::create(b, loc, b.getIndexType(), raw));
  Value zero = indexConstant(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  index = arith::SelectOp::create(
      b, loc, negative, arith::AddIOp::create(b, loc, index, size), index);
  Value inRange = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index, zero),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, size));
  checkTrue(b, loc, inRange, origin, "index out of range");
  return index;
}

Value lowerGather(GatherOp op, GatherOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value data = adaptor.getData(), indices = adaptor.getIndices();
  auto dataType = cast<RankedTensorType>(data.getType());
  auto indicesType = cast<RankedTensorType>(indices.getType());
  auto type = op.getResult().getType();
  int64_t axis = *normalizeAxis(op.getAxis(), dataType.getRank());
  int64_t q = indicesType.getRank();
  SmallVector<OpFoldResult> dataDims = getDims(rewriter, loc, data);
  SmallVector<OpFoldResult> indexDims = getDims(rewriter, loc, indices);
  SmallVector<OpFoldResult> computed(dataDims.begin(), dataDims.begin() + axis);
  llvm::append_range(computed, indexDims);
  llvm::append_range(computed, ArrayRef(dataDims).drop_front(axis + 1));
  auto dims = reconcileDims(rewriter, loc, type, computed, op);
  Value init = createEmpty(rewriter, loc, type, dims);
  int64_t rank = type.getRank();
  MLIRContext *context = rewriter.getContext();
  SmallVector<AffineExpr> indexExprs;
  for (int64_t i = 0; i < q; ++i)
    indexExprs.push_back(getAffineDimExpr(axis + i, context));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, indexExprs, context),
                                 rewriter.getMultiDimIdentityMap(rank)};
  Value axisSize = toIndex(rewriter, loc, dataDims[axis]);
  Operation *origin = op;
  return buildParallelGeneric(
      rewriter, loc, {indices}, maps, init,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        Value index = checkedIndex(b, nestedLoc, args[0], axisSize, origin);
        SmallVector<Value> at;
        for (int64_t i = 0; i < axis; ++i)
          at.push_back(linalg::IndexOp::create(b, nestedLoc, i));
        at.push_back(index);
        for (int64_t i = axis + 1; i < dataType.getRank(); ++i)
          at.push_back(linalg::IndexOp::create(b, nestedLoc, i - 1 + q));
        return tensor::ExtractOp::create(b, nestedLoc, data, at);
      });
}

Value lowerGatherND(GatherNDOp op, GatherNDOp::Adaptor adaptor,
                    ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  Value data = adaptor.getData(), indices = adaptor.getIndices();
  auto indicesType = cast<RankedTensorType>(indices.getType());
  auto type = op.getResult().getType();
  int64_t batchDims = op.getBatchDims();
  int64_t depth = indicesType.getDimSize(indicesType.getRank() - 1);
  int64_t tupleRank = indicesType.getRank() - 1;
  SmallVector<OpFoldResult> dataDims = getDims(rewriter, loc, data);
  SmallVector<OpFoldResult> indexDims = getDims(rewriter, loc, indices);
  for (int64_t i = 0; i < batchDims; ++i)
    checkEqual(rewriter, loc, indexDims[i], dataDims[i], op,
               "gather_nd batch dimensions differ");
  SmallVector<OpFoldResult> computed(indexDims.begin(), indexDims.end() - 1);
  llvm::append_range(computed,
                     ArrayRef(dataDims).drop_front(batchDims + depth));
  auto dims = reconcileDims(rewriter, loc, type, computed, op);
  Value init = createEmpty(rewriter, loc, type, dims);
  int64_t rank = type.getRank();
  SmallVector<Value> sizes;
  for (OpFoldResult d : dataDims)
    sizes.push_back(toIndex(rewriter, loc, d));
  Operation *origin = op;
  return buildParallelGeneric(
      rewriter, loc, {}, {rewriter.getMultiDimIdentityMap(rank)}, init,
      [&](OpBuilder &b, Location nestedLoc, ValueRange) -> Value {
        SmallVector<Value> tuple;
        for (int64_t i = 0; i < tupleRank; ++i)
          tuple.push_back(linalg::IndexOp::create(b, nestedLoc, i));
        SmallVector<Value> at;
        for (int64_t i = 0; i < batchDims; ++i)
          at.push_back(tuple[i]);
        for (int64_t d = 0; d < depth; ++d) {
          SmallVector<Value> where = tuple;
          where.push_back(indexConstant(b, nestedLoc, d));
          Value raw = tensor::ExtractOp::create(b, nestedLoc, indices, where);
          at.push_back(
              checkedIndex(b, nestedLoc, raw, sizes[batchDims + d], origin));
        }
        for (int64_t i = tupleRank; i < rank; ++i)
          at.push_back(linalg::IndexOp::create(b, nestedLoc, i));
        return tensor::ExtractOp::create(b, nestedLoc, data, at);
      });
}

} // namespace

void populateGatherPatterns(RewritePatternSet &patterns) {
  addLowerings<lowerGather, lowerGatherND>(patterns);
}

} // namespace sinkc::lowering
