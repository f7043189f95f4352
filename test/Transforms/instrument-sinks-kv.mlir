// The kv metrics are found from the marked attention probabilities: the keys
// are the right operand of the query-key product behind the softmax (through
// the scale and the mask), read as K [B, H, S, d]; the values the right
// operand of the product with the probabilities. Both are measured without a
// grouped-query repeat, each right after its definition, with probe ids
// after the other metrics of the layer.
//
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=kv})' \
// RUN:   | FileCheck %s --check-prefix=KV
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{layers=1 metrics=attn,value_norm})' \
// RUN:   | FileCheck %s --check-prefix=MIXED
//
// Fusing the attention afterwards leaves the measurements reading the same
// un-repeated keys and values as sink.attention.
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=kv},sinkc-fuse-attention)' \
// RUN:   | FileCheck %s --check-prefix=FUSED

// Layer 0: Llama style with grouped-query attention (2 key/value heads for
// 4 query heads): the scores read transpose(repeat(K)), the probabilities
// multiply repeat(V). Layer 1: GPT-2 style, the scores read one transpose
// [0, 2, 3, 1] of the head-split projection [B, T, H, d], and the mask is
// the add's first operand.
module attributes {sinkc.heads = 4 : i64, sinkc.layers = 2 : i64} {
  func.func @main(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>,
                  %vin: tensor<?x?x2x8xf32>, %x1: tensor<?x?x4x8xf32>,
                  %v1: tensor<?x4x?x8xf32>, %n: tensor<i64>,
                  %shape5: tensor<5xi64>, %shape4: tensor<4xi64>)
      -> (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) {
    %zero = tfm.constant dense<0> : tensor<i64>
    %one = tfm.constant dense<1> : tensor<i64>
    %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
    %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
    %scale = tfm.constant dense<0.353553385> : tensor<f32>
    %r = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
    %rq = tfm.unsqueeze %r {axes = array<i64: 1>} : tensor<?xi64> -> tensor<?x1xi64>
    %le = tfm.less_or_equal %r, %rq : (tensor<?xi64>, tensor<?x1xi64>) -> tensor<?x?xi1>
    %mask = tfm.where %le, %fzero, %big : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>

    %k5 = tfm.unsqueeze %k {axes = array<i64: 2>} : tensor<?x2x?x8xf32> -> tensor<?x2x1x?x8xf32>
    %ke = tfm.expand %k5, %shape5 : (tensor<?x2x1x?x8xf32>, tensor<5xi64>) -> tensor<?x2x2x?x8xf32>
    %kr = tfm.reshape %ke, %shape4 : (tensor<?x2x2x?x8xf32>, tensor<4xi64>) -> tensor<?x4x?x8xf32>
    %kt = tfm.transpose %kr {perm = array<i64: 0, 1, 3, 2>} : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
    %s = tfm.matmul %q, %kt : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<?x4x?x?xf32>
    %ss = tfm.mul %s, %scale : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
    %sm = tfm.add %ss, %mask : (tensor<?x4x?x?xf32>, tensor<?x?xf32>) -> tensor<?x4x?x?xf32>
    %p = tfm.softmax %sm {sinkc.layer = 0 : i64, sinkc.role = "attention_probs"} : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
    %v = tfm.transpose %vin {perm = array<i64: 0, 2, 1, 3>} : tensor<?x?x2x8xf32> -> tensor<?x2x?x8xf32>
    %v5 = tfm.unsqueeze %v {axes = array<i64: 2>} : tensor<?x2x?x8xf32> -> tensor<?x2x1x?x8xf32>
    %ve = tfm.expand %v5, %shape5 : (tensor<?x2x1x?x8xf32>, tensor<5xi64>) -> tensor<?x2x2x?x8xf32>
    %vr = tfm.reshape %ve, %shape4 : (tensor<?x2x2x?x8xf32>, tensor<4xi64>) -> tensor<?x4x?x8xf32>
    %o = tfm.matmul %p, %vr : (tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>

    %kt1 = tfm.transpose %x1 {perm = array<i64: 0, 2, 3, 1>} : tensor<?x?x4x8xf32> -> tensor<?x4x8x?xf32>
    %s1 = tfm.matmul %q, %kt1 : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<?x4x?x?xf32>
    %sm1 = tfm.add %mask, %s1 : (tensor<?x?xf32>, tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
    %p1 = tfm.softmax %sm1 {sinkc.layer = 1 : i64, sinkc.role = "attention_probs"} : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
    %o1 = tfm.matmul %p1, %v1 : (tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
    return %o, %o1 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>
  }
}

// Layer 1's values are an argument: measured first thing.
// KV-LABEL: func.func @main
// KV-SAME: (%[[Q:[^:]*]]: tensor<?x4x?x8xf32>, %[[K:[^:]*]]: tensor<?x2x?x8xf32>, %[[VIN:[^:]*]]: tensor<?x?x2x8xf32>, %[[X1:[^:]*]]: tensor<?x?x4x8xf32>, %[[V1:[^:]*]]: tensor<?x4x?x8xf32>
// KV-NEXT: %[[VN1:.*]] = sink.value_norm %[[V1]] : tensor<?x4x?x8xf32> -> tensor<?x?xf32>
// KV-NEXT: sink.emit %[[VN1]] probe 3 layer 1 metric "value_norm"
// KV: %[[KT:.*]] = tfm.transpose %{{.*}} {perm = array<i64: 0, 1, 3, 2>}
// KV-NEXT: %[[KN:.*]] = sink.key_norm %[[K]] : tensor<?x2x?x8xf32> -> tensor<?x?xf32>
// KV-NEXT: sink.emit %[[KN]] probe 0 layer 0 metric "key_norm" : tensor<?x?xf32>
// KV-NEXT: tfm.matmul %[[Q]], %[[KT]]
// KV: tfm.softmax
// KV-NEXT: %[[V:.*]] = tfm.transpose %[[VIN]]
// KV-NEXT: %[[VN:.*]] = sink.value_norm %[[V]] : tensor<?x2x?x8xf32> -> tensor<?x?xf32>
// KV-NEXT: sink.emit %[[VN]] probe 1 layer 0 metric "value_norm" : tensor<?x?xf32>
// KV-NEXT: tfm.unsqueeze %[[V]]
// KV: %[[KT1:.*]] = tfm.transpose %[[X1]] {perm = array<i64: 0, 2, 3, 1>}
// KV-NEXT: %[[K1:.*]] = tfm.transpose %[[X1]] {perm = array<i64: 0, 2, 1, 3>} : tensor<?x?x4x8xf32> -> tensor<?x4x?x8xf32>
// KV-NEXT: %[[KN1:.*]] = sink.key_norm %[[K1]] : tensor<?x4x?x8xf32> -> tensor<?x?xf32>
// KV-NEXT: sink.emit %[[KN1]] probe 2 layer 1 metric "key_norm"
// KV-NEXT: tfm.matmul %[[Q]], %[[KT1]]
// KV: tfm.softmax
// KV-NEXT: tfm.matmul
// KV-NEXT: return

// Probe ids: the attention metrics first, then value_norm.
// MIXED: sink.value_norm
// MIXED-NEXT: sink.emit %{{.*}} probe 3 layer 1 metric "value_norm"
// MIXED: %[[P1:.*]] = tfm.softmax %{{.*}} {sinkc.layer = 1
// MIXED-NEXT: sink.bos_mass %[[P1]]
// MIXED-NEXT: sink.emit %{{.*}} probe 0 layer 1 metric "bos_mass"
// MIXED-NOT: sink.key_norm

// FUSED-LABEL: func.func @main
// FUSED-SAME: (%[[Q:[^:]*]]: tensor<?x4x?x8xf32>, %[[K:[^:]*]]: tensor<?x2x?x8xf32>
// FUSED: sink.key_norm %[[K]]
// FUSED: %[[V:.*]] = tfm.transpose
// FUSED-NEXT: sink.value_norm %[[V]]
// FUSED: sink.attention %[[Q]], %[[K]], %[[V]]
// FUSED-NOT: tfm.softmax
