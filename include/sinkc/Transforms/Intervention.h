//===- Intervention.h - steering interventions ------------------*- C++ -*-===//
//
// The C++ side of the pass sinkc-intervene-mlp-norm-cap, for the driver:
// parse the --intervene spec and apply it to a recognized module without a
// pass manager. docs/interventions.md describes the intervention.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_TRANSFORMS_INTERVENTION_H
#define SINKC_TRANSFORMS_INTERVENTION_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace sinkc {

/// The intervention of `--intervene=mlp-norm-cap:layer=L,cos=C,norm=N[,...]`:
/// at decoder block `layer`, every position t >= `skipFirst` whose MLP output
/// has a cosine above `cosThreshold` with the reference direction is rescaled
/// to the l2 norm `norm`.
struct MlpNormCapSpec {
  /// Required.
  int64_t layer = -1;
  double cosThreshold = 0.98;
  /// Required.
  double norm = -1;
  int64_t skipFirst = 3;

  /// The canonical spelling, every key in the order layer, cos, norm,
  /// skip-first, numbers as the f32 values the op uses (shortest form that
  /// reads back): `mlp-norm-cap:layer=2,cos=0.98,norm=1,skip-first=3`. The
  /// manifest and the trace record this.
  std::string str() const;
};

/// Parses `mlp-norm-cap:layer=L,norm=N[,cos=C][,skip-first=S]` (keys in any
/// order). Errors name the key: unknown, given twice, missing (layer and
/// norm), or a value out of range (layer >= 0, -1 <= cos < 1, finite norm
/// >= 0, skip-first >= 1).
llvm::Expected<MlpNormCapSpec> parseInterventionSpec(llvm::StringRef text);

/// The range checks of parseInterventionSpec on a spec built otherwise (the
/// pass options).
llvm::Error checkMlpNormCapSpec(const MlpNormCapSpec &spec);

/// Puts a sink.mlp_norm_cap between the MLP output that
/// sinkc-recognize-transformer marked for `spec.layer` and its users (the
/// residual add), and moves the `mlp_output` mark onto the capped value, so
/// that an instrumentation afterwards measures what the block adds to the
/// residual stream. `reference` is the reference direction (d_model values,
/// `--steer-vector`); empty: every row's own MLP output at position 0.
/// Fails, naming what is wrong, on an unrecognized module, a layer beyond
/// the model, a missing mark or a reference of the wrong length (named
/// `referenceName` in the message).
llvm::Error
interveneMlpNormCap(mlir::ModuleOp module, const MlpNormCapSpec &spec,
                    llvm::ArrayRef<float> reference = {},
                    llvm::StringRef referenceName = "the reference direction");

} // namespace sinkc

#endif // SINKC_TRANSFORMS_INTERVENTION_H
