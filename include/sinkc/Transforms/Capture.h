//===- Capture.h - activation capture ---------------------------*- C++ -*-===//
//
// The C++ side of the pass sinkc-capture-states: parse the --capture spec
// (the driver checks it before the pipeline runs), insert the sink.capture
// ops, and read them back for the manifest. docs/captures.md describes the
// feature.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_TRANSFORMS_CAPTURE_H
#define SINKC_TRANSFORMS_CAPTURE_H

#include "sinkrt/Manifest.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sinkc {

/// A parsed --capture spec.
struct CaptureSpec {
  /// Selected layers, ascending, without duplicates; empty with allLayers.
  llvm::SmallVector<int64_t> layers;
  bool allLayers = true;
  /// Selected states (hidden, mlp_input, mlp_out) in the order of
  /// sink::getCaptureStateNames().
  llvm::SmallVector<std::string> states;
  /// Which tokens the runtime keeps (`tokens=` of the spec): the classified
  /// sinks, or the sinks and, per sink token id, as many non-sink positions
  /// with that id (the matched controls of Wong et al., arXiv 2512.22213).
  sinkrt::CaptureTokens tokens = sinkrt::CaptureTokens::SinksMatched;

  /// The layers as the spec and the pass option write them: `all` or
  /// ascending runs (`20-22,25`).
  std::string layerList() const;

  /// The canonical spelling the manifest and the captures file record:
  /// `layers=20-22,states=hidden,mlp_out,tokens=sinks+matched` (layers as
  /// ascending runs, states in block order).
  std::string str() const;
};

/// Parses `layers=all|L,L-L,...,states=hidden,mlp_input,mlp_out|all,
/// tokens=sinks|sinks+matched` (an item without `=` continues the previous
/// key; an omitted key selects everything: all layers, all states, sinks
/// and matched controls). Errors name the key.
llvm::Expected<CaptureSpec> parseCaptureSpec(llvm::StringRef text);

/// The same from the options of sinkc-capture-states (the tokens mode does
/// not concern the compiled code: it stays the default).
llvm::Expected<CaptureSpec> parseCaptureSpec(llvm::StringRef layers,
                                             llvm::StringRef states);

/// Inserts a sink.capture of every selected state of every selected layer
/// of a recognized module (see the sinkc-capture-states pass). Fails, naming
/// the layer and state, where a state is not found or has no static width,
/// and on layers beyond the model.
llvm::Error captureStates(mlir::ModuleOp module, const CaptureSpec &spec);

/// The manifest's capture records (the runtime's own type): one per
/// sink.capture in the module, ordered by id.
std::vector<sinkrt::StateCapture> collectCaptures(mlir::ModuleOp module);

} // namespace sinkc

#endif // SINKC_TRANSFORMS_CAPTURE_H
