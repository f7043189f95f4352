//===- SinkOps.cpp - sink op verifiers and helpers ------------------------===//

#include "sinkc/Dialect/Sink/SinkOps.h"
#include "sinkc/Support/Shape.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;

namespace sinkc::sink {

ArrayRef<llvm::StringLiteral> getMetricNames() {
  static constexpr llvm::StringLiteral names[] = {
#define SINKRT_METRIC(Enumerator, Name, Group, Rank, PerToken) Name,
#include "sinkrt/Metrics.def"
  };
  return names;
}

bool isMetricName(StringRef name) {
  return llvm::is_contained(getMetricNames(), name);
}

ArrayRef<llvm::StringLiteral> getCaptureStateNames() {
  static constexpr llvm::StringLiteral names[] = {
#define SINKRT_CAPTURE_STATE(Enumerator, Name) Name,
#include "sinkrt/CaptureStates.def"
  };
  return names;
}

bool isCaptureStateName(StringRef name) {
  return llvm::is_contained(getCaptureStateNames(), name);
}

StringRef getMetricGroup(StringRef metric) {
#define SINKRT_METRIC(Enumerator, Name, Group, Rank, PerToken)                 \
  if (metric == Name)                                                          \
    return Group;
#include "sinkrt/Metrics.def"
  return "";
}

StringRef getMlpState(StringRef metric) {
  if (getMetricGroup(metric) != kMlpStatesGroup)
    return "";
  StringRef state = metric;
  if (!state.consume_front("mlp_") || !state.consume_back("_cos_bos"))
    return "";
  return state;
}

StringRef getMlpStateMetric(StringRef state) {
  for (StringRef metric : getMetricNames())
    if (!state.empty() && getMlpState(metric) == state)
      return metric;
  return "";
}

int64_t getMetricRank(StringRef metric) {
#define SINKRT_METRIC(Enumerator, Name, Group, Rank, PerToken)                 \
  if (metric == Name)                                                          \
    return Rank;
#include "sinkrt/Metrics.def"
  return 0;
}

RankedTensorType getMetricResultType(StringRef metric, Type input) {
  auto type = cast<RankedTensorType>(input);
  ArrayRef<int64_t> shape = type.getShape();
  Type f32 = Float32Type::get(type.getContext());
  SmallVector<int64_t> dims;
  if (metric == "bos_mass")
    dims = {shape[0]};
  else if (metric == "head_bos_mass")
    dims = {shape[0], shape[1]};
  else if (metric == "recv")
    dims = {shape[0], shape[type.getRank() == 3 ? 2 : 3]};
  else if (metric == "key_norm" || metric == "value_norm")
    dims = {shape[0], shape[2]};
  else
    dims = {shape[0], shape[1]};
  return RankedTensorType::get(dims, f32);
}

namespace {

bool compatibleDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

bool compatibleShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return a.size() == b.size() && llvm::all_of(llvm::zip(a, b), [](auto pair) {
           return compatibleDims(std::get<0>(pair), std::get<1>(pair));
         });
}

// The verifiers of the measurement ops (the `verifier` of Sink_MetricOp in
// SinkOps.td): the measured tensor is the op's first operand.

/// The result must have the shape the metric derives from its input (up to
/// dynamic dimensions on either side).
LogicalResult verifyResultShape(Operation *op, StringRef metric) {
  Value input = op->getOperand(0);
  auto expected = getMetricResultType(metric, input.getType());
  auto actual = cast<RankedTensorType>(op->getResult(0).getType());
  if (!compatibleShapes(expected.getShape(), actual.getShape()))
    return op->emitOpError("result shape ")
           << shapeToString(actual.getShape()) << " does not match the "
           << shapeToString(expected.getShape()) << " that " << metric
           << " gives for an input of shape "
           << shapeToString(cast<RankedTensorType>(input.getType()).getShape());
  return success();
}

LogicalResult verifyAttentionMetric(Operation *op, StringRef metric) {
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(op->getOperand(0).getType()).getShape();
  if (!compatibleDims(shape[2], shape[3]))
    return op->emitOpError("expects probabilities [B, H, T, T] of one "
                           "sequence, with as many queries as keys; got ")
           << shapeToString(shape);
  return verifyResultShape(op, metric);
}

LogicalResult verifyMlpCosBos(Operation *op, StringRef metric) {
  auto mlp = cast<RankedTensorType>(op->getOperand(0).getType());
  auto hidden = cast<RankedTensorType>(op->getOperand(1).getType());
  if (!compatibleShapes(mlp.getShape(), hidden.getShape()))
    return op->emitOpError("expects the MLP output and the block input to "
                           "have the same shape; got ")
           << shapeToString(mlp.getShape()) << " and "
           << shapeToString(hidden.getShape());
  return verifyResultShape(op, metric);
}

} // namespace

LogicalResult AttentionOp::verify() {
  ArrayRef<int64_t> q = getQuery().getType().getShape();
  ArrayRef<int64_t> k = getKey().getType().getShape();
  ArrayRef<int64_t> v = getValue().getType().getShape();
  ArrayRef<int64_t> out = getResult().getType().getShape();
  if (!compatibleShapes(k, v))
    return emitOpError("expects keys and values of the same shape; got ")
           << shapeToString(k) << " and " << shapeToString(v);
  if (!compatibleDims(q[0], k[0]) || !compatibleDims(q[3], k[3]))
    return emitOpError("expects queries [B, H, T, d] and keys [B, Hkv, S, d] "
                       "with the same B and d; got ")
           << shapeToString(q) << " and " << shapeToString(k);
  if (!ShapedType::isDynamic(q[1]) && !ShapedType::isDynamic(k[1]) &&
      (k[1] == 0 || q[1] % k[1] != 0))
    return emitOpError("expects the query heads (")
           << q[1] << ") to be a multiple of the key/value heads (" << k[1]
           << ")";
  if (!compatibleShapes(q, out))
    return emitOpError("result shape ")
           << shapeToString(out) << " does not match the query shape "
           << shapeToString(q);
  if (getCausal() && !compatibleDims(q[2], k[2]))
    return emitOpError("causal attention needs as many queries as keys; got ")
           << shapeToString(q) << " and " << shapeToString(k);
  if (!getSegments().empty()) {
    if (getSegments().size() != 2)
      return emitOpError("expects two segment operands (query and key "
                         "segment ids), got ")
             << getSegments().size();
    auto qs = cast<RankedTensorType>(getSegments()[0].getType()).getShape();
    auto ks = cast<RankedTensorType>(getSegments()[1].getType()).getShape();
    if (!compatibleDims(qs[1], q[2]) || !compatibleDims(ks[1], k[2]) ||
        !compatibleDims(qs[0], ks[0]))
      return emitOpError("expects segment ids [B', T] and [B', S]; got ")
             << shapeToString(qs) << " and " << shapeToString(ks);
  }
  if (std::optional<int64_t> window = getWindow())
    if (*window <= 0)
      return emitOpError("window must be positive, got ") << *window;
  if (Value mask = getKeyMask()) {
    auto m = cast<RankedTensorType>(mask.getType()).getShape();
    if (!compatibleDims(m[1], k[2]) ||
        !(m[0] == 1 || compatibleDims(m[0], q[0])))
      return emitOpError("expects a key mask [B', S]; got ")
             << shapeToString(m);
  }
  if (Value sums = getColumnSums()) {
    if (!getCausal())
      return emitOpError("column sums are only defined for causal attention");
    ArrayRef<int64_t> c = cast<RankedTensorType>(sums.getType()).getShape();
    if (!compatibleShapes(c, {q[0], q[1], k[2]}))
      return emitOpError("column sums ")
             << shapeToString(c) << " do not match [B, H, S] = "
             << shapeToString({q[0], q[1], k[2]});
  }
  return success();
}

LogicalResult MlpNormCapOp::verify() {
  if (Value reference = getReference()) {
    int64_t hidden = getMlp().getType().getShape().back();
    int64_t length = cast<RankedTensorType>(reference.getType()).getDimSize(0);
    if (!compatibleDims(hidden, length))
      return emitOpError("expects a reference direction of the hidden size ")
             << hidden << ", got " << length << " values";
  }
  // The thresholds come from the command line; a value that makes the
  // intervention a no-op or undefined is a mistake to report, not to run.
  float threshold = getCosThreshold().convertToFloat();
  if (!(threshold >= -1.0f && threshold < 1.0f))
    return emitOpError("cos_threshold must be in [-1, 1) (a cosine is never "
                       "above 1), got ")
           << threshold;
  float norm = getNorm().convertToFloat();
  if (!(norm >= 0.0f) || std::isinf(norm))
    return emitOpError("norm must be finite and non-negative, got ") << norm;
  if (getSkipFirst() < 1)
    return emitOpError("skip_first must be at least 1 (position 0 is the "
                       "reference and is never rescaled), got ")
           << getSkipFirst();
  return success();
}

StringRef MlpStateCosBosOp::getMetricName() {
  return getMlpStateMetric(getState());
}

LogicalResult MlpStateCosBosOp::verify() {
  StringRef metric = getMetricName();
  if (metric.empty()) {
    SmallVector<StringRef> states;
    for (StringRef name : getMetricNames())
      if (StringRef state = getMlpState(name); !state.empty())
        states.push_back(state);
    return emitOpError("unknown MLP state '")
           << getState() << "'; expected one of " << llvm::join(states, ", ");
  }
  return verifyResultShape(*this, metric);
}

LogicalResult EmitOp::verify() {
  StringRef metric = getMetric();
  if (!isMetricName(metric))
    return emitOpError("unknown metric '")
           << metric << "'; expected one of "
           << llvm::join(getMetricNames(), ", ");
  if (getProbe() < 0)
    return emitOpError("probe id must be non-negative, got ") << getProbe();
  if (getLayer() < 0)
    return emitOpError("layer must be non-negative, got ") << getLayer();
  int64_t rank = cast<RankedTensorType>(getValue().getType()).getRank();
  if (rank != getMetricRank(metric))
    return emitOpError("metric '")
           << metric << "' is reported with rank " << getMetricRank(metric)
           << ", got a value of rank " << rank;
  Operation *producer = getValue().getDefiningOp();
  if (auto state = dyn_cast_or_null<MlpStateCosBosOp>(producer)) {
    if (state.getMetricName() != metric)
      return emitOpError("emits the result of sink.mlp_state_cos_bos state '")
             << state.getState() << "' (metric '" << state.getMetricName()
             << "') as metric '" << metric << "'";
  } else if (producer && isa<SinkDialect>(producer->getDialect())) {
    StringRef produced = producer->getName().stripDialect();
    // bos_mass_from_sums computes bos_mass, etc.
    produced.consume_back("_from_sums");
    if (produced != metric)
      return emitOpError("emits the result of sink.")
             << produced << " as metric '" << metric << "'";
  }
  return success();
}

LogicalResult CaptureOp::verify() {
  if (!isCaptureStateName(getState()))
    return emitOpError("unknown state '")
           << getState() << "'; expected one of "
           << llvm::join(getCaptureStateNames(), ", ");
  if (getCapture() < 0)
    return emitOpError("capture id must be non-negative, got ") << getCapture();
  if (getLayer() < 0)
    return emitOpError("layer must be non-negative, got ") << getLayer();
  // The manifest records the width, and the runtime sizes its rows by it.
  if (ShapedType::isDynamic(getWidth()) || getWidth() < 1)
    return emitOpError("needs a static, positive width (the last dimension) "
                       "to record in the manifest, got ")
           << shapeToString(getValue().getType().getShape());
  return success();
}

} // namespace sinkc::sink

#define GET_OP_CLASSES
#include "sinkc/Dialect/Sink/SinkOps.cpp.inc"
