//===- InstrumentSinks.cpp - the sinkc-instrument-sinks pass --------------===//
//
// Acts on the marks of sinkc-recognize-transformer: inserts the sink
// measurements of the selected layers and metrics right after the marked
// ops, each followed by a sink.emit with a fresh probe id. Also parses the
// --instrument spec of the driver, and holds what the passes acting on the
// marks share (Instrumentation.h: the marked blocks, views of flattened
// states, the layer lists and keys of the driver's specs).
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Sink/SinkOps.h"
#include "sinkc/Dialect/Tfm/TfmDialect.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Support/Error.h"
#include "sinkc/Transforms/AttentionPatterns.h"
#include "sinkc/Transforms/Instrumentation.h"
#include "sinkc/Transforms/MlpPatterns.h"
#include "sinkc/Transforms/PassSupport.h"
#include "sinkc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <map>
#include <optional>
#include <set>

namespace sinkc {
#define GEN_PASS_DEF_INSTRUMENTSINKS
#include "sinkc/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// The groups that `all` leaves out: the key and value norms and the MLP
/// states add probes per layer (two and up to six) and need trace schema
/// versions (2 and 3) that older readers refuse, so they are measured only
/// when asked for by name.
bool isOptInGroup(StringRef group) {
  return group == "kv" || group == sink::kMlpStatesGroup;
}

/// The metrics of a group name (attn, hidden, mlp, kv, mlpstates, all), or
/// the metric itself.
SmallVector<StringRef> expandMetric(StringRef name) {
  if (sink::isMetricName(name))
    return {name};
  SmallVector<StringRef> members;
  for (StringRef metric : sink::getMetricNames()) {
    StringRef group = sink::getMetricGroup(metric);
    if (group == name || (name == "all" && !isOptInGroup(group)))
      members.push_back(metric);
  }
  return members;
}

llvm::Expected<int64_t> parseLayer(StringRef text, StringRef item,
                                   StringRef specName) {
  int64_t layer;
  if (text.empty() || text.getAsInteger(10, layer) || layer < 0)
    return makeError("bad layer '" + item + "' in the " + specName +
                     " spec: expected a layer number, a range like 2-5, or "
                     "'all'");
  return layer;
}

} // namespace

llvm::Error parseLayerList(StringRef text, StringRef specName, bool &allLayers,
                           SmallVectorImpl<int64_t> &layers) {
  text = text.trim();
  layers.clear();
  if (text.empty())
    return makeError("no layers in the " + specName +
                     " spec: write layers=all or a list like layers=2-5,7");
  if (text == "all") {
    allLayers = true;
    return llvm::Error::success();
  }
  allLayers = false;
  std::set<int64_t> selected;
  SmallVector<StringRef> items;
  text.split(items, ',');
  for (StringRef item : items) {
    item = item.trim();
    if (item == "all")
      return makeError("'all' cannot be combined with other layers in the " +
                       specName + " spec");
    auto [first, last] = item.split('-');
    llvm::Expected<int64_t> begin = parseLayer(first.trim(), item, specName);
    if (!begin)
      return begin.takeError();
    int64_t end = *begin;
    if (item.contains('-')) {
      llvm::Expected<int64_t> parsed = parseLayer(last.trim(), item, specName);
      if (!parsed)
        return parsed.takeError();
      end = *parsed;
      if (end < *begin)
        return makeError("empty layer range '" + item + "' in the " + specName +
                         " spec");
    }
    for (int64_t layer = *begin; layer <= end; ++layer)
      selected.insert(layer);
  }
  layers.assign(selected.begin(), selected.end());
  return llvm::Error::success();
}

std::string SpecKeyValues::get(StringRef key, StringRef fallback) const {
  auto found = values.find(key.str());
  return found == values.end() ? fallback.str() : found->second;
}

llvm::Expected<SpecKeyValues> splitSpecKeys(StringRef text, StringRef specName,
                                            ArrayRef<StringRef> keys,
                                            StringRef example) {
  if (text.trim().empty())
    return makeError("empty " + specName + " spec: write e.g. " + example);
  // "layers=..., metrics=..." for messages.
  auto listKeys = [&](StringRef conjunction) {
    std::string list;
    for (auto [index, key] : llvm::enumerate(keys)) {
      if (index)
        list +=
            index + 1 == keys.size() ? (" " + conjunction + " ").str() : ", ";
      list += (key + "=...").str();
    }
    return list;
  };
  std::map<std::string, SmallVector<std::string>> values;
  std::string key;
  SmallVector<StringRef> items;
  text.split(items, ',');
  for (StringRef item : items) {
    item = item.trim();
    if (item.contains('=')) {
      auto [name, value] = item.split('=');
      key = name.trim().str();
      if (!llvm::is_contained(keys, key))
        return makeError("unknown key '" + key + "' in the " + specName +
                         " spec: expected " + listKeys("and"));
      if (values.count(key))
        return makeError("'" + key + "=' given twice in the " + specName +
                         " spec");
      values[key].push_back(value.trim().str());
      continue;
    }
    if (key.empty())
      return makeError("'" + item + "' in the " + specName +
                       " spec has no key: write " + listKeys("or"));
    values[key].push_back(item.str());
  }
  SpecKeyValues joined;
  for (auto &[name, parts] : values)
    joined.values[name] = llvm::join(parts, ",");
  return joined;
}

llvm::Expected<InstrumentSpec> parseInstrumentSpec(StringRef layers,
                                                   StringRef metrics) {
  InstrumentSpec spec;
  spec.layersText = layers.trim().str();
  spec.metricsText = metrics.trim().str();
  if (llvm::Error e =
          parseLayerList(layers, "instrument", spec.allLayers, spec.layers))
    return std::move(e);

  metrics = metrics.trim();
  if (metrics.empty())
    return makeError("no metrics in the instrument spec: write e.g. "
                     "metrics=attn,mlp,hidden");
  std::set<StringRef> chosen, required;
  SmallVector<StringRef> items;
  metrics.split(items, ',');
  for (StringRef item : items) {
    SmallVector<StringRef> expanded = expandMetric(item.trim());
    if (expanded.empty())
      return makeError("unknown metric '" + item.trim() +
                       "' in the instrument spec: expected attn, mlp, "
                       "hidden, kv, mlpstates, all or one of " +
                       llvm::join(sink::getMetricNames(), ", "));
    chosen.insert(expanded.begin(), expanded.end());
    // The group mlpstates asks for the states the model has; a state named
    // on its own must exist.
    if (item.trim() != sink::kMlpStatesGroup)
      required.insert(expanded.begin(), expanded.end());
  }
  for (StringRef metric : sink::getMetricNames()) {
    if (!chosen.count(metric))
      continue;
    spec.metrics.push_back(metric.str());
    if (!required.count(metric))
      spec.ifPresent.push_back(metric.str());
  }
  return spec;
}

llvm::Expected<InstrumentSpec> parseInstrumentSpec(StringRef text) {
  llvm::Expected<SpecKeyValues> values =
      splitSpecKeys(text, "instrument", {"layers", "metrics"},
                    "layers=all,metrics=attn,mlp,hidden");
  if (!values)
    return values.takeError();
  return parseInstrumentSpec(values->get("layers", "all"),
                             values->get("metrics", "all"));
}

std::map<int64_t, MarkedBlock> findMarkedBlocks(ModuleOp module) {
  std::map<int64_t, MarkedBlock> blocks;
  auto record = [&](Value value, DictionaryAttr attrs) {
    if (!attrs)
      return;
    auto layer = attrs.getAs<IntegerAttr>(kLayerAttrName);
    auto role = attrs.getAs<StringAttr>(kRoleAttrName);
    if (!layer || !role)
      return;
    MarkedBlock &block = blocks[layer.getInt()];
    if (role.getValue() == kRoleBlockInput)
      block.input = value;
    else if (role.getValue() == kRoleAttentionProbs)
      block.probs = value;
    else if (role.getValue() == kRoleMlpOutput)
      block.mlpOutput = value;
  };
  module.walk([&](Operation *op) {
    if (auto function = dyn_cast<FunctionOpInterface>(op)) {
      if (!function.isExternal())
        for (BlockArgument arg : function.getArguments())
          record(arg, function.getArgAttrDict(arg.getArgNumber()));
      return;
    }
    if (op->getNumResults() == 1)
      record(op->getResult(0), op->getAttrDictionary());
  });
  return blocks;
}

llvm::Error MarkedBlock::missing(StringRef role, const Twine &user) const {
  return makeError("layer " + Twine(layer) + " has no value marked '" + role +
                   "', which " + user + " needs");
}

llvm::Expected<std::vector<MarkedBlock>>
selectMarkedBlocks(ModuleOp module, bool allLayers, ArrayRef<int64_t> layers) {
  llvm::Expected<int64_t> numLayers = recognizedLayerCount(module, layers);
  if (!numLayers)
    return numLayers.takeError();
  std::map<int64_t, MarkedBlock> blocks = findMarkedBlocks(module);
  std::vector<MarkedBlock> selected;
  auto select = [&](int64_t layer) {
    MarkedBlock block = blocks[layer];
    block.layer = layer;
    selected.push_back(block);
  };
  if (allLayers)
    llvm::for_each(llvm::seq<int64_t>(0, *numLayers), select);
  else
    llvm::for_each(layers, select);
  return selected;
}

void insertAfterDefinition(OpBuilder &b, Value value) {
  if (Operation *op = value.getDefiningOp())
    b.setInsertionPointAfter(op);
  else
    b.setInsertionPointToStart(cast<BlockArgument>(value).getOwner());
}

llvm::Expected<Value> viewAsTokens(OpBuilder &b, Value value, Value blockInput,
                                   int64_t layer, StringRef what) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getRank() == 3)
    return value;
  if (!blockInput)
    return makeError("layer " + Twine(layer) + " has a flattened " + what +
                     " and no block input to take its shape from");
  Location loc = value.getLoc();
  auto inputType = cast<RankedTensorType>(blockInput.getType());
  int64_t width = type.getDimSize(1);
  Type i64 = b.getI64Type();
  Value shape;
  if (width == inputType.getDimSize(2)) {
    // The block input's own shape.
    shape = tfm::ShapeOp::create(b, loc, RankedTensorType::get({3}, i64),
                                 blockInput, b.getI64IntegerAttr(0),
                                 /*end=*/IntegerAttr());
  } else {
    // Its [B, T] and the state's width (an MLP's intermediate size).
    Value tokens = tfm::ShapeOp::create(b, loc, RankedTensorType::get({2}, i64),
                                        blockInput, b.getI64IntegerAttr(0),
                                        b.getI64IntegerAttr(2));
    auto widthType = RankedTensorType::get({1}, i64);
    Value widthValue = tfm::ConstantOp::create(
        b, loc, DenseElementsAttr::get(widthType, ArrayRef<int64_t>{width}));
    shape = tfm::ConcatOp::create(b, loc, RankedTensorType::get({3}, i64),
                                  ValueRange{tokens, widthValue},
                                  b.getI64IntegerAttr(0));
  }
  auto viewType = RankedTensorType::get(
      {inputType.getDimSize(0), inputType.getDimSize(1), width},
      type.getElementType());
  return tfm::ReshapeOp::create(b, loc, viewType, value, shape,
                                /*allowzero=*/false)
      .getResult();
}

namespace {

/// Whether a metric is one of those to measure.
using MetricFilter = function_ref<bool(StringRef metric)>;
/// Hands a measurement of `metric` to the runtime (sink.emit).
using MetricEmitter = function_ref<void(Value measurement, StringRef metric)>;

/// Measures `operands` with `MetricOp` at the builder's position when its
/// metric is selected.
template <typename MetricOp, typename... Operands>
void measure(OpBuilder &b, Location loc, MetricFilter selected,
             MetricEmitter emit, Operands... operands) {
  StringRef metric = MetricOp::getMetricName();
  if (selected(metric))
    emit(MetricOp::create(b, loc, operands...).getResult(), metric);
}

/// What a state of a plain MLP lacks, for messages.
StringRef describeMissingState(StringRef state) {
  return state == "up" ? "the up projection" : "the product act * up";
}

/// Measures `value` with each selected one of `MetricOps`, in that order,
/// right after its definition.
template <typename... MetricOps>
void measureAfter(OpBuilder &b, Value value, MetricFilter selected,
                  MetricEmitter emit) {
  insertAfterDefinition(b, value);
  (measure<MetricOps>(b, value.getLoc(), selected, emit, value), ...);
}

} // namespace

llvm::Error instrumentSinks(ModuleOp module, const InstrumentSpec &spec) {
  llvm::Expected<std::vector<MarkedBlock>> blocks =
      selectMarkedBlocks(module, spec.allLayers, spec.layers);
  if (!blocks)
    return blocks.takeError();
  OpBuilder b(module.getContext());
  int64_t nextId = 0;
  for (const MarkedBlock &block : *blocks) {
    int64_t layer = block.layer;
    auto need = [&](Value value, StringRef role,
                    StringRef metric) -> llvm::Error {
      return value ? llvm::Error::success() : block.missing(role, metric);
    };
    // Each group goes right after the value it measures, in metric order.
    auto emit = [&](Value measurement, StringRef metric) {
      sink::EmitOp::create(b, measurement.getLoc(), measurement, nextId++,
                           layer, metric);
    };
    for (const std::string &metric : spec.metrics) {
      StringRef name = metric;
      StringRef group = sink::getMetricGroup(name);
      // The keys and values are found from the probabilities.
      bool attention = group == "attn" || group == "kv";
      bool hidden = group == "hidden";
      if (attention) {
        if (llvm::Error e = need(block.probs, kRoleAttentionProbs, name))
          return std::move(e);
      } else if (hidden) {
        if (llvm::Error e = need(block.input, kRoleBlockInput, name))
          return std::move(e);
      } else {
        if (llvm::Error e = need(block.mlpOutput, kRoleMlpOutput, name))
          return std::move(e);
        if (name == "mlp_cos_bos")
          if (llvm::Error e = need(block.input, kRoleBlockInput, name))
            return std::move(e);
      }
    }
    auto selected = [&](StringRef metric) {
      return llvm::is_contained(spec.metrics, metric.str());
    };
    // Attention: after the probabilities.
    if (block.probs)
      measureAfter<sink::BosMassOp, sink::HeadBosMassOp, sink::RecvOp>(
          b, block.probs, selected, emit);
    // Hidden states: after the block input.
    if (block.input)
      measureAfter<sink::HiddenNormOp, sink::HiddenCosBosOp>(b, block.input,
                                                             selected, emit);
    // MLP: after the MLP output, which the block input dominates.
    if (block.mlpOutput && (selected("mlp_norm") || selected("mlp_cos_bos"))) {
      insertAfterDefinition(b, block.mlpOutput);
      Location loc = block.mlpOutput.getLoc();
      llvm::Expected<Value> mlp =
          viewAsTokens(b, block.mlpOutput, block.input, layer, "MLP output");
      if (!mlp)
        return mlp.takeError();
      measure<sink::MlpNormOp>(b, loc, selected, emit, *mlp);
      measure<sink::MlpCosBosOp>(b, loc, selected, emit, *mlp, block.input);
    }
    // Keys and values: the operands of the products around the
    // probabilities, each measured after its own definition. The keys are
    // read as K [B, H, S, d] (the scores product reads them transposed) and
    // both without a grouped-query repeat, which leaves the head mean as it
    // is and spares the fused attention a repeated copy.
    if (selected("key_norm") || selected("value_norm")) {
      auto probs = block.probs.getDefiningOp<tfm::SoftmaxOp>();
      tfm::MatMulOp scores = probs ? findScoresProduct(probs) : nullptr;
      tfm::MatMulOp output = probs ? findValuesProduct(probs) : nullptr;
      auto noProduct = [&](StringRef product, StringRef metric) {
        return makeError("layer " + Twine(layer) +
                         " has no single product of " + product + ", which " +
                         metric + " needs");
      };
      if (selected("key_norm")) {
        if (!scores)
          return noProduct("queries and keys before its attention softmax",
                           "key_norm");
        Value transposed = scores.getRhs();
        insertAfterDefinition(b, transposed);
        Value keys = unrepeatHeads(
            keysFromTransposed(b, transposed.getLoc(), transposed));
        emit(sink::KeyNormOp::create(b, keys.getLoc(), keys).getResult(),
             "key_norm");
      }
      if (selected("value_norm")) {
        if (!output)
          return noProduct("its attention probabilities with values",
                           "value_norm");
        Value values = unrepeatHeads(output.getRhs());
        insertAfterDefinition(b, values);
        emit(sink::ValueNormOp::create(b, values.getLoc(), values).getResult(),
             "value_norm");
      }
    }
    // MLP states: found from the MLP output (MlpPatterns.h), each measured
    // right after its definition. The output alone needs no search.
    SmallVector<StringRef> stateMetrics;
    for (const std::string &metric : spec.metrics)
      if (!sink::getMlpState(metric).empty())
        stateMetrics.push_back(metric);
    std::optional<MlpStates> states;
    for (StringRef metric : stateMetrics) {
      StringRef state = sink::getMlpState(metric);
      if (state != "output" && !states) {
        llvm::Expected<MlpStates> found = findMlpStates(block.mlpOutput);
        if (!found)
          return makeError("cannot find the internal states of layer " +
                           Twine(layer) + "'s MLP, which " + metric +
                           " needs: " + llvm::toString(found.takeError()));
        states = std::move(*found);
      }
      Value value = state == "output" ? block.mlpOutput : states->get(state);
      if (!value) {
        if (llvm::is_contained(spec.ifPresent, metric.str()))
          continue;
        return makeError("layer " + Twine(layer) + " has " +
                         states->description + ", without " +
                         describeMissingState(state) + " that " + metric +
                         " needs");
      }
      insertAfterDefinition(b, value);
      llvm::Expected<Value> view =
          viewAsTokens(b, value, block.input, layer, "MLP " + state.str());
      if (!view)
        return view.takeError();
      emit(sink::MlpStateCosBosOp::create(b, value.getLoc(), *view, state)
               .getResult(),
           metric);
    }
  }
  return llvm::Error::success();
}

std::vector<sinkrt::ProbeSpec> collectProbes(ModuleOp module) {
  return collectRecordsById<sink::EmitOp>(module, [](sink::EmitOp emit) {
    std::optional<sinkrt::Metric> metric =
        sinkrt::parseMetricName(emit.getMetric().str());
    assert(metric && "sink ops carry the metric names of Metrics.def");
    return sinkrt::ProbeSpec{emit.getProbe(), static_cast<int>(emit.getLayer()),
                             *metric};
  });
}

namespace {

struct InstrumentSinks : public impl::InstrumentSinksBase<InstrumentSinks> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(applySpec(getOperation(), parseInstrumentSpec(layers, metrics),
                         instrumentSinks)))
      signalPassFailure();
  }
};

} // namespace
} // namespace sinkc
