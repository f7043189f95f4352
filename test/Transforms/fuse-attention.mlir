// sinkc-fuse-attention replaces matmul -> scale -> mask -> softmax -> matmul
// by sink.attention when the mask is proven (causal range comparison,
// packed-sequence ids, constant true); attention metrics move to the column
// sums. Anything not proven stays materialised.
//
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-fuse-attention)' | FileCheck %s

// The trained Llama's attention (HF transformers 4.5x export): causal range
// comparison and the packed-sequence equal() of cumsum ids; instrumented.
// CHECK-LABEL: func.func @causal_segments
// CHECK-SAME: (%[[Q:.*]]: tensor<?x2x?x8xf32>, %[[K:.*]]: tensor<?x2x?x8xf32>, %[[V:.*]]: tensor<?x2x?x8xf32>, %[[N:.*]]: tensor<i64>, %[[IDS:.*]]: tensor<?x1x?x1xi64>, %[[KIDS:.*]]: tensor<?x1x1x?xi64>)
// CHECK-NOT: tfm.softmax
// CHECK-DAG: %[[QS:.*]] = tfm.squeeze %[[IDS]] {axes = array<i64: 1, 3>} : tensor<?x1x?x1xi64> -> tensor<?x?xi64>
// CHECK-DAG: %[[KS:.*]] = tfm.squeeze %[[KIDS]] {axes = array<i64: 1, 2>} : tensor<?x1x1x?xi64> -> tensor<?x?xi64>
// CHECK: %[[O:.*]], %[[C:.*]] = sink.attention %[[Q]], %[[K]], %[[V]] segments(%[[QS]], %[[KS]]) {causal, scale = 0.353553385 : f32, sinkc.layer = 0 : i64, sinkc.role = "attention_probs"}
// CHECK-SAME: -> (tensor<?x2x?x8xf32>, tensor<?x2x?xf32>)
// CHECK-NEXT: %[[B:.*]] = sink.bos_mass_from_sums %[[C]] : tensor<?x2x?xf32> -> tensor<?xf32>
// CHECK-NEXT: sink.emit %[[B]] probe 0 layer 0 metric "bos_mass"
// CHECK-NEXT: %[[R:.*]] = sink.recv_from_sums %[[C]] : tensor<?x2x?xf32> -> tensor<?x?xf32>
// CHECK-NEXT: sink.emit %[[R]] probe 1 layer 0 metric "recv"
// CHECK-NOT: tfm.matmul
// CHECK: return %[[O]]
func.func @causal_segments(%q: tensor<?x2x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>,
                           %n: tensor<i64>, %ids: tensor<?x1x?x1xi64>, %kids: tensor<?x1x1x?xi64>) -> tensor<?x2x?x8xf32> {
  %zero = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %true = tfm.constant dense<true> : tensor<i1>
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %scale = tfm.constant dense<0.353553385> : tensor<f32>
  %r = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %r2 = tfm.unsqueeze %r {axes = array<i64: 0, 1>} : tensor<?xi64> -> tensor<1x1x?xi64>
  %rq = tfm.unsqueeze %r2 {axes = array<i64: 3>} : tensor<1x1x?xi64> -> tensor<1x1x?x1xi64>
  %rk = tfm.unsqueeze %r2 {axes = array<i64: 2>} : tensor<1x1x?xi64> -> tensor<1x1x1x?xi64>
  %le = tfm.less_or_equal %rk, %rq : (tensor<1x1x1x?xi64>, tensor<1x1x?x1xi64>) -> tensor<1x1x?x?xi1>
  %c0 = tfm.and %true, %le : (tensor<i1>, tensor<1x1x?x?xi1>) -> tensor<1x1x?x?xi1>
  %eq = tfm.equal %ids, %kids : (tensor<?x1x?x1xi64>, tensor<?x1x1x?xi64>) -> tensor<?x1x?x?xi1>
  %c = tfm.and %c0, %eq : (tensor<1x1x?x?xi1>, tensor<?x1x?x?xi1>) -> tensor<?x1x?x?xi1>
  %mask = tfm.where %c, %fzero, %big : (tensor<?x1x?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x1x?x?xf32>
  %kt = tfm.transpose %k {perm = array<i64: 0, 1, 3, 2>} : tensor<?x2x?x8xf32> -> tensor<?x2x8x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>) -> tensor<?x2x?x?xf32>
  %ss = tfm.mul %s, %scale : (tensor<?x2x?x?xf32>, tensor<f32>) -> tensor<?x2x?x?xf32>
  %sm = tfm.add %ss, %mask : (tensor<?x2x?x?xf32>, tensor<?x1x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = tfm.softmax %sm {sinkc.layer = 0 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %b = sink.bos_mass %p : tensor<?x2x?x?xf32> -> tensor<?xf32>
  sink.emit %b probe 0 layer 0 metric "bos_mass" : tensor<?xf32>
  %rv = sink.recv %p : tensor<?x2x?x?xf32> -> tensor<?x?xf32>
  sink.emit %rv probe 1 layer 0 metric "recv" : tensor<?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

// -----

// GPT-2 style: Kt is transpose(X, [0, 2, 3, 1]) of [B, T, H, d], folded into
// one transpose [0, 2, 1, 3]; division by a constant becomes the scale;
// greater_or_equal(q, k) is causal too. Grouped-query V repeated by
// unsqueeze + expand + reshape is read un-repeated (K keeps its repeat here:
// both or neither are un-repeated, so neither is).
// CHECK-LABEL: func.func @gpt2_layout
// CHECK: %[[KP:.*]] = tfm.transpose %{{.*}} {perm = array<i64: 0, 2, 1, 3>} : tensor<?x?x4x8xf32> -> tensor<?x4x?x8xf32>
// CHECK: %[[O:.*]] = sink.attention %{{.*}}, %[[KP]], %{{.*}} {causal, scale = 2.500000e-01 : f32}
// CHECK-SAME: (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
// CHECK-NOT: tfm.softmax
// CHECK: return %[[O]]
func.func @gpt2_layout(%q: tensor<?x4x?x8xf32>, %x: tensor<?x?x4x8xf32>, %v: tensor<?x4x?x8xf32>, %n: tensor<i64>) -> tensor<?x4x?x8xf32> {
  %zero = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %four = tfm.constant dense<4.0> : tensor<f32>
  %r = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %rq = tfm.unsqueeze %r {axes = array<i64: 1>} : tensor<?xi64> -> tensor<?x1xi64>
  %ge = tfm.greater_or_equal %rq, %r : (tensor<?x1xi64>, tensor<?xi64>) -> tensor<?x?xi1>
  %mask = tfm.where %ge, %fzero, %big : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  %kt = tfm.transpose %x {perm = array<i64: 0, 2, 3, 1>} : tensor<?x?x4x8xf32> -> tensor<?x4x8x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<?x4x?x?xf32>
  %ss = tfm.div %s, %four : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %sm = tfm.add %mask, %ss : (tensor<?x?xf32>, tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// Grouped-query attention: K and V repeated from 2 to 4 heads are read
// un-repeated.
// CHECK-LABEL: func.func @gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x8xf32>, %[[K:.*]]: tensor<?x2x?x8xf32>, %[[V:.*]]: tensor<?x2x?x8xf32>
// CHECK: sink.attention %[[Q]], %[[K]], %[[V]] {causal, scale = 1.000000e+00 : f32} : (tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) -> tensor<?x4x?x8xf32>
func.func @gqa(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>, %n: tensor<i64>,
               %shape5: tensor<5xi64>, %shape4: tensor<4xi64>) -> tensor<?x4x?x8xf32> {
  %zero = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %big = tfm.constant dense<-1.0e+9> : tensor<f32>
  %r = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %rq = tfm.unsqueeze %r {axes = array<i64: 1>} : tensor<?xi64> -> tensor<?x1xi64>
  %le = tfm.less_or_equal %r, %rq : (tensor<?xi64>, tensor<?x1xi64>) -> tensor<?x?xi1>
  %mask = tfm.where %le, %fzero, %big : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  %k5 = tfm.unsqueeze %k {axes = array<i64: 2>} : tensor<?x2x?x8xf32> -> tensor<?x2x1x?x8xf32>
  %ke = tfm.expand %k5, %shape5 : (tensor<?x2x1x?x8xf32>, tensor<5xi64>) -> tensor<?x2x2x?x8xf32>
  %kr = tfm.reshape %ke, %shape4 : (tensor<?x2x2x?x8xf32>, tensor<4xi64>) -> tensor<?x4x?x8xf32>
  %v5 = tfm.unsqueeze %v {axes = array<i64: 2>} : tensor<?x2x?x8xf32> -> tensor<?x2x1x?x8xf32>
  %ve = tfm.expand %v5, %shape5 : (tensor<?x2x1x?x8xf32>, tensor<5xi64>) -> tensor<?x2x2x?x8xf32>
  %vr = tfm.reshape %ve, %shape4 : (tensor<?x2x2x?x8xf32>, tensor<4xi64>) -> tensor<?x4x?x8xf32>
  %kt = tfm.transpose %kr {perm = array<i64: 0, 1, 3, 2>} : tensor<?x4x?x8xf32> -> tensor<?x4x8x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<?x4x?x?xf32>
  %sm = tfm.add %s, %mask : (tensor<?x4x?x?xf32>, tensor<?x?xf32>) -> tensor<?x4x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  %o = tfm.matmul %p, %vr : (tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// A full [B, 1, T, S] mask from a model input is not provably causal: kept exactly,
// nothing fused.
// CHECK-LABEL: func.func @input_mask
// CHECK-NOT: sink.attention
// CHECK: tfm.softmax
// CHECK: tfm.matmul
func.func @input_mask(%q: tensor<?x2x?x8xf32>, %kt: tensor<?x2x8x?xf32>, %v: tensor<?x2x?x8xf32>, %keep: tensor<?x1x?x?xi1>) -> tensor<?x2x?x8xf32> {
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %mask = tfm.where %keep, %fzero, %big : (tensor<?x1x?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x1x?x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>) -> tensor<?x2x?x?xf32>
  %sm = tfm.add %s, %mask : (tensor<?x2x?x?xf32>, tensor<?x1x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

// -----

// A mask value that does not underflow exp (-10) is not a -big mask: kept.
// The probabilities returned to the caller: kept.
// CHECK-LABEL: func.func @unproven
// CHECK-NOT: sink.attention
// CHECK-COUNT-2: tfm.softmax
func.func @unproven(%q: tensor<?x2x?x8xf32>, %kt: tensor<?x2x8x?xf32>, %v: tensor<?x2x?x8xf32>, %n: tensor<i64>) -> (tensor<?x2x?x8xf32>, tensor<?x2x?x?xf32>) {
  %zero = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %small = tfm.constant dense<-10.0> : tensor<f32>
  %r = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %rq = tfm.unsqueeze %r {axes = array<i64: 1>} : tensor<?xi64> -> tensor<?x1xi64>
  %le = tfm.less_or_equal %r, %rq : (tensor<?xi64>, tensor<?x1xi64>) -> tensor<?x?xi1>
  %mask = tfm.where %le, %fzero, %small : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>) -> tensor<?x2x?x?xf32>
  %sm = tfm.add %s, %mask : (tensor<?x2x?x?xf32>, tensor<?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  %s2 = tfm.matmul %q, %kt : (tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>) -> tensor<?x2x?x?xf32>
  %p2 = tfm.softmax %s2 : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %o2 = tfm.matmul %p2, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %o2, %p2 : tensor<?x2x?x8xf32>, tensor<?x2x?x?xf32>
}

// -----

// Legacy TorchScript Llama (opset 14): where(not(trilu(ones) & mask[b,1,1,k]),
// -big, zeros). The lower triangle of an all-true square is causal; the
// padding mask from the attention_mask input becomes the op's key mask.
// CHECK-LABEL: func.func @legacy_padding
// CHECK-SAME: %[[AM:[^:]*]]: tensor<?x?xi64>
// CHECK: %[[U:.*]] = tfm.unsqueeze %[[AM]]
// CHECK: %[[U2:.*]] = tfm.unsqueeze %[[U]]
// CHECK: %[[B:.*]] = tfm.cast %[[U2]] {to = i1}
// CHECK: %[[W:.*]] = tfm.cast %[[B]] {to = i64} : tensor<?x1x1x?xi1> -> tensor<?x1x1x?xi64>
// CHECK: %[[KM:.*]] = tfm.squeeze %[[W]] {axes = array<i64: 1, 2>} : tensor<?x1x1x?xi64> -> tensor<?x?xi64>
// CHECK: sink.attention %{{.*}}, %{{.*}}, %{{.*}} key_mask(%[[KM]]) {causal, scale = 0.288675129 : f32}
// CHECK-NOT: tfm.softmax
func.func @legacy_padding(%q: tensor<?x4x?x12xf32>, %kt: tensor<?x4x12x?xf32>, %v: tensor<?x4x?x12xf32>,
                          %am: tensor<?x?xi64>, %n: tensor<1xi64>, %shape4: tensor<4xi64>) -> tensor<?x4x?x12xf32> {
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %sqrt = tfm.constant dense<3.46410155> : tensor<f32>
  %nn = tfm.concat %n, %n {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %ones = tfm.constant_of_shape %nn {value = dense<true> : tensor<1xi1>} : tensor<2xi64> -> tensor<?x?xi1>
  %tri = tfm.trilu %ones {upper = false} : tensor<?x?xi1> -> tensor<?x?xi1>
  %t1 = tfm.unsqueeze %tri {axes = array<i64: 0>} : tensor<?x?xi1> -> tensor<1x?x?xi1>
  %t2 = tfm.unsqueeze %t1 {axes = array<i64: 1>} : tensor<1x?x?xi1> -> tensor<1x1x?x?xi1>
  %a1 = tfm.unsqueeze %am {axes = array<i64: 1>} : tensor<?x?xi64> -> tensor<?x1x?xi64>
  %a2 = tfm.unsqueeze %a1 {axes = array<i64: 2>} : tensor<?x1x?xi64> -> tensor<?x1x1x?xi64>
  %ab = tfm.cast %a2 {to = i1} : tensor<?x1x1x?xi64> -> tensor<?x1x1x?xi1>
  %c = tfm.and %t2, %ab : (tensor<1x1x?x?xi1>, tensor<?x1x1x?xi1>) -> tensor<?x1x?x?xi1>
  %zeros = tfm.constant_of_shape %shape4 {value = dense<0.000000e+00> : tensor<1xf32>} : tensor<4xi64> -> tensor<?x1x?x?xf32>
  %nc = tfm.not %c : tensor<?x1x?x?xi1> -> tensor<?x1x?x?xi1>
  %mask = tfm.where %nc, %big, %zeros : (tensor<?x1x?x?xi1>, tensor<f32>, tensor<?x1x?x?xf32>) -> tensor<?x1x?x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x4x?x12xf32>, tensor<?x4x12x?xf32>) -> tensor<?x4x?x?xf32>
  %ss = tfm.div %s, %sqrt : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %sm = tfm.add %ss, %mask : (tensor<?x4x?x?xf32>, tensor<?x1x?x?xf32>) -> tensor<?x4x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x4x?x?xf32>, tensor<?x4x?x12xf32>) -> tensor<?x4x?x12xf32>
  return %o : tensor<?x4x?x12xf32>
}

// -----

// A triangle that is not provably square (two different sizes) is not
// causal: kept.
// CHECK-LABEL: func.func @not_square
// CHECK-NOT: sink.attention
// CHECK: tfm.softmax
func.func @not_square(%q: tensor<?x4x?x12xf32>, %kt: tensor<?x4x12x?xf32>, %v: tensor<?x4x?x12xf32>,
                      %n: tensor<1xi64>, %m: tensor<1xi64>) -> tensor<?x4x?x12xf32> {
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %zero = tfm.constant dense<0.0> : tensor<f32>
  %nm = tfm.concat %n, %m {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %ones = tfm.constant_of_shape %nm {value = dense<true> : tensor<1xi1>} : tensor<2xi64> -> tensor<?x?xi1>
  %tri = tfm.trilu %ones {upper = false} : tensor<?x?xi1> -> tensor<?x?xi1>
  %mask = tfm.where %tri, %zero, %big : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x4x?x12xf32>, tensor<?x4x12x?xf32>) -> tensor<?x4x?x?xf32>
  %sm = tfm.add %s, %mask : (tensor<?x4x?x?xf32>, tensor<?x?xf32>) -> tensor<?x4x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x4x?x?xf32>, tensor<?x4x?x12xf32>) -> tensor<?x4x?x12xf32>
  return %o : tensor<?x4x?x12xf32>
}

// -----

// Mistral's sliding window: greater(r[k], r[q] - 4096) on the causal range
// becomes the window attribute.
// CHECK-LABEL: func.func @sliding_window
// CHECK: sink.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 1.000000e+00 : f32, window = 4096 : i64}
// CHECK-NOT: tfm.softmax
func.func @sliding_window(%q: tensor<?x2x?x8xf32>, %kt: tensor<?x2x8x?xf32>, %v: tensor<?x2x?x8xf32>, %n: tensor<i64>) -> tensor<?x2x?x8xf32> {
  %zero = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %w = tfm.constant dense<4096> : tensor<i64>
  %true = tfm.constant dense<true> : tensor<i1>
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %r = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %r2 = tfm.unsqueeze %r {axes = array<i64: 0, 1>} : tensor<?xi64> -> tensor<1x1x?xi64>
  %rq = tfm.unsqueeze %r2 {axes = array<i64: 3>} : tensor<1x1x?xi64> -> tensor<1x1x?x1xi64>
  %rk = tfm.unsqueeze %r2 {axes = array<i64: 2>} : tensor<1x1x?xi64> -> tensor<1x1x1x?xi64>
  %lo = tfm.sub %rq, %w : (tensor<1x1x?x1xi64>, tensor<i64>) -> tensor<1x1x?x1xi64>
  %gt = tfm.greater %rk, %lo : (tensor<1x1x1x?xi64>, tensor<1x1x?x1xi64>) -> tensor<1x1x?x?xi1>
  %c0 = tfm.and %true, %gt : (tensor<i1>, tensor<1x1x?x?xi1>) -> tensor<1x1x?x?xi1>
  %le = tfm.less_or_equal %rk, %rq : (tensor<1x1x1x?xi64>, tensor<1x1x?x1xi64>) -> tensor<1x1x?x?xi1>
  %c = tfm.and %c0, %le : (tensor<1x1x?x?xi1>, tensor<1x1x?x?xi1>) -> tensor<1x1x?x?xi1>
  %mask = tfm.where %c, %fzero, %big : (tensor<1x1x?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<1x1x?x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>) -> tensor<?x2x?x?xf32>
  %sm = tfm.add %s, %mask : (tensor<?x2x?x?xf32>, tensor<1x1x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

// -----

// OPT's legacy export (opset 17): one range per axis with the same start and
// step, and the condition expanded before the where.
// CHECK-LABEL: func.func @two_ranges_expanded
// CHECK: sink.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 1.000000e+00 : f32}
// CHECK-NOT: tfm.softmax
func.func @two_ranges_expanded(%q: tensor<?x2x?x8xf32>, %kt: tensor<?x2x8x?xf32>, %v: tensor<?x2x?x8xf32>,
                               %n: tensor<i64>, %m: tensor<i64>, %shape: tensor<4xi64>) -> tensor<?x2x?x8xf32> {
  %zero = tfm.constant dense<0> : tensor<i64>
  %zero2 = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %rq = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %rk = tfm.range %zero2, %m, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %q4 = tfm.unsqueeze %rq {axes = array<i64: 0, 1, 3>} : tensor<?xi64> -> tensor<1x1x?x1xi64>
  %k4 = tfm.unsqueeze %rk {axes = array<i64: 0, 1, 2>} : tensor<?xi64> -> tensor<1x1x1x?xi64>
  %le = tfm.less_or_equal %k4, %q4 : (tensor<1x1x1x?xi64>, tensor<1x1x?x1xi64>) -> tensor<1x1x?x?xi1>
  %c = tfm.expand %le, %shape : (tensor<1x1x?x?xi1>, tensor<4xi64>) -> tensor<?x1x?x?xi1>
  %mask = tfm.where %c, %fzero, %big : (tensor<?x1x?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x1x?x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>) -> tensor<?x2x?x?xf32>
  %sm = tfm.add %s, %mask : (tensor<?x2x?x?xf32>, tensor<?x1x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

// -----

// Two ranges with different starts are not causal: kept.
// CHECK-LABEL: func.func @two_ranges_shifted
// CHECK-NOT: sink.attention
// CHECK: tfm.softmax
func.func @two_ranges_shifted(%q: tensor<?x2x?x8xf32>, %kt: tensor<?x2x8x?xf32>, %v: tensor<?x2x?x8xf32>,
                              %n: tensor<i64>, %m: tensor<i64>) -> tensor<?x2x?x8xf32> {
  %zero = tfm.constant dense<0> : tensor<i64>
  %two = tfm.constant dense<2> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %rq = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %rk = tfm.range %two, %m, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %q4 = tfm.unsqueeze %rq {axes = array<i64: 1>} : tensor<?xi64> -> tensor<?x1xi64>
  %le = tfm.less_or_equal %rk, %q4 : (tensor<?xi64>, tensor<?x1xi64>) -> tensor<?x?xi1>
  %mask = tfm.where %le, %fzero, %big : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>) -> tensor<?x2x?x?xf32>
  %sm = tfm.add %s, %mask : (tensor<?x2x?x?xf32>, tensor<?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

// -----

// A causal mask built on [T, T] and unsqueezed to [1, 1, T, T] (the form of
// test/lib/make_decoder.py): the unsqueeze only adds leading axes, so the
// query and key axes are still the last two and the mask is proven causal.
// CHECK-LABEL: func.func @mask_2d_unsqueezed
// CHECK: sink.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 2.500000e-01 : f32}
// CHECK-NOT: tfm.softmax
func.func @mask_2d_unsqueezed(%q: tensor<?x2x?x16xf32>, %kt: tensor<?x2x16x?xf32>, %v: tensor<?x2x?x16xf32>, %n: tensor<i64>) -> tensor<?x2x?x16xf32> {
  %zero = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %scale = tfm.constant dense<2.500000e-01> : tensor<f32>
  %r = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %rq = tfm.unsqueeze %r {axes = array<i64: 1>} : tensor<?xi64> -> tensor<?x1xi64>
  %rk = tfm.unsqueeze %r {axes = array<i64: 0>} : tensor<?xi64> -> tensor<1x?xi64>
  %le = tfm.less_or_equal %rk, %rq : (tensor<1x?xi64>, tensor<?x1xi64>) -> tensor<?x?xi1>
  %mask2 = tfm.where %le, %fzero, %big : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  %mask = tfm.unsqueeze %mask2 {axes = array<i64: 0, 1>} : tensor<?x?xf32> -> tensor<1x1x?x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x2x?x16xf32>, tensor<?x2x16x?xf32>) -> tensor<?x2x?x?xf32>
  %ss = tfm.mul %s, %scale : (tensor<?x2x?x?xf32>, tensor<f32>) -> tensor<?x2x?x?xf32>
  %sm = tfm.add %ss, %mask : (tensor<?x2x?x?xf32>, tensor<1x1x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32>
  return %o : tensor<?x2x?x16xf32>
}

// -----

// The same mask unsqueezed between its query and key axes ([T, 1, T]): the
// key axis is no longer the last one, so nothing is proven and the attention
// stays materialised.
// CHECK-LABEL: func.func @mask_unsqueezed_inside
// CHECK-NOT: sink.attention
// CHECK: tfm.softmax
func.func @mask_unsqueezed_inside(%q: tensor<?x2x?x16xf32>, %kt: tensor<?x2x16x?xf32>, %v: tensor<?x2x?x16xf32>, %n: tensor<i64>) -> tensor<?x2x?x16xf32> {
  %zero = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %fzero = tfm.constant dense<0.000000e+00> : tensor<f32>
  %big = tfm.constant dense<-3.40282347E+38> : tensor<f32>
  %r = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %rq = tfm.unsqueeze %r {axes = array<i64: 1>} : tensor<?xi64> -> tensor<?x1xi64>
  %rk = tfm.unsqueeze %r {axes = array<i64: 0>} : tensor<?xi64> -> tensor<1x?xi64>
  %le = tfm.less_or_equal %rk, %rq : (tensor<1x?xi64>, tensor<?x1xi64>) -> tensor<?x?xi1>
  %mask2 = tfm.where %le, %fzero, %big : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  %mask = tfm.unsqueeze %mask2 {axes = array<i64: 0, 2>} : tensor<?x?xf32> -> tensor<1x?x1x?xf32>
  %s = tfm.matmul %q, %kt : (tensor<?x2x?x16xf32>, tensor<?x2x16x?xf32>) -> tensor<?x2x?x?xf32>
  %sm = tfm.add %s, %mask : (tensor<?x2x?x?xf32>, tensor<1x?x1x?xf32>) -> tensor<?x2x?x?xf32>
  %p = tfm.softmax %sm : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
  %o = tfm.matmul %p, %v : (tensor<?x2x?x?xf32>, tensor<?x2x?x16xf32>) -> tensor<?x2x?x16xf32>
  return %o : tensor<?x2x?x16xf32>
}
