//===- SinkDialect.td - The sink dialect -------------------*- tablegen -*-===//
//
// The `sink` dialect: attention-sink measurements computed next to the model
// and handed to the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_DIALECT_SINK_SINKDIALECT_TD
#define SINKC_DIALECT_SINK_SINKDIALECT_TD

include "mlir/IR/OpBase.td"

def Sink_Dialect : Dialect {
  let name = "sink";
  let summary = "Attention-sink measurements and their hand-off to the runtime";
  let description = [{
    The `sink` dialect holds the measurements of docs/metrics.md as ops on
    builtin tensors, and one op that hands a measurement to the runtime.
    The instrumentation pass (`sinkc-instrument-sinks`) inserts them after the
    ops that the recognition pass (`sinkc-recognize-transformer`) marked; the
    lowering (`sinkc-lower-sink-to-linalg`) turns them into linalg reductions
    and calls of `sinkrt_probe` (docs/runtime-abi.md).

    Every measurement op is pure, takes the tensors of one decoder block and
    produces a small f32 tensor whose first dimension is the batch:

    | op | operands | result |
    | --- | --- | --- |
    | `sink.bos_mass` | probabilities `[B,H,T,T]` | `[B]` |
    | `sink.head_bos_mass` | probabilities `[B,H,T,T]` | `[B,H]` |
    | `sink.recv` | probabilities `[B,H,T,T]` | `[B,T]` |
    | `sink.hidden_norm` | block input `[B,T,D]` | `[B,T]` |
    | `sink.hidden_cos_bos` | block input `[B,T,D]` | `[B,T]` |
    | `sink.mlp_norm` | MLP output `[B,T,D]` | `[B,T]` |
    | `sink.mlp_cos_bos` | MLP output, block input `[B,T,D]` | `[B,T]` |
    | `sink.key_norm` | keys `[B,Hkv,T,d]` | `[B,T]` |
    | `sink.value_norm` | values `[B,Hkv,T,d]` | `[B,T]` |
    | `sink.mlp_state_cos_bos` | an MLP-internal state `[B,T,F]` | `[B,T]` |

    Only `sink.emit` and `sink.capture` have a side effect; a measurement
    nobody emits is dead code and folds away. `sink.capture`
    (`sinkc --capture`, docs/captures.md) hands a whole per-token state
    `[B,T,F]` to the runtime, which keeps the rows of the sink tokens and
    their matched controls; `sinkc-capture-states` inserts it.

    One op changes what the model computes instead of measuring it: the
    steering intervention `sink.mlp_norm_cap` (`sinkc --intervene`,
    docs/interventions.md), which `sinkc-intervene-mlp-norm-cap` puts between
    a block's MLP output and the residual add.

    ```mlir
    %recv = sink.recv %probs : tensor<?x8x?x?xf32> -> tensor<?x?xf32>
    sink.emit %recv probe 2 layer 0 metric "recv" : tensor<?x?xf32>
    ```
  }];
  let cppNamespace = "::sinkc::sink";
  let useDefaultAttributePrinterParser = 0;
  let useDefaultTypePrinterParser = 0;
}

#endif // SINKC_DIALECT_SINK_SINKDIALECT_TD
