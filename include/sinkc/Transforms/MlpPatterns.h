//===- MlpPatterns.h - The internal states of an exported MLP ---*- C++ -*-===//
//
// How the exporters spell a decoder block's MLP in tfm, for the passes that
// measure its internal states (sinkc-instrument-sinks, metric group
// mlpstates). Found from the MLP output that sinkc-recognize-transformer
// marks, by structure only, never by node or value names.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_TRANSFORMS_MLPPATTERNS_H
#define SINKC_TRANSFORMS_MLPPATTERNS_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace sinkc {

/// The internal states of one MLP, each a per-token tensor [B, T, F] or
/// [B*T, F] (F the hidden or the intermediate size):
///
///   gated (Llama, Qwen, Mistral, Gemma, Phi-3):
///     output = down(gated), gated = act * up, act = phi(gate),
///     gate = input @ W_gate (+ b), up = input @ W_up (+ b)
///   plain (GPT-2, OPT, GPT-NeoX):
///     output = down(act), act = phi(gate), gate = fc_in = input @ W (+ b)
///
/// A plain MLP has no `up` and no `gated` (null).
struct MlpStates {
  bool gated = false;
  mlir::Value input, gate, up, act, gatedProduct, output;

  /// The state named `state` (the states of sink.mlp_state_cos_bos: input,
  /// gate, up, act, gated, output); null when the MLP has none.
  mlir::Value get(llvm::StringRef state) const;

  /// What was found, for messages: "a gated MLP (gate tfm.matmul 'a', up
  /// tfm.matmul 'b', down projection tfm.matmul 'c')".
  std::string description;
};

/// Walks back from the MLP output (the value the block adds to the residual
/// stream): the down projection, then its input, which is either
/// `act * up` of two projections of one input (gated: the operand that
/// passes through an activation is the gate) or an activation of one
/// projection (plain). A projection is a tfm.matmul with a weight matrix or
/// a tfm.gemm, with its bias add if it has one; an activation is any chain of
/// elementwise ops (SiLU as x * sigmoid(x), GELU in its erf and tanh forms,
/// ReLU, tfm.gelu, ...). Reshapes that keep the feature dimension (the
/// [B*T, F] layouts of OPT and of GPT-2's Gemm) are looked through, and so
/// is the sink.mlp_norm_cap of sinkc-intervene-mlp-norm-cap, which carries
/// the mark after an intervention (`output` is then the capped value). The
/// error says what was found where the structure departs from both forms.
llvm::Expected<MlpStates> findMlpStates(mlir::Value mlpOutput);

} // namespace sinkc

#endif // SINKC_TRANSFORMS_MLPPATTERNS_H
