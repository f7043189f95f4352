// Verifier failures of the sink ops.
//
// RUN: sinkc-opt %s -split-input-file -verify-diagnostics

func.func @probs_rank(%p: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'sink.recv' op operand #0 must be 4D tensor of 16-bit float or 32-bit float or 64-bit float values}}
  %r = sink.recv %p : tensor<2x4x8xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @probs_not_square(%p: tensor<1x4x8x9xf32>) {
  // expected-error @+1 {{'sink.recv' op expects probabilities [B, H, T, T] of one sequence, with as many queries as keys; got [1, 4, 8, 9]}}
  %r = sink.recv %p : tensor<1x4x8x9xf32> -> tensor<1x9xf32>
  return
}

// -----

func.func @head_count(%p: tensor<?x4x?x?xf32>) {
  // expected-error @+1 {{'sink.head_bos_mass' op result shape [?, 3] does not match the [?, 4] that head_bos_mass gives for an input of shape [?, 4, ?, ?]}}
  %h = sink.head_bos_mass %p : tensor<?x4x?x?xf32> -> tensor<?x3xf32>
  return
}

// -----

func.func @bos_mass_rank(%p: tensor<?x4x?x?xf32>) {
  // expected-error @+1 {{'sink.bos_mass' op result #0 must be 1D tensor of 32-bit float values}}
  %b = sink.bos_mass %p : tensor<?x4x?x?xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @recv_length(%p: tensor<1x4x8x8xf32>) {
  // expected-error @+1 {{'sink.recv' op result shape [1, 7] does not match the [1, 8] that recv gives for an input of shape [1, 4, 8, 8]}}
  %r = sink.recv %p : tensor<1x4x8x8xf32> -> tensor<1x7xf32>
  return
}

// -----

func.func @result_f32(%x: tensor<?x?x48xf32>) {
  // expected-error @+1 {{'sink.hidden_norm' op result #0 must be 2D tensor of 32-bit float values}}
  %n = sink.hidden_norm %x : tensor<?x?x48xf32> -> tensor<?x?xf16>
  return
}

// -----

func.func @hidden_rank(%x: tensor<?x48xf32>) {
  // expected-error @+1 {{'sink.hidden_cos_bos' op operand #0 must be 3D tensor}}
  %c = sink.hidden_cos_bos %x : tensor<?x48xf32> -> tensor<?x?xf32>
  return
}

// -----

func.func @token_count(%x: tensor<2x5x48xf32>) {
  // expected-error @+1 {{'sink.mlp_norm' op result shape [2, 6] does not match the [2, 5] that mlp_norm gives for an input of shape [2, 5, 48]}}
  %n = sink.mlp_norm %x : tensor<2x5x48xf32> -> tensor<2x6xf32>
  return
}

// -----

func.func @mlp_and_input(%m: tensor<?x?x48xf32>, %x: tensor<?x?x64xf32>) {
  // expected-error @+1 {{'sink.mlp_cos_bos' op expects the MLP output and the block input to have the same shape; got [?, ?, 48] and [?, ?, 64]}}
  %c = sink.mlp_cos_bos %m, %x : (tensor<?x?x48xf32>, tensor<?x?x64xf32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @key_rank(%k: tensor<?x?x12xf32>) {
  // expected-error @+1 {{'sink.key_norm' op operand #0 must be 4D tensor of 16-bit float or 32-bit float or 64-bit float values}}
  %n = sink.key_norm %k : tensor<?x?x12xf32> -> tensor<?x?xf32>
  return
}

// -----

func.func @key_positions(%k: tensor<1x2x8x12xf32>) {
  // expected-error @+1 {{'sink.key_norm' op result shape [1, 2] does not match the [1, 8] that key_norm gives for an input of shape [1, 2, 8, 12]}}
  %n = sink.key_norm %k : tensor<1x2x8x12xf32> -> tensor<1x2xf32>
  return
}

// -----

func.func @value_batch(%v: tensor<2x4x?x12xf32>) {
  // expected-error @+1 {{'sink.value_norm' op result shape [3, ?] does not match the [2, ?] that value_norm gives for an input of shape [2, 4, ?, 12]}}
  %n = sink.value_norm %v : tensor<2x4x?x12xf32> -> tensor<3x?xf32>
  return
}

// -----

func.func @value_as_key(%v: tensor<?x4x?x12xf32>) {
  %n = sink.value_norm %v : tensor<?x4x?x12xf32> -> tensor<?x?xf32>
  // expected-error @+1 {{'sink.emit' op emits the result of sink.value_norm as metric 'key_norm'}}
  sink.emit %n probe 0 layer 0 metric "key_norm" : tensor<?x?xf32>
  return
}

// -----

func.func @unknown_metric(%v: tensor<?x?xf32>) {
  // expected-error @+1 {{'sink.emit' op unknown metric 'attention'; expected one of bos_mass, head_bos_mass, recv, hidden_norm, hidden_cos_bos, mlp_norm, mlp_cos_bos, key_norm, value_norm, mlp_input_cos_bos, mlp_gate_cos_bos, mlp_up_cos_bos, mlp_act_cos_bos, mlp_gated_cos_bos, mlp_output_cos_bos}}
  sink.emit %v probe 0 layer 0 metric "attention" : tensor<?x?xf32>
  return
}

// -----

func.func @metric_rank(%v: tensor<?x?xf32>) {
  // expected-error @+1 {{'sink.emit' op metric 'bos_mass' is reported with rank 1, got a value of rank 2}}
  sink.emit %v probe 0 layer 0 metric "bos_mass" : tensor<?x?xf32>
  return
}

// -----

func.func @negative_probe(%v: tensor<?xf32>) {
  // expected-error @+1 {{'sink.emit' op probe id must be non-negative, got -1}}
  sink.emit %v probe -1 layer 0 metric "bos_mass" : tensor<?xf32>
  return
}

// -----

func.func @negative_layer(%v: tensor<?xf32>) {
  // expected-error @+1 {{'sink.emit' op layer must be non-negative, got -2}}
  sink.emit %v probe 0 layer -2 metric "bos_mass" : tensor<?xf32>
  return
}

// -----

func.func @wrong_metric(%x: tensor<?x?x48xf32>) {
  %n = sink.hidden_norm %x : tensor<?x?x48xf32> -> tensor<?x?xf32>
  // expected-error @+1 {{'sink.emit' op emits the result of sink.hidden_norm as metric 'mlp_norm'}}
  sink.emit %n probe 0 layer 0 metric "mlp_norm" : tensor<?x?xf32>
  return
}

// -----

func.func @emit_f64(%v: tensor<?x?xf64>) {
  // expected-error @+1 {{'sink.emit' op operand #0 must be}}
  sink.emit %v probe 0 layer 0 metric "recv" : tensor<?x?xf64>
  return
}

// -----

func.func @unknown_mlp_state(%x: tensor<?x?x64xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'sink.mlp_state_cos_bos' op unknown MLP state 'down'; expected one of input, gate, up, act, gated, output}}
  %c = sink.mlp_state_cos_bos %x state "down" : tensor<?x?x64xf32> -> tensor<?x?xf32>
  return %c : tensor<?x?xf32>
}

// -----

func.func @mlp_state_result_shape(%x: tensor<2x8x64xf32>) -> tensor<2x64xf32> {
  // expected-error @+1 {{'sink.mlp_state_cos_bos' op result shape [2, 64] does not match the [2, 8] that mlp_gate_cos_bos gives for an input of shape [2, 8, 64]}}
  %c = sink.mlp_state_cos_bos %x state "gate" : tensor<2x8x64xf32> -> tensor<2x64xf32>
  return %c : tensor<2x64xf32>
}

// -----

func.func @mlp_state_rank(%x: tensor<?x64xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'sink.mlp_state_cos_bos' op operand #0 must be 3D tensor of 16-bit float or 32-bit float or 64-bit float values}}
  %c = sink.mlp_state_cos_bos %x state "act" : tensor<?x64xf32> -> tensor<?x?xf32>
  return %c : tensor<?x?xf32>
}

// -----

func.func @mlp_state_as_other_metric(%x: tensor<?x?x64xf32>) {
  %c = sink.mlp_state_cos_bos %x state "up" : tensor<?x?x64xf32> -> tensor<?x?xf32>
  // expected-error @+1 {{'sink.emit' op emits the result of sink.mlp_state_cos_bos state 'up' (metric 'mlp_up_cos_bos') as metric 'mlp_gate_cos_bos'}}
  sink.emit %c probe 0 layer 0 metric "mlp_gate_cos_bos" : tensor<?x?xf32>
  return
}
