//===- CaptureStates.cpp - the sinkc-capture-states pass ------------------===//
//
// Activation capture (sinkc --capture, docs/captures.md): acts on the marks
// of sinkc-recognize-transformer and hands the chosen per-token states of
// the chosen layers to the runtime (sink.capture), which keeps the rows of
// the sink tokens and their matched controls. Also parses the --capture spec
// of the driver.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Sink/SinkOps.h"
#include "sinkc/Dialect/Tfm/TfmDialect.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Support/Error.h"
#include "sinkc/Transforms/Capture.h"
#include "sinkc/Transforms/Instrumentation.h"
#include "sinkc/Transforms/MlpPatterns.h"
#include "sinkc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <set>

namespace sinkc {
#define GEN_PASS_DEF_CAPTURESTATES
#include "sinkc/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kSpecName = "capture";

/// `layers` as ascending runs: 2-5,7.
std::string layerRuns(ArrayRef<int64_t> layers) {
  std::string text;
  for (size_t i = 0; i < layers.size();) {
    size_t j = i;
    while (j + 1 < layers.size() && layers[j + 1] == layers[j] + 1)
      ++j;
    if (!text.empty())
      text += ",";
    text += std::to_string(layers[i]);
    if (j > i)
      text += "-" + std::to_string(layers[j]);
    i = j + 1;
  }
  return text;
}

} // namespace

StringRef captureTokensName(CaptureTokens tokens) {
  return tokens == CaptureTokens::Sinks ? "sinks" : "sinks+matched";
}

std::string CaptureSpec::str() const {
  return "layers=" + (allLayers ? std::string("all") : layerRuns(layers)) +
         ",states=" + llvm::join(states, ",") +
         ",tokens=" + captureTokensName(tokens).str();
}

llvm::Expected<CaptureSpec> parseCaptureSpec(StringRef layers,
                                             StringRef states) {
  CaptureSpec spec;
  if (llvm::Error e =
          parseLayerList(layers, kSpecName, spec.allLayers, spec.layers))
    return std::move(e);
  states = states.trim();
  if (states.empty())
    return makeError("no states in the capture spec: write e.g. "
                     "states=hidden,mlp_out");
  std::set<StringRef> chosen;
  SmallVector<StringRef> items;
  states.split(items, ',');
  for (StringRef item : items) {
    item = item.trim();
    if (item == "all") {
      chosen.insert(sink::getCaptureStateNames().begin(),
                    sink::getCaptureStateNames().end());
      continue;
    }
    if (!sink::isCaptureStateName(item))
      return makeError(
          "unknown state '" + item + "' in the capture spec: expected " +
          llvm::join(sink::getCaptureStateNames(), ", ") + " or all");
    chosen.insert(item);
  }
  // Block order, whatever the spec's: the capture ids and the file's
  // arrays follow it.
  for (StringRef state : sink::getCaptureStateNames())
    if (chosen.count(state))
      spec.states.push_back(state.str());
  return spec;
}

llvm::Expected<CaptureSpec> parseCaptureSpec(StringRef text) {
  if (text.trim().empty())
    return makeError("empty capture spec: write e.g. "
                     "layers=2-3,states=hidden,mlp_out,tokens=sinks+matched");
  llvm::Expected<std::map<std::string, std::string>> values =
      splitSpecKeys(text, kSpecName, {"layers", "states", "tokens"});
  if (!values)
    return values.takeError();
  auto joined = [&](StringRef name, StringRef fallback) -> std::string {
    auto found = values->find(name.str());
    return found == values->end() ? fallback.str() : found->second;
  };
  llvm::Expected<CaptureSpec> spec =
      parseCaptureSpec(joined("layers", "all"), joined("states", "all"));
  if (!spec)
    return spec.takeError();
  std::string tokens =
      StringRef(joined("tokens", "sinks+matched")).trim().str();
  if (tokens == "sinks")
    spec->tokens = CaptureTokens::Sinks;
  else if (tokens == "sinks+matched")
    spec->tokens = CaptureTokens::SinksMatched;
  else
    return makeError("unknown tokens '" + tokens +
                     "' in the capture spec: expected sinks or "
                     "sinks+matched");
  return spec;
}

llvm::Expected<std::vector<CaptureRecord>>
captureStates(ModuleOp module, const CaptureSpec &spec) {
  llvm::Expected<int64_t> numLayers = recognizedLayerCount(module, spec.layers);
  if (!numLayers)
    return numLayers.takeError();
  std::map<int64_t, MarkedBlock> blocks = findMarkedBlocks(module);
  SmallVector<int64_t> layers = spec.layers;
  if (spec.allLayers)
    layers = llvm::to_vector(llvm::seq<int64_t>(0, *numLayers));

  // The driver runs this outside a pass manager, which would load the
  // dialects from the pass's dependent dialects.
  module.getContext()->getOrLoadDialect<sink::SinkDialect>();
  module.getContext()->getOrLoadDialect<tfm::TfmDialect>();
  OpBuilder b(module.getContext());
  std::vector<CaptureRecord> captures;
  for (int64_t layer : layers) {
    MarkedBlock &block = blocks[layer];
    auto missing = [&](StringRef role, StringRef state) {
      return makeError("layer " + Twine(layer) + " has no value marked '" +
                       role + "', which the capture of " + state + " needs");
    };
    for (const std::string &state : spec.states) {
      Value value;
      if (state == "hidden") {
        if (!block.input)
          return missing(kRoleBlockInput, state);
        value = block.input;
      } else {
        if (!block.mlpOutput)
          return missing(kRoleMlpOutput, state);
        value = block.mlpOutput;
        if (state == "mlp_input") {
          // The MLP input carries no mark (a value has one, and GPT-NeoX's
          // is also the attention's input): found by structure, as the
          // metric group mlpstates finds it.
          llvm::Expected<MlpStates> found = findMlpStates(block.mlpOutput);
          if (!found)
            return makeError("cannot find the internal states of layer " +
                             Twine(layer) +
                             "'s MLP, which the capture of mlp_input needs: " +
                             llvm::toString(found.takeError()));
          value = found->input;
        }
      }
      insertAfterDefinition(b, value);
      llvm::Expected<Value> view =
          viewAsTokens(b, value, block.input, layer, state);
      if (!view)
        return view.takeError();
      Value captured = *view;
      auto type = cast<RankedTensorType>(captured.getType());
      int64_t width = type.getShape().back();
      if (ShapedType::isDynamic(width))
        return makeError("layer " + Twine(layer) + "'s " + state +
                         " has a dynamic width; the capture records a "
                         "static one in the manifest");
      // The runtime receives f32 rows, whatever the model computes in.
      if (!type.getElementType().isF32()) {
        Type f32 = b.getF32Type();
        captured = tfm::CastOp::create(b, captured.getLoc(), type.clone(f32),
                                       captured, TypeAttr::get(f32));
      }
      int64_t id = captures.size();
      sink::CaptureOp::create(b, captured.getLoc(), captured, id, layer, state);
      captures.push_back({id, layer, state, width});
    }
  }
  return captures;
}

std::vector<CaptureRecord> collectCaptures(ModuleOp module) {
  std::vector<CaptureRecord> captures;
  module.walk([&](sink::CaptureOp capture) {
    captures.push_back({capture.getCapture(), capture.getLayer(),
                        capture.getState().str(), capture.getWidth()});
  });
  llvm::sort(captures, [](const CaptureRecord &a, const CaptureRecord &b) {
    return a.id < b.id;
  });
  return captures;
}

namespace {

struct CaptureStates : public impl::CaptureStatesBase<CaptureStates> {
  using Base::Base;

  void runOnOperation() override {
    llvm::Expected<CaptureSpec> spec = parseCaptureSpec(layers, states);
    if (!spec) {
      getOperation().emitError(llvm::toString(spec.takeError()));
      return signalPassFailure();
    }
    llvm::Expected<std::vector<CaptureRecord>> captures =
        captureStates(getOperation(), *spec);
    if (!captures) {
      getOperation().emitError(llvm::toString(captures.takeError()));
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace sinkc
