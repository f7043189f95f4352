//===- InterveneMlpNormCap.cpp - the sinkc-intervene-mlp-norm-cap pass ----===//
//
// The steering intervention of Wong et al. (arXiv 2512.22213), compiled in:
// acts on the marks of sinkc-recognize-transformer and caps the norm of one
// block's MLP outputs that point along the reference direction
// (sink.mlp_norm_cap). Also parses the --intervene spec of the driver.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Sink/SinkOps.h"
#include "sinkc/Dialect/Tfm/TfmDialect.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Support/Error.h"
#include "sinkc/Transforms/Instrumentation.h"
#include "sinkc/Transforms/Intervention.h"
#include "sinkc/Transforms/PassSupport.h"
#include "sinkc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace sinkc {
#define GEN_PASS_DEF_INTERVENEMLPNORMCAP
#include "sinkc/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kKind = "mlp-norm-cap";
constexpr llvm::StringLiteral kUsage =
    "mlp-norm-cap:layer=L,norm=N[,cos=C][,skip-first=S]";

/// The shortest decimal form that reads back as the same float: the spec
/// records the thresholds the op holds (f32 attributes), e.g. 0.98 and not
/// 0.980000019.
std::string shortestFloat(float value) {
  char text[32];
  for (int precision = 1; precision <= 9; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision,
                  static_cast<double>(value));
    if (std::strtof(text, nullptr) == value)
      break;
  }
  return text;
}

llvm::Error badValue(StringRef key, StringRef value, StringRef expected) {
  return makeError("bad value '" + value + "' for " + key +
                   " in the intervention spec: expected " + expected);
}

} // namespace

std::string MlpNormCapSpec::str() const {
  return (kKind + ":layer=" + Twine(layer) +
          ",cos=" + shortestFloat(static_cast<float>(cosThreshold)) +
          ",norm=" + shortestFloat(static_cast<float>(norm)) +
          ",skip-first=" + Twine(skipFirst))
      .str();
}

llvm::Error checkMlpNormCapSpec(const MlpNormCapSpec &spec) {
  if (spec.layer < 0)
    return makeError("the intervention needs a layer (layer=L, a decoder "
                     "block counted from 0)");
  // Cosines above 1 do not exist: a threshold of 1 or more never fires.
  if (!(spec.cosThreshold >= -1.0 && spec.cosThreshold < 1.0))
    return makeError("cos=" + shortestFloat(spec.cosThreshold) +
                     " in the intervention spec is outside [-1, 1): no "
                     "cosine is above it");
  if (!(spec.norm >= 0.0) || std::isinf(spec.norm))
    return makeError("norm=" + shortestFloat(spec.norm) +
                     " in the intervention spec: the intervention needs a "
                     "finite norm >= 0 (norm=N)");
  if (spec.skipFirst < 1)
    return makeError("skip-first=" + Twine(spec.skipFirst) +
                     " in the intervention spec: it must be at least 1, "
                     "position 0 is the reference and is never rescaled");
  return llvm::Error::success();
}

llvm::Expected<MlpNormCapSpec> parseInterventionSpec(StringRef text) {
  text = text.trim();
  if (text.empty())
    return makeError("empty intervention spec: write e.g. " + kUsage);
  auto [kind, rest] = text.split(':');
  kind = kind.trim();
  if (kind != kKind)
    return makeError("unknown intervention '" + kind + "': expected " + kUsage);
  MlpNormCapSpec spec;
  std::set<std::string> seen;
  SmallVector<StringRef> items;
  if (!rest.trim().empty())
    rest.split(items, ',');
  for (StringRef item : items) {
    item = item.trim();
    if (!item.contains('='))
      return makeError("'" + item +
                       "' in the intervention spec is not key=value: "
                       "write " +
                       kUsage);
    auto [name, value] = item.split('=');
    name = name.trim();
    value = value.trim();
    if (name != "layer" && name != "cos" && name != "norm" &&
        name != "skip-first")
      return makeError("unknown key '" + name +
                       "' in the intervention spec: expected layer, cos, "
                       "norm and skip-first");
    if (!seen.insert(name.str()).second)
      return makeError("'" + name + "=' given twice in the intervention spec");
    if (name == "layer" || name == "skip-first") {
      int64_t number;
      if (value.getAsInteger(10, number) || number < 0)
        return badValue(name, value,
                        name == "layer" ? "a decoder block number (0, 1, ...)"
                                        : "a position count of at least 1");
      (name == "layer" ? spec.layer : spec.skipFirst) = number;
      continue;
    }
    double number;
    if (value.getAsDouble(number) || !std::isfinite(number))
      return badValue(name, value, "a finite number");
    (name == "cos" ? spec.cosThreshold : spec.norm) = number;
  }
  for (StringRef required : {"layer", "norm"})
    if (!seen.count(required.str()))
      return makeError("the intervention spec has no " + required +
                       "=: write e.g. mlp-norm-cap:layer=2,norm=1 (" + kUsage +
                       ")");
  if (llvm::Error e = checkMlpNormCapSpec(spec))
    return std::move(e);
  return spec;
}

llvm::Error interveneMlpNormCap(ModuleOp module, const MlpNormCapSpec &spec,
                                ArrayRef<float> reference,
                                StringRef referenceName) {
  if (llvm::Error e = checkMlpNormCapSpec(spec))
    return e;
  if (llvm::Expected<int64_t> numLayers =
          recognizedLayerCount(module, {spec.layer});
      !numLayers)
    return numLayers.takeError();

  // The marked MLP output of the layer, and its block input (the shape of a
  // flattened MLP output).
  Operation *marked = nullptr;
  Value blockInput;
  auto isMarked = [&](DictionaryAttr attrs, StringRef role) {
    if (!attrs)
      return false;
    auto layer = attrs.getAs<IntegerAttr>(kLayerAttrName);
    auto markedRole = attrs.getAs<StringAttr>(kRoleAttrName);
    return layer && markedRole && layer.getInt() == spec.layer &&
           markedRole.getValue() == role;
  };
  module.walk([&](Operation *op) {
    if (auto function = dyn_cast<FunctionOpInterface>(op)) {
      if (!function.isExternal())
        for (BlockArgument arg : function.getArguments())
          if (isMarked(function.getArgAttrDict(arg.getArgNumber()),
                       kRoleBlockInput))
            blockInput = arg;
      return;
    }
    if (op->getNumResults() != 1)
      return;
    if (isMarked(op->getAttrDictionary(), kRoleMlpOutput))
      marked = op;
    else if (isMarked(op->getAttrDictionary(), kRoleBlockInput))
      blockInput = op->getResult(0);
  });
  if (!marked)
    return makeError("layer " + Twine(spec.layer) + " has no value marked '" +
                     kRoleMlpOutput + "', which the intervention rescales");
  Value mlp = marked->getResult(0);
  auto mlpType = cast<RankedTensorType>(mlp.getType());
  int64_t hidden = mlpType.getShape().back();
  if (!reference.empty() && (ShapedType::isDynamic(hidden) ||
                             hidden != static_cast<int64_t>(reference.size())))
    return makeError(referenceName + " has " + Twine(reference.size()) +
                     " values, but the MLP output of layer " +
                     Twine(spec.layer) + " has " +
                     (ShapedType::isDynamic(hidden) ? std::string("a dynamic")
                                                    : std::to_string(hidden)) +
                     " (the model's hidden size)");

  OpBuilder b(module.getContext());
  b.setInsertionPointAfter(marked);
  Location loc = mlp.getLoc();
  SmallPtrSet<Operation *, 4> created;
  auto track = [&](Value value) {
    created.insert(value.getDefiningOp());
    return value;
  };
  auto shapeOf = [&](Value value) {
    auto shapeType = RankedTensorType::get(
        {cast<RankedTensorType>(value.getType()).getRank()}, b.getI64Type());
    return track(tfm::ShapeOp::create(b, loc, shapeType, value,
                                      b.getI64IntegerAttr(0),
                                      /*end=*/IntegerAttr()));
  };
  // A flattened MLP output ([B*T, D], OPT) is capped as the block input's
  // [B, T, D] (positions are what the rule is about) and flattened back.
  Value tokens = mlp;
  if (mlpType.getRank() == 2) {
    if (!blockInput)
      return makeError("layer " + Twine(spec.layer) +
                       " has a flattened MLP output and no block input to "
                       "take its shape from");
    auto inputType = cast<RankedTensorType>(blockInput.getType());
    auto type =
        RankedTensorType::get(inputType.getShape(), mlpType.getElementType());
    tokens =
        track(tfm::ReshapeOp::create(b, loc, type, mlp, shapeOf(blockInput),
                                     /*allowzero=*/false));
  }
  Value referenceValue;
  if (!reference.empty()) {
    auto type = RankedTensorType::get({hidden}, b.getF32Type());
    referenceValue = tfm::ConstantOp::create(
        b, loc, type, DenseElementsAttr::get(type, reference));
  }
  Value capped = track(sink::MlpNormCapOp::create(
      b, loc, tokens.getType(), tokens, referenceValue,
      b.getF32FloatAttr(static_cast<float>(spec.cosThreshold)),
      b.getF32FloatAttr(static_cast<float>(spec.norm)),
      b.getI64IntegerAttr(spec.skipFirst)));
  if (mlpType.getRank() == 2)
    capped = tfm::ReshapeOp::create(b, loc, mlpType, capped, shapeOf(mlp),
                                    /*allowzero=*/false);
  mlp.replaceAllUsesExcept(capped, created);
  // What the block adds to the residual stream is the capped value now: the
  // instrumentation's mlp_norm and mlp_cos_bos measure that.
  Operation *carrier = capped.getDefiningOp();
  for (StringRef name : {kLayerAttrName, kRoleAttrName}) {
    carrier->setAttr(name, marked->getAttr(name));
    marked->removeAttr(name);
  }
  return llvm::Error::success();
}

namespace {

struct InterveneMlpNormCap
    : public impl::InterveneMlpNormCapBase<InterveneMlpNormCap> {
  using Base::Base;

  void runOnOperation() override {
    MlpNormCapSpec spec;
    spec.layer = layer;
    spec.cosThreshold = cosThreshold;
    spec.norm = norm;
    spec.skipFirst = skipFirst;
    SmallVector<float> values(reference.begin(), reference.end());
    if (failed(emitErrorOn(
            getOperation(),
            interveneMlpNormCap(getOperation(), spec, values, referenceName))))
      signalPassFailure();
  }
};

} // namespace
} // namespace sinkc
