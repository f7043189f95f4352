// Rotary position embeddings, x * cos + concat(-x[..., h:], x[..., :h]) * sin
// (Hugging Face's rotate_half), lower to one linalg.generic over the last
// dimension split into [2, h] that reads x twice (halves in place and
// swapped) and reads through the transpose that produced x; the result is
// collapsed back. Anything else keeps the generic lowering.
//
// RUN: sinkc-opt %s --sinkc-lower-tfm-to-linalg --canonicalize --split-input-file | FileCheck %s

// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d3 * 4 + d4)>
// CHECK-DAG: #[[SWAPPED:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, (-d3 + 1) * 4 + d4)>
// CHECK-DAG: #[[TABLE:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (0, 0, d2, d3 * 4 + d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @rotate_half
// CHECK-SAME: (%[[P:.*]]: tensor<?x?x2x8xf32>, %[[COS:.*]]: tensor<1x1x?x8xf32>, %[[SIN:.*]]: tensor<1x1x?x8xf32>)
// CHECK-NOT: linalg.transpose
// CHECK-NOT: tensor.insert_slice
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x2x?x2x4xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[X]], #[[SWAPPED]], #[[TABLE]], #[[TABLE]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]} ins(%[[P]], %[[P]], %[[COS]], %[[SIN]] : {{.*}}) outs(%[[INIT]] : tensor<?x2x?x2x4xf32>)
// CHECK-NEXT: ^bb0(%[[XA:.*]]: f32, %[[XB:.*]]: f32, %[[C:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[HALF:.*]] = linalg.index 3 : index
// CHECK-NEXT: %[[FIRST:.*]] = arith.cmpi eq, %[[HALF]], %{{.*}} : index
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[XB]] : f32
// CHECK-NEXT: %[[ROT:.*]] = arith.select %[[FIRST]], %[[NEG]], %[[XB]] : f32
// CHECK-NEXT: %[[A:.*]] = arith.mulf %[[XA]], %[[C]] : f32
// CHECK-NEXT: %[[B:.*]] = arith.mulf %[[ROT]], %[[S]] : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[A]], %[[B]] : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK: %[[C8:.*]] = tensor.collapse_shape %[[R]] {{\[}}[0], [1], [2], [3, 4]] : tensor<?x2x?x2x4xf32> into tensor<?x2x?x8xf32>
// CHECK: return %[[C8]]
func.func @rotate_half(%p: tensor<?x?x2x8xf32>, %cos: tensor<1x1x?x8xf32>, %sin: tensor<1x1x?x8xf32>) -> tensor<?x2x?x8xf32> {
  %x = tfm.transpose %p {perm = array<i64: 0, 2, 1, 3>} : tensor<?x?x2x8xf32> -> tensor<?x2x?x8xf32>
  %zero = tfm.constant dense<0> : tensor<1xi64>
  %four = tfm.constant dense<4> : tensor<1xi64>
  %last = tfm.constant dense<3> : tensor<1xi64>
  %one = tfm.constant dense<1> : tensor<1xi64>
  %end = tfm.constant dense<9223372036854775807> : tensor<1xi64>
  %lo = tfm.slice %x, %zero, %four, %last, %one : (tensor<?x2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x2x?x4xf32>
  %hi = tfm.slice %x, %four, %end, %last, %one : (tensor<?x2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x2x?x4xf32>
  %neg = tfm.neg %hi : tensor<?x2x?x4xf32> -> tensor<?x2x?x4xf32>
  %rot = tfm.concat %neg, %lo {axis = -1 : i64} : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x?x8xf32>
  %a = tfm.mul %x, %cos : (tensor<?x2x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<?x2x?x8xf32>
  %b = tfm.mul %rot, %sin : (tensor<?x2x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<?x2x?x8xf32>
  %r = tfm.add %a, %b : (tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %r : tensor<?x2x?x8xf32>
}

// -----

// The halves in the wrong order are not rotate_half: the generic lowering.
// CHECK-LABEL: func.func @not_rotate_half
// CHECK: tensor.insert_slice
// CHECK-NOT: tensor.collapse_shape
func.func @not_rotate_half(%x: tensor<3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %zero = tfm.constant dense<0> : tensor<1xi64>
  %four = tfm.constant dense<4> : tensor<1xi64>
  %last = tfm.constant dense<1> : tensor<1xi64>
  %one = tfm.constant dense<1> : tensor<1xi64>
  %eight = tfm.constant dense<8> : tensor<1xi64>
  %lo = tfm.slice %x, %zero, %four, %last, %one : (tensor<3x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x4xf32>
  %hi = tfm.slice %x, %four, %eight, %last, %one : (tensor<3x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x4xf32>
  %neg = tfm.neg %lo : tensor<3x4xf32> -> tensor<3x4xf32>
  %rot = tfm.concat %neg, %hi {axis = 1 : i64} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x8xf32>
  %a = tfm.mul %x, %cos : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %b = tfm.mul %rot, %sin : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  %r = tfm.add %a, %b : (tensor<3x8xf32>, tensor<3x8xf32>) -> tensor<3x8xf32>
  return %r : tensor<3x8xf32>
}

// -----

// Without a transpose, in a 2-D form with the sum and products in the other
// order, and a static table.
// CHECK-DAG: #[[X2:.*]] = affine_map<(d0, d1, d2) -> (d0, d1 * 2 + d2)>
// CHECK-DAG: #[[SW2:.*]] = affine_map<(d0, d1, d2) -> (d0, (-d1 + 1) * 2 + d2)>
// CHECK-LABEL: func.func @plain_2d
// CHECK: linalg.generic {indexing_maps = [#[[X2]], #[[SW2]], #[[X2]], #[[X2]], #{{.*}}]
// CHECK-NOT: tensor.insert_slice
func.func @plain_2d(%x: tensor<3x4xf32>, %cos: tensor<3x4xf32>, %sin: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %zero = tfm.constant dense<0> : tensor<1xi64>
  %two = tfm.constant dense<2> : tensor<1xi64>
  %last = tfm.constant dense<-1> : tensor<1xi64>
  %one = tfm.constant dense<1> : tensor<1xi64>
  %four = tfm.constant dense<4> : tensor<1xi64>
  %lo = tfm.slice %x, %zero, %two, %last, %one : (tensor<3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x2xf32>
  %hi = tfm.slice %x, %two, %four, %last, %one : (tensor<3x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x2xf32>
  %neg = tfm.neg %hi : tensor<3x2xf32> -> tensor<3x2xf32>
  %rot = tfm.concat %neg, %lo {axis = 1 : i64} : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x4xf32>
  %a = tfm.mul %cos, %x : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %b = tfm.mul %sin, %rot : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %r = tfm.add %b, %a : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}
