// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-fuse-residual-adds))" | FileCheck %s

#a = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
#b = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// x + W(h) at the end of a block: the residual x, seen as the product's
// [M, P, NR] panels, becomes the product's destination in place of the zero
// fill, and the product's result (reshaped back) replaces the add.
// CHECK-LABEL: func.func @residual
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x8xf32>, %[[H:.*]]: tensor<?x4xf32>, %[[W:.*]]: tensor<2x4x4xf32>, %[[SHAPE:.*]]: tensor<3xindex>)
// CHECK-NOT: linalg.fill
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<?x?x8xf32> into tensor<?x8xf32>
// CHECK: %[[M:.*]] = tensor.dim %[[ROWS]], %{{.*}} : tensor<?x8xf32>
// CHECK: %[[INIT:.*]] = tensor.expand_shape %[[ROWS]] {{\[\[}}0], [1, 2]] output_shape [%[[M]], 2, 4] : tensor<?x8xf32> into tensor<?x2x4xf32>
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[W]] : tensor<?x4xf32>, tensor<2x4x4xf32>) outs(%[[INIT]] : tensor<?x2x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64}
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[P]]
// CHECK: %[[OUT:.*]] = tensor.reshape %[[FLAT]](%[[SHAPE]])
// CHECK-NOT: linalg.generic
// CHECK: return %[[OUT]]
func.func @residual(%x: tensor<?x?x8xf32>, %h: tensor<?x4xf32>, %w: tensor<2x4x4xf32>, %shape: tensor<3xindex>) -> tensor<?x?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %h, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%m) : tensor<?x2x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2x4xf32>) -> tensor<?x2x4xf32>
  %p = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%h, %w : tensor<?x4xf32>, tensor<2x4x4xf32>) outs(%z : tensor<?x2x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
  ^bb0(%in: f32, %wt: f32, %out: f32):
    %mul = arith.mulf %in, %wt : f32
    %sum = arith.addf %out, %mul : f32
    linalg.yield %sum : f32
  } -> tensor<?x2x4xf32>
  %flat = tensor.collapse_shape %p [[0], [1, 2]] : tensor<?x2x4xf32> into tensor<?x8xf32>
  %r = tensor.reshape %flat(%shape) : (tensor<?x8xf32>, tensor<3xindex>) -> tensor<?x?x8xf32>
  %b = tensor.dim %x, %c0 : tensor<?x?x8xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?x8xf32>
  %o = tensor.empty(%b, %t) : tensor<?x?x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel", "parallel"]} ins(%r, %x : tensor<?x?x8xf32>, tensor<?x?x8xf32>) outs(%o : tensor<?x?x8xf32>) {
  ^bb0(%in0: f32, %in1: f32, %out: f32):
    %s = arith.addf %in1, %in0 : f32
    linalg.yield %s : f32
  } -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// -----

#a = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
#b = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// The product is also returned (an instrumented MLP output is read by its
// metrics): the add stays, and so does the zero fill.
// CHECK-LABEL: func.func @product_read_elsewhere
// CHECK: linalg.fill
// CHECK: sinkc.packed_matmul
// CHECK: arith.addf
// CHECK: return
func.func @product_read_elsewhere(%x: tensor<?x8xf32>, %h: tensor<?x4xf32>, %w: tensor<2x4x4xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %h, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%m) : tensor<?x2x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2x4xf32>) -> tensor<?x2x4xf32>
  %p = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%h, %w : tensor<?x4xf32>, tensor<2x4x4xf32>) outs(%z : tensor<?x2x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
  ^bb0(%in: f32, %wt: f32, %out: f32):
    %mul = arith.mulf %in, %wt : f32
    %sum = arith.addf %out, %mul : f32
    linalg.yield %sum : f32
  } -> tensor<?x2x4xf32>
  %flat = tensor.collapse_shape %p [[0], [1, 2]] : tensor<?x2x4xf32> into tensor<?x8xf32>
  %o = tensor.empty(%m) : tensor<?x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %flat : tensor<?x8xf32>, tensor<?x8xf32>) outs(%o : tensor<?x8xf32>) {
  ^bb0(%in0: f32, %in1: f32, %out: f32):
    %s = arith.addf %in0, %in1 : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %y, %flat : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

#a = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
#b = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// Panels padded past the add's width (6 columns in two panels of 4), and a
// subtraction: neither is fused.
// CHECK-LABEL: func.func @not_fused
// CHECK-COUNT-2: linalg.fill
// CHECK: arith.addf
// CHECK: arith.subf
// CHECK: return
func.func @not_fused(%x: tensor<?x6xf32>, %x8: tensor<?x8xf32>, %h: tensor<?x4xf32>, %w: tensor<2x4x4xf32>) -> (tensor<?x6xf32>, tensor<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %h, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%m) : tensor<?x2x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2x4xf32>) -> tensor<?x2x4xf32>
  %p = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%h, %w : tensor<?x4xf32>, tensor<2x4x4xf32>) outs(%z : tensor<?x2x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
  ^bb0(%in: f32, %wt: f32, %out: f32):
    %mul = arith.mulf %in, %wt : f32
    %sum = arith.addf %out, %mul : f32
    linalg.yield %sum : f32
  } -> tensor<?x2x4xf32>
  %flat = tensor.collapse_shape %p [[0], [1, 2]] : tensor<?x2x4xf32> into tensor<?x8xf32>
  %cols = tensor.extract_slice %flat[0, 0] [%m, 6] [1, 1] : tensor<?x8xf32> to tensor<?x6xf32>
  %o = tensor.empty(%m) : tensor<?x6xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %cols : tensor<?x6xf32>, tensor<?x6xf32>) outs(%o : tensor<?x6xf32>) {
  ^bb0(%in0: f32, %in1: f32, %out: f32):
    %s = arith.addf %in0, %in1 : f32
    linalg.yield %s : f32
  } -> tensor<?x6xf32>
  %e2 = tensor.empty(%m) : tensor<?x2x4xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2x4xf32>) -> tensor<?x2x4xf32>
  %p2 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%h, %w : tensor<?x4xf32>, tensor<2x4x4xf32>) outs(%z2 : tensor<?x2x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
  ^bb0(%in: f32, %wt: f32, %out: f32):
    %mul = arith.mulf %in, %wt : f32
    %sum = arith.addf %out, %mul : f32
    linalg.yield %sum : f32
  } -> tensor<?x2x4xf32>
  %flat2 = tensor.collapse_shape %p2 [[0], [1, 2]] : tensor<?x2x4xf32> into tensor<?x8xf32>
  %o2 = tensor.empty(%m) : tensor<?x8xf32>
  %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x8, %flat2 : tensor<?x8xf32>, tensor<?x8xf32>) outs(%o2 : tensor<?x8xf32>) {
  ^bb0(%in0: f32, %in1: f32, %out: f32):
    %s = arith.subf %in0, %in1 : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %y, %d : tensor<?x6xf32>, tensor<?x8xf32>
}
