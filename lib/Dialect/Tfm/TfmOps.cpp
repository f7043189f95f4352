//===- TfmOps.cpp - tfm type inference and verifiers ----------------------===//
//
// Result-type inference follows the ONNX shape-inference rules of each
// operator. Static dimensions are inferred wherever the operands (and the
// known elements of shape operands) determine them; everything else is `?`.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Dialect/Tfm/ShapeUtils.h"
#include "sinkrt/Limits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace sinkc::tfm;

bool sinkc::tfm::areRefinementCompatible(TypeRange inferred,
                                         TypeRange declared) {
  if (inferred.size() != declared.size())
    return false;
  for (auto [inferredType, declaredType] : llvm::zip(inferred, declared)) {
    auto in = dyn_cast<RankedTensorType>(inferredType);
    auto out = dyn_cast<RankedTensorType>(declaredType);
    if (!in || !out) {
      if (inferredType != declaredType)
        return false;
      continue;
    }
    if (in.getElementType() != out.getElementType() ||
        in.getRank() != out.getRank())
      return false;
    for (auto [a, b] : llvm::zip(in.getShape(), out.getShape()))
      if (a != kDynamic && b != kDynamic && a != b)
        return false;
  }
  return true;
}

static RankedTensorType tensorOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Type inference's normalisation of an axis: the axis in [0, rank), or
/// failure after an error at `loc`.
static FailureOr<int64_t> inferAxis(std::optional<Location> loc, int64_t axis,
                                    int64_t rank) {
  std::optional<int64_t> normalized = normalizeAxis(axis, rank);
  if (!normalized)
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             rank);
  return *normalized;
}

/// The verifier's normalisation of an axis attribute: the axis in [0, rank),
/// or failure after an error naming the op.
static FailureOr<int64_t> verifyAxis(Operation *op, int64_t axis,
                                     int64_t rank) {
  std::optional<int64_t> normalized = normalizeAxis(axis, rank);
  if (!normalized)
    return op->emitOpError("axis ")
           << axis << " is out of range for rank " << rank;
  return *normalized;
}

/// Fails with an error at `loc` when a known size of a requested shape is
/// negative.
static LogicalResult checkNonNegative(std::optional<Location> loc,
                                      ArrayRef<int64_t> shape) {
  for (int64_t d : shape)
    if (d != kDynamic && d < 0)
      return emitOptionalError(loc, "negative dimension ", d, " in shape");
  return success();
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

FailureOr<RankedTensorType> ConstantOp::inferResultType(std::optional<Location>,
                                                        Adaptor adaptor) {
  auto type = dyn_cast<RankedTensorType>(adaptor.getValue().getType());
  if (!type)
    return failure();
  return type;
}

FailureOr<RankedTensorType>
ConstantOfShapeOp::inferResultType(std::optional<Location> loc,
                                   Adaptor adaptor) {
  auto dims = getPartialInts(adaptor.getShape());
  if (!dims)
    return emitOptionalError(loc, "shape operand must be a 1-D int64 tensor "
                                  "of static length");
  if (failed(checkNonNegative(loc, *dims)))
    return failure();
  return RankedTensorType::get(
      *dims, cast<ShapedType>(adaptor.getValue().getType()).getElementType());
}

LogicalResult ConstantOfShapeOp::verify() {
  if (getValue().getNumElements() != 1)
    return emitOpError("value must hold exactly one element");
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType> inferBroadcast(std::optional<Location> loc,
                                                  ArrayRef<Value> operands,
                                                  Type elementType) {
  SmallVector<int64_t> shape =
      llvm::to_vector(tensorOf(operands[0]).getShape());
  for (Value operand : operands.drop_front()) {
    auto next = broadcastShapes(shape, tensorOf(operand).getShape());
    if (!next)
      return emitOptionalError(loc, "operand shapes ", shapeToString(shape),
                               " and ",
                               shapeToString(tensorOf(operand).getShape()),
                               " are not broadcast-compatible");
    shape = *next;
  }
  return RankedTensorType::get(shape, elementType);
}

#define TFM_BROADCAST_SAME_ELEMENT(OP)                                         \
  FailureOr<RankedTensorType> OP::inferResultType(std::optional<Location> loc, \
                                                  Adaptor adaptor) {           \
    return inferBroadcast(loc, {adaptor.getLhs(), adaptor.getRhs()},           \
                          tensorOf(adaptor.getLhs()).getElementType());        \
  }
TFM_BROADCAST_SAME_ELEMENT(AddOp)
TFM_BROADCAST_SAME_ELEMENT(SubOp)
TFM_BROADCAST_SAME_ELEMENT(MulOp)
TFM_BROADCAST_SAME_ELEMENT(DivOp)
TFM_BROADCAST_SAME_ELEMENT(MaxOp)
TFM_BROADCAST_SAME_ELEMENT(MinOp)
TFM_BROADCAST_SAME_ELEMENT(PowOp)
#undef TFM_BROADCAST_SAME_ELEMENT

#define TFM_BROADCAST_BOOL(OP)                                                 \
  FailureOr<RankedTensorType> OP::inferResultType(std::optional<Location> loc, \
                                                  Adaptor adaptor) {           \
    return inferBroadcast(loc, {adaptor.getLhs(), adaptor.getRhs()},           \
                          IntegerType::get(adaptor.getLhs().getContext(), 1)); \
  }
TFM_BROADCAST_BOOL(EqualOp)
TFM_BROADCAST_BOOL(GreaterOp)
TFM_BROADCAST_BOOL(GreaterOrEqualOp)
TFM_BROADCAST_BOOL(LessOp)
TFM_BROADCAST_BOOL(LessOrEqualOp)
TFM_BROADCAST_BOOL(AndOp)
TFM_BROADCAST_BOOL(OrOp)
TFM_BROADCAST_BOOL(XorOp)
#undef TFM_BROADCAST_BOOL

FailureOr<RankedTensorType>
WhereOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  return inferBroadcast(
      loc, {adaptor.getCondition(), adaptor.getX(), adaptor.getY()},
      tensorOf(adaptor.getX()).getElementType());
}

LogicalResult WhereOp::verify() {
  if (getX().getType().getElementType() != getY().getType().getElementType())
    return emitOpError("x and y must have the same element type");
  return success();
}

#define TFM_SAME_TYPE(OP)                                                      \
  FailureOr<RankedTensorType> OP::inferResultType(std::optional<Location>,     \
                                                  Adaptor adaptor) {           \
    return tensorOf(adaptor.getInput());                                       \
  }
TFM_SAME_TYPE(NotOp)
TFM_SAME_TYPE(NegOp)
TFM_SAME_TYPE(AbsOp)
TFM_SAME_TYPE(SqrtOp)
TFM_SAME_TYPE(ReciprocalOp)
TFM_SAME_TYPE(ReluOp)
TFM_SAME_TYPE(SigmoidOp)
TFM_SAME_TYPE(TanhOp)
TFM_SAME_TYPE(ErfOp)
TFM_SAME_TYPE(ExpOp)
TFM_SAME_TYPE(LogOp)
TFM_SAME_TYPE(CosOp)
TFM_SAME_TYPE(SinOp)
TFM_SAME_TYPE(FloorOp)
TFM_SAME_TYPE(CeilOp)
TFM_SAME_TYPE(GeluOp)
TFM_SAME_TYPE(IdentityOp)
TFM_SAME_TYPE(CumSumOp)
TFM_SAME_TYPE(SoftmaxOp)
TFM_SAME_TYPE(LayerNormalizationOp)
TFM_SAME_TYPE(TriluOp)
#undef TFM_SAME_TYPE

LogicalResult GeluOp::verify() {
  if (getApproximate() != "none" && getApproximate() != "tanh")
    return emitOpError("approximate must be \"none\" or \"tanh\", not \"")
           << getApproximate() << "\"";
  return success();
}

FailureOr<RankedTensorType> CastOp::inferResultType(std::optional<Location>,
                                                    Adaptor adaptor) {
  return tensorOf(adaptor.getInput()).clone(adaptor.getTo());
}

//===----------------------------------------------------------------------===//
// Reductions and scans
//===----------------------------------------------------------------------===//

/// The normalised, sorted set of reduced axes, or failure.
static FailureOr<SmallVector<int64_t>> reducedAxes(std::optional<Location> loc,
                                                   ArrayRef<int64_t> axes,
                                                   int64_t rank,
                                                   bool noopWithEmptyAxes) {
  SmallVector<int64_t> result;
  if (axes.empty()) {
    if (!noopWithEmptyAxes)
      for (int64_t i = 0; i < rank; ++i)
        result.push_back(i);
    return result;
  }
  for (int64_t axis : axes) {
    FailureOr<int64_t> normalized = inferAxis(loc, axis, rank);
    if (failed(normalized))
      return failure();
    if (llvm::is_contained(result, *normalized))
      return emitOptionalError(loc, "axis ", axis, " is repeated");
    result.push_back(*normalized);
  }
  llvm::sort(result);
  return result;
}

/// The verifier's check of reduction axes (with the op in the message).
static LogicalResult verifyAxes(Operation *op, ArrayRef<int64_t> axes,
                                int64_t rank) {
  SmallVector<int64_t> seen;
  for (int64_t axis : axes) {
    FailureOr<int64_t> normalized = verifyAxis(op, axis, rank);
    if (failed(normalized))
      return failure();
    if (llvm::is_contained(seen, *normalized))
      return op->emitOpError("axis ") << axis << " is repeated";
    seen.push_back(*normalized);
  }
  return success();
}

template <typename ReduceOpT>
static FailureOr<RankedTensorType>
inferReduce(std::optional<Location> loc, typename ReduceOpT::Adaptor adaptor) {
  auto type = tensorOf(adaptor.getInput());
  auto axes = reducedAxes(loc, adaptor.getAxes(), type.getRank(),
                          adaptor.getNoopWithEmptyAxes());
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!llvm::is_contained(*axes, i))
      shape.push_back(type.getDimSize(i));
    else if (adaptor.getKeepdims())
      shape.push_back(1);
  }
  return type.clone(shape);
}

#define TFM_REDUCE(OP)                                                         \
  FailureOr<RankedTensorType> OP::inferResultType(std::optional<Location> loc, \
                                                  Adaptor adaptor) {           \
    return inferReduce<OP>(loc, adaptor);                                      \
  }                                                                            \
  LogicalResult OP::verify() {                                                 \
    return verifyAxes(*this, getAxes(), getInput().getType().getRank());       \
  }
TFM_REDUCE(ReduceMeanOp)
TFM_REDUCE(ReduceSumOp)
TFM_REDUCE(ReduceMaxOp)
#undef TFM_REDUCE

LogicalResult CumSumOp::verify() {
  return verifyAxis(*this, getAxis(), getInput().getType().getRank());
}

//===----------------------------------------------------------------------===//
// Normalisation and softmax
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  return verifyAxis(*this, getAxis(), getInput().getType().getRank());
}

LogicalResult LayerNormalizationOp::verify() {
  FailureOr<int64_t> axis =
      verifyAxis(*this, getAxis(), getInput().getType().getRank());
  if (failed(axis))
    return failure();
  ArrayRef<int64_t> normalized =
      getInput().getType().getShape().drop_front(*axis);
  for (Value param : {getScale(), getBias()}) {
    if (!param)
      continue;
    if (tensorOf(param).getElementType() !=
        getInput().getType().getElementType())
      return emitOpError("scale and bias must have the input's element type");
    if (!broadcastsTo(tensorOf(param).getShape(), normalized))
      return emitOpError("scale/bias shape ")
             << shapeToString(tensorOf(param).getShape())
             << " does not broadcast to the normalised shape "
             << shapeToString(normalized);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

static bool dimsConflict(int64_t a, int64_t b) {
  return a != kDynamic && b != kDynamic && a != b;
}

FailureOr<RankedTensorType>
MatMulOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto lhsType = tensorOf(adaptor.getLhs());
  auto rhsType = tensorOf(adaptor.getRhs());
  if (lhsType.getRank() == 0 || rhsType.getRank() == 0)
    return emitOptionalError(loc, "matmul operands must have rank >= 1");
  SmallVector<int64_t> lhs = llvm::to_vector(lhsType.getShape());
  SmallVector<int64_t> rhs = llvm::to_vector(rhsType.getShape());
  bool lhsVector = lhs.size() == 1, rhsVector = rhs.size() == 1;
  if (lhsVector)
    lhs.insert(lhs.begin(), 1);
  if (rhsVector)
    rhs.push_back(1);
  int64_t k1 = lhs.back(), k2 = rhs[rhs.size() - 2];
  if (dimsConflict(k1, k2))
    return emitOptionalError(loc, "contraction dimensions differ: lhs ",
                             shapeToString(lhsType.getShape()), " rhs ",
                             shapeToString(rhsType.getShape()));
  auto batch = broadcastShapes(ArrayRef<int64_t>(lhs).drop_back(2),
                               ArrayRef<int64_t>(rhs).drop_back(2));
  if (!batch)
    return emitOptionalError(
        loc, "batch dimensions of ", shapeToString(lhsType.getShape()), " and ",
        shapeToString(rhsType.getShape()), " are not broadcast-compatible");
  SmallVector<int64_t> shape = *batch;
  if (!lhsVector)
    shape.push_back(lhs[lhs.size() - 2]);
  if (!rhsVector)
    shape.push_back(rhs.back());
  return lhsType.clone(shape);
}

FailureOr<RankedTensorType> GemmOp::inferResultType(std::optional<Location> loc,
                                                    Adaptor adaptor) {
  auto aType = tensorOf(adaptor.getA());
  auto bType = tensorOf(adaptor.getB());
  if (aType.getRank() != 2 || bType.getRank() != 2)
    return emitOptionalError(loc, "gemm operands A and B must be 2-D");
  int64_t m = aType.getDimSize(adaptor.getTransA() ? 1 : 0);
  int64_t ka = aType.getDimSize(adaptor.getTransA() ? 0 : 1);
  int64_t kb = bType.getDimSize(adaptor.getTransB() ? 1 : 0);
  int64_t n = bType.getDimSize(adaptor.getTransB() ? 0 : 1);
  if (dimsConflict(ka, kb))
    return emitOptionalError(loc, "gemm contraction dimensions differ (", ka,
                             " vs ", kb, ")");
  if (Value c = adaptor.getC()) {
    auto cShape = tensorOf(c).getShape();
    if (!broadcastsTo(cShape, {m, n}))
      return emitOptionalError(loc, "gemm C of shape ", shapeToString(cShape),
                               " does not broadcast to [M, N]");
  }
  return aType.clone({m, n});
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

FailureOr<RankedTensorType> ShapeOp::inferResultType(std::optional<Location>,
                                                     Adaptor adaptor) {
  auto [start, end] = shapeDimRange(tensorOf(adaptor.getInput()).getRank(),
                                    adaptor.getStart(), adaptor.getEnd());
  return RankedTensorType::get(
      {end - start}, IntegerType::get(adaptor.getInput().getContext(), 64));
}

/// Requires `shape` to be a 1-D tensor of static length and returns its known
/// elements.
static FailureOr<SmallVector<int64_t>>
shapeOperandValues(std::optional<Location> loc, Value shape) {
  auto type = tensorOf(shape);
  if (type.getRank() != 1 || type.isDynamicDim(0))
    return emitOptionalError(loc,
                             "shape operand must be 1-D with a static "
                             "length, got ",
                             type);
  auto values = getPartialInts(shape);
  if (!values)
    return emitOptionalError(loc, "shape operand has too many elements");
  return *values;
}

FailureOr<RankedTensorType>
ReshapeOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto requested = shapeOperandValues(loc, adaptor.getShape());
  if (failed(requested))
    return failure();
  auto inputType = tensorOf(adaptor.getInput());
  auto shape =
      inferReshape(inputType.getShape(), *requested, adaptor.getAllowzero());
  if (!shape)
    return emitOptionalError(loc, "cannot reshape ",
                             shapeToString(inputType.getShape()), " to ",
                             shapeToString(*requested));
  if (inputType.hasStaticShape() &&
      llvm::none_of(*shape, [](int64_t d) { return d == kDynamic; })) {
    // The requested sizes come from the model's constants: their product
    // can exceed int64 (then it is certainly not the input's count).
    int64_t in = inputType.getNumElements(), out = 1;
    bool overflow = false;
    for (int64_t d : *shape)
      overflow |= llvm::MulOverflow(out, d, out);
    if (overflow || in != out)
      return emitOptionalError(loc, "cannot reshape ",
                               shapeToString(inputType.getShape()), " (", in,
                               " elements) to ", shapeToString(*shape));
  }
  return inputType.clone(*shape);
}

FailureOr<RankedTensorType>
TransposeOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto type = tensorOf(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if ((int64_t)perm.size() != type.getRank())
    return emitOptionalError(loc, "perm has ", perm.size(),
                             " entries for rank ", type.getRank());
  llvm::SmallSet<int64_t, 8> seen;
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= type.getRank() || !seen.insert(p).second)
      return emitOptionalError(loc, "perm is not a permutation of [0, ",
                               type.getRank(), ")");
    shape.push_back(type.getDimSize(p));
  }
  return type.clone(shape);
}

FailureOr<RankedTensorType>
SqueezeOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto type = tensorOf(adaptor.getInput());
  SmallVector<int64_t> shape;
  if (adaptor.getAxes().empty()) {
    for (int64_t d : type.getShape()) {
      if (d == kDynamic)
        return emitOptionalError(loc, "squeeze without axes needs static "
                                      "dimensions");
      if (d != 1)
        shape.push_back(d);
    }
    return type.clone(shape);
  }
  auto axes = reducedAxes(loc, adaptor.getAxes(), type.getRank(), false);
  if (failed(axes))
    return failure();
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!llvm::is_contained(*axes, i)) {
      shape.push_back(type.getDimSize(i));
      continue;
    }
    if (type.getDimSize(i) != 1 && type.getDimSize(i) != kDynamic)
      return emitOptionalError(loc, "cannot squeeze dimension ", i, " of size ",
                               type.getDimSize(i));
  }
  return type.clone(shape);
}

FailureOr<RankedTensorType>
UnsqueezeOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto type = tensorOf(adaptor.getInput());
  int64_t rank = type.getRank() + adaptor.getAxes().size();
  auto axes = reducedAxes(loc, adaptor.getAxes(), rank, false);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  int64_t next = 0;
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(llvm::is_contained(*axes, i) ? 1 : type.getDimSize(next++));
  return type.clone(shape);
}

static int64_t productOrDynamic(ArrayRef<int64_t> dims) {
  int64_t product = 1;
  for (int64_t d : dims) {
    if (d == kDynamic)
      return kDynamic;
    product *= d;
  }
  return product;
}

FailureOr<RankedTensorType>
FlattenOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto type = tensorOf(adaptor.getInput());
  int64_t axis = adaptor.getAxis(), rank = type.getRank();
  if (axis < -rank || axis > rank)
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             rank);
  if (axis < 0)
    axis += rank;
  return type.clone({productOrDynamic(type.getShape().take_front(axis)),
                     productOrDynamic(type.getShape().drop_front(axis))});
}

FailureOr<RankedTensorType>
ConcatOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  if (adaptor.getInputs().empty())
    return emitOptionalError(loc, "concat needs at least one input");
  auto first = tensorOf(adaptor.getInputs().front());
  int64_t rank = first.getRank();
  FailureOr<int64_t> axis = inferAxis(loc, adaptor.getAxis(), rank);
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape = llvm::to_vector(first.getShape());
  for (Value input : adaptor.getInputs().drop_front()) {
    auto type = tensorOf(input);
    if (type.getRank() != rank)
      return emitOptionalError(loc, "concat inputs have different ranks");
    for (int64_t i = 0; i < rank; ++i) {
      int64_t d = type.getDimSize(i);
      if (i == *axis) {
        shape[i] =
            (shape[i] == kDynamic || d == kDynamic) ? kDynamic : shape[i] + d;
      } else if (dimsConflict(shape[i], d)) {
        return emitOptionalError(loc, "concat inputs differ in dimension ", i);
      } else if (shape[i] == kDynamic) {
        shape[i] = d;
      }
    }
  }
  return first.clone(shape);
}

LogicalResult SplitOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  auto type = tensorOf(adaptor.getInput());
  FailureOr<int64_t> axis = inferAxis(loc, adaptor.getAxis(), type.getRank());
  if (failed(axis))
    return failure();
  for (int64_t size : adaptor.getSplit()) {
    if (size < 0)
      return emitOptionalError(loc, "negative split size ", size);
    SmallVector<int64_t> shape = llvm::to_vector(type.getShape());
    shape[*axis] = size;
    results.push_back(type.clone(shape));
  }
  return success();
}

// Custom verifiers run before the inferred result types are checked, so they
// cannot rely on what inference validates.
LogicalResult SplitOp::verify() {
  FailureOr<int64_t> axis =
      verifyAxis(*this, getAxis(), getInput().getType().getRank());
  if (failed(axis))
    return failure();
  int64_t dim = getInput().getType().getDimSize(*axis);
  __int128 total = 0; // sizes are unchecked here; do not overflow
  for (int64_t size : getSplit())
    total += size;
  if (dim != kDynamic && total != dim)
    return emitOpError("split sizes sum to ")
           << (int64_t)std::clamp<__int128>(total, INT64_MIN, INT64_MAX)
           << " but the dimension has size " << dim;
  if (getSplit().size() != getNumResults())
    return emitOpError("has ") << getSplit().size() << " split sizes but "
                               << getNumResults() << " results";
  return success();
}

FailureOr<RankedTensorType>
SliceOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto type = tensorOf(adaptor.getInput());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape = llvm::to_vector(type.getShape());
  auto axes = getConstantInts(adaptor.getAxes());
  if (!axes) {
    // Any dimension may be sliced.
    return type.clone(SmallVector<int64_t>(rank, kDynamic));
  }
  auto starts = getPartialInts(adaptor.getStarts());
  auto ends = getPartialInts(adaptor.getEnds());
  auto steps = getPartialInts(adaptor.getSteps());
  size_t n = axes->size();
  if ((starts && starts->size() != n) || (ends && ends->size() != n) ||
      (steps && steps->size() != n))
    return emitOptionalError(loc, "starts, ends, axes and steps must have the "
                                  "same length");
  SmallVector<int64_t> seen;
  for (size_t i = 0; i < n; ++i) {
    auto axis = normalizeAxis((*axes)[i], rank);
    if (!axis)
      return emitOptionalError(loc, "slice axis ", (*axes)[i],
                               " is out of range for rank ", rank);
    if (llvm::is_contained(seen, *axis))
      return emitOptionalError(loc, "slice axis ", (*axes)[i], " is repeated");
    seen.push_back(*axis);
    int64_t start = starts ? (*starts)[i] : kDynamic;
    int64_t end = ends ? (*ends)[i] : kDynamic;
    int64_t step = steps ? (*steps)[i] : kDynamic;
    if (step == 0)
      return emitOptionalError(loc, "slice step must not be zero");
    int64_t dim = type.getDimSize(*axis);
    if (start == kDynamic || end == kDynamic || step == kDynamic) {
      shape[*axis] = kDynamic;
    } else if (dim != kDynamic) {
      shape[*axis] = sliceLength(dim, start, end, step);
    } else if (start == 0 && step == 1 && end >= (int64_t(1) << 31)) {
      // The usual "to the end" slice keeps a dynamic dimension as it is.
      shape[*axis] = kDynamic;
    } else {
      shape[*axis] = kDynamic;
    }
  }
  return type.clone(shape);
}

FailureOr<RankedTensorType>
ExpandOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto requested = shapeOperandValues(loc, adaptor.getShape());
  if (failed(requested) || failed(checkNonNegative(loc, *requested)))
    return failure();
  auto type = tensorOf(adaptor.getInput());
  auto shape = broadcastShapes(type.getShape(), *requested);
  if (!shape)
    return emitOptionalError(loc, "cannot expand ",
                             shapeToString(type.getShape()), " to ",
                             shapeToString(*requested));
  return type.clone(*shape);
}

FailureOr<RankedTensorType>
RangeOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto type = tensorOf(adaptor.getStart());
  int64_t length = kDynamic;
  // Shape-derived bounds (range(0, shape[1])) count as known too.
  auto known = [](Value v) -> std::optional<int64_t> {
    auto values = getPartialInts(v);
    if (!values || values->size() != 1 || (*values)[0] == kDynamic)
      return std::nullopt;
    return (*values)[0];
  };
  std::optional<int64_t> start, limit, delta;
  if (type.getElementType().isInteger()) {
    start = known(adaptor.getStart());
    limit = known(adaptor.getLimit());
    delta = known(adaptor.getDelta());
  }
  if (start && limit && delta) {
    int64_t s = *start, l = *limit, d = *delta;
    if (d == 0)
      return emitOptionalError(loc, "range delta must not be zero");
    // Use 128-bit arithmetic: limit - start can overflow int64.
    __int128 span = (__int128)l - s;
    __int128 count = d > 0 ? (span + d - 1) / d : (span + d + 1) / d;
    if (count < 0)
      count = 0;
    if (count > sinkrt::kMaxTensorElements)
      return emitOptionalError(loc, "range has too many elements");
    length = (int64_t)count;
  }
  return RankedTensorType::get({length}, type.getElementType());
}

LogicalResult RangeOp::verify() {
  for (Value v : {getStart(), getLimit(), getDelta()}) {
    auto type = tensorOf(v);
    if (type.getRank() > 1 || (type.getRank() == 1 && type.getDimSize(0) != 1))
      return emitOpError("start, limit and delta must be scalars");
    if (type.getElementType() != getResult().getType().getElementType())
      return emitOpError("start, limit and delta must have the result's "
                         "element type");
  }
  return success();
}

LogicalResult TriluOp::verify() {
  if (getInput().getType().getRank() < 2)
    return emitOpError("input must have rank >= 2");
  return success();
}

FailureOr<RankedTensorType>
GatherOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto data = tensorOf(adaptor.getData());
  auto indices = tensorOf(adaptor.getIndices());
  FailureOr<int64_t> axis = inferAxis(loc, adaptor.getAxis(), data.getRank());
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(data.getShape().take_front(*axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(*axis + 1));
  return data.clone(shape);
}

FailureOr<RankedTensorType>
GatherNDOp::inferResultType(std::optional<Location> loc, Adaptor adaptor) {
  auto data = tensorOf(adaptor.getData());
  auto indices = tensorOf(adaptor.getIndices());
  int64_t batchDims = adaptor.getBatchDims();
  if (indices.getRank() < 1 || indices.isDynamicDim(indices.getRank() - 1))
    return emitOptionalError(loc, "the last dimension of the indices must be "
                                  "static");
  int64_t depth = indices.getDimSize(indices.getRank() - 1);
  if (batchDims < 0 || batchDims >= std::min(data.getRank(), indices.getRank()))
    return emitOptionalError(loc, "batch_dims ", batchDims, " is out of range");
  if (depth < 1 || batchDims + depth > data.getRank())
    return emitOptionalError(loc, "index tuples of length ", depth,
                             " do not fit data of rank ", data.getRank());
  SmallVector<int64_t> shape(indices.getShape().drop_back());
  llvm::append_range(shape, data.getShape().drop_front(batchDims + depth));
  return data.clone(shape);
}

#define GET_OP_CLASSES
#include "sinkc/Dialect/Tfm/TfmOps.cpp.inc"
