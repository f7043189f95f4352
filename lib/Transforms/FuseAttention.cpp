//===- FuseAttention.cpp - the sinkc-fuse-attention pass ------------------===//
//
// Replaces the materialised attention of the exporters,
//
//   s = matmul(Q, Kt) [* c | / c] [+ where(mask, 0, -big)]
//   P = softmax(s)
//   o = matmul(P, V)
//
// by one sink.attention op, which never stores the [B, H, T, T] scores or
// probabilities. Only what is proven is fused: the mask must be a `where`
// of an `and` tree whose conjuncts are the causal comparison of one range
// broadcast along the query and key axes, packed-sequence comparisons
// equal(a[b, q], c[b, k]) of O(T) tensors, or constant true; anything else
// keeps the materialised path. Attention metrics that read P are rewritten
// to read the op's causal column sums.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Sink/SinkOps.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Transforms/AttentionPatterns.h"
#include "sinkc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <optional>

namespace sinkc {
#define GEN_PASS_DEF_FUSEATTENTION
#include "sinkc/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// Masked scores at or below this value contribute exp(-1e4) == 0 in f32.
constexpr double kMaskLimit = -1.0e4;

/// The value of a one-element float constant.
std::optional<double> scalarFloatConstant(Value value) {
  auto constant = skipIdentities(value).getDefiningOp<tfm::ConstantOp>();
  if (!constant)
    return std::nullopt;
  auto elements = dyn_cast<DenseFPElementsAttr>(constant.getValue());
  if (!elements || !elements.isSplat())
    return std::nullopt;
  auto type = cast<ShapedType>(elements.getType());
  if (!llvm::all_of(type.getShape(), [](int64_t d) { return d == 1; }))
    return std::nullopt;
  return elements.getSplatValue<APFloat>().convertToDouble();
}

bool isTrueConstant(Value value) {
  auto constant = skipIdentities(value).getDefiningOp<tfm::ConstantOp>();
  if (!constant)
    return false;
  auto elements = dyn_cast<DenseIntElementsAttr>(constant.getValue());
  return elements && elements.isSplat() &&
         elements.getElementType().isInteger(1) &&
         elements.getSplatValue<bool>();
}

/// For a tensor that varies along at most one axis, that axis counted from
/// the back (1 = last); 0 when every dimension is 1; nullopt otherwise.
std::optional<int64_t> singleAxisFromEnd(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type)
    return std::nullopt;
  std::optional<int64_t> axis = 0;
  for (auto [i, d] : llvm::enumerate(type.getShape())) {
    if (d == 1)
      continue;
    if (*axis != 0)
      return std::nullopt;
    axis = type.getRank() - static_cast<int64_t>(i);
  }
  return axis;
}

/// The rank-1 tensor `value` is an unsqueezed view of, or null.
Value stripUnsqueezes(Value value) {
  value = skipIdentities(value);
  while (auto unsqueeze = value.getDefiningOp<tfm::UnsqueezeOp>())
    value = skipIdentities(unsqueeze.getInput());
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 1 ? value : Value();
}

/// The value of a one-element integer constant.
std::optional<int64_t> scalarIntConstant(Value value) {
  auto constant = skipIdentities(value).getDefiningOp<tfm::ConstantOp>();
  if (!constant)
    return std::nullopt;
  auto elements = dyn_cast<DenseIntElementsAttr>(constant.getValue());
  if (!elements || !elements.isSplat() ||
      elements.getElementType().isInteger(1))
    return std::nullopt;
  return elements.getSplatValue<APInt>().getSExtValue();
}

/// The constant step of a range.
std::optional<int64_t> rangeStep(Value value) {
  auto range = value.getDefiningOp<tfm::RangeOp>();
  if (!range)
    return std::nullopt;
  return scalarIntConstant(range.getDelta());
}

/// An increasing range (constant positive step).
bool isIncreasingRange(Value value) {
  std::optional<int64_t> step = rangeStep(value);
  return step && *step > 0;
}

/// What the mask condition was proven to be.
struct MaskFacts {
  bool causal = false;
  Value querySegments;           // [B', 1, T, 1] i64
  Value keySegments;             // [B', 1, 1, S] i64
  Value keyMask;                 // [B', 1, 1, S] i1 (padding)
  std::optional<int64_t> window; // visible iff q - k < window
};

/// `keys <= queries` with both sides the same increasing range broadcast
/// along the key (last) and query (second to last) axes.
bool isCausalComparison(Value keys, Value queries) {
  if (singleAxisFromEnd(keys) != 1 || singleAxisFromEnd(queries) != 2)
    return false;
  Value k = stripUnsqueezes(keys), q = stripUnsqueezes(queries);
  if (!k || !q || !isIncreasingRange(k))
    return false;
  if (k == q)
    return true;
  // Two ranges with the same start and step (OPT's legacy export builds one
  // per axis, with the lengths computed apart): r_k[k] <= r_q[q] iff k <= q
  // whatever their lengths, which broadcasting ties to S and T.
  auto rk = k.getDefiningOp<tfm::RangeOp>();
  auto rq = q.getDefiningOp<tfm::RangeOp>();
  if (!rq || rangeStep(k) != rangeStep(q))
    return false;
  if (rk.getStart() == rq.getStart())
    return true;
  std::optional<int64_t> sk = scalarIntConstant(rk.getStart());
  std::optional<int64_t> sq = scalarIntConstant(rq.getStart());
  return sk && sq && *sk == *sq;
}

/// A rank-4 i64 tensor [B', 1, T, 1] (axis 2) or [B', 1, 1, S] (axis 3).
bool isSegmentIds(Value value, int64_t axis) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() != 4 || !type.getElementType().isInteger(64))
    return false;
  ArrayRef<int64_t> shape = type.getShape();
  return shape[1] == 1 && shape[axis == 2 ? 3 : 2] == 1;
}

/// `trilu(constant_of_shape(concat(n, n), true), lower, k = 0)`, unsqueezed
/// to [1, 1, n, n]: the causal lower triangle (legacy TorchScript exports).
bool isCausalTriangle(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() < 2)
    return false;
  for (int64_t d : type.getShape().drop_back(2))
    if (d != 1)
      return false;
  value = skipIdentities(value);
  while (auto unsqueeze = value.getDefiningOp<tfm::UnsqueezeOp>())
    value = skipIdentities(unsqueeze.getInput());
  auto trilu = value.getDefiningOp<tfm::TriluOp>();
  if (!trilu || trilu.getUpper() || trilu.getK() != 0 ||
      cast<RankedTensorType>(trilu.getType()).getRank() != 2)
    return false;
  auto ones =
      skipIdentities(trilu.getInput()).getDefiningOp<tfm::ConstantOfShapeOp>();
  if (!ones)
    return false;
  auto fill = dyn_cast<DenseIntElementsAttr>(ones.getValue());
  if (!fill || !fill.getElementType().isInteger(1) ||
      !fill.getSplatValue<bool>())
    return false;
  auto square = skipIdentities(ones.getShape()).getDefiningOp<tfm::ConcatOp>();
  return square && square.getInputs().size() == 2 &&
         square.getInputs()[0] == square.getInputs()[1];
}

/// A rank-4 i1 [B', 1, 1, S]: a key (padding) mask.
bool isKeyMask(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() != 4 || !type.getElementType().isInteger(1))
    return false;
  ArrayRef<int64_t> shape = type.getShape();
  return shape[1] == 1 && shape[2] == 1;
}

/// Adds one conjunct of the mask condition to `facts`.
bool analyseCondition(Value condition, MaskFacts &facts) {
  condition = skipIdentities(condition);
  // An expand only repeats the condition along broadcast dimensions, which
  // the where and the add broadcast anyway.
  while (auto expand = condition.getDefiningOp<tfm::ExpandOp>())
    condition = skipIdentities(expand.getInput());
  if (isTrueConstant(condition))
    return true;
  if (isCausalTriangle(condition)) {
    facts.causal = true;
    return true;
  }
  if (isKeyMask(condition) && !condition.getDefiningOp<tfm::AndOp>()) {
    if (facts.keyMask)
      return false; // One key mask is supported.
    facts.keyMask = condition;
    return true;
  }
  if (auto both = condition.getDefiningOp<tfm::AndOp>())
    return analyseCondition(both.getLhs(), facts) &&
           analyseCondition(both.getRhs(), facts);
  if (auto le = condition.getDefiningOp<tfm::LessOrEqualOp>()) {
    if (!isCausalComparison(le.getLhs(), le.getRhs()))
      return false;
    facts.causal = true;
    return true;
  }
  if (auto ge = condition.getDefiningOp<tfm::GreaterOrEqualOp>()) {
    if (!isCausalComparison(ge.getRhs(), ge.getLhs()))
      return false;
    facts.causal = true;
    return true;
  }
  // Sliding window: greater(r[k], sub(r[q], w)), r a range of step 1.
  if (auto gt = condition.getDefiningOp<tfm::GreaterOp>()) {
    auto sub = skipIdentities(gt.getRhs()).getDefiningOp<tfm::SubOp>();
    if (!sub || facts.window)
      return false;
    std::optional<int64_t> w = scalarIntConstant(sub.getRhs());
    Value keys = gt.getLhs(), queries = sub.getLhs();
    if (!w || *w <= 0 || singleAxisFromEnd(keys) != 1 ||
        singleAxisFromEnd(queries) != 2 ||
        singleAxisFromEnd(sub.getResult()) != 2)
      return false;
    Value k = stripUnsqueezes(keys), q = stripUnsqueezes(queries);
    if (!k || k != q || rangeStep(k) != 1)
      return false;
    facts.window = *w;
    return true;
  }
  if (auto eq = condition.getDefiningOp<tfm::EqualOp>()) {
    if (facts.querySegments)
      return false; // One packed-sequence comparison is supported.
    Value lhs = eq.getLhs(), rhs = eq.getRhs();
    if (isSegmentIds(rhs, 2) && isSegmentIds(lhs, 3))
      std::swap(lhs, rhs);
    if (!isSegmentIds(lhs, 2) || !isSegmentIds(rhs, 3))
      return false;
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    int64_t lb = lhsType.getDimSize(0), rb = rhsType.getDimSize(0);
    if (lb != rb && !(ShapedType::isDynamic(lb) && ShapedType::isDynamic(rb)))
      return false;
    facts.querySegments = lhs;
    facts.keySegments = rhs;
    return true;
  }
  return false;
}

/// A float zero: a scalar constant or a constant_of_shape of 0.
bool isZero(Value value) {
  std::optional<double> c = scalarFloatConstant(value);
  if (c)
    return *c == 0.0;
  auto fill = skipIdentities(value).getDefiningOp<tfm::ConstantOfShapeOp>();
  if (!fill)
    return false;
  auto elements = dyn_cast<DenseFPElementsAttr>(fill.getValue());
  return elements && elements.getNumElements() == 1 &&
         (*elements.getValues<APFloat>().begin()).isZero();
}

/// `value` without the unsqueezes that only add leading axes: the query and
/// key axes (the last two) stay the last two, and the add broadcasts the
/// leading ones anyway (a [T, T] mask unsqueezed to [1, 1, T, T]).
Value stripLeadingUnsqueezes(Value value) {
  value = skipIdentities(value);
  while (auto unsqueeze = value.getDefiningOp<tfm::UnsqueezeOp>()) {
    auto input = dyn_cast<RankedTensorType>(unsqueeze.getInput().getType());
    int64_t rank = cast<RankedTensorType>(unsqueeze.getType()).getRank();
    if (!input || input.getRank() < 2 ||
        !llvm::all_of(unsqueeze.getAxes(), [&](int64_t axis) {
          return (axis < 0 ? axis + rank : axis) < rank - 2;
        }))
      break;
    value = skipIdentities(unsqueeze.getInput());
  }
  return value;
}

/// An additive mask `where(c, 0, -big)` or `where(not(c), -big, 0)` with c
/// proven by analyseCondition, possibly unsqueezed to more leading axes.
bool analyseMask(Value mask, MaskFacts &facts) {
  auto where = stripLeadingUnsqueezes(mask).getDefiningOp<tfm::WhereOp>();
  if (!where)
    return false;
  auto type = dyn_cast<RankedTensorType>(mask.getType());
  if (!type || type.getRank() > 4)
    return false;
  Value condition = where.getCondition();
  Value keep = where.getX(), drop = where.getY();
  if (auto negated = skipIdentities(condition).getDefiningOp<tfm::NotOp>()) {
    condition = negated.getInput();
    std::swap(keep, drop);
  }
  std::optional<double> big = scalarFloatConstant(drop);
  if (!isZero(keep) || !big || !(*big <= kMaskLimit))
    return false;
  return analyseCondition(condition, facts);
}

bool isF32Rank4(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 4 && type.getElementType().isF32();
}

bool isAttentionMetric(Operation *op) {
  return isa<sink::BosMassOp, sink::HeadBosMassOp, sink::RecvOp>(op);
}

/// One matched attention, before anything is rewritten.
struct Match {
  tfm::SoftmaxOp softmax;
  tfm::MatMulOp scores;
  tfm::MatMulOp output;
  Value query, keysTransposed, values;
  double scale = 1.0;
  MaskFacts mask;
  SmallVector<Operation *> metrics;
  /// The mask add and the scaling between the two (dead after fusion).
  SmallVector<Operation *> chain;
};

std::optional<Match> matchAttention(tfm::SoftmaxOp softmax) {
  Match m;
  m.softmax = softmax;
  if (!isF32Rank4(softmax.getResult()) ||
      (softmax.getAxis() != -1 && softmax.getAxis() != 3))
    return std::nullopt;
  // Users: exactly one P x V product, and attention metrics.
  for (Operation *user : softmax->getUsers()) {
    if (isAttentionMetric(user)) {
      m.metrics.push_back(user);
      continue;
    }
    auto matmul = dyn_cast<tfm::MatMulOp>(user);
    if (!matmul || matmul.getLhs() != softmax.getResult() ||
        matmul.getRhs() == softmax.getResult() || m.output)
      return std::nullopt;
    m.output = matmul;
  }
  llvm::sort(m.metrics,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  if (!m.output || !isF32Rank4(m.output.getRhs()) ||
      !isF32Rank4(m.output.getResult()))
    return std::nullopt;

  // Scores: [mask +] [scale *] matmul(Q, Kt).
  Value scores = skipIdentities(softmax.getInput());
  if (auto add = scores.getDefiningOp<tfm::AddOp>()) {
    Value lhs = add.getLhs(), rhs = add.getRhs();
    auto resultType = cast<RankedTensorType>(add.getType());
    // The scores operand has the result's type; the mask broadcasts.
    if (lhs.getType() != resultType)
      std::swap(lhs, rhs);
    if (lhs.getType() != resultType || !analyseMask(rhs, m.mask))
      return std::nullopt;
    m.chain.push_back(add);
    scores = skipIdentities(lhs);
  }
  if (auto mul = scores.getDefiningOp<tfm::MulOp>()) {
    Value lhs = mul.getLhs(), rhs = mul.getRhs();
    std::optional<double> c = scalarFloatConstant(rhs);
    if (!c) {
      std::swap(lhs, rhs);
      c = scalarFloatConstant(rhs);
    }
    if (!c || lhs.getType() != mul.getType())
      return std::nullopt;
    m.scale = *c;
    m.chain.push_back(mul);
    scores = skipIdentities(lhs);
  } else if (auto div = scores.getDefiningOp<tfm::DivOp>()) {
    std::optional<double> c = scalarFloatConstant(div.getRhs());
    if (!c || *c == 0.0 || div.getLhs().getType() != div.getType())
      return std::nullopt;
    m.scale = 1.0 / *c;
    m.chain.push_back(div);
    scores = skipIdentities(div.getLhs());
  }
  m.scores = scores.getDefiningOp<tfm::MatMulOp>();
  if (!m.scores || !isF32Rank4(m.scores.getLhs()) ||
      !isF32Rank4(m.scores.getRhs()) || !m.scores->hasOneUse())
    return std::nullopt;
  m.query = m.scores.getLhs();
  m.keysTransposed = m.scores.getRhs();
  m.values = m.output.getRhs();

  // Shapes: Q [B, H, T, d], Kt [B, H, d, S], V [B, H, S, d] (no broadcasting
  // of the batch or head dimensions).
  ArrayRef<int64_t> q = cast<RankedTensorType>(m.query.getType()).getShape();
  ArrayRef<int64_t> kt =
      cast<RankedTensorType>(m.keysTransposed.getType()).getShape();
  ArrayRef<int64_t> v = cast<RankedTensorType>(m.values.getType()).getShape();
  auto same = [](int64_t a, int64_t b) {
    return a == b && a != 1; // A static 1 could be a broadcast.
  };
  if (!same(q[1], kt[1]) || !same(q[1], v[1]) || ShapedType::isDynamic(q[3]) ||
      kt[2] != q[3] || v[3] != q[3])
    return std::nullopt;
  if (!(q[0] == kt[0] && q[0] == v[0]))
    return std::nullopt;
  // The intermediate chain must die with the fusion (a second user of the
  // scores would still need them).
  for (Operation *op : m.chain)
    if (!op->hasOneUse())
      return std::nullopt;
  if (!m.metrics.empty() && !m.mask.causal)
    return std::nullopt; // Metrics are defined on causal attention only.
  return m;
}

/// [B', 1, T, 1] or [B', 1, 1, S] -> [B', T] or [B', S].
Value squeezeSegments(OpBuilder &b, Location loc, Value ids, int64_t axis) {
  auto type = cast<RankedTensorType>(ids.getType());
  SmallVector<int64_t> axes =
      axis == 2 ? SmallVector<int64_t>{1, 3} : SmallVector<int64_t>{1, 2};
  auto result = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(axis)}, type.getElementType());
  return tfm::SqueezeOp::create(b, loc, result, ids,
                                b.getDenseI64ArrayAttr(axes));
}

void fuse(Match &m) {
  tfm::MatMulOp output = m.output;
  OpBuilder b(output);
  Location loc = output.getLoc();
  Value keys = unrepeatHeads(keysFromTransposed(b, loc, m.keysTransposed));
  Value values = unrepeatHeads(m.values);
  // GQA: both or neither un-repeated, with the same head count.
  if (cast<RankedTensorType>(keys.getType()).getDimSize(1) !=
      cast<RankedTensorType>(values.getType()).getDimSize(1)) {
    keys = keysFromTransposed(b, loc, m.keysTransposed);
    values = m.values;
  }
  SmallVector<Value> segments;
  if (m.mask.querySegments) {
    segments.push_back(squeezeSegments(b, loc, m.mask.querySegments, 2));
    segments.push_back(squeezeSegments(b, loc, m.mask.keySegments, 3));
  }
  Value keyMask;
  if (m.mask.keyMask) {
    auto type = cast<RankedTensorType>(m.mask.keyMask.getType());
    auto i64 = RankedTensorType::get(type.getShape(), b.getI64Type());
    Value wide = tfm::CastOp::create(b, loc, i64, m.mask.keyMask,
                                     TypeAttr::get(b.getI64Type()));
    keyMask = squeezeSegments(b, loc, wide, 3);
  }
  auto outType = cast<RankedTensorType>(output.getType());
  Type sumsType;
  if (!m.metrics.empty()) {
    auto q = cast<RankedTensorType>(m.query.getType());
    auto k = cast<RankedTensorType>(keys.getType());
    sumsType = RankedTensorType::get(
        {q.getDimSize(0), q.getDimSize(1), k.getDimSize(2)}, b.getF32Type());
  }
  auto attention = sink::AttentionOp::create(
      b, loc, outType, sumsType, m.query, keys, values, segments, keyMask,
      b.getF32FloatAttr(static_cast<float>(m.scale)),
      m.mask.causal ? b.getUnitAttr() : UnitAttr(),
      m.mask.window ? b.getI64IntegerAttr(*m.mask.window) : IntegerAttr());
  // Keep the recognition marks of the probabilities (layer, role) visible.
  for (NamedAttribute attr : m.softmax->getDiscardableAttrs())
    attention->setAttr(attr.getName(), attr.getValue());
  output.getResult().replaceAllUsesWith(attention.getResult());
  // The metrics now read the column sums: their *_from_sums forms go after
  // the attention op, each followed by its users (the emits).
  OpBuilder after(attention->getContext());
  after.setInsertionPointAfter(attention);
  Value sums = attention.getColumnSums();
  for (Operation *metric : m.metrics) {
    Location at = metric->getLoc();
    Operation *replacement =
        llvm::TypeSwitch<Operation *, Operation *>(metric)
            .Case([&](sink::BosMassOp) {
              return sink::BosMassFromSumsOp::create(after, at, sums);
            })
            .Case([&](sink::HeadBosMassOp) {
              return sink::HeadBosMassFromSumsOp::create(after, at, sums);
            })
            .Case([&](sink::RecvOp) {
              return sink::RecvFromSumsOp::create(after, at, sums);
            });
    Value result = replacement->getResult(0);
    // Keep the metric's (possibly more static) type for its users.
    if (result.getType() != metric->getResult(0).getType())
      result.setType(metric->getResult(0).getType());
    // The metric's users (its sink.emit) were between the probabilities
    // and the P x V product; they move after the replacement.
    for (Operation *user : llvm::make_early_inc_range(metric->getUsers()))
      user->moveBefore(after.getInsertionBlock(), after.getInsertionPoint());
    metric->getResult(0).replaceAllUsesWith(result);
    metric->erase();
  }
  // The materialised chain is dead now.
  SmallVector<Operation *> dead = {output, m.softmax};
  dead.append(m.chain.begin(), m.chain.end());
  dead.push_back(m.scores);
  for (Operation *op : dead)
    if (op->use_empty())
      op->erase();
}

struct FuseAttention : public impl::FuseAttentionBase<FuseAttention> {
  void runOnOperation() override {
    SmallVector<tfm::SoftmaxOp> softmaxes;
    getOperation().walk(
        [&](tfm::SoftmaxOp softmax) { softmaxes.push_back(softmax); });
    for (tfm::SoftmaxOp softmax : softmaxes) {
      std::optional<Match> match = matchAttention(softmax);
      if (match)
        fuse(*match);
    }
  }
};

} // namespace
} // namespace sinkc
