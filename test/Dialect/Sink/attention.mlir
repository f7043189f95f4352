// sink.attention and the *_from_sums metrics: round trip (custom and generic form).
//
// RUN: sinkc-opt %s | sinkc-opt | FileCheck %s
// RUN: sinkc-opt %s --mlir-print-op-generic | sinkc-opt | FileCheck %s

// CHECK-LABEL: func.func @round_trip
// CHECK: %{{.*}}, %[[C:.*]] = sink.attention %{{.*}}, %{{.*}}, %{{.*}} segments(%{{.*}}, %{{.*}}) {causal, scale = 5.000000e-01 : f32} : (tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x?xi64>, tensor<1x?xi64>) -> (tensor<?x4x?x8xf32>, tensor<?x4x?xf32>)
// CHECK: sink.bos_mass_from_sums %[[C]] : tensor<?x4x?xf32> -> tensor<?xf32>
// CHECK: sink.head_bos_mass_from_sums %[[C]] : tensor<?x4x?xf32> -> tensor<?x4xf32>
// CHECK: sink.recv_from_sums %[[C]] : tensor<?x4x?xf32> -> tensor<?x?xf32>
// CHECK: sink.emit %{{.*}} probe 0 layer 0 metric "recv"
// CHECK: sink.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 1.000000e+00 : f32} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
func.func @round_trip(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>,
                      %qs: tensor<?x?xi64>, %ks: tensor<1x?xi64>, %x: tensor<2x4x16x8xf32>) -> (tensor<?x4x?x8xf32>, tensor<?xf32>, tensor<?x4xf32>, tensor<2x4x16x8xf32>) {
  %o, %c = sink.attention %q, %k, %v segments(%qs, %ks) {causal, scale = 0.5 : f32} : (tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x?xi64>, tensor<1x?xi64>) -> (tensor<?x4x?x8xf32>, tensor<?x4x?xf32>)
  %b = sink.bos_mass_from_sums %c : tensor<?x4x?xf32> -> tensor<?xf32>
  %h = sink.head_bos_mass_from_sums %c : tensor<?x4x?xf32> -> tensor<?x4xf32>
  %r = sink.recv_from_sums %c : tensor<?x4x?xf32> -> tensor<?x?xf32>
  sink.emit %r probe 0 layer 0 metric "recv" : tensor<?x?xf32>
  %p = sink.attention %x, %x, %x {scale = 1.0 : f32} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %o, %b, %h, %p : tensor<?x4x?x8xf32>, tensor<?xf32>, tensor<?x4xf32>, tensor<2x4x16x8xf32>
}
