// Round trip of every sink op through the custom assembly format, and through
// the generic form (which exercises the properties of the emit attributes).
//
// RUN: sinkc-opt %s | sinkc-opt | FileCheck %s
// RUN: sinkc-opt %s --mlir-print-op-generic | sinkc-opt | FileCheck %s
// RUN: sinkc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @attention
// CHECK-SAME: (%[[P:.*]]: tensor<?x4x?x?xf32>)
func.func @attention(%probs: tensor<?x4x?x?xf32>) {
  // CHECK: %[[B:.*]] = sink.bos_mass %[[P]] : tensor<?x4x?x?xf32> -> tensor<?xf32>
  %b = sink.bos_mass %probs : tensor<?x4x?x?xf32> -> tensor<?xf32>
  // CHECK-NEXT: sink.emit %[[B]] probe 0 layer 3 metric "bos_mass" : tensor<?xf32>
  sink.emit %b probe 0 layer 3 metric "bos_mass" : tensor<?xf32>
  // CHECK-NEXT: %[[H:.*]] = sink.head_bos_mass %[[P]] : tensor<?x4x?x?xf32> -> tensor<?x4xf32>
  %h = sink.head_bos_mass %probs : tensor<?x4x?x?xf32> -> tensor<?x4xf32>
  // CHECK-NEXT: sink.emit %[[H]] probe 1 layer 3 metric "head_bos_mass" : tensor<?x4xf32>
  sink.emit %h probe 1 layer 3 metric "head_bos_mass" : tensor<?x4xf32>
  // CHECK-NEXT: %[[R:.*]] = sink.recv %[[P]] : tensor<?x4x?x?xf32> -> tensor<?x?xf32>
  %r = sink.recv %probs : tensor<?x4x?x?xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[R]] probe 2 layer 3 metric "recv" : tensor<?x?xf32>
  sink.emit %r probe 2 layer 3 metric "recv" : tensor<?x?xf32>
  return
}

// Static shapes, f16 probabilities: results are f32 whatever the input.
// CHECK-LABEL: func.func @attention_static
func.func @attention_static(%probs: tensor<1x2x8x8xf16>) -> (tensor<1xf32>, tensor<1x2xf32>, tensor<1x8xf32>) {
  // CHECK: sink.bos_mass %{{.*}} : tensor<1x2x8x8xf16> -> tensor<1xf32>
  %b = sink.bos_mass %probs : tensor<1x2x8x8xf16> -> tensor<1xf32>
  // CHECK: sink.head_bos_mass %{{.*}} : tensor<1x2x8x8xf16> -> tensor<1x2xf32>
  %h = sink.head_bos_mass %probs : tensor<1x2x8x8xf16> -> tensor<1x2xf32>
  // CHECK: sink.recv %{{.*}} : tensor<1x2x8x8xf16> -> tensor<1x8xf32>
  %r = sink.recv %probs : tensor<1x2x8x8xf16> -> tensor<1x8xf32>
  return %b, %h, %r : tensor<1xf32>, tensor<1x2xf32>, tensor<1x8xf32>
}

// CHECK-LABEL: func.func @states
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x48xf32>, %[[M:.*]]: tensor<?x?x48xf32>)
func.func @states(%x: tensor<?x?x48xf32>, %m: tensor<?x?x48xf32>) {
  // CHECK: %[[N:.*]] = sink.hidden_norm %[[X]] : tensor<?x?x48xf32> -> tensor<?x?xf32>
  %n = sink.hidden_norm %x : tensor<?x?x48xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[N]] probe 3 layer 0 metric "hidden_norm" : tensor<?x?xf32>
  sink.emit %n probe 3 layer 0 metric "hidden_norm" : tensor<?x?xf32>
  // CHECK-NEXT: %[[C:.*]] = sink.hidden_cos_bos %[[X]] : tensor<?x?x48xf32> -> tensor<?x?xf32>
  %c = sink.hidden_cos_bos %x : tensor<?x?x48xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[C]] probe 4 layer 0 metric "hidden_cos_bos" : tensor<?x?xf32>
  sink.emit %c probe 4 layer 0 metric "hidden_cos_bos" : tensor<?x?xf32>
  // CHECK-NEXT: %[[MN:.*]] = sink.mlp_norm %[[M]] : tensor<?x?x48xf32> -> tensor<?x?xf32>
  %mn = sink.mlp_norm %m : tensor<?x?x48xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[MN]] probe 5 layer 0 metric "mlp_norm" : tensor<?x?xf32>
  sink.emit %mn probe 5 layer 0 metric "mlp_norm" : tensor<?x?xf32>
  // CHECK-NEXT: %[[MC:.*]] = sink.mlp_cos_bos %[[M]], %[[X]] : (tensor<?x?x48xf32>, tensor<?x?x48xf32>) -> tensor<?x?xf32>
  %mc = sink.mlp_cos_bos %m, %x : (tensor<?x?x48xf32>, tensor<?x?x48xf32>) -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[MC]] probe 6 layer 0 metric "mlp_cos_bos" : tensor<?x?xf32>
  sink.emit %mc probe 6 layer 0 metric "mlp_cos_bos" : tensor<?x?xf32>
  return
}

// Keys and values [B, H, T, d] of any float type; the result is [B, T].
// CHECK-LABEL: func.func @keys_and_values
// CHECK-SAME: (%[[K:.*]]: tensor<?x2x?x12xf32>, %[[V:.*]]: tensor<1x4x8x16xf16>)
func.func @keys_and_values(%k: tensor<?x2x?x12xf32>, %v: tensor<1x4x8x16xf16>) {
  // CHECK: %[[KN:.*]] = sink.key_norm %[[K]] : tensor<?x2x?x12xf32> -> tensor<?x?xf32>
  %kn = sink.key_norm %k : tensor<?x2x?x12xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[KN]] probe 7 layer 0 metric "key_norm" : tensor<?x?xf32>
  sink.emit %kn probe 7 layer 0 metric "key_norm" : tensor<?x?xf32>
  // CHECK-NEXT: %[[VN:.*]] = sink.value_norm %[[V]] : tensor<1x4x8x16xf16> -> tensor<1x8xf32>
  %vn = sink.value_norm %v : tensor<1x4x8x16xf16> -> tensor<1x8xf32>
  // CHECK-NEXT: sink.emit %[[VN]] probe 8 layer 0 metric "value_norm" : tensor<1x8xf32>
  sink.emit %vn probe 8 layer 0 metric "value_norm" : tensor<1x8xf32>
  return
}

// MLP-internal states [B, T, F] of any width and float type, one op for all
// six: the state names the metric.
// CHECK-LABEL: func.func @mlp_states
// CHECK-SAME: (%[[IN:.*]]: tensor<?x?x48xf32>, %[[G:.*]]: tensor<?x?x128xf32>, %[[A:.*]]: tensor<1x8x128xf16>)
func.func @mlp_states(%in: tensor<?x?x48xf32>, %gate: tensor<?x?x128xf32>, %act: tensor<1x8x128xf16>) {
  // CHECK: %[[CI:.*]] = sink.mlp_state_cos_bos %[[IN]] state "input" : tensor<?x?x48xf32> -> tensor<?x?xf32>
  %ci = sink.mlp_state_cos_bos %in state "input" : tensor<?x?x48xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[CI]] probe 9 layer 0 metric "mlp_input_cos_bos" : tensor<?x?xf32>
  sink.emit %ci probe 9 layer 0 metric "mlp_input_cos_bos" : tensor<?x?xf32>
  // CHECK-NEXT: %[[CG:.*]] = sink.mlp_state_cos_bos %[[G]] state "gate" : tensor<?x?x128xf32> -> tensor<?x?xf32>
  %cg = sink.mlp_state_cos_bos %gate state "gate" : tensor<?x?x128xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[CG]] probe 10 layer 0 metric "mlp_gate_cos_bos" : tensor<?x?xf32>
  sink.emit %cg probe 10 layer 0 metric "mlp_gate_cos_bos" : tensor<?x?xf32>
  // CHECK-NEXT: %[[CU:.*]] = sink.mlp_state_cos_bos %[[G]] state "up"
  %cu = sink.mlp_state_cos_bos %gate state "up" : tensor<?x?x128xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[CU]] probe 11 layer 0 metric "mlp_up_cos_bos"
  sink.emit %cu probe 11 layer 0 metric "mlp_up_cos_bos" : tensor<?x?xf32>
  // CHECK-NEXT: %[[CA:.*]] = sink.mlp_state_cos_bos %[[A]] state "act" : tensor<1x8x128xf16> -> tensor<1x8xf32>
  %ca = sink.mlp_state_cos_bos %act state "act" : tensor<1x8x128xf16> -> tensor<1x8xf32>
  // CHECK-NEXT: sink.emit %[[CA]] probe 12 layer 0 metric "mlp_act_cos_bos" : tensor<1x8xf32>
  sink.emit %ca probe 12 layer 0 metric "mlp_act_cos_bos" : tensor<1x8xf32>
  // CHECK-NEXT: %[[CP:.*]] = sink.mlp_state_cos_bos %[[G]] state "gated"
  %cp = sink.mlp_state_cos_bos %gate state "gated" : tensor<?x?x128xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[CP]] probe 13 layer 0 metric "mlp_gated_cos_bos"
  sink.emit %cp probe 13 layer 0 metric "mlp_gated_cos_bos" : tensor<?x?xf32>
  // CHECK-NEXT: %[[CO:.*]] = sink.mlp_state_cos_bos %[[IN]] state "output"
  %co = sink.mlp_state_cos_bos %in state "output" : tensor<?x?x48xf32> -> tensor<?x?xf32>
  // CHECK-NEXT: sink.emit %[[CO]] probe 14 layer 0 metric "mlp_output_cos_bos"
  sink.emit %co probe 14 layer 0 metric "mlp_output_cos_bos" : tensor<?x?xf32>
  return
}

// A measurement may be emitted from any f32 tensor of the metric's rank, and
// shapes only need to agree where both sides are static.
// CHECK-LABEL: func.func @emit_any_value
func.func @emit_any_value(%v: tensor<2x5xf32>, %x: tensor<2x?x8xf32>) {
  // CHECK: sink.emit %{{.*}} probe 7 layer 1 metric "recv" : tensor<2x5xf32>
  sink.emit %v probe 7 layer 1 metric "recv" : tensor<2x5xf32>
  // CHECK: sink.hidden_norm %{{.*}} : tensor<2x?x8xf32> -> tensor<?x5xf32>
  %n = sink.hidden_norm %x : tensor<2x?x8xf32> -> tensor<?x5xf32>
  return
}

// GENERIC: "sink.emit"(%{{.*}}) <{layer = 3 : i64, metric = "bos_mass", probe = 0 : i64}> : (tensor<?xf32>) -> ()
// GENERIC: "sink.recv"(%{{.*}}) : (tensor<?x4x?x?xf32>) -> tensor<?x?xf32>
// GENERIC: "sink.mlp_state_cos_bos"(%{{.*}}) <{state = "gate"}> : (tensor<?x?x128xf32>) -> tensor<?x?xf32>

// Measurements are pure: unused ones fold away, emits stay.
// RUN: sinkc-opt %s --canonicalize | FileCheck %s --check-prefix=DCE
// DCE-LABEL: func.func @attention_static
// DCE-NEXT: sink.bos_mass
// DCE-LABEL: func.func @emit_any_value
// DCE-NEXT: sink.emit
// DCE-NEXT: return
