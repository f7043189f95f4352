//===- SelectLogits.cpp - the sinkc-select-logits pass --------------------===//
//
// An analysis run needs the sink trace, not T x V logits: for a 152 k
// vocabulary the final projection is half of a 0.5 B model's forward pass.
// With `positions=last` the hidden states are sliced to the last position
// right before the vocabulary projection, so the projection and whatever
// follows it per position (bias, scaling, casts) compute one row per
// sequence. The `logits` output becomes [B, 1, V]; everything before the
// projection, instrumented layers included, still sees every position.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <limits>

namespace sinkc {
#define GEN_PASS_DEF_SELECTLOGITS
#include "sinkc/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// A per-position op between the projection and the output: it maps each
/// position of its sequence operand to the same position of its result, so
/// it can run on the selected positions only. `operand` is the one that
/// carries the sequence; the others must not depend on it (constants,
/// biases of rank <= 1).
bool isPerPosition(Operation *op, Value operand) {
  if (isa<tfm::CastOp, tfm::IdentityOp>(op))
    return true;
  if (!isa<tfm::AddOp, tfm::MulOp, tfm::SubOp, tfm::DivOp>(op))
    return false;
  for (Value other : op->getOperands()) {
    if (other == operand)
      continue;
    auto type = dyn_cast<RankedTensorType>(other.getType());
    if (!type || type.getRank() > 1)
      return false;
  }
  return true;
}

RankedTensorType withSequence(Type type, int64_t length) {
  auto ranked = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(ranked.getShape());
  shape[1] = length;
  return RankedTensorType::get(shape, ranked.getElementType());
}

struct SelectLogitsPass : public impl::SelectLogitsBase<SelectLogitsPass> {
  using SelectLogitsBase::SelectLogitsBase;

  void runOnOperation() override {
    if (positions == "all")
      return;
    if (positions != "last") {
      getOperation().emitError("sinkc-select-logits: positions must be all "
                               "or last, not '")
          << positions << "'";
      return signalPassFailure();
    }
    constexpr int64_t length = 1;
    auto entry = getOperation().lookupSymbol<func::FuncOp>(entryName);
    if (!entry || entry.isExternal()) {
      getOperation().emitError("sinkc-select-logits: no function '")
          << entryName << "'";
      return signalPassFailure();
    }
    auto ret = cast<func::ReturnOp>(entry.getBody().back().getTerminator());
    std::optional<unsigned> index;
    for (unsigned i = 0; i < entry.getNumResults(); ++i)
      if (auto name = entry.getResultAttrOfType<StringAttr>(i, "tfm.name"))
        if (name.getValue() == "logits")
          index = i;
    if (!index) {
      entry.emitError("--logits=")
          << positions.getValue() << ": the model has no 'logits' output";
      return signalPassFailure();
    }
    Value logits = ret.getOperand(*index);
    auto logitsType = dyn_cast<RankedTensorType>(logits.getType());
    if (!logitsType || logitsType.getRank() != 3) {
      entry.emitError("--logits=")
          << positions.getValue()
          << ": 'logits' must be [batch, sequence, vocab], not "
          << logits.getType();
      return signalPassFailure();
    }

    // From the output back to the projection: a matmul of the [B, T, D]
    // hidden states with a weight, through per-position ops only used on
    // this path.
    SmallVector<Operation *> chain;
    Value current = logits;
    tfm::MatMulOp projection;
    while (Operation *def = current.getDefiningOp()) {
      // Other users would see the selected positions too.
      if (!current.hasOneUse())
        break;
      if (auto matmul = dyn_cast<tfm::MatMulOp>(def)) {
        auto lhsType = dyn_cast<RankedTensorType>(matmul.getLhs().getType());
        auto rhsType = dyn_cast<RankedTensorType>(matmul.getRhs().getType());
        if (lhsType && rhsType && lhsType.getRank() == 3 &&
            rhsType.getRank() == 2)
          projection = matmul;
        break;
      }
      if (def->getNumResults() != 1 || def->getNumOperands() == 0)
        break;
      Value sequenceOperand;
      for (Value operand : def->getOperands())
        if (auto type = dyn_cast<RankedTensorType>(operand.getType()))
          if (type.getRank() == 3)
            sequenceOperand = operand;
      if (!sequenceOperand || !isPerPosition(def, sequenceOperand))
        break;
      chain.push_back(def);
      current = sequenceOperand;
    }

    OpBuilder b(entry.getContext());
    auto sliceSequence = [&](Value value, Location loc) -> Value {
      auto constant = [&](int64_t v) {
        auto type = RankedTensorType::get({1}, b.getI64Type());
        return tfm::ConstantOp::create(
            b, loc, DenseElementsAttr::get(type, ArrayRef<int64_t>{v}));
      };
      // [-1, end) along the sequence (ONNX clamps end to the size).
      int64_t end = std::numeric_limits<int64_t>::max();
      return tfm::SliceOp::create(b, loc, withSequence(value.getType(), length),
                                  value, constant(-1), constant(end),
                                  constant(1), constant(1));
    };

    Value selected;
    if (projection) {
      b.setInsertionPoint(projection);
      Value hidden = sliceSequence(projection.getLhs(), projection.getLoc());
      projection.getLhsMutable().assign(hidden);
      projection.getResult().setType(
          withSequence(projection.getResult().getType(), length));
      for (Operation *op : llvm::reverse(chain))
        op->getResult(0).setType(
            withSequence(op->getResult(0).getType(), length));
      selected = logits;
    } else {
      // Not a projection we can move the selection above: select at the
      // output, which keeps the semantics but saves nothing.
      entry.emitWarning("--logits=")
          << positions.getValue()
          << ": the vocabulary projection was not found; the logits of "
             "every position are still computed";
      b.setInsertionPoint(ret);
      selected = sliceSequence(logits, ret.getLoc());
      ret.setOperand(*index, selected);
    }
    SmallVector<Type> results(entry.getResultTypes());
    results[*index] = selected.getType();
    entry.setType(FunctionType::get(entry.getContext(),
                                    entry.getArgumentTypes(), results));
  }
};

} // namespace
} // namespace sinkc
