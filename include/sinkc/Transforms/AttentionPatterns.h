//===- AttentionPatterns.h - Operands of exported attention -----*- C++ -*-===//
//
// How the exporters spell the operands of an attention block in tfm, shared
// by the passes that need them: sinkc-fuse-attention, which replaces the
// block, and sinkc-instrument-sinks, which measures its keys and values.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_TRANSFORMS_ATTENTIONPATTERNS_H
#define SINKC_TRANSFORMS_ATTENTIONPATTERNS_H

#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/IR/Builders.h"

namespace sinkc {

/// `value` without the tfm.identity ops that only forward it.
mlir::Value skipIdentities(mlir::Value value);

/// K [B, H, S, d] for the transposed keys Kt [B, H, d, S] that the scores
/// product reads: the swap of Kt's last two axes folded into Kt's own
/// transpose, so that no op is created when Kt = transpose(K) (Llama) and
/// one transpose of the head-split projection otherwise (GPT-2).
mlir::Value keysFromTransposed(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value keysTransposed);

/// The un-repeated key/value heads of a grouped-query `expand` + `reshape`
/// ([B, Hkv, S, d] -> [B, Hkv, n, S, d] -> [B, Hkv * n, S, d]), or `value`
/// itself.
mlir::Value unrepeatHeads(mlir::Value value);

/// The product of queries and transposed keys whose result, scaled, masked
/// or soft-capped by elementwise ops, the attention softmax normalises; null
/// when there is no such rank-4 matmul or more than one.
tfm::MatMulOp findScoresProduct(tfm::SoftmaxOp softmax);

/// The product of the softmax's probabilities (through casts and
/// identities) with the values; null when there is none or more than one.
tfm::MatMulOp findValuesProduct(tfm::SoftmaxOp softmax);

} // namespace sinkc

#endif // SINKC_TRANSFORMS_ATTENTIONPATTERNS_H
