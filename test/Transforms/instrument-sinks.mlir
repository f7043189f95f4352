// sinkc-instrument-sinks acts on the marks of sinkc-recognize-transformer
// (here set by hand): the measurements of the chosen layers and metrics go
// right after the marked ops, each followed by its sink.emit, and nowhere
// else. Probe ids count in layer order, metrics in the runtime's order.
// The default `all` is attn, hidden and mlp: kv (instrument-sinks-kv.mlir)
// would fail here, where the softmaxes normalise arguments, and so would
// mlpstates (instrument-sinks-mlpstates.mlir), whose MLP outputs are no
// projections.
//
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks)' | FileCheck %s --check-prefix=ALL
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=all})' \
// RUN:   | FileCheck %s --check-prefix=NOSTATES
// NOSTATES-NOT: sink.mlp_state_cos_bos
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks{layers=1 metrics=attn})' \
// RUN:   | FileCheck %s --check-prefix=ATTN1
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks{layers=0-1 metrics=hidden,mlp_norm})' \
// RUN:   | FileCheck %s --check-prefix=SOME

// Two blocks. Block input x1 is the residual add after block 0's MLP.
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 2 : i64} {
  func.func @main(%x0: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"},
                  %s0: tensor<?x2x?x?xf32>, %s1: tensor<?x2x?x?xf32>,
                  %y0: tensor<?x?x8xf32>, %y1: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %p0 = tfm.softmax %s0 {sinkc.layer = 0 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    %m0 = tfm.relu %y0 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
    %x1 = tfm.add %x0, %m0 {sinkc.layer = 1 : i64, sinkc.role = "block_input"} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    %p1 = tfm.softmax %s1 {sinkc.layer = 1 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    %m1 = tfm.relu %y1 {sinkc.layer = 1 : i64, sinkc.role = "mlp_output"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
    %x2 = tfm.add %x1, %m1 : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    return %x2 : tensor<?x?x8xf32>
  }
}

// Every layer, every metric. Block 0's input is an argument: its
// measurements open the function.
// ALL-LABEL: func.func @main
// ALL-SAME: (%[[X0:[^:]*]]: tensor<?x?x8xf32> {sinkc.layer = 0
// ALL-NEXT: %[[N0:.*]] = sink.hidden_norm %[[X0]] : tensor<?x?x8xf32> -> tensor<?x?xf32>
// ALL-NEXT: sink.emit %[[N0]] probe 3 layer 0 metric "hidden_norm"
// ALL-NEXT: %[[C0:.*]] = sink.hidden_cos_bos %[[X0]]
// ALL-NEXT: sink.emit %[[C0]] probe 4 layer 0 metric "hidden_cos_bos"
// ALL-NEXT: %[[P0:.*]] = tfm.softmax
// ALL-NEXT: %[[B0:.*]] = sink.bos_mass %[[P0]] : tensor<?x2x?x?xf32> -> tensor<?xf32>
// ALL-NEXT: sink.emit %[[B0]] probe 0 layer 0 metric "bos_mass" : tensor<?xf32>
// ALL-NEXT: %[[H0:.*]] = sink.head_bos_mass %[[P0]] : tensor<?x2x?x?xf32> -> tensor<?x2xf32>
// ALL-NEXT: sink.emit %[[H0]] probe 1 layer 0 metric "head_bos_mass" : tensor<?x2xf32>
// ALL-NEXT: %[[R0:.*]] = sink.recv %[[P0]] : tensor<?x2x?x?xf32> -> tensor<?x?xf32>
// ALL-NEXT: sink.emit %[[R0]] probe 2 layer 0 metric "recv" : tensor<?x?xf32>
// ALL-NEXT: %[[M0:.*]] = tfm.relu
// ALL-NEXT: %[[MN0:.*]] = sink.mlp_norm %[[M0]]
// ALL-NEXT: sink.emit %[[MN0]] probe 5 layer 0 metric "mlp_norm"
// ALL-NEXT: %[[MC0:.*]] = sink.mlp_cos_bos %[[M0]], %[[X0]]
// ALL-NEXT: sink.emit %[[MC0]] probe 6 layer 0 metric "mlp_cos_bos"
// ALL-NEXT: %[[X1:.*]] = tfm.add
// ALL-NEXT: sink.hidden_norm %[[X1]]
// ALL-NEXT: sink.emit %{{.*}} probe 10 layer 1 metric "hidden_norm"
// ALL-NEXT: sink.hidden_cos_bos %[[X1]]
// ALL-NEXT: sink.emit %{{.*}} probe 11 layer 1 metric "hidden_cos_bos"
// ALL-NEXT: %[[P1:.*]] = tfm.softmax
// ALL-NEXT: sink.bos_mass %[[P1]]
// ALL-NEXT: sink.emit %{{.*}} probe 7 layer 1 metric "bos_mass"
// ALL-NEXT: sink.head_bos_mass %[[P1]]
// ALL-NEXT: sink.emit %{{.*}} probe 8 layer 1 metric "head_bos_mass"
// ALL-NEXT: sink.recv %[[P1]]
// ALL-NEXT: sink.emit %{{.*}} probe 9 layer 1 metric "recv"
// ALL-NEXT: %[[M1:.*]] = tfm.relu
// ALL-NEXT: sink.mlp_norm %[[M1]]
// ALL-NEXT: sink.emit %{{.*}} probe 12 layer 1 metric "mlp_norm"
// ALL-NEXT: sink.mlp_cos_bos %[[M1]], %[[X1]]
// ALL-NEXT: sink.emit %{{.*}} probe 13 layer 1 metric "mlp_cos_bos"
// ALL-NEXT: tfm.add
// ALL-NEXT: return

// Only the attention metrics of layer 1: right after its softmax, nothing
// anywhere else.
// ATTN1-LABEL: func.func @main
// ATTN1-NOT: {{sink\.}}
// ATTN1: %[[P1:.*]] = tfm.softmax %{{.*}} {sinkc.layer = 1
// ATTN1-NEXT: %[[B1:.*]] = sink.bos_mass %[[P1]]
// ATTN1-NEXT: sink.emit %[[B1]] probe 0 layer 1 metric "bos_mass"
// ATTN1-NEXT: %[[H1:.*]] = sink.head_bos_mass %[[P1]]
// ATTN1-NEXT: sink.emit %[[H1]] probe 1 layer 1 metric "head_bos_mass"
// ATTN1-NEXT: %[[R1:.*]] = sink.recv %[[P1]]
// ATTN1-NEXT: sink.emit %[[R1]] probe 2 layer 1 metric "recv"
// ATTN1-NEXT: tfm.relu
// ATTN1-NOT: {{sink\.}}
// ATTN1: {{//[ ]-----}}

// A group and a single metric: hidden (both) and mlp_norm, not mlp_cos_bos.
// SOME-LABEL: func.func @main
// SOME-NEXT: sink.hidden_norm
// SOME-NEXT: sink.emit %{{.*}} probe 0 layer 0 metric "hidden_norm"
// SOME-NEXT: sink.hidden_cos_bos
// SOME-NEXT: sink.emit %{{.*}} probe 1 layer 0 metric "hidden_cos_bos"
// SOME-NEXT: tfm.softmax
// SOME-NEXT: tfm.relu
// SOME-NEXT: sink.mlp_norm
// SOME-NEXT: sink.emit %{{.*}} probe 2 layer 0 metric "mlp_norm"
// SOME-NEXT: tfm.add
// SOME-NEXT: sink.hidden_norm
// SOME-NEXT: sink.emit %{{.*}} probe 3 layer 1 metric "hidden_norm"
// SOME-NEXT: sink.hidden_cos_bos
// SOME-NEXT: sink.emit %{{.*}} probe 4 layer 1 metric "hidden_cos_bos"
// SOME-NEXT: tfm.softmax
// SOME-NEXT: tfm.relu
// SOME-NEXT: sink.mlp_norm
// SOME-NEXT: sink.emit %{{.*}} probe 5 layer 1 metric "mlp_norm"
// SOME-NEXT: tfm.add
// SOME-NOT: sink.mlp_cos_bos

// -----

// A flattened MLP output ([B*T, D], OPT) is viewed as the block input's
// [B, T, D] for the MLP metrics.
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 2 : i64} {
  func.func @main(%x0: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"},
                  %x1: tensor<?x?x8xf32> {sinkc.layer = 1 : i64, sinkc.role = "block_input"},
                  %s0: tensor<?x2x?x?xf32>, %s1: tensor<?x2x?x?xf32>,
                  %y0: tensor<?x8xf32>, %y1: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
    %p0 = tfm.softmax %s0 {sinkc.layer = 0 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    %m0 = tfm.relu %y0 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : tensor<?x8xf32> -> tensor<?x8xf32>
    %p1 = tfm.softmax %s1 {sinkc.layer = 1 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    %m1 = tfm.relu %y1 {sinkc.layer = 1 : i64, sinkc.role = "mlp_output"} : tensor<?x8xf32> -> tensor<?x8xf32>
    return %m0, %m1 : tensor<?x8xf32>, tensor<?x8xf32>
  }
}
// SOME-LABEL: func.func @main
// SOME-SAME: (%[[X0:[^:]*]]: tensor<?x?x8xf32>
// SOME: %[[M0:.*]] = tfm.relu %{{.*}} {sinkc.layer = 0
// SOME-NEXT: %[[SHAPE:.*]] = tfm.shape %[[X0]] : tensor<?x?x8xf32> -> tensor<3xi64>
// SOME-NEXT: %[[M0V:.*]] = tfm.reshape %[[M0]], %[[SHAPE]] : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
// SOME-NEXT: sink.mlp_norm %[[M0V]] : tensor<?x?x8xf32> -> tensor<?x?xf32>
// ALL-LABEL: func.func @main
// ALL: tfm.reshape
// ALL: sink.mlp_cos_bos %{{.*}}, %{{.*}} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?xf32>
