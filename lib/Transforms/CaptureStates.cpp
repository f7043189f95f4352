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
#include "sinkc/Transforms/PassSupport.h"
#include "sinkc/Transforms/Passes.h"
#include "sinkrt/Text.h"

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

} // namespace

std::string CaptureSpec::layerList() const {
  return allLayers ? std::string("all") : sinkrt::formatRuns(layers);
}

std::string CaptureSpec::str() const {
  return "layers=" + layerList() + ",states=" + llvm::join(states, ",") +
         ",tokens=" + sinkrt::captureTokensName(tokens);
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
  llvm::Expected<SpecKeyValues> values =
      splitSpecKeys(text, kSpecName, {"layers", "states", "tokens"},
                    "layers=2-3,states=hidden,mlp_out,tokens=sinks+matched");
  if (!values)
    return values.takeError();
  llvm::Expected<CaptureSpec> spec = parseCaptureSpec(
      values->get("layers", "all"), values->get("states", "all"));
  if (!spec)
    return spec.takeError();
  std::string tokens =
      StringRef(values->get("tokens", "sinks+matched")).trim().str();
  std::optional<sinkrt::CaptureTokens> mode =
      sinkrt::parseCaptureTokensName(tokens);
  if (!mode)
    return makeError("unknown tokens '" + tokens +
                     "' in the capture spec: expected sinks or "
                     "sinks+matched");
  spec->tokens = *mode;
  return spec;
}

llvm::Error captureStates(ModuleOp module, const CaptureSpec &spec) {
  llvm::Expected<std::vector<MarkedBlock>> blocks =
      selectMarkedBlocks(module, spec.allLayers, spec.layers);
  if (!blocks)
    return blocks.takeError();
  OpBuilder b(module.getContext());
  int64_t nextId = 0;
  for (const MarkedBlock &block : *blocks) {
    int64_t layer = block.layer;
    auto missing = [&](StringRef role, StringRef state) {
      return block.missing(role, "the capture of " + state);
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
      sink::CaptureOp::create(b, captured.getLoc(), captured, nextId++, layer,
                              state);
    }
  }
  return llvm::Error::success();
}

std::vector<sinkrt::StateCapture> collectCaptures(ModuleOp module) {
  return collectRecordsById<sink::CaptureOp>(
      module, [](sink::CaptureOp capture) {
        std::optional<sinkrt::CaptureState> state =
            sinkrt::parseCaptureStateName(capture.getState().str());
        assert(state && "sink.capture's verifier admits the names of "
                        "CaptureStates.def only");
        return sinkrt::StateCapture{capture.getCapture(),
                                    static_cast<int>(capture.getLayer()),
                                    *state, capture.getWidth()};
      });
}

namespace {

struct CaptureStates : public impl::CaptureStatesBase<CaptureStates> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(applySpec(getOperation(), parseCaptureSpec(layers, states),
                         captureStates)))
      signalPassFailure();
  }
};

} // namespace
} // namespace sinkc
