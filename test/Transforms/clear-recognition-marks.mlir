// sinkc-clear-recognition-marks removes every mark of
// sinkc-recognize-transformer (ops, arguments, module) and nothing else.
//
// RUN: sinkc-opt %s --sinkc-clear-recognition-marks | FileCheck %s

// CHECK-LABEL: module attributes {other.attr = 1 : i64} {
// CHECK: func.func @main(%[[X:.*]]: tensor<1x4x8xf32> {tfm.name = "x"}, %[[W:.*]]: tensor<8x8xf32>)
// CHECK-NEXT: %[[M:.*]] = tfm.matmul %[[X]], %[[W]] : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
// CHECK-NEXT: %[[S:.*]] = tfm.add %[[X]], %[[M]] {keep = true} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
// CHECK-NEXT: return %[[S]]
// CHECK-NOT: sinkc.
module attributes {sinkc.layers = 1 : i64, sinkc.heads = 2 : i64, other.attr = 1 : i64} {
  func.func @main(%x: tensor<1x4x8xf32> {tfm.name = "x", sinkc.layer = 0 : i64, sinkc.role = "block_input"}, %w: tensor<8x8xf32>) -> tensor<1x4x8xf32> {
    %m = tfm.matmul %x, %w {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %s = tfm.add %x, %m {keep = true, sinkc.layer = 1 : i64, sinkc.role = "block_input"} : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    return %s : tensor<1x4x8xf32>
  }
}
