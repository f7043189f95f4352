// Verifier failures of sink.attention and the *_from_sums metrics.
//
// RUN: sinkc-opt %s -split-input-file -verify-diagnostics

func.func @heads(%q: tensor<1x3x16x8xf32>, %k: tensor<1x2x16x8xf32>) {
  // expected-error @+1 {{expects the query heads (3) to be a multiple of the key/value heads (2)}}
  %o = sink.attention %q, %k, %k {scale = 1.0 : f32} : (tensor<1x3x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> tensor<1x3x16x8xf32>
  return
}

// -----

func.func @head_dim(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x16x4xf32>) {
  // expected-error @+1 {{expects queries [B, H, T, d] and keys [B, Hkv, S, d] with the same B and d}}
  %o = sink.attention %q, %k, %k {scale = 1.0 : f32} : (tensor<1x2x16x8xf32>, tensor<1x2x16x4xf32>, tensor<1x2x16x4xf32>) -> tensor<1x2x16x8xf32>
  return
}

// -----

func.func @causal_square(%q: tensor<1x2x16x8xf32>, %k: tensor<1x2x12x8xf32>) {
  // expected-error @+1 {{causal attention needs as many queries as keys}}
  %o = sink.attention %q, %k, %k {causal, scale = 1.0 : f32} : (tensor<1x2x16x8xf32>, tensor<1x2x12x8xf32>, tensor<1x2x12x8xf32>) -> tensor<1x2x16x8xf32>
  return
}

// -----

func.func @sums_need_causal(%q: tensor<1x2x16x8xf32>) {
  // expected-error @+1 {{column sums are only defined for causal attention}}
  %o, %c = sink.attention %q, %q, %q {scale = 1.0 : f32} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>) -> (tensor<1x2x16x8xf32>, tensor<1x2x16xf32>)
  return
}

// -----

func.func @one_segment(%q: tensor<1x2x16x8xf32>, %s: tensor<1x16xi64>) {
  // expected-error @+1 {{expects two segment operands}}
  %o = sink.attention %q, %q, %q segments(%s) {scale = 1.0 : f32} : (tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x2x16x8xf32>, tensor<1x16xi64>) -> tensor<1x2x16x8xf32>
  return
}

// -----

func.func @recv_shape(%c: tensor<2x4x16xf32>) {
  // expected-error @+1 {{result shape [2, 8] does not match the [2, 16] that recv gives}}
  %r = sink.recv_from_sums %c : tensor<2x4x16xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @emit_from_sums(%c: tensor<2x4x16xf32>) {
  %r = sink.recv_from_sums %c : tensor<2x4x16xf32> -> tensor<2x16xf32>
  // expected-error @+1 {{emits the result of sink.recv as metric 'hidden_norm'}}
  sink.emit %r probe 0 layer 0 metric "hidden_norm" : tensor<2x16xf32>
  return
}
