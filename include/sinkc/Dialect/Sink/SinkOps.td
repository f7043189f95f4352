//===- SinkOps.td - sink operation definitions -------------*- tablegen -*-===//
//
// The measurements of docs/metrics.md (one op per metric, one for the six
// MLP states) and the op that hands a measurement to the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_DIALECT_SINK_SINKOPS_TD
#define SINKC_DIALECT_SINK_SINKOPS_TD

include "sinkc/Dialect/Sink/SinkDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Sink_Probabilities : 4DTensorOf<[F16, F32, F64]>;
// Per-head causal column sums of the probabilities, [B, H, T]: what
// sink.attention computes instead of the probabilities themselves.
def Sink_ColumnSums : 3DTensorOf<[F32]>;
def Sink_HiddenStates : 3DTensorOf<[F16, F32, F64]>;
// Keys or values of one block per head, [B, H, T, d].
def Sink_HeadVectors : 4DTensorOf<[F16, F32, F64]>;
def Sink_PerBatch : 1DTensorOf<[F32]>;
def Sink_PerBatchRow : 2DTensorOf<[F32]>;
def Sink_Measurement : TensorRankOf<[F32], [1, 2]>;

// Probe ids and layers are signed (the builtin I64Attr hands them out as
// uint64_t, which hides negative values from the verifier).
def Sink_I64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                                 "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

// The runtime's probe buffers: emitting writes to them.
def Sink_ProbeResource : Resource<"::sinkc::sink::ProbeResource">;
// The runtime's copies of captured states: capturing writes to them.
def Sink_CaptureResource : Resource<"::sinkc::sink::CaptureResource">;

// A captured per-token state, [B, T, F] in f32 with a static width F: what
// sinkrt_capture receives (the capture pass casts other float types).
def Sink_CapturedState : 3DTensorOf<[F32]>;

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

class Sink_Op<string mnemonic, list<Trait> traits = []>
    : Op<Sink_Dialect, mnemonic, traits>;

// A measurement: pure, f32 result, batch first. `metric` is its name in the
// manifest and the trace (docs/runtime-abi.md). The first operand is the
// measured tensor: the verifier checks that the result has the shape
// getMetricResultType gives for it, with the function of SinkOps.cpp that
// `verifier` names (which checks what else the op requires).
class Sink_MetricOp<string mnemonic, string metric = mnemonic>
    : Sink_Op<mnemonic, [Pure]> {
  string verifier = "verifyResultShape";
  let extraClassDeclaration = [{
    /// The metric's name in the manifest and in traces.
    static constexpr ::llvm::StringLiteral getMetricName() {
      return "}] # metric # [{";
    }
  }];
  let hasVerifier = 1;
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::verify() {
      return }] # verifier # [{(*this, getMetricName());
    }
  }];
}

// Reductions over the attention probabilities A[b, h, q, k] of one block.
class Sink_AttentionMetricOp<string mnemonic, Type resultType>
    : Sink_MetricOp<mnemonic> {
  let verifier = "verifyAttentionMetric";
  let arguments = (ins Sink_Probabilities:$probs);
  let results = (outs resultType:$result);
  let assemblyFormat = "$probs attr-dict `:` type($probs) `->` type($result)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$probs), [{
      build($_builder, $_state,
            getMetricResultType(getMetricName(), probs.getType()), probs);
    }]>
  ];
}

// Per-token measurements of [B, T, D] tensors of one block.
class Sink_TokenMetricOp<string mnemonic> : Sink_MetricOp<mnemonic> {
  let results = (outs Sink_PerBatchRow:$result);
}

//===----------------------------------------------------------------------===//
// Attention mass
//===----------------------------------------------------------------------===//

def Sink_BosMassOp : Sink_AttentionMetricOp<"bos_mass", Sink_PerBatch> {
  let summary = "attention mass on position 0, averaged over heads and queries";
  let description = [{
    `bos_mass[b] = mean over h and q of A[b, h, q, 0]` for attention
    probabilities `A` of shape `[B, H, T, T]` (query heads for grouped-query
    attention).

    ```mlir
    %m = sink.bos_mass %probs : tensor<?x4x?x?xf32> -> tensor<?xf32>
    ```
  }];
}

def Sink_HeadBosMassOp
    : Sink_AttentionMetricOp<"head_bos_mass", Sink_PerBatchRow> {
  let summary = "attention mass on position 0 per head, averaged over queries";
  let description = [{
    `head_bos_mass[b, h] = mean over q of A[b, h, q, 0]`; the result is
    `[B, H]`.

    ```mlir
    %m = sink.head_bos_mass %probs : tensor<?x4x?x?xf32> -> tensor<?x4xf32>
    ```
  }];
}

def Sink_RecvOp : Sink_AttentionMetricOp<"recv", Sink_PerBatchRow> {
  let summary = "attention each key receives from the queries that see it";
  let description = [{
    `recv[b, k] = mean over h of (1 / (T - k)) * sum over q >= k of
    A[b, h, q, k]`: the average attention that key `k` receives from the
    `T - k` causal queries that can attend to it, averaged over heads. The
    probabilities must be square in the last two dimensions (queries and keys
    of the same sequence); entries with `q < k` are ignored. The result is
    `[B, T]`.

    ```mlir
    %r = sink.recv %probs : tensor<?x4x?x?xf32> -> tensor<?x?xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Attention mass from column sums
//===----------------------------------------------------------------------===//

// The same metric computed from the per-head causal column sums
// C[b, h, k] = sum over q >= k of A[b, h, q, k] ([B, H, T], the second result
// of sink.attention) instead of the probabilities, which fused attention
// never stores. Every attention metric is an exact function of C.
class Sink_ColumnSumsMetricOp<string mnemonic, string metric, Type resultType>
    : Sink_MetricOp<mnemonic, metric> {
  let arguments = (ins Sink_ColumnSums:$sums);
  let results = (outs resultType:$result);
  let assemblyFormat = "$sums attr-dict `:` type($sums) `->` type($result)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$sums), [{
      build($_builder, $_state,
            getMetricResultType(getMetricName(), sums.getType()), sums);
    }]>
  ];
}

def Sink_BosMassFromSumsOp
    : Sink_ColumnSumsMetricOp<"bos_mass_from_sums", "bos_mass", Sink_PerBatch> {
  let summary = "bos_mass from the causal column sums of the probabilities";
  let description = [{
    `bos_mass[b] = sum over h of C[b, h, 0] / (H * T)` for the column sums
    `C` `[B, H, T]` of `sink.attention`; equal to `sink.bos_mass` of the
    probabilities.

    ```mlir
    %m = sink.bos_mass_from_sums %c : tensor<?x4x?xf32> -> tensor<?xf32>
    ```
  }];
}

def Sink_HeadBosMassFromSumsOp
    : Sink_ColumnSumsMetricOp<"head_bos_mass_from_sums", "head_bos_mass",
                              Sink_PerBatchRow> {
  let summary = "head_bos_mass from the causal column sums of the "
                "probabilities";
  let description = [{
    `head_bos_mass[b, h] = C[b, h, 0] / T`; equal to `sink.head_bos_mass` of
    the probabilities.

    ```mlir
    %m = sink.head_bos_mass_from_sums %c : tensor<?x4x?xf32> -> tensor<?x4xf32>
    ```
  }];
}

def Sink_RecvFromSumsOp
    : Sink_ColumnSumsMetricOp<"recv_from_sums", "recv", Sink_PerBatchRow> {
  let summary = "recv from the causal column sums of the probabilities";
  let description = [{
    `recv[b, k] = sum over h of C[b, h, k] / (H * (T - k))`; equal to
    `sink.recv` of the probabilities.

    ```mlir
    %r = sink.recv_from_sums %c : tensor<?x4x?xf32> -> tensor<?x?xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Fused attention
//===----------------------------------------------------------------------===//

def Sink_AttentionOp
    : Sink_Op<"attention", [Pure, AttrSizedOperandSegments]> {
  let summary = "causal scaled dot-product attention in O(T) memory, with "
                "the column sums the attention metrics need";
  let description = [{
    `result[b, h, q, :] = sum over visible k of P[b, h, q, k] * V[b, g, k, :]`
    with `P[b, h, q, :] = softmax over the visible keys of scale *
    Q[b, h, q, :] . K[b, g, k, :]`, where `g = h / (H / Hkv)` is the key/value
    head of query head `h` (grouped-query attention reads K and V
    un-repeated). `query` is `[B, H, T, d]`, `key` and `value` are
    `[B, Hkv, S, d]` with `H` a multiple of `Hkv`; f32 only.

    Key `k` is visible from query `q` when both

    - `causal` is absent, or `k <= q` (then `S == T`);
    - there are no `segments`, or `segments = (qs, ks)` (two i64 `[B', T]`
      and `[B', S]` tensors, `B'` is `B` or 1) and `qs[b, q] == ks[b, k]`
      (packed sequences: the exporters' `equal(id[q], id[k])` conjunct);
    - there is no `key_mask`, or `key_mask = (m)` (i64 `[B', S]`) and
      `m[b, k] != 0` (padding: the `attention_mask` input);
    - there is no `window`, or `q - k < window` (sliding-window attention,
      Mistral's `greater(r[k], r[q] - window)`).

    A query that sees no key at all gets the uniform distribution over all
    `S` keys, as the materialised softmax of a mask that is -big everywhere
    would give.

    With the optional second result, the op also returns the per-head
    causal column sums of the normalised probabilities,
    `column_sums[b, h, k] = sum over q >= k of P[b, h, q, k]` (`[B, H, S]`),
    from which `recv`, `head_bos_mass` and `bos_mass` follow exactly
    (docs/metrics.md). Only causal attention has column sums.

    `sinkc-fuse-attention` creates the op from the materialised
    `matmul -> scale -> mask -> softmax -> matmul` chain;
    `sinkc-lower-attention-to-runtime` turns it into a call of the runtime's
    tiled kernel (`sinkrt_attention`, docs/runtime-abi.md), which never
    stores a `[T, T]` tensor.

    ```mlir
    %o, %c = sink.attention %q, %k, %v segments(%qs, %ks)
        {causal, scale = 0.176776692 : f32}
        : (tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32>,
           tensor<?x?xi64>, tensor<?x?xi64>)
        -> (tensor<?x8x?x32xf32>, tensor<?x8x?xf32>)
    ```
  }];
  let arguments = (ins 4DTensorOf<[F32]>:$query, 4DTensorOf<[F32]>:$key,
                   4DTensorOf<[F32]>:$value,
                   Variadic<2DTensorOf<[I64]>>:$segments,
                   Optional<2DTensorOf<[I64]>>:$key_mask,
                   F32Attr:$scale, UnitAttr:$causal,
                   OptionalAttr<I64Attr>:$window);
  let results = (outs 4DTensorOf<[F32]>:$result,
                 Optional<Sink_ColumnSums>:$column_sums);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`segments` `(` $segments^ `)`)?
    (`key_mask` `(` $key_mask^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Hidden states and MLP outputs
//===----------------------------------------------------------------------===//

def Sink_HiddenNormOp : Sink_TokenMetricOp<"hidden_norm"> {
  let summary = "l2 norm of every token's block input";
  let description = [{
    `hidden_norm[b, t] = ||x[b, t, :]||_2` for the residual stream `x` entering
    a block, `[B, T, D]`; the result is `[B, T]`.

    ```mlir
    %n = sink.hidden_norm %x : tensor<?x?x48xf32> -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Sink_HiddenStates:$hidden);
  let assemblyFormat = "$hidden attr-dict `:` type($hidden) `->` type($result)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$hidden), [{
      build($_builder, $_state, getMetricResultType(getMetricName(), hidden.getType()), hidden);
    }]>
  ];
}

def Sink_HiddenCosBosOp : Sink_TokenMetricOp<"hidden_cos_bos"> {
  let summary = "cosine of every token's block input with position 0's";
  let description = [{
    `hidden_cos_bos[b, t] = cos(x[b, t, :], x[b, 0, :])` for the residual
    stream `x` entering a block, `[B, T, D]`. Position 0 is the primary-sink
    reference (the BOS token when the model has one). A zero vector gives NaN.

    ```mlir
    %c = sink.hidden_cos_bos %x : tensor<?x?x48xf32> -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Sink_HiddenStates:$hidden);
  let assemblyFormat = "$hidden attr-dict `:` type($hidden) `->` type($result)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$hidden), [{
      build($_builder, $_state, getMetricResultType(getMetricName(), hidden.getType()), hidden);
    }]>
  ];
}

def Sink_MlpNormOp : Sink_TokenMetricOp<"mlp_norm"> {
  let summary = "l2 norm of every token's MLP output";
  let description = [{
    `mlp_norm[b, t] = ||m[b, t, :]||_2` for the MLP output `m` of a block (the
    value the block adds to the residual stream), `[B, T, D]`.

    ```mlir
    %n = sink.mlp_norm %m : tensor<?x?x48xf32> -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Sink_HiddenStates:$mlp);
  let assemblyFormat = "$mlp attr-dict `:` type($mlp) `->` type($result)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$mlp), [{
      build($_builder, $_state, getMetricResultType(getMetricName(), mlp.getType()), mlp);
    }]>
  ];
}

def Sink_MlpCosBosOp : Sink_TokenMetricOp<"mlp_cos_bos"> {
  let summary = "cosine of every token's MLP output with the primary-sink "
                "direction";
  let description = [{
    `mlp_cos_bos[b, t] = cos(m[b, t, :], x[b, 0, :])` for the MLP output `m`
    of a block and the residual stream `x` entering the same block (both
    `[B, T, D]`): how much the MLP writes along the direction of the
    primary sink's hidden state.

    ```mlir
    %c = sink.mlp_cos_bos %m, %x
        : (tensor<?x?x48xf32>, tensor<?x?x48xf32>) -> tensor<?x?xf32>
    ```
  }];
  let verifier = "verifyMlpCosBos";
  let arguments = (ins Sink_HiddenStates:$mlp, Sink_HiddenStates:$hidden);
  let assemblyFormat = [{
    $mlp `,` $hidden attr-dict `:` `(` type($mlp) `,` type($hidden) `)` `->`
    type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$mlp, "::mlir::Value":$hidden), [{
      build($_builder, $_state, getMetricResultType(getMetricName(), mlp.getType()), mlp,
            hidden);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Keys and values
//===----------------------------------------------------------------------===//

// The mean over heads of the norm of every position's vector, for the keys
// or values [B, H, T, d] of one block's attention.
class Sink_HeadVectorMetricOp<string mnemonic>
    : Sink_TokenMetricOp<mnemonic> {
  let arguments = (ins Sink_HeadVectors:$input);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input), [{
      build($_builder, $_state,
            getMetricResultType(getMetricName(), input.getType()), input);
    }]>
  ];
}

def Sink_KeyNormOp : Sink_HeadVectorMetricOp<"key_norm"> {
  let summary = "l2 norm of every key, averaged over heads";
  let description = [{
    `key_norm[b, t] = mean over h of ||K[b, h, t, :]||_2` for the keys `K`
    `[B, H, T, d]` of a block's attention, as the queries see them: after
    rotary position embeddings where the model has them. For grouped-query
    attention `H` is the number of key/value heads (the copies repeated for
    the query heads have the same mean). The result is `[B, T]`: per
    position, so that the keys and values of sink tokens can be set against
    the others' (the key and value norms of Wong et al., arXiv 2512.22213).

    ```mlir
    %n = sink.key_norm %k : tensor<?x2x?x12xf32> -> tensor<?x?xf32>
    ```
  }];
}

def Sink_ValueNormOp : Sink_HeadVectorMetricOp<"value_norm"> {
  let summary = "l2 norm of every value, averaged over heads";
  let description = [{
    `value_norm[b, t] = mean over h of ||V[b, h, t, :]||_2` for the values `V`
    `[B, H, T, d]` of a block's attention (key/value heads for grouped-query
    attention). The result is `[B, T]`.

    ```mlir
    %n = sink.value_norm %v : tensor<?x2x?x12xf32> -> tensor<?x?xf32>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Interventions
//===----------------------------------------------------------------------===//

def Sink_MlpNormCapOp
    : Sink_Op<"mlp_norm_cap", [Pure, AllTypesMatch<["mlp", "result"]>]> {
  let summary = "rescales the MLP outputs that point along a reference "
                "direction to a fixed norm";
  let description = [{
    The norm-suppression intervention of Wong et al. (arXiv 2512.22213) on
    the MLP output `m` `[B, T, D]` of one decoder block (the value the block
    adds to the residual stream):

    ```
    result[b, t, :] = m[b, t, :] * norm / ||m[b, t, :]||_2
                          if t >= skip_first and cos(m[b, t, :], r_b) > cos_threshold
    result[b, t, :] = m[b, t, :]          otherwise
    ```

    The reference direction `r_b` is `reference` (`[D]`, the same for every
    batch row) when given, and otherwise position 0's own MLP output
    `m[b, 0, :]`: the primary sink's (BOS's). `skip_first` is at least 1, so
    position 0 is never rescaled. A zero vector has no cosine (NaN), which
    never exceeds the threshold. Norms and dot products accumulate in f32;
    the result has the type of `m`, and a position left alone keeps its
    exact value.

    `sinkc-intervene-mlp-norm-cap` (`sinkc --intervene=mlp-norm-cap:...`,
    docs/interventions.md) puts it between a block's MLP output and the
    residual add; `sinkc-lower-sink-to-linalg` lowers it to linalg.

    ```mlir
    %c = sink.mlp_norm_cap %m {cos_threshold = 9.800000e-01 : f32,
                               norm = 1.000000e+00 : f32, skip_first = 3 : i64}
        : (tensor<?x?x48xf32>) -> tensor<?x?x48xf32>
    %d = sink.mlp_norm_cap %m reference(%r) {cos_threshold = 9.800000e-01 : f32,
                               norm = 1.000000e+00 : f32, skip_first = 3 : i64}
        : (tensor<?x?x48xf32>, tensor<48xf32>) -> tensor<?x?x48xf32>
    ```
  }];
  let arguments = (ins Sink_HiddenStates:$mlp,
                   Optional<1DTensorOf<[F16, F32, F64]>>:$reference,
                   F32Attr:$cos_threshold, F32Attr:$norm,
                   Sink_I64Attr:$skip_first);
  let results = (outs Sink_HiddenStates:$result);
  let assemblyFormat = [{
    $mlp (`reference` `(` $reference^ `)`)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MLP-internal states
//===----------------------------------------------------------------------===//

// One op for the six states rather than six ops: they are the same
// reduction (hidden_cos_bos's) on tensors of different widths, and the
// `state` attribute names the metric. Its verifier is hand-written because
// the metric is not a constant of the op class.
def Sink_MlpStateCosBosOp : Sink_Op<"mlp_state_cos_bos", [Pure]> {
  let summary = "cosine of every token's MLP-internal state with position "
                "0's same state";
  let description = [{
    `mlp_<state>_cos_bos[b, t] = cos(s[b, t, :], s[b, 0, :])` for one state
    `s` `[B, T, F]` of a block's MLP, the width `F` being the hidden size or
    the MLP's intermediate size. `state` is one of

    - `input`: the MLP's input, after its norm (`[B, T, D]`);
    - `gate`: the gate projection of a gated MLP, or the first projection
      `fc_in` of a plain one (biases included);
    - `up`: the up projection of a gated MLP;
    - `act`: the activation of the gate (of `fc_in`);
    - `gated`: `act * up` of a gated MLP, the down projection's input;
    - `output`: the MLP output (the value added to the residual stream).

    Unlike `sink.mlp_cos_bos`, which compares every MLP output with the
    *block input* of position 0, every state is compared with position 0's
    *same* state (the MLP-state analysis of Wong et al., arXiv 2512.22213).
    The metric is `mlp_<state>_cos_bos`; the states are the rows of group
    `mlpstates` in runtime/include/sinkrt/Metrics.def. A zero vector gives
    NaN.

    ```mlir
    %c = sink.mlp_state_cos_bos %gate state "gate"
        : tensor<?x?x256xf32> -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Sink_HiddenStates:$input, StrAttr:$state);
  let results = (outs Sink_PerBatchRow:$result);
  let assemblyFormat = [{
    $input `state` $state attr-dict `:` type($input) `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::llvm::StringRef":$state), [{
      build($_builder, $_state,
            getMetricResultType(getMlpStateMetric(state), input.getType()),
            input, $_builder.getStringAttr(state));
    }]>
  ];
  let extraClassDeclaration = [{
    /// The metric the op measures, mlp_<state>_cos_bos (a string of
    /// getMetricNames()); empty for an unknown state.
    ::llvm::StringRef getMetricName();
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Hand-off to the runtime
//===----------------------------------------------------------------------===//

def Sink_EmitOp : Sink_Op<"emit", [MemoryEffects<[MemWrite<Sink_ProbeResource>]>]> {
  let summary = "hands a measurement to the runtime as one probe";
  let description = [{
    Reports `value` as probe `probe` of the manifest, the measurement `metric`
    of decoder block `layer` (the manifest line `probe <probe> <layer>
    <metric>`). The op writes to the runtime's probe buffers, so it is never
    removed as dead code; each probe id must be emitted exactly once per run.
    The value's rank is that of the metric: 1 for `bos_mass`, 2 for the
    others. When the value is produced by a measurement op, that op's metric
    must be `metric`.

    The lowering calls `sinkrt_probe(ctx, probe, rank, descriptor)` with the
    runtime context argument of the enclosing function.

    ```mlir
    sink.emit %recv probe 2 layer 0 metric "recv" : tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Sink_Measurement:$value, Sink_I64Attr:$probe,
                   Sink_I64Attr:$layer,
                   StrAttr:$metric);
  let assemblyFormat = [{
    $value `probe` $probe `layer` $layer `metric` $metric attr-dict `:`
    type($value)
  }];
  let hasVerifier = 1;
}

def Sink_CaptureOp
    : Sink_Op<"capture", [MemoryEffects<[MemWrite<Sink_CaptureResource>]>]> {
  let summary = "hands a per-token state to the runtime for the captures file";
  let description = [{
    Reports `value`, the state `state` of decoder block `layer` for every
    token (`[B, T, F]`, f32, F static), as capture `capture` of the manifest
    (the line `capture <capture> <layer> <state> <F>`). `state` is one of
    the capturable states of runtime/include/sinkrt/CaptureStates.def:
    `hidden` (the block input), `mlp_input` (the MLP's input after its norm)
    or `mlp_out` (the MLP output). The runtime keeps the rows of the tokens
    the classification selects (the sinks and, on request, matched
    controls) and writes them next to the trace (docs/captures.md).

    Like `sink.emit`, the op writes to a runtime resource, so it is never
    removed as dead code, and each capture id must be reported exactly once
    per run. The lowering calls `sinkrt_capture(ctx, capture, rank,
    descriptor)` with the runtime context argument of the enclosing
    function; the runtime honours offset and strides, so nothing is copied
    to hand the state over.

    ```mlir
    sink.capture %x capture 0 layer 2 state "hidden" : tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Sink_CapturedState:$value, Sink_I64Attr:$capture,
                   Sink_I64Attr:$layer, StrAttr:$state);
  let assemblyFormat = [{
    $value `capture` $capture `layer` $layer `state` $state attr-dict `:`
    type($value)
  }];
  let extraClassDeclaration = [{
    /// The width F of the captured rows (the static last dimension).
    int64_t getWidth() {
      return ::mlir::cast<::mlir::RankedTensorType>(getValue().getType())
          .getShape()
          .back();
    }
  }];
  let hasVerifier = 1;
}

#endif // SINKC_DIALECT_SINK_SINKOPS_TD
