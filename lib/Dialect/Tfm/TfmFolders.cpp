//===- TfmFolders.cpp - constant folding of tfm ops -----------------------===//
//
// Folders evaluate ops whose operands are constants so that the shape, mask
// and position sub-graphs of real exports collapse once the sequence length
// is fixed. Values are evaluated in int64 or double and converted back to the
// result element type; float results are rounded once, which for the ops
// folded here (+ - * / max min, comparisons) equals float arithmetic.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Tfm/ShapeUtils.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include <cmath>

using namespace mlir;
using namespace sinkc::tfm;

namespace {

/// Folding is for shape-sized data, not weights.
constexpr int64_t kMaxFoldElements = int64_t(1) << 20;

/// A constant tensor unpacked into int64 or double values.
struct ConstTensor {
  RankedTensorType type;
  bool isFloat = false;
  SmallVector<int64_t> ints;
  SmallVector<double> floats;

  int64_t size() const { return isFloat ? floats.size() : ints.size(); }
  double asDouble(int64_t i) const { return isFloat ? floats[i] : ints[i]; }
  /// Appends element `i` of `from`, a tensor of the same kind.
  void append(const ConstTensor &from, int64_t i) {
    if (isFloat)
      floats.push_back(from.floats[i]);
    else
      ints.push_back(from.ints[i]);
  }
};

/// The elements of `from` at the linear `indices`, in order.
ConstTensor gather(const ConstTensor &from, ArrayRef<int64_t> indices) {
  ConstTensor out;
  out.isFloat = from.isFloat;
  for (int64_t index : indices)
    out.append(from, index);
  return out;
}

bool isFoldableElement(Type type) {
  if (auto i = dyn_cast<IntegerType>(type))
    return i.getWidth() <= 64;
  return type.isF32() || type.isF64();
}

std::optional<ConstTensor> readConst(Attribute attr) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(dense.getType());
  if (!type || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldElements ||
      !isFoldableElement(type.getElementType()))
    return std::nullopt;
  ConstTensor c;
  c.type = type;
  if (isa<FloatType>(type.getElementType())) {
    c.isFloat = true;
    c.floats.reserve(type.getNumElements());
    for (const APFloat &v : dense.getValues<APFloat>())
      c.floats.push_back(v.convertToDouble());
  } else {
    bool isBool = type.getElementType().isInteger(1);
    c.ints.reserve(type.getNumElements());
    for (const APInt &v : dense.getValues<APInt>())
      c.ints.push_back(isBool ? v.getZExtValue() : v.getSExtValue());
  }
  return c;
}

std::optional<ConstTensor> readConst(Value value) {
  Attribute attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return readConst(attr);
}

/// Builds the attribute of `type` from int64 or double values; nullptr if
/// the type cannot be folded.
Attribute writeConst(Type resultType, ArrayRef<int64_t> ints,
                     ArrayRef<double> floats, bool isFloat) {
  auto type = dyn_cast<RankedTensorType>(resultType);
  if (!type || !type.hasStaticShape() ||
      !isFoldableElement(type.getElementType()))
    return nullptr;
  int64_t n = type.getNumElements();
  if ((isFloat ? (int64_t)floats.size() : (int64_t)ints.size()) != n)
    return nullptr;
  Type element = type.getElementType();
  auto valueAt = [&](int64_t i) -> double {
    return isFloat ? floats[i] : (double)ints[i];
  };
  auto intAt = [&](int64_t i) -> int64_t {
    if (!isFloat)
      return ints[i];
    double v = floats[i];
    // Out-of-range float to int conversion is undefined; saturate.
    if (std::isnan(v))
      return 0;
    if (v >= 9.2233720368547758e18)
      return INT64_MAX;
    if (v <= -9.2233720368547758e18)
      return INT64_MIN;
    return (int64_t)v;
  };
  if (element.isF32()) {
    SmallVector<float> values(n);
    for (int64_t i = 0; i < n; ++i)
      values[i] = (float)valueAt(i);
    return DenseElementsAttr::get(type, ArrayRef<float>(values));
  }
  if (element.isF64()) {
    SmallVector<double> values(n);
    for (int64_t i = 0; i < n; ++i)
      values[i] = valueAt(i);
    return DenseElementsAttr::get(type, ArrayRef<double>(values));
  }
  unsigned width = element.getIntOrFloatBitWidth();
  if (width == 1) {
    SmallVector<bool> values(n);
    for (int64_t i = 0; i < n; ++i)
      values[i] = isFloat ? valueAt(i) != 0 : intAt(i) != 0;
    return DenseElementsAttr::get(type, ArrayRef<bool>(values));
  }
  SmallVector<APInt> values;
  values.reserve(n);
  for (int64_t i = 0; i < n; ++i)
    values.push_back(APInt(width, (uint64_t)intAt(i), /*isSigned=*/true,
                           /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, values);
}

Attribute writeConst(Type type, const ConstTensor &c) {
  return writeConst(type, c.ints, c.floats, c.isFloat);
}

/// Row-major strides of a static shape.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Calls `visit` with the multi-index of every element of the static `shape`,
/// in row-major order.
void forEachIndex(ArrayRef<int64_t> shape,
                  function_ref<void(ArrayRef<int64_t>)> visit) {
  int64_t rank = shape.size(), total = 1;
  for (int64_t d : shape)
    total *= d;
  SmallVector<int64_t> index(rank, 0);
  for (int64_t linear = 0; linear < total; ++linear) {
    visit(index);
    for (int64_t i = rank - 1; i >= 0; --i) {
      if (++index[i] < shape[i])
        break;
      index[i] = 0;
    }
  }
}

/// The linear index of the multi-index `index` in a layout with `strides`.
int64_t linearIndex(ArrayRef<int64_t> index, ArrayRef<int64_t> strides) {
  int64_t linear = 0;
  for (auto [i, stride] : llvm::zip_equal(index, strides))
    linear += i * stride;
  return linear;
}

/// For each element of `outShape`, the linear index into each broadcast
/// operand.
SmallVector<SmallVector<int64_t>>
broadcastIndices(ArrayRef<int64_t> outShape,
                 ArrayRef<RankedTensorType> operandTypes) {
  int64_t rank = outShape.size();
  SmallVector<SmallVector<int64_t>> operandStrides;
  for (RankedTensorType type : operandTypes) {
    SmallVector<int64_t> strides(rank, 0);
    SmallVector<int64_t> own = stridesOf(type.getShape());
    int64_t offset = rank - type.getRank();
    for (int64_t i = 0; i < type.getRank(); ++i)
      strides[offset + i] = type.getDimSize(i) == 1 ? 0 : own[i];
    operandStrides.push_back(strides);
  }
  SmallVector<SmallVector<int64_t>> result(operandTypes.size());
  forEachIndex(outShape, [&](ArrayRef<int64_t> index) {
    for (auto [k, strides] : llvm::enumerate(operandStrides))
      result[k].push_back(linearIndex(index, strides));
  });
  return result;
}

bool smallStaticResult(Value result) {
  auto type = dyn_cast<RankedTensorType>(result.getType());
  return type && type.hasStaticShape() &&
         type.getNumElements() <= kMaxFoldElements &&
         isFoldableElement(type.getElementType());
}

/// Folds an op whose `result` is a function of one constant operand `input`:
/// `compute` maps the operand's elements to the result's, or gives nullopt
/// where it does not fold.
OpFoldResult
foldUnary(Value input, Value result,
          function_ref<std::optional<ConstTensor>(ConstTensor)> compute) {
  auto constant = readConst(input);
  if (!constant || !smallStaticResult(result))
    return {};
  std::optional<ConstTensor> out = compute(std::move(*constant));
  if (!out)
    return {};
  return writeConst(result.getType(), *out);
}

/// Folds a small integer result whose elements the shape analysis knows
/// (e.g. a gather from the static part of a dynamic shape).
Attribute foldKnownInts(Value result) {
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (!type || !type.getElementType().isInteger(64))
    return nullptr;
  auto known = getPartialInts(result);
  if (!known || llvm::is_contained(*known, kDynamic))
    return nullptr;
  return writeConst(type, *known, {}, false);
}

enum class BinaryKind {
  Add,
  Sub,
  Mul,
  Div,
  Max,
  Min,
  Pow,
  Eq,
  Gt,
  Ge,
  Lt,
  Le,
  And,
  Or,
  Xor
};

/// Comparisons and logic ops give booleans; arithmetic keeps its type.
bool producesBool(BinaryKind kind) {
  switch (kind) {
  case BinaryKind::Eq:
  case BinaryKind::Gt:
  case BinaryKind::Ge:
  case BinaryKind::Lt:
  case BinaryKind::Le:
  case BinaryKind::And:
  case BinaryKind::Or:
  case BinaryKind::Xor:
    return true;
  case BinaryKind::Add:
  case BinaryKind::Sub:
  case BinaryKind::Mul:
  case BinaryKind::Div:
  case BinaryKind::Max:
  case BinaryKind::Min:
  case BinaryKind::Pow:
    return false;
  }
  llvm_unreachable("unknown BinaryKind");
}

/// The comparisons on integer and on floating-point operands; nullopt for
/// the other kinds.
template <typename T> std::optional<bool> compare(BinaryKind kind, T a, T b) {
  switch (kind) {
  case BinaryKind::Eq:
    return a == b;
  case BinaryKind::Gt:
    return a > b;
  case BinaryKind::Ge:
    return a >= b;
  case BinaryKind::Lt:
    return a < b;
  case BinaryKind::Le:
    return a <= b;
  default:
    return std::nullopt;
  }
}

OpFoldResult foldBinary(Operation *op, BinaryKind kind) {
  Value result = op->getResult(0);
  if (!smallStaticResult(result))
    return {};
  auto lhs = readConst(op->getOperand(0));
  auto rhs = readConst(op->getOperand(1));
  if (!lhs || !rhs) {
    if (Attribute known = foldKnownInts(result))
      return known;
    return {};
  }
  auto outType = cast<RankedTensorType>(result.getType());
  auto indices = broadcastIndices(outType.getShape(), {lhs->type, rhs->type});
  bool floatMath = lhs->isFloat || rhs->isFloat;
  bool boolResult = producesBool(kind);
  ConstTensor out;
  out.isFloat = floatMath && !boolResult;
  int64_t n = outType.getNumElements();
  for (int64_t i = 0; i < n; ++i) {
    int64_t li = indices[0][i], ri = indices[1][i];
    if (floatMath) {
      double a = lhs->asDouble(li), b = rhs->asDouble(ri), v = 0;
      if (std::optional<bool> holds = compare(kind, a, b)) {
        out.ints.push_back(*holds);
        continue;
      }
      switch (kind) {
      case BinaryKind::Add:
        v = a + b;
        break;
      case BinaryKind::Sub:
        v = a - b;
        break;
      case BinaryKind::Mul:
        v = a * b;
        break;
      case BinaryKind::Div:
        v = a / b;
        break;
      case BinaryKind::Max:
        v = std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
        break;
      case BinaryKind::Min:
        v = std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
        break;
      case BinaryKind::Pow:
        v = std::pow(a, b);
        break;
      default: // the logic ops take i1 operands only
        return {};
      }
      out.floats.push_back(v);
      continue;
    }
    int64_t a = lhs->ints[li], b = rhs->ints[ri], v = 0;
    if (std::optional<bool> holds = compare(kind, a, b)) {
      out.ints.push_back(*holds);
      continue;
    }
    switch (kind) {
    case BinaryKind::Add:
      v = (int64_t)((uint64_t)a + (uint64_t)b);
      break;
    case BinaryKind::Sub:
      v = (int64_t)((uint64_t)a - (uint64_t)b);
      break;
    case BinaryKind::Mul:
      v = (int64_t)((uint64_t)a * (uint64_t)b);
      break;
    case BinaryKind::Div:
      if (b == 0 || (a == INT64_MIN && b == -1))
        return {};
      v = a / b;
      break;
    case BinaryKind::Max:
      v = std::max(a, b);
      break;
    case BinaryKind::Min:
      v = std::min(a, b);
      break;
    case BinaryKind::Pow: {
      if (b < 0)
        return {};
      // Square-and-multiply modulo 2^64 (any exponent, wrapping like the
      // other integer folds).
      uint64_t p = 1, base = (uint64_t)a;
      for (uint64_t e = (uint64_t)b; e; e >>= 1) {
        if (e & 1)
          p *= base;
        base *= base;
      }
      v = (int64_t)p;
      break;
    }
    case BinaryKind::And:
      v = (a != 0) && (b != 0);
      break;
    case BinaryKind::Or:
      v = (a != 0) || (b != 0);
      break;
    case BinaryKind::Xor:
      v = (a != 0) != (b != 0);
      break;
    default:
      llvm_unreachable("comparisons are folded above");
    }
    out.ints.push_back(v);
  }
  return writeConst(outType, out);
}

} // namespace

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor) {
  auto type = getResult().getType();
  if (!type.hasStaticShape())
    return {};
  auto value = dyn_cast<DenseElementsAttr>(getValue());
  if (!value)
    return {};
  return DenseElementsAttr::get(type, value.getValues<Attribute>()[0]);
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

OpFoldResult AddOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Add);
}
OpFoldResult SubOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Sub);
}
OpFoldResult MulOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Mul);
}
OpFoldResult DivOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Div);
}
OpFoldResult MaxOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Max);
}
OpFoldResult MinOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Min);
}
OpFoldResult PowOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Pow);
}
OpFoldResult EqualOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Eq);
}
OpFoldResult GreaterOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Gt);
}
OpFoldResult GreaterOrEqualOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Ge);
}
OpFoldResult LessOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Lt);
}
OpFoldResult LessOrEqualOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Le);
}
OpFoldResult AndOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::And);
}
OpFoldResult OrOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Or);
}
OpFoldResult XorOp::fold(FoldAdaptor) {
  return foldBinary(*this, BinaryKind::Xor);
}

OpFoldResult NotOp::fold(FoldAdaptor) {
  return foldUnary(getInput(), getResult(),
                   [](ConstTensor input) -> std::optional<ConstTensor> {
                     for (int64_t &v : input.ints)
                       v = v == 0;
                     return input;
                   });
}

OpFoldResult NegOp::fold(FoldAdaptor) {
  return foldUnary(getInput(), getResult(),
                   [](ConstTensor input) -> std::optional<ConstTensor> {
                     for (double &v : input.floats)
                       v = -v;
                     for (int64_t &v : input.ints)
                       v = (int64_t)(0 - (uint64_t)v);
                     return input;
                   });
}

OpFoldResult IdentityOp::fold(FoldAdaptor) {
  if (getInput().getType() == getResult().getType())
    return getInput();
  return {};
}

OpFoldResult WhereOp::fold(FoldAdaptor) {
  Value result = getResult();
  auto cond = readConst(getCondition());
  if (cond && llvm::all_equal(cond->ints) && !cond->ints.empty()) {
    Value chosen = cond->ints.front() ? getX() : getY();
    if (chosen.getType() == result.getType())
      return chosen;
  }
  if (!cond || !smallStaticResult(result))
    return {};
  auto x = readConst(getX());
  auto y = readConst(getY());
  if (!x || !y)
    return {};
  auto outType = cast<RankedTensorType>(result.getType());
  auto indices =
      broadcastIndices(outType.getShape(), {cond->type, x->type, y->type});
  ConstTensor out;
  out.isFloat = x->isFloat;
  for (int64_t i = 0, n = outType.getNumElements(); i < n; ++i) {
    if (cond->ints[indices[0][i]])
      out.append(*x, indices[1][i]);
    else
      out.append(*y, indices[2][i]);
  }
  return writeConst(outType, out);
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getResult().getType())
    return getInput();
  auto input = readConst(getInput());
  if (!input || !smallStaticResult(getResult())) {
    if (Attribute known = foldKnownInts(getResult()))
      return known;
    return {};
  }
  Type to = getResult().getType().getElementType();
  if (isa<FloatType>(to)) {
    ConstTensor out;
    out.isFloat = true;
    for (int64_t i = 0; i < input->size(); ++i)
      out.floats.push_back(input->asDouble(i));
    return writeConst(getResult().getType(), out);
  }
  ConstTensor out;
  bool toBool = to.isInteger(1);
  for (int64_t i = 0; i < input->size(); ++i) {
    if (toBool) {
      out.ints.push_back(input->asDouble(i) != 0);
      continue;
    }
    if (input->isFloat) {
      double v = input->floats[i];
      if (!std::isfinite(v) || std::fabs(v) >= 9.2e18)
        return {}; // undefined in ONNX; leave it to run time.
      out.ints.push_back((int64_t)v);
    } else {
      out.ints.push_back(input->ints[i]);
    }
  }
  return writeConst(getResult().getType(), out);
}

//===----------------------------------------------------------------------===//
// Scans
//===----------------------------------------------------------------------===//

OpFoldResult CumSumOp::fold(FoldAdaptor) {
  return foldUnary(
      getInput(), getResult(),
      [&](ConstTensor input) -> std::optional<ConstTensor> {
        ArrayRef<int64_t> shape = input.type.getShape();
        int64_t axis = getInputAxis(*this);
        SmallVector<int64_t> strides = stridesOf(shape);
        int64_t len = shape[axis], stride = strides[axis];
        int64_t total = input.size();
        ConstTensor out = input;
        for (int64_t base = 0; base < total; ++base) {
          // Visit each line along `axis` once, from its first element.
          if ((base / stride) % len != 0)
            continue;
          double fsum = 0;
          int64_t isum = 0;
          for (int64_t j = 0; j < len; ++j) {
            int64_t k = getReverse() ? len - 1 - j : j;
            int64_t index = base + k * stride;
            auto store = [&] {
              if (out.isFloat)
                out.floats[index] = fsum;
              else
                out.ints[index] = isum;
            };
            if (getExclusive())
              store();
            fsum += input.isFloat ? input.floats[index] : 0;
            isum = (int64_t)((uint64_t)isum +
                             (uint64_t)(input.isFloat ? 0 : input.ints[index]));
            if (!getExclusive())
              store();
          }
        }
        return out;
      });
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

OpFoldResult ShapeOp::fold(FoldAdaptor) { return foldKnownInts(getResult()); }

/// Reshape-like ops keep the element order: a constant operand folds to the
/// same data with the result type, and a no-op reshape folds to its operand.
static OpFoldResult foldReshapeLike(Value input, Value result) {
  if (input.getType() == result.getType() &&
      cast<RankedTensorType>(input.getType()).hasStaticShape())
    return input;
  auto type = cast<RankedTensorType>(result.getType());
  if (!type.hasStaticShape())
    return {};
  Attribute attr;
  if (!matchPattern(input, m_Constant(&attr)))
    return foldKnownInts(result);
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    if (dense.getNumElements() == type.getNumElements())
      return dense.reshape(type);
  return {};
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  return foldReshapeLike(getInput(), getResult());
}
OpFoldResult SqueezeOp::fold(FoldAdaptor) {
  return foldReshapeLike(getInput(), getResult());
}
OpFoldResult UnsqueezeOp::fold(FoldAdaptor) {
  return foldReshapeLike(getInput(), getResult());
}
OpFoldResult FlattenOp::fold(FoldAdaptor) {
  return foldReshapeLike(getInput(), getResult());
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPerm();
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm))
    identity &= (int64_t)i == p;
  if (identity && getInput().getType() == getResult().getType())
    return getInput();
  return foldUnary(
      getInput(), getResult(),
      [&](ConstTensor input) -> std::optional<ConstTensor> {
        // Result dimension i walks input dimension perm[i].
        SmallVector<int64_t> inStrides = stridesOf(input.type.getShape());
        SmallVector<int64_t> strides;
        for (int64_t p : perm)
          strides.push_back(inStrides[p]);
        SmallVector<int64_t> indices;
        forEachIndex(getResult().getType().getShape(),
                     [&](ArrayRef<int64_t> index) {
                       indices.push_back(linearIndex(index, strides));
                     });
        return gather(input, indices);
      });
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1 &&
      getInputs().front().getType() == getResult().getType())
    return getInputs().front();
  if (!smallStaticResult(getResult()))
    return {};
  SmallVector<ConstTensor> inputs;
  for (Value input : getInputs()) {
    auto c = readConst(input);
    if (!c)
      return foldKnownInts(getResult());
    inputs.push_back(*c);
  }
  auto outType = getResult().getType();
  int64_t axis = *normalizeAxis(getAxis(), outType.getRank());
  // outer x (axis..end) blocks, appended input by input.
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= outType.getDimSize(i);
  ConstTensor out;
  out.isFloat = inputs.front().isFloat;
  for (int64_t o = 0; o < outer; ++o) {
    for (const ConstTensor &in : inputs) {
      int64_t block = outer ? in.size() / outer : 0;
      for (int64_t j = 0; j < block; ++j)
        out.append(in, o * block + j);
    }
  }
  return writeConst(outType, out);
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() == getResult().getType() &&
      getResult().getType().hasStaticShape()) {
    // Slicing a full dimension with step 1 is the identity.
    auto steps = getConstantInts(getSteps());
    if (steps && llvm::all_of(*steps, [](int64_t s) { return s == 1; }))
      return getInput();
  }
  auto input = readConst(getInput());
  auto starts = getConstantInts(getStarts());
  auto axes = getConstantInts(getAxes());
  auto steps = getConstantInts(getSteps());
  if (!input || !starts || !axes || !steps || !smallStaticResult(getResult()))
    return foldKnownInts(getResult());
  ArrayRef<int64_t> inShape = input->type.getShape();
  int64_t rank = inShape.size();
  SmallVector<int64_t> begin(rank, 0), stride(rank, 1);
  for (auto [i, axisValue] : llvm::enumerate(*axes)) {
    int64_t axis = *normalizeAxis(axisValue, rank);
    begin[axis] = sliceStart(inShape[axis], (*starts)[i], (*steps)[i]);
    stride[axis] = (*steps)[i];
  }
  // Result element `index` is input element begin + index * stride.
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  int64_t offset = linearIndex(begin, inStrides);
  SmallVector<int64_t> elementStrides;
  for (int64_t i = 0; i < rank; ++i)
    elementStrides.push_back(stride[i] * inStrides[i]);
  SmallVector<int64_t> indices;
  forEachIndex(getResult().getType().getShape(), [&](ArrayRef<int64_t> index) {
    indices.push_back(offset + linearIndex(index, elementStrides));
  });
  return writeConst(getResult().getType(), gather(*input, indices));
}

OpFoldResult ExpandOp::fold(FoldAdaptor) {
  if (getInput().getType() == getResult().getType() &&
      getResult().getType().hasStaticShape())
    return getInput();
  return foldUnary(
      getInput(), getResult(),
      [&](ConstTensor input) -> std::optional<ConstTensor> {
        return gather(input, broadcastIndices(getResult().getType().getShape(),
                                              {input.type})[0]);
      });
}

OpFoldResult RangeOp::fold(FoldAdaptor) {
  auto start = readConst(getStart());
  auto limit = readConst(getLimit());
  auto delta = readConst(getDelta());
  if (!start || !limit || !delta || !smallStaticResult(getResult()))
    return {};
  ConstTensor out;
  out.isFloat = start->isFloat;
  int64_t n = getResult().getType().getNumElements();
  for (int64_t i = 0; i < n; ++i) {
    if (out.isFloat)
      out.floats.push_back(start->floats[0] + i * delta->floats[0]);
    else
      out.ints.push_back(start->ints[0] + i * delta->ints[0]);
  }
  return writeConst(getResult().getType(), out);
}

OpFoldResult TriluOp::fold(FoldAdaptor) {
  return foldUnary(getInput(), getResult(),
                   [&](ConstTensor out) -> std::optional<ConstTensor> {
                     ArrayRef<int64_t> shape = out.type.getShape();
                     int64_t rows = shape[shape.size() - 2],
                             cols = shape.back();
                     for (int64_t i = 0; i < out.size(); ++i) {
                       int64_t col = i % cols, row = (i / cols) % rows;
                       int64_t k = getK();
                       bool keep = getUpper() ? col - row >= k : col - row <= k;
                       if (keep)
                         continue;
                       if (out.isFloat)
                         out.floats[i] = 0;
                       else
                         out.ints[i] = 0;
                     }
                     return out;
                   });
}

OpFoldResult GatherOp::fold(FoldAdaptor) {
  if (!smallStaticResult(getResult()))
    return {};
  auto data = readConst(getData());
  auto indices = readConst(getIndices());
  if (!data || !indices)
    return foldKnownInts(getResult());
  ArrayRef<int64_t> shape = data->type.getShape();
  int64_t axis = *normalizeAxis(getAxis(), shape.size());
  int64_t outer = 1, inner = 1, len = shape[axis];
  for (int64_t i = 0; i < axis; ++i)
    outer *= shape[i];
  for (int64_t i = axis + 1; i < (int64_t)shape.size(); ++i)
    inner *= shape[i];
  SmallVector<int64_t> at;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t index : indices->ints) {
      if (index < -len || index >= len)
        return {}; // an out-of-range index is a run-time error.
      if (index < 0)
        index += len;
      for (int64_t j = 0; j < inner; ++j)
        at.push_back((o * len + index) * inner + j);
    }
  }
  return writeConst(getResult().getType(), gather(*data, at));
}

OpFoldResult GatherNDOp::fold(FoldAdaptor) {
  auto data = readConst(getData());
  auto indices = readConst(getIndices());
  if (!data || !indices || !smallStaticResult(getResult()))
    return {};
  ArrayRef<int64_t> dataShape = data->type.getShape();
  ArrayRef<int64_t> indexShape = indices->type.getShape();
  int64_t batchDims = getBatchDims();
  int64_t depth = indexShape.back();
  int64_t batch = 1;
  for (int64_t i = 0; i < batchDims; ++i)
    batch *= dataShape[i];
  int64_t tuplesPerBatch = 1;
  for (int64_t i = batchDims; i + 1 < (int64_t)indexShape.size(); ++i)
    tuplesPerBatch *= indexShape[i];
  int64_t slice = 1;
  for (int64_t i = batchDims + depth; i < (int64_t)dataShape.size(); ++i)
    slice *= dataShape[i];
  SmallVector<int64_t> dataStrides = stridesOf(dataShape);
  int64_t batchStride = batchDims ? dataStrides[batchDims - 1] : 0;
  SmallVector<int64_t> at;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < tuplesPerBatch; ++t) {
      int64_t base = b * batchStride;
      for (int64_t d = 0; d < depth; ++d) {
        int64_t index = indices->ints[(b * tuplesPerBatch + t) * depth + d];
        int64_t dim = dataShape[batchDims + d];
        if (index < -dim || index >= dim)
          return {};
        if (index < 0)
          index += dim;
        base += index * dataStrides[batchDims + d];
      }
      for (int64_t j = 0; j < slice; ++j)
        at.push_back(base + j);
    }
  }
  return writeConst(getResult().getType(), gather(*data, at));
}
