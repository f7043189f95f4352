// RUN: sinkc-opt %s --split-input-file --sinkc-select-logits="positions=last" --verify-diagnostics | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --sinkc-select-logits | FileCheck %s --check-prefix=ALL

// The vocabulary projection, then a bias and a scale: the hidden states are
// sliced to the last position ([-1, int64 max) on axis 1) before the
// projection, and the projection, the per-position ops after it and the
// function's result become [B, 1, V]. The hidden states themselves (here
// also returned) keep every position.
// CHECK-LABEL: func.func @main
// CHECK-SAME: -> (tensor<?x?x8xf32> {tfm.name = "hidden"}, tensor<?x1x16xf32> {tfm.name = "logits"})
// CHECK-DAG: %[[START:.*]] = tfm.constant dense<-1> : tensor<1xi64>
// CHECK-DAG: %[[END:.*]] = tfm.constant dense<9223372036854775807> : tensor<1xi64>
// CHECK-DAG: %[[AXIS:.*]] = tfm.constant dense<1> : tensor<1xi64>
// CHECK-DAG: %[[STEP:.*]] = tfm.constant dense<1> : tensor<1xi64>
// CHECK: %[[LAST:.*]] = tfm.slice %[[H:.*]], %[[START]], %[[END]], %[[AXIS]], %[[STEP]] : (tensor<?x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x1x8xf32>
// CHECK: %[[P:.*]] = tfm.matmul %[[LAST]], %{{.*}} : (tensor<?x1x8xf32>, tensor<8x16xf32>) -> tensor<?x1x16xf32>
// CHECK: %[[BIASED:.*]] = tfm.add %[[P]], %{{.*}} : (tensor<?x1x16xf32>, tensor<16xf32>) -> tensor<?x1x16xf32>
// CHECK: %[[SCALED:.*]] = tfm.mul %[[BIASED]], %{{.*}} : (tensor<?x1x16xf32>, tensor<f32>) -> tensor<?x1x16xf32>
// CHECK: return %[[H]], %[[SCALED]]
// ALL-LABEL: func.func @main
// ALL-NOT: tfm.slice
// ALL: tfm.matmul %{{.*}}, %{{.*}} : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
func.func @main(%h: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32> {tfm.name = "hidden"}, tensor<?x?x16xf32> {tfm.name = "logits"}) {
  %w = tfm.constant dense<0.5> : tensor<8x16xf32>
  %bias = tfm.constant dense<1.0> : tensor<16xf32>
  %scale = tfm.constant dense<2.0> : tensor<f32>
  %0 = tfm.matmul %h, %w : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %1 = tfm.add %0, %bias : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %2 = tfm.mul %1, %scale : (tensor<?x?x16xf32>, tensor<f32>) -> tensor<?x?x16xf32>
  return %h, %2 : tensor<?x?x8xf32>, tensor<?x?x16xf32>
}

// -----

// The logits are not a projection of the hidden states (here a softmax of
// them, which mixes positions... in the vocabulary only, but the pass does
// not look through it): the output itself is sliced, with a warning.
// CHECK-LABEL: func.func @main
// CHECK-SAME: -> (tensor<?x1x16xf32> {tfm.name = "logits"})
// CHECK: %[[S:.*]] = tfm.softmax %{{.*}} : tensor<?x?x16xf32> -> tensor<?x?x16xf32>
// CHECK: %[[LAST:.*]] = tfm.slice %[[S]], {{.*}} -> tensor<?x1x16xf32>
// CHECK: return %[[LAST]]
// expected-warning @below {{--logits=last: the vocabulary projection was not found; the logits of every position are still computed}}
func.func @main(%x: tensor<?x?x16xf32>) -> (tensor<?x?x16xf32> {tfm.name = "logits"}) {
  %0 = tfm.softmax %x : tensor<?x?x16xf32> -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

// expected-error @below {{--logits=last: the model has no 'logits' output}}
func.func @main(%x: tensor<?x?x16xf32>) -> (tensor<?x?x16xf32> {tfm.name = "y"}) {
  return %x : tensor<?x?x16xf32>
}
