// sinkc-capture-states puts a sink.capture right after each selected state
// of each selected layer: the block input (at the top of the function for an
// argument), the MLP input that findMlpStates finds from the marked MLP
// output, and the MLP output. Capture ids count from 0 in layer order, the
// states in block order (hidden, mlp_input, mlp_out) whatever the spec's
// order. Flattened [B*T, F] states are viewed as [B, T, F] with the block
// input's shape; states of another float type are cast to f32, what the
// runtime receives.
//
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states)' \
// RUN:   | FileCheck %s
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{layers=1 states=mlp_out})' \
// RUN:   | FileCheck %s --check-prefix=ONE
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{layers=0,2 states=mlp_out,hidden})' \
// RUN:   | FileCheck %s --check-prefix=ORDER
//
// After the intervention (the driver's order), mlp_out is the capped value
// that carries the mark, and the MLP input is still found, through the cap
// and OPT's reshapes around it.
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=1 norm=1},sinkc-capture-states{layers=1 states=mlp_input,mlp_out})' \
// RUN:   | FileCheck %s --check-prefix=CAPPED

// Layer 0: Llama, SwiGLU with SiLU written as g * sigmoid(g); the block
//          input is an argument.
// Layer 1: OPT, tokens flattened to [B*T, D] around the MLP, ReLU, Gemm
//          biases; the block input is a residual add.
// Layer 2: a gated MLP in f16.
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 3 : i64} {
  func.func @main(%x0: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"},
                  %x2: tensor<?x?x8xf16> {sinkc.layer = 2 : i64, sinkc.role = "block_input"},
                  %flat: tensor<2xi64>)
      -> (tensor<?x8xf32>, tensor<?x?x8xf16>) {
    %gamma = tfm.constant dense<1.0> : tensor<8xf32>
    %w8x32 = tfm.constant dense<0.1> : tensor<8x32xf32>
    %w8x32b = tfm.constant dense<0.2> : tensor<8x32xf32>
    %w32x8 = tfm.constant dense<0.3> : tensor<32x8xf32>
    %b32 = tfm.constant dense<0.01> : tensor<32xf32>
    %b8 = tfm.constant dense<0.02> : tensor<8xf32>
    %gamma16 = tfm.constant dense<1.0> : tensor<8xf16>
    %v8x32 = tfm.constant dense<0.1> : tensor<8x32xf16>
    %v8x32b = tfm.constant dense<0.2> : tensor<8x32xf16>
    %v32x8 = tfm.constant dense<0.3> : tensor<32x8xf16>

    %h0 = tfm.layer_normalization %x0, %gamma : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    %g0 = tfm.matmul %h0, %w8x32 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
    %s0 = tfm.sigmoid %g0 : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %a0 = tfm.mul %g0, %s0 : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %u0 = tfm.matmul %h0, %w8x32b : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32>
    %p0 = tfm.mul %a0, %u0 : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %m0 = tfm.matmul %p0, %w32x8 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32>

    %x1 = tfm.add %x0, %m0 {sinkc.layer = 1 : i64, sinkc.role = "block_input"} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    %sf1 = tfm.reshape %x1, %flat : (tensor<?x?x8xf32>, tensor<2xi64>) -> tensor<?x8xf32>
    %h1 = tfm.layer_normalization %sf1, %gamma : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    %c1 = tfm.gemm %h1, %w8x32, %b32 : (tensor<?x8xf32>, tensor<8x32xf32>, tensor<32xf32>) -> tensor<?x32xf32>
    %a1 = tfm.relu %c1 : tensor<?x32xf32> -> tensor<?x32xf32>
    %m1 = tfm.gemm %a1, %w32x8, %b8 {sinkc.layer = 1 : i64, sinkc.role = "mlp_output"} : (tensor<?x32xf32>, tensor<32x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>

    %h2 = tfm.layer_normalization %x2, %gamma16 : (tensor<?x?x8xf16>, tensor<8xf16>) -> tensor<?x?x8xf16>
    %g2 = tfm.matmul %h2, %v8x32 : (tensor<?x?x8xf16>, tensor<8x32xf16>) -> tensor<?x?x32xf16>
    %s2 = tfm.sigmoid %g2 : tensor<?x?x32xf16> -> tensor<?x?x32xf16>
    %a2 = tfm.mul %g2, %s2 : (tensor<?x?x32xf16>, tensor<?x?x32xf16>) -> tensor<?x?x32xf16>
    %u2 = tfm.matmul %h2, %v8x32b : (tensor<?x?x8xf16>, tensor<8x32xf16>) -> tensor<?x?x32xf16>
    %p2 = tfm.mul %a2, %u2 : (tensor<?x?x32xf16>, tensor<?x?x32xf16>) -> tensor<?x?x32xf16>
    %m2 = tfm.matmul %p2, %v32x8 {sinkc.layer = 2 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf16>, tensor<32x8xf16>) -> tensor<?x?x8xf16>

    return %m1, %m2 : tensor<?x8xf32>, tensor<?x?x8xf16>
  }
}

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X0:[^:]*]]: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"}, %[[X2:[^:]*]]: tensor<?x?x8xf16>
// Both argument block inputs at the top; layer 2's was inserted last, so it
// comes first, cast to f32.
// CHECK-NEXT: %[[X2F:.*]] = tfm.cast %[[X2]] {to = f32} : tensor<?x?x8xf16> -> tensor<?x?x8xf32>
// CHECK-NEXT: sink.capture %[[X2F]] capture 6 layer 2 state "hidden" : tensor<?x?x8xf32>
// CHECK-NEXT: sink.capture %[[X0]] capture 0 layer 0 state "hidden" : tensor<?x?x8xf32>
//
// Layer 0: the MLP input after its norm, then the output.
// CHECK: %[[H0:.*]] = tfm.layer_normalization %[[X0]]
// CHECK-NEXT: sink.capture %[[H0]] capture 1 layer 0 state "mlp_input" : tensor<?x?x8xf32>
// CHECK: %[[M0:.*]] = tfm.matmul {{.*}}sinkc.role = "mlp_output"
// CHECK-NEXT: sink.capture %[[M0]] capture 2 layer 0 state "mlp_out" : tensor<?x?x8xf32>
//
// Layer 1: the residual add, then the flattened MLP input and output viewed
// with the block input's shape.
// CHECK: %[[X1:.*]] = tfm.add %[[X0]], %[[M0]] {sinkc.layer = 1 : i64, sinkc.role = "block_input"}
// CHECK-NEXT: sink.capture %[[X1]] capture 3 layer 1 state "hidden" : tensor<?x?x8xf32>
// CHECK: %[[H1:.*]] = tfm.layer_normalization {{.*}} -> tensor<?x8xf32>
// CHECK-NEXT: %[[S1:.*]] = tfm.shape %[[X1]] : tensor<?x?x8xf32> -> tensor<3xi64>
// CHECK-NEXT: %[[V1:.*]] = tfm.reshape %[[H1]], %[[S1]] : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
// CHECK-NEXT: sink.capture %[[V1]] capture 4 layer 1 state "mlp_input" : tensor<?x?x8xf32>
// CHECK: %[[M1:.*]] = tfm.gemm {{.*}}sinkc.role = "mlp_output"
// CHECK-NEXT: %[[S1B:.*]] = tfm.shape %[[X1]]
// CHECK-NEXT: %[[V1B:.*]] = tfm.reshape %[[M1]], %[[S1B]]
// CHECK-NEXT: sink.capture %[[V1B]] capture 5 layer 1 state "mlp_out" : tensor<?x?x8xf32>
//
// Layer 2, f16: every state cast.
// CHECK: %[[H2:.*]] = tfm.layer_normalization %[[X2]]
// CHECK-NEXT: %[[H2F:.*]] = tfm.cast %[[H2]] {to = f32} : tensor<?x?x8xf16> -> tensor<?x?x8xf32>
// CHECK-NEXT: sink.capture %[[H2F]] capture 7 layer 2 state "mlp_input" : tensor<?x?x8xf32>
// CHECK: %[[M2:.*]] = tfm.matmul {{.*}}sinkc.role = "mlp_output"
// CHECK-NEXT: %[[M2F:.*]] = tfm.cast %[[M2]] {to = f32}
// CHECK-NEXT: sink.capture %[[M2F]] capture 8 layer 2 state "mlp_out" : tensor<?x?x8xf32>
// CHECK-NOT: sink.capture
// CHECK: return

// ONE-NOT: sink.capture {{.*}}layer 0
// ONE: %[[M1:.*]] = tfm.gemm {{.*}}sinkc.role = "mlp_output"
// ONE-NEXT: tfm.shape
// ONE-NEXT: %[[V:.*]] = tfm.reshape %[[M1]]
// ONE-NEXT: sink.capture %[[V]] capture 0 layer 1 state "mlp_out" : tensor<?x?x8xf32>
// ONE-NOT: sink.capture

// ORDER: sink.capture %{{.*}} capture 2 layer 2 state "hidden"
// ORDER-NEXT: sink.capture %{{.*}} capture 0 layer 0 state "hidden"
// ORDER: sink.capture %{{.*}} capture 1 layer 0 state "mlp_out"
// ORDER: sink.capture %{{.*}} capture 3 layer 2 state "mlp_out"
// ORDER-NOT: sink.capture

// CAPPED: %[[H1:.*]] = tfm.layer_normalization {{.*}} -> tensor<?x8xf32>
// CAPPED-NEXT: tfm.shape
// CAPPED-NEXT: %[[V:.*]] = tfm.reshape %[[H1]]
// CAPPED-NEXT: sink.capture %[[V]] capture 0 layer 1 state "mlp_input" : tensor<?x?x8xf32>
// CAPPED: %[[C:.*]] = sink.mlp_norm_cap
// CAPPED: %[[M1:.*]] = tfm.reshape %[[C]], %{{.*}} {sinkc.layer = 1 : i64, sinkc.role = "mlp_output"}
// CAPPED-NEXT: tfm.shape
// CAPPED-NEXT: %[[V:.*]] = tfm.reshape %[[M1]]
// CAPPED-NEXT: sink.capture %[[V]] capture 1 layer 1 state "mlp_out" : tensor<?x?x8xf32>
// CAPPED-NOT: sink.capture
