//===- LoweringUtils.cpp - helpers shared by the tfm lowerings ------------===//

#include "LoweringUtils.h"
#include "sinkc/Support/Location.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/IR/Matchers.h"

namespace sinkc::lowering {

std::string nodeDescription(Operation *op) {
  StringRef name = onnxNodeName(op->getLoc());
  std::string text = op->getName().getStringRef().str();
  if (!name.empty())
    text += " (ONNX node '" + name.str() + "')";
  return text;
}

SmallVector<OpFoldResult> getDims(OpBuilder &b, Location loc, Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> dims) {
  SmallVector<Value> dynamic;
  for (auto [i, size] : llvm::enumerate(type.getShape()))
    if (size == ShapedType::kDynamic)
      dynamic.push_back(toIndex(b, loc, dims[i]));
  return tensor::EmptyOp::create(b, loc, type, dynamic);
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<OpFoldResult> dims, Attribute value) {
  Value empty = createEmpty(b, loc, type, dims);
  Value scalar = arith::ConstantOp::create(b, loc, cast<TypedAttr>(value));
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

bool hasStaticZeroDim(RankedTensorType type) {
  return llvm::is_contained(type.getShape(), 0);
}

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value toIndex(OpBuilder &b, Location loc, OpFoldResult value) {
  return getValueOrCreateConstantIndexOp(b, loc, value);
}

void checkEqual(OpBuilder &b, Location loc, OpFoldResult actual,
                OpFoldResult expected, Operation *origin, const Twine &what) {
  std::optional<int64_t> a = getConstantIntValue(actual);
  std::optional<int64_t> e = getConstantIntValue(expected);
  if (a && e && *a == *e)
    return;
  if (!isa<Attribute>(actual) && !isa<Attribute>(expected) &&
      cast<Value>(actual) == cast<Value>(expected))
    return;
  Value cond =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                            toIndex(b, loc, actual), toIndex(b, loc, expected));
  cf::AssertOp::create(b, loc, cond,
                       "sinkc: shape check failed in " +
                           nodeDescription(origin) + ": " + what.str());
}

void checkTrue(OpBuilder &b, Location loc, Value condition, Operation *origin,
               const Twine &what) {
  cf::AssertOp::create(b, loc, condition,
                       "sinkc: check failed in " + nodeDescription(origin) +
                           ": " + what.str());
}

void checkElementCount(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> dims,
                       Operation *origin) {
  if (llvm::all_of(dims, [](OpFoldResult dim) {
        return getConstantIntValue(dim).has_value();
      }))
    return;
  // count <= limit / size keeps the running product below 2^40 (so it never
  // wraps); a zero size makes any shape empty, hence fine.
  Value limit = indexConstant(b, loc, kMaxElements);
  Value zero = indexConstant(b, loc, 0);
  Value one = indexConstant(b, loc, 1);
  Value count = one;
  Value fits = arith::ConstantIntOp::create(b, loc, 1, 1);
  Value empty = arith::ConstantIntOp::create(b, loc, 0, 1);
  for (OpFoldResult dim : dims) {
    Value size = toIndex(b, loc, dim);
    empty = arith::OrIOp::create(
        b, loc, empty,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size, zero));
    Value divisor = arith::MaxSIOp::create(b, loc, size, one);
    fits = arith::AndIOp::create(
        b, loc, fits,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, count,
                              arith::DivUIOp::create(b, loc, limit, divisor)));
    count = arith::MulIOp::create(b, loc, count, divisor);
  }
  checkTrue(b, loc, arith::OrIOp::create(b, loc, fits, empty), origin,
            "the result would have more than 2^40 elements");
}

SmallVector<OpFoldResult> reconcileDims(OpBuilder &b, Location loc,
                                        RankedTensorType declared,
                                        ArrayRef<OpFoldResult> computed,
                                        Operation *origin) {
  SmallVector<OpFoldResult> dims;
  for (auto [i, size] : llvm::enumerate(declared.getShape())) {
    if (size == ShapedType::kDynamic) {
      dims.push_back(computed[i]);
      continue;
    }
    OpFoldResult fixed = b.getIndexAttr(size);
    checkEqual(b, loc, computed[i], fixed, origin,
               "result dimension " + Twine(i) + " must be " + Twine(size));
    dims.push_back(fixed);
  }
  return dims;
}

Value castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

Value extractIndex(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> indices;
  if (type.getRank() == 1)
    indices.push_back(indexConstant(b, loc, i));
  Value element = tensor::ExtractOp::create(b, loc, tensor, indices);
  if (!element.getType().isIndex())
    element = arith::IndexCastOp::create(b, loc, b.getIndexType(), element);
  return element;
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(type, (int64_t)value));
}

Value buildParallelGeneric(
    OpBuilder &b, Location loc, ValueRange inputs, ArrayRef<AffineMap> maps,
    Value init, function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto type = cast<RankedTensorType>(init.getType());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args);
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

AffineMap broadcastMap(MLIRContext *context, ArrayRef<int64_t> operandShape,
                       ArrayRef<int64_t> resultShape) {
  int64_t resultRank = resultShape.size();
  int64_t offset = resultRank - operandShape.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(operandShape)) {
    int64_t resultSize = resultShape[offset + i];
    if (size == 1 && resultSize != 1)
      exprs.push_back(getAffineConstantExpr(0, context));
    else if (size != ShapedType::kDynamic && resultSize == 1)
      exprs.push_back(getAffineConstantExpr(0, context));
    else
      exprs.push_back(getAffineDimExpr(offset + i, context));
  }
  return AffineMap::get(resultRank, 0, exprs, context);
}

SmallVector<OpFoldResult> broadcastDims(OpBuilder &b, Location loc,
                                        ValueRange operands,
                                        RankedTensorType resultType,
                                        Operation *origin) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> dims;
  for (int64_t i = 0; i < rank; ++i) {
    OpFoldResult size;
    if (!resultType.isDynamicDim(i))
      size = b.getIndexAttr(resultType.getDimSize(i));
    // Every operand dimension that is not a static 1 must equal the result.
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t at = i - (rank - type.getRank());
      if (at < 0 || type.getDimSize(at) == 1)
        continue;
      if (resultType.getDimSize(i) == 1)
        continue;
      OpFoldResult operandSize =
          type.isDynamicDim(at)
              ? OpFoldResult(
                    tensor::DimOp::create(b, loc, operand, at).getResult())
              : OpFoldResult(b.getIndexAttr(type.getDimSize(at)));
      if (!size) {
        size = operandSize;
        continue;
      }
      checkEqual(b, loc, operandSize, size, origin,
                 "broadcast dimension " + Twine(i) +
                     " differs between operands (a dynamic dimension of "
                     "size 1 cannot be broadcast)");
    }
    if (!size)
      size = b.getIndexAttr(1);
    dims.push_back(size);
  }
  return dims;
}

Value expandShape(OpBuilder &b, Location loc, Value value,
                  RankedTensorType resultType,
                  ArrayRef<ReassociationIndices> reassociation,
                  ArrayRef<OpFoldResult> sizes) {
  bool splitsDynamic = llvm::any_of(reassociation, [&](const auto &group) {
    return llvm::count_if(group, [&](int64_t i) {
             return resultType.isDynamicDim(i);
           }) > 1;
  });
  if (!splitsDynamic)
    return tensor::ExpandShapeOp::create(b, loc, resultType, value,
                                         reassociation, sizes);
  SmallVector<Value> elements;
  for (OpFoldResult size : sizes)
    elements.push_back(toIndex(b, loc, size));
  Value shape = tensor::FromElementsOp::create(
      b, loc, RankedTensorType::get({(int64_t)sizes.size()}, b.getIndexType()),
      elements);
  return tensor::ReshapeOp::create(b, loc, resultType, value, shape);
}

Value reshapeScalar(OpBuilder &b, Location loc, Value scalar,
                    RankedTensorType resultType) {
  Value element = tensor::ExtractOp::create(b, loc, scalar, ValueRange{});
  return tensor::FromElementsOp::create(b, loc, resultType, element);
}

SmallVector<ReassociationIndices>
unitDimReassociation(int64_t rank, ArrayRef<int64_t> positions) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t i = 0; i < rank; ++i) {
    if (llvm::is_contained(positions, i)) {
      if (groups.empty())
        pending.push_back(i);
      else
        groups.back().push_back(i);
      continue;
    }
    pending.push_back(i);
    groups.push_back(pending);
    pending.clear();
  }
  return groups;
}

Value insertUnitDims(OpBuilder &b, Location loc, Value value,
                     ArrayRef<int64_t> positions, RankedTensorType resultType) {
  auto type = cast<RankedTensorType>(value.getType());
  if (positions.empty())
    return castTo(b, loc, value, resultType);
  if (type.getRank() == 0)
    return reshapeScalar(b, loc, value, resultType);
  SmallVector<OpFoldResult> inputDims = getDims(b, loc, value);
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  int64_t next = 0;
  for (int64_t i = 0; i < resultType.getRank(); ++i) {
    if (llvm::is_contained(positions, i)) {
      sizes.push_back(b.getIndexAttr(1));
      shape.push_back(1);
      continue;
    }
    sizes.push_back(inputDims[next]);
    shape.push_back(type.getDimSize(next));
    ++next;
  }
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, type.clone(shape), value,
      unitDimReassociation(resultType.getRank(), positions), sizes);
  return castTo(b, loc, expanded, resultType);
}

Value dropUnitDims(OpBuilder &b, Location loc, Value value,
                   ArrayRef<int64_t> positions) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (!llvm::is_contained(positions, i))
      shape.push_back(type.getDimSize(i));
  return tensor::CollapseShapeOp::create(
      b, loc, type.clone(shape), value,
      unitDimReassociation(type.getRank(), positions));
}

} // namespace sinkc::lowering
