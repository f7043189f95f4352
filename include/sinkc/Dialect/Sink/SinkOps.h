//===- SinkOps.h - sink operations ------------------------------*- C++ -*-===//

#ifndef SINKC_DIALECT_SINK_SINKOPS_H
#define SINKC_DIALECT_SINK_SINKOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "sinkc/Dialect/Sink/SinkDialect.h"

namespace sinkc::sink {

/// The runtime's probe buffers, written by `sink.emit`.
struct ProbeResource : public mlir::SideEffects::Resource::Base<ProbeResource> {
  llvm::StringRef getName() override { return "<sink probes>"; }
};

/// The runtime's copies of captured states, written by `sink.capture`.
struct CaptureResource
    : public mlir::SideEffects::Resource::Base<CaptureResource> {
  llvm::StringRef getName() override { return "<sink captures>"; }
};

/// The states sink.capture can hand over (hidden, mlp_input, mlp_out), in
/// the order a block computes them, from runtime/include/sinkrt/
/// CaptureStates.def.
llvm::ArrayRef<llvm::StringLiteral> getCaptureStateNames();

/// True for a name in getCaptureStateNames().
bool isCaptureStateName(llvm::StringRef name);

/// The metric names of docs/metrics.md in the runtime's order (the trace's
/// `Metric` enum), from runtime/include/sinkrt/Metrics.def.
llvm::ArrayRef<llvm::StringLiteral> getMetricNames();

/// True for a name in getMetricNames().
bool isMetricName(llvm::StringRef name);

/// The --instrument group of a metric (attn, hidden, mlp, kv, mlpstates), or
/// "" for an unknown name.
llvm::StringRef getMetricGroup(llvm::StringRef metric);

/// The group of the MLP-state cosines, whose metrics are spelled
/// mlp_<state>_cos_bos.
inline constexpr llvm::StringLiteral kMlpStatesGroup = "mlpstates";

/// The metric of MLP state `state` (gate -> mlp_gate_cos_bos, a string of
/// getMetricNames()), or "" when there is no such state.
llvm::StringRef getMlpStateMetric(llvm::StringRef state);

/// The state that an mlpstates metric measures (mlp_gate_cos_bos -> gate),
/// or "" for any other metric.
llvm::StringRef getMlpState(llvm::StringRef metric);

/// Rank of a metric's probe: 1 for bos_mass ([B]), 2 for the others.
int64_t getMetricRank(llvm::StringRef metric);

/// The f32 result type of the measurement op of `metric` on an input of type
/// `input` ([B,H,T,T] probabilities, [B,T,D] states or [B,H,T,d] keys and
/// values): [B], [B,H] or [B,T].
mlir::RankedTensorType getMetricResultType(llvm::StringRef metric,
                                           mlir::Type input);

} // namespace sinkc::sink

#define GET_OP_CLASSES
#include "sinkc/Dialect/Sink/SinkOps.h.inc"

#endif // SINKC_DIALECT_SINK_SINKOPS_H
