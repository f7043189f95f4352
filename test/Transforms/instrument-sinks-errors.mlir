// sinkc-instrument-sinks refuses bad specs, layers beyond the model, and
// modules whose blocks were not (or not completely) recognized.
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{layers=1,3})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BEYOND
// BEYOND: error: layer 3 is beyond the model's 2 layers (0-1)
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{layers=1-x})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADLAYER
// BADLAYER: error: bad layer '1-x' in the instrument spec: expected a layer number, a range like 2-5, or 'all'
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{layers=3-1})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=RANGE
// RANGE: error: empty layer range '3-1' in the instrument spec
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{layers=all,1})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=ALLPLUS
// ALLPLUS: error: 'all' cannot be combined with other layers in the instrument spec
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=attn,sinks})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=METRIC
// METRIC: error: unknown metric 'sinks' in the instrument spec: expected attn, mlp, hidden, kv, mlpstates, all or one of bos_mass, head_bos_mass, recv, hidden_norm, hidden_cos_bos, mlp_norm, mlp_cos_bos, key_norm, value_norm, mlp_input_cos_bos, mlp_gate_cos_bos, mlp_up_cos_bos, mlp_act_cos_bos, mlp_gated_cos_bos, mlp_output_cos_bos
//
// The softmaxes here normalise function arguments: no query-key product and
// no product with values to take the keys and values from.
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=key_norm})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOKEYS
// NOKEYS: error: layer 0 has no single product of queries and keys before its attention softmax, which key_norm needs
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=value_norm})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOVALUES
// NOVALUES: error: layer 0 has no single product of its attention probabilities with values, which value_norm needs
//
// Layer 1 has no MLP output mark: fine for attn, an error for mlp.
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=attn})' \
// RUN:   | FileCheck %s --check-prefix=PARTIAL
// PARTIAL-COUNT-6: sink.emit
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=mlp})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=UNMARKED
// UNMARKED: error: layer 1 has no value marked 'mlp_output', which mlp_norm needs
//
// RUN: sed -e 's/, sinkc.layers = 2 : i64//' %s \
// RUN:   | not sinkc-opt --pass-pipeline='builtin.module(sinkc-instrument-sinks)' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOTRECOGNIZED
// NOTRECOGNIZED: error: the module has no recognized decoder blocks (no 'sinkc.layers' attribute); run sinkc-recognize-transformer first

module attributes {sinkc.heads = 2 : i64, sinkc.layers = 2 : i64} {
  func.func @main(%x0: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"},
                  %s0: tensor<?x2x?x?xf32>, %s1: tensor<?x2x?x?xf32>,
                  %y0: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %p0 = tfm.softmax %s0 {sinkc.layer = 0 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    %m0 = tfm.relu %y0 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
    %x1 = tfm.add %x0, %m0 {sinkc.layer = 1 : i64, sinkc.role = "block_input"} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    %p1 = tfm.softmax %s1 {sinkc.layer = 1 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    return %x1 : tensor<?x?x8xf32>
  }
}
