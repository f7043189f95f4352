//===- MlpPatterns.cpp - The internal states of an exported MLP -----------===//

#include "sinkc/Transforms/MlpPatterns.h"

#include "sinkc/Dialect/Sink/SinkOps.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Support/Error.h"
#include "sinkc/Support/Location.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <optional>

namespace sinkc {

using namespace mlir;

Value MlpStates::get(StringRef state) const {
  return llvm::StringSwitch<Value>(state)
      .Case("input", input)
      .Case("gate", gate)
      .Case("up", up)
      .Case("act", act)
      .Case("gated", gatedProduct)
      .Case("output", output)
      .Default(Value());
}

namespace {

/// A reshape that keeps the feature (last) dimension between the token
/// layouts [B, T, F] and [B*T, F] (OPT's flattened MLP, GPT-2's Gemm), or an
/// identity: the same per-token vectors.
bool isTokenReshape(Operation *op) {
  if (isa<tfm::IdentityOp>(op))
    return true;
  if (!isa<tfm::ReshapeOp, tfm::FlattenOp>(op))
    return false;
  auto input = cast<RankedTensorType>(op->getOperand(0).getType());
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  auto tokens = [](RankedTensorType type) {
    return type.getRank() == 2 || type.getRank() == 3;
  };
  return tokens(input) && tokens(result) &&
         !input.isDynamicDim(input.getRank() - 1) &&
         input.getShape().back() == result.getShape().back();
}

/// `value` without the token reshapes that produce it.
Value stripLayout(Value value) {
  while (Operation *op = value.getDefiningOp()) {
    if (!isTokenReshape(op))
      break;
    value = op->getOperand(0);
  }
  return value;
}

/// The op of a linear layer: a tfm.matmul of per-token vectors with a weight
/// matrix, or a tfm.gemm (its optional C is the bias) that does not
/// transpose the tokens. Null for anything else, the attention's rank-4
/// products included.
Operation *asProduct(Value value) {
  Operation *op = value.getDefiningOp();
  if (auto matmul = dyn_cast_or_null<tfm::MatMulOp>(op)) {
    auto lhs = cast<RankedTensorType>(matmul.getLhs().getType());
    auto rhs = cast<RankedTensorType>(matmul.getRhs().getType());
    return (lhs.getRank() == 2 || lhs.getRank() == 3) && rhs.getRank() == 2
               ? op
               : nullptr;
  }
  if (auto gemm = dyn_cast_or_null<tfm::GemmOp>(op))
    return gemm.getTransA() ? nullptr : op;
  return nullptr;
}

/// The per-token input of a linear layer.
Value productInput(Operation *product) {
  if (auto matmul = dyn_cast<tfm::MatMulOp>(product))
    return stripLayout(matmul.getLhs());
  return stripLayout(cast<tfm::GemmOp>(product).getA());
}

/// A bias of the linear layer whose result is `main`: one value per feature,
/// [F] or [1, ..., F].
bool isBias(Value bias, Value main) {
  auto type = cast<RankedTensorType>(bias.getType());
  auto mainType = cast<RankedTensorType>(main.getType());
  if (type.getRank() < 1 || type.getRank() > mainType.getRank() ||
      !type.hasStaticShape() || mainType.isDynamicDim(mainType.getRank() - 1))
    return false;
  return type.getShape().back() == mainType.getShape().back() &&
         llvm::all_of(type.getShape().drop_back(),
                      [](int64_t dim) { return dim == 1; });
}

/// A linear layer's output as the MLP reads it.
struct Projection {
  /// The product, its bias add, or a slice of one along the features (the
  /// fused gate and up projection of Phi-3): what identifies the projection.
  Value core;
  /// The tfm.matmul or tfm.gemm.
  Operation *product;
  /// The value the MLP reads (`core`, or a token reshape of it): what is
  /// measured.
  Value seen;
};

std::optional<Projection> projectionOf(Value value) {
  Value core = stripLayout(value);
  if (Operation *product = asProduct(core))
    return Projection{core, product, value};
  if (auto add = core.getDefiningOp<tfm::AddOp>()) {
    for (auto [main, bias] : {std::pair(add.getLhs(), add.getRhs()),
                              std::pair(add.getRhs(), add.getLhs())}) {
      Operation *product = asProduct(stripLayout(main));
      if (product && isBias(bias, core))
        return Projection{core, product, value};
    }
  }
  // One part of a projection cut along the features: Phi-3 computes gate
  // and up as one product and splits it in two.
  Operation *cut = core.getDefiningOp();
  if (!cut || !isa<tfm::SplitOp, tfm::SliceOp>(cut))
    return std::nullopt;
  auto whole = cast<RankedTensorType>(cut->getOperand(0).getType());
  auto part = cast<RankedTensorType>(core.getType());
  bool alongFeatures = false;
  if (auto split = dyn_cast<tfm::SplitOp>(cut))
    alongFeatures =
        split.getAxis() == whole.getRank() - 1 || split.getAxis() == -1;
  else if (isa<tfm::SliceOp>(cut))
    // The axes of a slice are an operand: read them from the types, which
    // keep every dimension but the last.
    alongFeatures = whole.getRank() == part.getRank() &&
                    llvm::equal(whole.getShape().drop_back(),
                                part.getShape().drop_back()) &&
                    !part.isDynamicDim(part.getRank() - 1) &&
                    !whole.isDynamicDim(whole.getRank() - 1) &&
                    part.getShape().back() < whole.getShape().back();
  if (!alongFeatures)
    return std::nullopt;
  std::optional<Projection> inner = projectionOf(cut->getOperand(0));
  if (!inner)
    return std::nullopt;
  return Projection{core, inner->product, value};
}

/// Constants and scalars: the coefficients of an activation.
bool isConstantLike(Value value) {
  if (value.getDefiningOp<tfm::ConstantOp>())
    return true;
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.hasStaticShape() && type.getNumElements() <= 1;
}

/// The elementwise ops activations are written with: SiLU as
/// x * sigmoid(x), GELU as 0.5 x (1 + erf(x / sqrt 2)) or with tanh and a
/// cube, ReLU, ONNX Gelu, and casts in mixed precision.
bool isElementwise(Operation *op) {
  return isa<tfm::SigmoidOp, tfm::TanhOp, tfm::ErfOp, tfm::ReluOp, tfm::GeluOp,
             tfm::NegOp, tfm::ExpOp, tfm::LogOp, tfm::AbsOp, tfm::SqrtOp,
             tfm::ReciprocalOp, tfm::CastOp, tfm::AddOp, tfm::SubOp, tfm::MulOp,
             tfm::DivOp, tfm::PowOp, tfm::MaxOp, tfm::MinOp>(op);
}

/// The projections that `value` is an elementwise function of, in the order
/// first reached, each once. Returns the value where the search met
/// anything else (null when it did not): a norm, a reduction, an argument,
/// an operand broadcast against the others.
Value collectProjections(Value value, SmallVectorImpl<Projection> &found) {
  llvm::DenseSet<Value> visited;
  SmallVector<Value> worklist = {value};
  while (!worklist.empty()) {
    Value current = worklist.pop_back_val();
    if (!visited.insert(current).second)
      continue;
    if (std::optional<Projection> projection = projectionOf(current)) {
      if (llvm::none_of(found, [&](const Projection &known) {
            return known.core == projection->core;
          }))
        found.push_back(*projection);
      continue;
    }
    if (isConstantLike(current))
      continue;
    Operation *op = current.getDefiningOp();
    if (!op || !(isElementwise(op) || isTokenReshape(op)))
      return current;
    auto result = cast<RankedTensorType>(current.getType());
    // Reversed, so that the first operand is searched first.
    for (Value operand : llvm::reverse(op->getOperands())) {
      if (isConstantLike(operand))
        continue;
      if (!isTokenReshape(op) &&
          cast<RankedTensorType>(operand.getType()).getShape() !=
              result.getShape())
        return current;
      worklist.push_back(operand);
    }
  }
  return Value();
}

std::string describeOp(Operation *op) {
  return describeValue(op->getResult(0));
}

/// A state the instrumentation can view as [B, T, F]: float, [B, T, F] or
/// [B*T, F] with a static F.
bool isTokenTensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && isa<FloatType>(type.getElementType()) &&
         (type.getRank() == 2 || type.getRank() == 3) &&
         !type.isDynamicDim(type.getRank() - 1);
}

} // namespace

llvm::Expected<MlpStates> findMlpStates(Value mlpOutput) {
  MlpStates states;
  states.output = mlpOutput;
  // sinkc-intervene-mlp-norm-cap moves the mark onto its cap (between OPT's
  // reshapes of the tokens): the output is the capped value the block adds,
  // the other states are the MLP's own, before the cap.
  Value uncapped = mlpOutput;
  if (auto cap = stripLayout(mlpOutput).getDefiningOp<sink::MlpNormCapOp>())
    uncapped = cap.getMlp();
  std::optional<Projection> down = projectionOf(uncapped);
  if (!down)
    return makeError("its MLP output " + describeValue(mlpOutput) +
                     " is not a projection (a tfm.matmul with a weight "
                     "matrix or a tfm.gemm, with or without a bias)");
  std::string downText = "down projection " + describeOp(down->product);
  Value z = productInput(down->product);
  SmallVector<Projection> roots;
  if (Value stop = collectProjections(z, roots))
    return makeError("the input of its " + downText + " is computed from " +
                     describeValue(stop) +
                     ", which is neither a projection nor an elementwise "
                     "op of per-token values");
  auto list = [](ArrayRef<Projection> projections) {
    std::string text;
    for (const Projection &p : projections)
      text += (text.empty() ? "" : ", ") + describeValue(p.core);
    return text;
  };

  if (roots.size() == 1) {
    // Plain: act = phi(fc_in).
    const Projection &fcIn = roots.front();
    if (fcIn.core == z)
      return makeError("its " + downText + " reads the projection " +
                       describeValue(fcIn.core) +
                       " directly, without an activation");
    states.gate = fcIn.seen;
    states.act = z;
    states.input = productInput(fcIn.product);
    states.description = "a plain MLP (fc_in " + describeValue(fcIn.core) +
                         ", activation " + describeValue(z) + ", " + downText +
                         ")";
  } else if (roots.size() == 2) {
    // Gated: act(gate) * up, where only the gate passes through the
    // activation.
    auto mul = z.getDefiningOp<tfm::MulOp>();
    if (!mul)
      return makeError("the input of its " + downText + ", " +
                       describeValue(z) + ", combines the projections " +
                       list(roots) + " other than as a product act(gate) * up");
    SmallVector<Projection> lhsRoots, rhsRoots;
    collectProjections(mul.getLhs(), lhsRoots);
    collectProjections(mul.getRhs(), rhsRoots);
    if (lhsRoots.size() != 1 || rhsRoots.size() != 1)
      return makeError("the input of its " + downText + ", " +
                       describeValue(z) + ", multiplies values computed from " +
                       list(lhsRoots) + " and from " + list(rhsRoots) +
                       "; expected act(gate) * up, each from one projection");
    bool lhsActivated = stripLayout(mul.getLhs()) != lhsRoots.front().core;
    bool rhsActivated = stripLayout(mul.getRhs()) != rhsRoots.front().core;
    if (lhsActivated == rhsActivated)
      return makeError("the input of its " + downText + ", " +
                       describeValue(z) + ", multiplies the projections " +
                       list(roots) + ", but " +
                       (lhsActivated ? "both pass" : "neither passes") +
                       " through an activation; expected act(gate) * up");
    Value act = lhsActivated ? mul.getLhs() : mul.getRhs();
    const Projection &gate = lhsActivated ? lhsRoots.front() : rhsRoots.front();
    const Projection &up = lhsActivated ? rhsRoots.front() : lhsRoots.front();
    Value input = productInput(gate.product);
    if (productInput(up.product) != input)
      return makeError("the input of its " + downText + ", " +
                       describeValue(z) + ", multiplies the projections " +
                       list(roots) + " of different inputs (" +
                       describeValue(input) + " and " +
                       describeValue(productInput(up.product)) +
                       "); expected a gate and an up projection of one input");
    states.gated = true;
    states.input = input;
    states.gate = gate.seen;
    states.up = up.seen;
    states.act = act;
    states.gatedProduct = z;
    states.description = "a gated MLP (gate " + describeValue(gate.core) +
                         ", up " + describeValue(up.core) + ", " + downText +
                         ")";
  } else {
    return makeError("the input of its " + downText + " is computed from " +
                     Twine(roots.size()) + " projections" +
                     (roots.empty() ? "" : " (" + list(roots) + ")") +
                     "; expected one (a plain MLP) or two (gate and up)");
  }

  for (auto [name, value] :
       {std::pair("input", states.input), std::pair("gate", states.gate),
        std::pair("up", states.up), std::pair("act", states.act),
        std::pair("gated", states.gatedProduct),
        std::pair("output", states.output)})
    if (value && !isTokenTensor(value))
      return makeError("the MLP " + Twine(name) + " " + describeValue(value) +
                       " of " + states.description +
                       " is not a float tensor [B, T, F] or [B*T, F] with a "
                       "static F");
  return states;
}

} // namespace sinkc
