//===- ShapeUtils.cpp - ONNX shape rules shared by tfm --------------------===//

#include "sinkc/Dialect/Tfm/ShapeUtils.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace sinkc::tfm {

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                    ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l == r)
      result[i] = l;
    else if (l == 1)
      result[i] = r;
    else if (r == 1)
      result[i] = l;
    else if (l == kDynamic)
      result[i] = r;
    else if (r == kDynamic)
      result[i] = l;
    else
      return std::nullopt;
  }
  return result;
}

bool broadcastsTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  ArrayRef<int64_t> aligned = to.take_back(from.size());
  for (auto [f, t] : llvm::zip(from, aligned))
    if (f != 1 && f != t && f != kDynamic && t != kDynamic)
      return false;
  return true;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

static std::optional<SmallVector<int64_t>> intsOfAttr(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  SmallVector<int64_t> values;
  values.reserve(dense.getNumElements());
  for (const APInt &v : dense.getValues<APInt>())
    values.push_back(v.getBitWidth() == 1 ? v.getZExtValue()
                                          : v.getSExtValue());
  return values;
}

std::optional<SmallVector<int64_t>> getConstantInts(Value value) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return intsOfAttr(attr);
}

// Shape tensors are tiny; bound the work on anything else.
static constexpr int64_t kMaxPartialElements = 64;

std::optional<SmallVector<int64_t>> getPartialInts(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape() ||
      type.getNumElements() > kMaxPartialElements ||
      !type.getElementType().isInteger())
    return std::nullopt;
  if (auto ints = getConstantInts(value))
    return ints;

  Operation *def = value.getDefiningOp();
  if (!def)
    return SmallVector<int64_t>(type.getNumElements(), kDynamic);

  if (auto shape = dyn_cast<ShapeOp>(def)) {
    auto inputType = cast<RankedTensorType>(shape.getInput().getType());
    auto [start, end] =
        shapeDimRange(inputType.getRank(), shape.getStart(), shape.getEnd());
    SmallVector<int64_t> dims;
    for (int64_t i = start; i < end; ++i)
      dims.push_back(inputType.getDimSize(i));
    return dims;
  }
  if (auto concat = dyn_cast<ConcatOp>(def)) {
    SmallVector<int64_t> all;
    for (Value input : concat.getInputs()) {
      auto part = getPartialInts(input);
      if (!part)
        return SmallVector<int64_t>(type.getNumElements(), kDynamic);
      all.append(*part);
    }
    return all;
  }
  if (isa<SqueezeOp, UnsqueezeOp, ReshapeOp, CastOp, IdentityOp>(def)) {
    // Same elements, another shape (or an integer cast that keeps them).
    auto inner = getPartialInts(def->getOperand(0));
    if (inner && (int64_t)inner->size() == type.getNumElements())
      return inner;
    return SmallVector<int64_t>(type.getNumElements(), kDynamic);
  }
  if (auto gather = dyn_cast<GatherOp>(def)) {
    auto data = getPartialInts(gather.getData());
    auto indices = getConstantInts(gather.getIndices());
    if (data && indices && (int64_t)indices->size() == type.getNumElements()) {
      SmallVector<int64_t> picked;
      int64_t n = data->size();
      for (int64_t index : *indices) {
        if (index < -n || index >= n)
          return std::nullopt;
        picked.push_back((*data)[index < 0 ? index + n : index]);
      }
      return picked;
    }
  }
  if (auto slice = dyn_cast<SliceOp>(def)) {
    auto data = getPartialInts(slice.getInput());
    auto starts = getConstantInts(slice.getStarts());
    auto ends = getConstantInts(slice.getEnds());
    auto steps = getConstantInts(slice.getSteps());
    if (data && starts && ends && steps && starts->size() == 1 &&
        ends->size() == 1 && steps->size() == 1 && (*steps)[0] != 0) {
      int64_t n = data->size(), step = (*steps)[0];
      int64_t start = sliceStart(n, (*starts)[0], step);
      int64_t length = sliceLength(n, (*starts)[0], (*ends)[0], step);
      SmallVector<int64_t> picked;
      for (int64_t i = 0; i < length; ++i)
        picked.push_back((*data)[start + i * step]);
      return picked;
    }
  }
  if (isa<AddOp, SubOp, MulOp>(def)) {
    auto lhs = getPartialInts(def->getOperand(0));
    auto rhs = getPartialInts(def->getOperand(1));
    int64_t n = type.getNumElements();
    if (lhs && rhs && (lhs->size() == 1 || (int64_t)lhs->size() == n) &&
        (rhs->size() == 1 || (int64_t)rhs->size() == n)) {
      SmallVector<int64_t> out;
      for (int64_t i = 0; i < n; ++i) {
        int64_t a = (*lhs)[lhs->size() == 1 ? 0 : i];
        int64_t b = (*rhs)[rhs->size() == 1 ? 0 : i];
        if (a == kDynamic || b == kDynamic)
          out.push_back(kDynamic);
        else if (isa<AddOp>(def))
          out.push_back(a + b);
        else if (isa<SubOp>(def))
          out.push_back(a - b);
        else
          out.push_back(a * b);
      }
      return out;
    }
  }
  // Shape arithmetic of legacy exports: where(equal(shape, -1), 1, shape).
  // Booleans are 0/1, unknown elements stay kDynamic.
  auto elementAt = [](ArrayRef<int64_t> values, int64_t i) {
    return values.size() == 1 ? values[0] : values[i];
  };
  auto sized = [&](const std::optional<SmallVector<int64_t>> &v) {
    return v && (v->size() == 1 || (int64_t)v->size() == type.getNumElements());
  };
  if (isa<EqualOp>(def)) {
    auto lhs = getPartialInts(def->getOperand(0));
    auto rhs = getPartialInts(def->getOperand(1));
    if (sized(lhs) && sized(rhs)) {
      SmallVector<int64_t> out;
      for (int64_t i = 0; i < type.getNumElements(); ++i) {
        int64_t a = elementAt(*lhs, i), b = elementAt(*rhs, i);
        out.push_back(a == kDynamic || b == kDynamic ? kDynamic : a == b);
      }
      return out;
    }
  }
  if (auto where = dyn_cast<WhereOp>(def)) {
    auto cond = getPartialInts(where.getCondition());
    auto x = getPartialInts(where.getX());
    auto y = getPartialInts(where.getY());
    if (sized(cond) && sized(x) && sized(y)) {
      SmallVector<int64_t> out;
      for (int64_t i = 0; i < type.getNumElements(); ++i) {
        int64_t c = elementAt(*cond, i), a = elementAt(*x, i),
                b = elementAt(*y, i);
        if (c == kDynamic)
          out.push_back(a == b ? a : kDynamic);
        else
          out.push_back(c ? a : b);
      }
      return out;
    }
  }
  return SmallVector<int64_t>(type.getNumElements(), kDynamic);
}

std::optional<SmallVector<int64_t>> inferReshape(ArrayRef<int64_t> inputShape,
                                                 ArrayRef<int64_t> requested,
                                                 bool allowZero) {
  SmallVector<int64_t> result(requested.begin(), requested.end());
  int64_t inferredIndex = -1;
  for (auto [i, dim] : llvm::enumerate(requested)) {
    if (dim == 0 && !allowZero) {
      if ((int64_t)i >= (int64_t)inputShape.size())
        return std::nullopt;
      result[i] = inputShape[i];
    } else if (dim == -1) {
      if (inferredIndex >= 0)
        return std::nullopt;
      inferredIndex = i;
    } else if (dim < -1 && dim != kDynamic) {
      return std::nullopt;
    }
  }
  if (inferredIndex < 0)
    return result;
  // Solve for the -1 when every other size is known. The requested sizes
  // come from the model's constants, so their product may exceed int64:
  // then only an empty input fits (and the -1 is 0).
  int64_t total = 1, known = 1;
  bool staticTotal = true, staticKnown = true, knownZero = false;
  bool totalOverflow = false, knownOverflow = false;
  for (int64_t dim : inputShape) {
    if (dim == kDynamic)
      staticTotal = false;
    else
      totalOverflow |= llvm::MulOverflow(total, dim, total);
  }
  for (auto [i, dim] : llvm::enumerate(result)) {
    if ((int64_t)i == inferredIndex)
      continue;
    if (dim == kDynamic)
      staticKnown = false;
    else if (dim == 0)
      knownZero = true;
    else
      knownOverflow |= llvm::MulOverflow(known, dim, known);
  }
  if (staticTotal && staticKnown) {
    if (knownZero || totalOverflow)
      return std::nullopt;
    if (knownOverflow) {
      if (total != 0)
        return std::nullopt;
      result[inferredIndex] = 0;
    } else if (total % known != 0) {
      return std::nullopt;
    } else {
      result[inferredIndex] = total / known;
    }
  } else {
    result[inferredIndex] = kDynamic;
  }
  return result;
}

int64_t sliceStart(int64_t dim, int64_t start, int64_t step) {
  // A negative index plus a non-negative size cannot overflow.
  if (start < 0)
    start += dim;
  if (step > 0)
    return std::clamp<int64_t>(start, 0, dim);
  return std::clamp<int64_t>(start, 0, dim - 1);
}

int64_t sliceLength(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (step == 0)
    return 0;
  // Keeps -step representable; any step this large selects at most one.
  step = std::max<int64_t>(step, INT64_MIN + 1);
  int64_t s = sliceStart(dim, start, step);
  if (end < 0)
    end += dim;
  if (step > 0) {
    int64_t e = std::clamp<int64_t>(end, 0, dim);
    return e > s ? (e - s - 1) / step + 1 : 0;
  }
  int64_t e = std::clamp<int64_t>(end, -1, dim - 1);
  return s > e ? (s - e - 1) / (-step) + 1 : 0;
}

std::pair<int64_t, int64_t> shapeDimRange(int64_t rank, int64_t start,
                                          std::optional<int64_t> end) {
  auto clamp = [&](int64_t index) {
    return std::clamp<int64_t>(index < 0 ? index + rank : index, 0, rank);
  };
  int64_t first = clamp(start);
  return {first, std::max(first, clamp(end.value_or(rank)))};
}

} // namespace sinkc::tfm
