// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-materialize-fresh-outputs))" | FileCheck %s

// The runtime frees every output buffer, so no output may bufferize to a view
// of an input or of another output: each returned tensor is copied into a
// tensor.empty of its own (dynamic sizes read from the value), and a value
// returned twice gets two copies. The index result is not a buffer and stays.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[W:.*]]: tensor<8x16xf32>, %[[N:.*]]: index)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[E0:.*]] = tensor.empty(%[[D0]]) : tensor<?x8xf32>
// CHECK: %[[R0:.*]] = linalg.copy ins(%[[X]] : tensor<?x8xf32>) outs(%[[E0]] : tensor<?x8xf32>)
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<8x16xf32>
// CHECK: %[[R1:.*]] = linalg.copy ins(%[[W]] : tensor<8x16xf32>) outs(%[[E1]] : tensor<8x16xf32>)
// CHECK: %[[D2:.*]] = tensor.dim %[[X]]
// CHECK: %[[E2:.*]] = tensor.empty(%[[D2]]) : tensor<?x8xf32>
// CHECK: %[[R2:.*]] = linalg.copy ins(%[[X]] : tensor<?x8xf32>) outs(%[[E2]] : tensor<?x8xf32>)
// CHECK: return %[[R0]], %[[R1]], %[[N]], %[[R2]] :
func.func @main(%x: tensor<?x8xf32>, %w: tensor<8x16xf32>, %n: index)
    -> (tensor<?x8xf32>, tensor<8x16xf32>, index, tensor<?x8xf32>) {
  return %x, %w, %n, %x : tensor<?x8xf32>, tensor<8x16xf32>, index, tensor<?x8xf32>
}

// -----

// A computed result (here a reshape of the input, which bufferizes to a view
// of it) is copied as well; the copy is the last thing before the return.
// CHECK-LABEL: func.func @reshaped
// CHECK: %[[V:.*]] = tensor.expand_shape
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<?x2x4xf32>
// CHECK-NEXT: %[[R:.*]] = linalg.copy ins(%[[V]] : tensor<?x2x4xf32>) outs(%[[E]] : tensor<?x2x4xf32>)
// CHECK-NEXT: return %[[R]]
func.func @reshaped(%x: tensor<?x8xf32>) -> tensor<?x2x4xf32> {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x8xf32>
  %v = tensor.expand_shape %x [[0], [1, 2]] output_shape [%d, 2, 4]
      : tensor<?x8xf32> into tensor<?x2x4xf32>
  return %v : tensor<?x2x4xf32>
}

// -----

// Private functions are not called by the runtime (and declarations have no
// body): their results are left alone.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT: linalg.copy
// CHECK: return %{{.*}} : tensor<4xf32>
// CHECK-LABEL: func.func private @decl
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
func.func private @decl(%x: tensor<4xf32>) -> tensor<4xf32>

// -----

// A result that a linalg op wrote into a tensor.empty (filled or not) is
// already a buffer of its own, also seen through reshapes: no copy (the
// runtime takes such a buffer over; the logits of a long prompt are GBs).
// Returned a second time, it is copied for the second output.
// CHECK-LABEL: func.func @fresh
// CHECK: %[[P:.*]] = linalg.matmul
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[P]]
// CHECK: %[[G:.*]] = linalg.generic
// CHECK: %[[E:.*]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: %[[R:.*]] = linalg.copy ins(%[[C]] : tensor<8xf32>) outs(%[[E]] : tensor<8xf32>)
// CHECK-NEXT: return %[[C]], %[[G]], %[[R]]
func.func @fresh(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>)
    -> (tensor<8xf32>, tensor<2x3xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %p = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>)
      outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %c = tensor.collapse_shape %p [[0, 1]] : tensor<2x4xf32> into tensor<8xf32>
  %e2 = tensor.empty() : tensor<2x3xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<2x3xf32>) outs(%e2 : tensor<2x3xf32>) {
    ^bb0(%x: f32, %y: f32):
      %n = arith.negf %x : f32
      linalg.yield %n : f32
  } -> tensor<2x3xf32>
  return %c, %g, %c : tensor<8xf32>, tensor<2x3xf32>, tensor<8xf32>
}

// -----

// A linalg op that writes into an input (here its destination is the
// function's argument) is not fresh: copied.
// CHECK-LABEL: func.func @into_argument
// CHECK: %[[G:.*]] = linalg.generic
// CHECK: linalg.copy ins(%[[G]]
func.func @into_argument(%a: tensor<4xf32>) -> tensor<4xf32> {
  %g = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      outs(%a : tensor<4xf32>) {
    ^bb0(%y: f32):
      %n = arith.negf %y : f32
      linalg.yield %n : f32
  } -> tensor<4xf32>
  return %g : tensor<4xf32>
}
