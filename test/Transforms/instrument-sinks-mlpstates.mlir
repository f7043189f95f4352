// The mlpstates metrics are found from the marked MLP output by structure
// (findMlpStates): the down projection, its input act * up of two
// projections of one input (gated) or phi(fc_in) (plain), the activation
// being any chain of elementwise ops. Every state is measured with one
// sink.mlp_state_cos_bos right after its definition, [B*T, F] states viewed
// as [B, T, F] with the block input's B and T. Probe ids count in layer
// order, the states in the runtime's order (input, gate, up, act, gated,
// output), whatever the order of their definitions.
//
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=mlpstates})' \
// RUN:   | FileCheck %s
//
// Single states; the output alone is the marked value itself.
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{layers=0,3 metrics=mlp_norm,mlp_act_cos_bos,mlp_output_cos_bos})' \
// RUN:   | FileCheck %s --check-prefix=SINGLE
//
// The group mlp is mlp_norm and mlp_cos_bos, without the MLP states (and
// `all` leaves them out too: instrument-sinks.mlir).
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=mlp})' \
// RUN:   | FileCheck %s --check-prefix=NOSTATES
//
// After the intervention, which moves the mark onto its cap, the states are
// still found (through the cap); the output is the capped value.
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=0 norm=1},sinkc-instrument-sinks{layers=0 metrics=mlpstates})' \
// RUN:   | FileCheck %s --check-prefix=CAPPED
//
// One layer: four states of a plain MLP, nothing elsewhere.
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-instrument-sinks{layers=2 metrics=mlpstates})' \
// RUN:   | FileCheck %s --check-prefix=LAYER2

// Layer 0: Llama, SwiGLU with SiLU written as g * sigmoid(g).
// Layer 1: GPT-2, Gemm on flattened tokens, GELU in its tanh form.
// Layer 2: OPT, flattened tokens [B*T, D] throughout, ReLU, Gemm biases.
// Layer 3: GPT-NeoX, bias adds, ONNX Gelu.
// Layer 4: Gemma, up * gelu_tanh(gate), the up projection first.
// Layer 5: Phi-3, gate and up one product split in two.
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 6 : i64} {
  func.func @main(%x0: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"},
                  %x1: tensor<?x?x8xf32> {sinkc.layer = 1 : i64, sinkc.role = "block_input"},
                  %x2: tensor<?x?x8xf32> {sinkc.layer = 2 : i64, sinkc.role = "block_input"},
                  %x3: tensor<?x?x8xf32> {sinkc.layer = 3 : i64, sinkc.role = "block_input"},
                  %x4: tensor<?x?x8xf32> {sinkc.layer = 4 : i64, sinkc.role = "block_input"},
                  %x5: tensor<?x?x8xf32> {sinkc.layer = 5 : i64, sinkc.role = "block_input"},
                  %flat: tensor<2xi64>, %tokens8: tensor<3xi64>, %tokens32: tensor<3xi64>)
      -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x8xf32>, tensor<?x?x8xf32>,
          tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
    %gamma = tfm.constant dense<1.0> : tensor<8xf32>
    %w8x32 = tfm.constant dense<0.1> : tensor<8x32xf32>
    %w8x32b = tfm.constant dense<0.2> : tensor<8x32xf32>
    %w32x8 = tfm.constant dense<0.3> : tensor<32x8xf32>
    %w16x8 = tfm.constant dense<0.3> : tensor<16x8xf32>
    %b32 = tfm.constant dense<0.01> : tensor<32xf32>
    %b8 = tfm.constant dense<0.02> : tensor<8xf32>
    %half = tfm.constant dense<0.5> : tensor<f32>
    %one = tfm.constant dense<1.0> : tensor<f32>
    %three = tfm.constant dense<3.0> : tensor<f32>
    %c = tfm.constant dense<0.044715> : tensor<f32>
    %k = tfm.constant dense<0.797884583> : tensor<f32>

    %h0 = tfm.layer_normalization %x0, %gamma : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    %g0 = tfm.matmul %h0, %w8x32 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
    %s0 = tfm.sigmoid %g0 : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %a0 = tfm.mul %g0, %s0 : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %u0 = tfm.matmul %h0, %w8x32b : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
    %p0 = tfm.mul %a0, %u0 : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %m0 = tfm.matmul %p0, %w32x8 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32>

    %h1 = tfm.layer_normalization %x1, %gamma : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    %f1 = tfm.reshape %h1, %flat : (tensor<?x?x8xf32>, tensor<2xi64>) -> tensor<?x8xf32>
    %c1 = tfm.gemm %f1, %w8x32 : (tensor<?x8xf32>, tensor<8x32xf32>) -> tensor<?x32xf32>
    %v1 = tfm.reshape %c1, %tokens32 : (tensor<?x32xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
    %t1 = tfm.mul %v1, %half : (tensor<?x?x32xf32>, tensor<f32>) -> tensor<?x?x32xf32>
    %q1 = tfm.pow %v1, %three : (tensor<?x?x32xf32>, tensor<f32>) -> tensor<?x?x32xf32>
    %r1 = tfm.mul %q1, %c : (tensor<?x?x32xf32>, tensor<f32>) -> tensor<?x?x32xf32>
    %y1 = tfm.add %v1, %r1 : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %z1 = tfm.mul %y1, %k : (tensor<?x?x32xf32>, tensor<f32>) -> tensor<?x?x32xf32>
    %th1 = tfm.tanh %z1 : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %o1 = tfm.add %th1, %one : (tensor<?x?x32xf32>, tensor<f32>) -> tensor<?x?x32xf32>
    %a1 = tfm.mul %t1, %o1 : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %fa1 = tfm.reshape %a1, %flat : (tensor<?x?x32xf32>, tensor<2xi64>) -> tensor<?x32xf32>
    %d1 = tfm.gemm %fa1, %w32x8 : (tensor<?x32xf32>, tensor<32x8xf32>) -> tensor<?x8xf32>
    %m1 = tfm.reshape %d1, %tokens8 {sinkc.layer = 1 : i64, sinkc.role = "mlp_output"} : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>

    %sf2 = tfm.reshape %x2, %flat : (tensor<?x?x8xf32>, tensor<2xi64>) -> tensor<?x8xf32>
    %h2 = tfm.layer_normalization %sf2, %gamma : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    %c2 = tfm.gemm %h2, %w8x32, %b32 : (tensor<?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x32xf32>
    %a2 = tfm.relu %c2 : tensor<?x32xf32> -> tensor<?x32xf32>
    %m2 = tfm.gemm %a2, %w32x8, %b8 {sinkc.layer = 2 : i64, sinkc.role = "mlp_output"} : (tensor<?x32xf32>, tensor<32x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>

    %h3 = tfm.layer_normalization %x3, %gamma : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    %c3 = tfm.matmul %h3, %w8x32 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
    %g3 = tfm.add %c3, %b32 : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
    %a3 = tfm.gelu %g3 : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %d3 = tfm.matmul %a3, %w32x8 : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32>
    %m3 = tfm.add %b8, %d3 {sinkc.layer = 3 : i64, sinkc.role = "mlp_output"} : (tensor<8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>

    %h4 = tfm.layer_normalization %x4, %gamma : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    %u4 = tfm.matmul %h4, %w8x32b : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
    %g4 = tfm.matmul %h4, %w8x32 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
    %a4 = tfm.gelu %g4 {approximate = "tanh"} : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %p4 = tfm.mul %u4, %a4 : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %m4 = tfm.matmul %p4, %w32x8 {sinkc.layer = 4 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32>

    %h5 = tfm.layer_normalization %x5, %gamma : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    %c5 = tfm.matmul %h5, %w8x32 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
    %parts:2 = tfm.split %c5 {axis = 2 : i64, split = array<i64: 16, 16>} : tensor<?x?x32xf32> -> tensor<?x?x16xf32>, tensor<?x?x16xf32>
    %s5 = tfm.sigmoid %parts#0 : tensor<?x?x16xf32> -> tensor<?x?x16xf32>
    %a5 = tfm.mul %parts#0, %s5 : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
    %p5 = tfm.mul %parts#1, %a5 : (tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
    %m5 = tfm.matmul %p5, %w16x8 {sinkc.layer = 5 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x16xf32>, tensor<16x8xf32>) -> tensor<?x?x8xf32>

    return %m0, %m1, %m2, %m3, %m4, %m5 : tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>
  }
}

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X0:[^:]*]]: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"}, %[[X1:[^:]*]]: tensor<?x?x8xf32> {sinkc.layer = 1 : i64, sinkc.role = "block_input"}, %[[X2:[^:]*]]: tensor<?x?x8xf32>

// Layer 0, gated: all six states.
// CHECK: %[[H0:.*]] = tfm.layer_normalization %[[X0]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[H0]] state "input" : tensor<?x?x8xf32> -> tensor<?x?xf32>
// CHECK-NEXT: sink.emit %[[C]] probe 0 layer 0 metric "mlp_input_cos_bos"
// CHECK-NEXT: %[[G0:.*]] = tfm.matmul %[[H0]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[G0]] state "gate" : tensor<?x?x32xf32> -> tensor<?x?xf32>
// CHECK-NEXT: sink.emit %[[C]] probe 1 layer 0 metric "mlp_gate_cos_bos"
// CHECK-NEXT: tfm.sigmoid %[[G0]]
// CHECK-NEXT: %[[A0:.*]] = tfm.mul %[[G0]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[A0]] state "act"
// CHECK-NEXT: sink.emit %[[C]] probe 3 layer 0 metric "mlp_act_cos_bos"
// CHECK-NEXT: %[[U0:.*]] = tfm.matmul %[[H0]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[U0]] state "up"
// CHECK-NEXT: sink.emit %[[C]] probe 2 layer 0 metric "mlp_up_cos_bos"
// CHECK-NEXT: %[[P0:.*]] = tfm.mul %[[A0]], %[[U0]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[P0]] state "gated"
// CHECK-NEXT: sink.emit %[[C]] probe 4 layer 0 metric "mlp_gated_cos_bos"
// CHECK-NEXT: %[[M0:.*]] = tfm.matmul %[[P0]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[M0]] state "output" : tensor<?x?x8xf32> -> tensor<?x?xf32>
// CHECK-NEXT: sink.emit %[[C]] probe 5 layer 0 metric "mlp_output_cos_bos"

// Layer 1, plain: the input before its flattening, fc_in as the activation
// reads it ([B, T, F] again), the activation before its flattening.
// CHECK: %[[H1:.*]] = tfm.layer_normalization %[[X1]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[H1]] state "input"
// CHECK-NEXT: sink.emit %[[C]] probe 6 layer 1 metric "mlp_input_cos_bos"
// CHECK: %[[V1:.*]] = tfm.reshape %{{.*}} : (tensor<?x32xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[V1]] state "gate"
// CHECK-NEXT: sink.emit %[[C]] probe 7 layer 1 metric "mlp_gate_cos_bos"
// CHECK: tfm.tanh
// CHECK: %[[A1:.*]] = tfm.mul
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[A1]] state "act"
// CHECK-NEXT: sink.emit %[[C]] probe 8 layer 1 metric "mlp_act_cos_bos"
// CHECK: %[[M1:.*]] = tfm.reshape {{.*}}sinkc.role = "mlp_output"
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[M1]] state "output"
// CHECK-NEXT: sink.emit %[[C]] probe 9 layer 1 metric "mlp_output_cos_bos"

// Layer 2, flattened: [B*T, D] states take the block input's shape, wider
// ones its [B, T] and their own width; the Gemm's bias is in fc_in.
// CHECK: %[[H2:.*]] = tfm.layer_normalization
// CHECK-NEXT: %[[S:.*]] = tfm.shape %[[X2]] : tensor<?x?x8xf32> -> tensor<3xi64>
// CHECK-NEXT: %[[V:.*]] = tfm.reshape %[[H2]], %[[S]] : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[V]] state "input"
// CHECK-NEXT: sink.emit %[[C]] probe 10 layer 2 metric "mlp_input_cos_bos"
// CHECK-NEXT: %[[C2:.*]] = tfm.gemm %[[H2]], %{{.*}}, %{{.*}} :
// CHECK-NEXT: %[[S:.*]] = tfm.shape %[[X2]] {end = 2 : i64} : tensor<?x?x8xf32> -> tensor<2xi64>
// CHECK-NEXT: %[[W:.*]] = tfm.constant dense<32> : tensor<1xi64>
// CHECK-NEXT: %[[SW:.*]] = tfm.concat %[[S]], %[[W]] {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
// CHECK-NEXT: %[[V:.*]] = tfm.reshape %[[C2]], %[[SW]] : (tensor<?x32xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[V]] state "gate" : tensor<?x?x32xf32>
// CHECK-NEXT: sink.emit %[[C]] probe 11 layer 2 metric "mlp_gate_cos_bos"
// CHECK-NEXT: %[[A2:.*]] = tfm.relu %[[C2]]
// CHECK: sink.mlp_state_cos_bos %{{.*}} state "act"
// CHECK-NEXT: sink.emit %{{.*}} probe 12 layer 2 metric "mlp_act_cos_bos"
// CHECK-NEXT: tfm.gemm %[[A2]]
// CHECK: sink.mlp_state_cos_bos %{{.*}} state "output"
// CHECK-NEXT: sink.emit %{{.*}} probe 13 layer 2 metric "mlp_output_cos_bos"

// Layer 3, bias adds: fc_in with its bias, the output with the down
// projection's.
// CHECK: %[[C3:.*]] = tfm.matmul
// CHECK-NEXT: %[[G3:.*]] = tfm.add %[[C3]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[G3]] state "gate"
// CHECK-NEXT: sink.emit %[[C]] probe 15 layer 3 metric "mlp_gate_cos_bos"
// CHECK-NEXT: %[[A3:.*]] = tfm.gelu %[[G3]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[A3]] state "act"
// CHECK-NEXT: sink.emit %[[C]] probe 16 layer 3 metric "mlp_act_cos_bos"
// CHECK-NEXT: tfm.matmul %[[A3]]
// CHECK-NEXT: %[[M3:.*]] = tfm.add
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[M3]] state "output"
// CHECK-NEXT: sink.emit %[[C]] probe 17 layer 3 metric "mlp_output_cos_bos"

// Layer 4: the operand that passes through the activation is the gate,
// whichever side of the product it is on.
// CHECK: %[[U4:.*]] = tfm.matmul
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[U4]] state "up"
// CHECK-NEXT: sink.emit %[[C]] probe 20 layer 4 metric "mlp_up_cos_bos"
// CHECK-NEXT: %[[G4:.*]] = tfm.matmul
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[G4]] state "gate"
// CHECK-NEXT: sink.emit %[[C]] probe 19 layer 4 metric "mlp_gate_cos_bos"
// CHECK-NEXT: %[[A4:.*]] = tfm.gelu %[[G4]] {approximate = "tanh"}
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[A4]] state "act"
// CHECK-NEXT: sink.emit %[[C]] probe 21 layer 4 metric "mlp_act_cos_bos"
// CHECK-NEXT: %[[P4:.*]] = tfm.mul %[[U4]], %[[A4]]
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[P4]] state "gated"
// CHECK-NEXT: sink.emit %[[C]] probe 22 layer 4 metric "mlp_gated_cos_bos"

// Layer 5: the two halves of one product; the later state goes in first.
// CHECK: %[[PARTS:.*]]:2 = tfm.split
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[PARTS]]#1 state "up" : tensor<?x?x16xf32>
// CHECK-NEXT: sink.emit %[[C]] probe 26 layer 5 metric "mlp_up_cos_bos"
// CHECK-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[PARTS]]#0 state "gate" : tensor<?x?x16xf32>
// CHECK-NEXT: sink.emit %[[C]] probe 25 layer 5 metric "mlp_gate_cos_bos"
// CHECK: sink.emit %{{.*}} probe 29 layer 5 metric "mlp_output_cos_bos"
// CHECK-NOT: sink.emit

// SINGLE: %[[A0:.*]] = tfm.mul %{{.*}}, %{{.*}} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>)
// SINGLE-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[A0]] state "act"
// SINGLE-NEXT: sink.emit %[[C]] probe 1 layer 0 metric "mlp_act_cos_bos"
// SINGLE: tfm.matmul {{.*}}sinkc.role = "mlp_output"
// SINGLE-NEXT: sink.mlp_state_cos_bos %{{.*}} state "output"
// SINGLE-NEXT: sink.emit %{{.*}} probe 2 layer 0 metric "mlp_output_cos_bos"
// SINGLE-NEXT: sink.mlp_norm
// SINGLE-NEXT: sink.emit %{{.*}} probe 0 layer 0 metric "mlp_norm"
// SINGLE: tfm.gelu
// SINGLE-NEXT: sink.mlp_state_cos_bos %{{.*}} state "act"
// SINGLE-NEXT: sink.emit %{{.*}} probe 4 layer 3 metric "mlp_act_cos_bos"
// SINGLE-NOT: state "gate"
// SINGLE-NOT: state "input"

// NOSTATES-NOT: sink.mlp_state_cos_bos
// NOSTATES: sink.mlp_norm
// NOSTATES-NOT: sink.mlp_state_cos_bos

// LAYER2-COUNT-4: sink.mlp_state_cos_bos
// LAYER2-NOT: sink.mlp_state_cos_bos

// CAPPED: %[[H0:.*]] = tfm.layer_normalization
// CAPPED-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[H0]] state "input"
// CAPPED-NEXT: sink.emit %[[C]] probe 0 layer 0 metric "mlp_input_cos_bos"
// CAPPED: %[[CAP:.*]] = sink.mlp_norm_cap {{.*}}sinkc.role = "mlp_output"
// CAPPED-NEXT: %[[C:.*]] = sink.mlp_state_cos_bos %[[CAP]] state "output"
// CAPPED-NEXT: sink.emit %[[C]] probe 5 layer 0 metric "mlp_output_cos_bos"
