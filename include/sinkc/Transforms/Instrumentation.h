//===- Instrumentation.h - recognition and sink instrumentation -*- C++ -*-===//
//
// The C++ side of the passes sinkc-recognize-transformer and
// sinkc-instrument-sinks: the recognition as an analysis (the driver's
// manifest counts for uninstrumented models), the --instrument spec parser
// (the driver checks the spec before the pipeline runs), what the passes that
// act on the marks share, and the probes read back for the manifest.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_TRANSFORMS_INSTRUMENTATION_H
#define SINKC_TRANSFORMS_INSTRUMENTATION_H

#include "sinkrt/Manifest.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sinkc {

/// Names of the recognition marks (discardable attributes).
inline constexpr llvm::StringLiteral kLayerAttrName = "sinkc.layer";
inline constexpr llvm::StringLiteral kRoleAttrName = "sinkc.role";
inline constexpr llvm::StringLiteral kLayersAttrName = "sinkc.layers";
inline constexpr llvm::StringLiteral kHeadsAttrName = "sinkc.heads";

/// Values of `sinkc.role`.
inline constexpr llvm::StringLiteral kRoleBlockInput = "block_input";
inline constexpr llvm::StringLiteral kRoleAttentionProbs = "attention_probs";
inline constexpr llvm::StringLiteral kRoleAttentionOutput = "attention_output";
inline constexpr llvm::StringLiteral kRoleMlpOutput = "mlp_output";

/// What the recognition found.
struct TransformerStructure {
  int64_t layers = 0;
  /// Query heads (dimension 1 of the attention probabilities); -1 when that
  /// dimension is dynamic.
  int64_t heads = -1;
};

/// Recognizes the decoder blocks of the function `entryName` and marks them
/// (see the sinkc-recognize-transformer pass). On failure the module is left
/// unmarked and the error says what was found and what is missing.
llvm::Expected<TransformerStructure>
recognizeTransformer(mlir::ModuleOp module, llvm::StringRef entryName = "main");

/// Removes the recognition marks from the module and the function
/// `entryName`.
/// The layer and head counts that sinkc-recognize-transformer recorded on the
/// module; nullopt when it has not run or did not finish.
std::optional<TransformerStructure>
readRecognizedStructure(mlir::ModuleOp module);

/// The number of decoder blocks sinkc-recognize-transformer marked, for the
/// passes that act on its marks: an error when it has not run, or when a
/// selected layer (every one of `layers`) is beyond the model.
llvm::Expected<int64_t>
recognizedLayerCount(mlir::ModuleOp module,
                     llvm::ArrayRef<int64_t> layers = {});

void clearRecognitionMarks(mlir::ModuleOp module,
                           llvm::StringRef entryName = "main");

/// The values sinkc-recognize-transformer marked for one decoder block (null
/// where nothing carries the role).
struct MarkedBlock {
  int64_t layer = 0;
  mlir::Value input;
  mlir::Value probs;
  mlir::Value mlpOutput;

  /// The error for a selected block without the value marked `role` that
  /// `user` needs: "layer 3 has no value marked 'mlp_output', which
  /// mlp_out_norm needs".
  llvm::Error missing(llvm::StringRef role, const llvm::Twine &user) const;
};

/// The marked values of every decoder block of the module, by layer: what
/// the passes that act on the marks (sinkc-instrument-sinks,
/// sinkc-capture-states) read.
std::map<int64_t, MarkedBlock> findMarkedBlocks(mlir::ModuleOp module);

/// The marked blocks a spec selects, in the order of `layers`, checked as
/// recognizedLayerCount checks them: every block for `allLayers`.
llvm::Expected<std::vector<MarkedBlock>>
selectMarkedBlocks(mlir::ModuleOp module, bool allLayers,
                   llvm::ArrayRef<int64_t> layers);

/// Sets `b` right after the definition of `value` (at the start of its block
/// for an argument): where a pass acting on a mark puts what reads it.
void insertAfterDefinition(mlir::OpBuilder &b, mlir::Value value);

/// `value` [B*T, F] viewed as [B, T, F], with B and T from the block input
/// [B, T, D] (OPT flattens the tokens around its MLP, GPT-2's Gemm reads
/// them flattened); `value` itself when it is [B, T, F] already. Created at
/// the builder's position, which the block input must dominate. `what`
/// names the value in the error of a module without a block input.
llvm::Expected<mlir::Value> viewAsTokens(mlir::OpBuilder &b, mlir::Value value,
                                         mlir::Value blockInput, int64_t layer,
                                         llvm::StringRef what);

/// Parses the layer list of a spec, `all` or a comma-separated list of
/// layers `N` and inclusive ranges `N-M` (duplicates merge), into
/// `allLayers` or `layers` (ascending). Errors name the `specName` spec
/// ("instrument", "capture").
llvm::Error parseLayerList(llvm::StringRef text, llvm::StringRef specName,
                           bool &allLayers,
                           llvm::SmallVectorImpl<int64_t> &layers);

/// The values of the keys of a driver spec, each joined with commas.
struct SpecKeyValues {
  std::map<std::string, std::string> values;

  /// The value of `key`, or `fallback` where the spec leaves the key out.
  std::string get(llvm::StringRef key, llvm::StringRef fallback) const;
};

/// Splits a driver spec `key=v,v,key=v,...` (an item without `=` continues
/// the previous key) into the values of each key. Errors, naming the
/// `specName` spec: an empty spec (showing `example`), a key not in `keys`,
/// a key given twice, an item before any key.
llvm::Expected<SpecKeyValues>
splitSpecKeys(llvm::StringRef text, llvm::StringRef specName,
              llvm::ArrayRef<llvm::StringRef> keys, llvm::StringRef example);

/// A parsed --instrument spec.
struct InstrumentSpec {
  /// Selected layers, ascending, without duplicates; empty with allLayers.
  llvm::SmallVector<int64_t> layers;
  bool allLayers = true;
  /// Selected metrics, in the runtime's order (sink::getMetricNames()).
  llvm::SmallVector<std::string> metrics;
  /// The metrics of `metrics` chosen only through the group `mlpstates`:
  /// measured in the layers whose MLP has the state (a plain MLP has no up
  /// projection) and left out elsewhere. A metric named on its own is
  /// measured in every selected layer or is an error.
  llvm::SmallVector<std::string> ifPresent;
  /// The two keys as written (trimmed): the layers and metrics options of
  /// sinkc-instrument-sinks, which parses them again. (The metric list above
  /// would lose which metrics came from a group.)
  std::string layersText = "all";
  std::string metricsText;
};

/// Parses `layers=all|L,L-L,...` and `metrics=attn,mlp,hidden,...` (groups
/// `attn`, `mlp`, `hidden`, `kv`, `mlpstates`, `all` (attn, mlp and hidden)
/// or metric names). `text` is the whole sinkc spec, e.g.
/// `layers=2-5,7,metrics=attn,mlp` (a comma-separated item without `=`
/// continues the previous key); omitted keys select everything.
llvm::Expected<InstrumentSpec> parseInstrumentSpec(llvm::StringRef text);

/// The same from the two pass options.
llvm::Expected<InstrumentSpec> parseInstrumentSpec(llvm::StringRef layers,
                                                   llvm::StringRef metrics);

/// Inserts the sink ops of `spec` after the marked ops of a recognized
/// module (see the sinkc-instrument-sinks pass).
llvm::Error instrumentSinks(mlir::ModuleOp module, const InstrumentSpec &spec);

/// The manifest's probe records (the runtime's own type): one per sink.emit
/// in the module, ordered by id.
std::vector<sinkrt::ProbeSpec> collectProbes(mlir::ModuleOp module);

} // namespace sinkc

#endif // SINKC_TRANSFORMS_INSTRUMENTATION_H
