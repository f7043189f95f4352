// sinkc-intervene-mlp-norm-cap acts on the marks of
// sinkc-recognize-transformer (here set by hand): the marked MLP output of
// the chosen block gets a sink.mlp_norm_cap right after it, the cap replaces
// it in every use (the residual add), and the mlp_output mark moves onto the
// capped value. Other blocks are untouched.
//
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=1 norm=2.5})' \
// RUN:   | FileCheck %s --check-prefix=CAP
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=0 cos=0.5 norm=0 skip-first=1 reference=1,0,0,0,0,0,0,2})' \
// RUN:   | FileCheck %s --check-prefix=REF
//
// Instrumented afterwards (the driver's order), block 1's mlp_norm and
// mlp_cos_bos measure the capped value: what the block adds to the residual
// stream.
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=1 norm=2.5},sinkc-instrument-sinks{layers=1 metrics=mlp})' \
// RUN:   | FileCheck %s --check-prefix=MEASURED

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
    %x3 = tfm.mul %x2, %m1 : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    return %x3 : tensor<?x?x8xf32>
  }
}

// Block 1, BOS's own MLP output as the reference (no operand); cos keeps its
// default 0.98 and skip-first its default 3. Both users of %m1 read the cap.
// CAP-LABEL: func.func @main
// CAP:      %[[M0:.*]] = tfm.relu %{{.*}} {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"}
// CAP-NOT:  sink.mlp_norm_cap
// CAP:      %[[M1:.*]] = tfm.relu %{{[^ ]*}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
// CAP-NEXT: %[[C1:.*]] = sink.mlp_norm_cap %[[M1]] {cos_threshold = 9.800000e-01 : f32, norm = 2.500000e+00 : f32, sinkc.layer = 1 : i64, sinkc.role = "mlp_output", skip_first = 3 : i64} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
// CAP-NEXT: %[[X2:.*]] = tfm.add %{{.*}}, %[[C1]]
// CAP-NEXT: tfm.mul %[[X2]], %[[C1]]
// CAP-NOT:  sink.mlp_norm_cap

// Block 0 with a reference direction: a constant operand of d_model values.
// REF-LABEL: func.func @main
// REF:      %[[M0:.*]] = tfm.relu %{{[^ ]*}} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
// REF-NEXT: %[[R:.*]] = tfm.constant dense<[1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 2.000000e+00]> : tensor<8xf32>
// REF-NEXT: %[[C0:.*]] = sink.mlp_norm_cap %[[M0]] reference(%[[R]]) {cos_threshold = 5.000000e-01 : f32, norm = 0.000000e+00 : f32, sinkc.layer = 0 : i64, sinkc.role = "mlp_output", skip_first = 1 : i64} : (tensor<?x?x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
// REF-NEXT: tfm.add %{{.*}}, %[[C0]] {sinkc.layer = 1 : i64, sinkc.role = "block_input"}
// REF:      tfm.relu %{{.*}} {sinkc.layer = 1 : i64, sinkc.role = "mlp_output"}
// REF-NOT:  sink.mlp_norm_cap

// MEASURED-LABEL: func.func @main
// MEASURED:      %[[C1:.*]] = sink.mlp_norm_cap
// MEASURED-NEXT: %[[N:.*]] = sink.mlp_norm %[[C1]]
// MEASURED-NEXT: sink.emit %[[N]] probe 0 layer 1 metric "mlp_norm"
// MEASURED-NEXT: %[[C:.*]] = sink.mlp_cos_bos %[[C1]], %{{.*}}
// MEASURED-NEXT: sink.emit %[[C]] probe 1 layer 1 metric "mlp_cos_bos"
// MEASURED-NEXT: tfm.add %{{.*}}, %[[C1]]

// -----

// A flattened MLP output ([B*T, D], OPT) is capped as the block input's
// [B, T, D] and flattened back with its own shape; the mark goes onto the
// flattened value that the residual add reads.
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 2 : i64} {
  func.func @main(%x0: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"},
                  %x1: tensor<?x?x8xf32> {sinkc.layer = 1 : i64, sinkc.role = "block_input"},
                  %s0: tensor<?x2x?x?xf32>, %s1: tensor<?x2x?x?xf32>,
                  %y0: tensor<?x8xf32>, %y1: tensor<?x8xf32>, %r: tensor<?x8xf32>) -> tensor<?x8xf32> {
    %p0 = tfm.softmax %s0 {sinkc.layer = 0 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    %m0 = tfm.relu %y0 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : tensor<?x8xf32> -> tensor<?x8xf32>
    %p1 = tfm.softmax %s1 {sinkc.layer = 1 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    %m1 = tfm.relu %y1 {sinkc.layer = 1 : i64, sinkc.role = "mlp_output"} : tensor<?x8xf32> -> tensor<?x8xf32>
    %o = tfm.add %r, %m1 : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
    return %o : tensor<?x8xf32>
  }
}

// CAP-LABEL: func.func @main
// CAP-SAME:  %[[X1:[^:]*]]: tensor<?x?x8xf32> {sinkc.layer = 1
// CAP:      %[[M1:.*]] = tfm.relu %{{[^ ]*}} : tensor<?x8xf32> -> tensor<?x8xf32>
// CAP-NEXT: %[[S1:.*]] = tfm.shape %[[X1]] : tensor<?x?x8xf32> -> tensor<3xi64>
// CAP-NEXT: %[[V:.*]] = tfm.reshape %[[M1]], %[[S1]] : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
// CAP-NEXT: %[[C:.*]] = sink.mlp_norm_cap %[[V]] {{.*}} : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
// CAP-NEXT: %[[S2:.*]] = tfm.shape %[[M1]] : tensor<?x8xf32> -> tensor<2xi64>
// CAP-NEXT: %[[F:.*]] = tfm.reshape %[[C]], %[[S2]] {sinkc.layer = 1 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x8xf32>, tensor<2xi64>) -> tensor<?x8xf32>
// CAP-NEXT: tfm.add %{{.*}}, %[[F]]

// Block 0 here: the reference constant, then the cap of the [B, T, D] view.
// REF-LABEL: func.func @main
// REF:      %[[V:.*]] = tfm.reshape %{{.*}} : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?x8xf32>
// REF-NEXT: %[[R:.*]] = tfm.constant dense<{{.*}}> : tensor<8xf32>
// REF-NEXT: sink.mlp_norm_cap %[[V]] reference(%[[R]])
