// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-reuse-dying-operands))" | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-reuse-dying-operands),one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map})" | FileCheck %s --check-prefix=BUF

#id = affine_map<(d0, d1) -> (d0, d1)>

// silu(gate) * up of a gated MLP: gate and up are temporaries that die at
// the product, so the product is written into gate (the first candidate),
// and bufferization allocates no third buffer.
// CHECK-LABEL: func.func @gated_mlp
// CHECK: %[[GATE:.*]] = linalg.matmul
// CHECK: %[[UP:.*]] = linalg.matmul
// CHECK: linalg.generic {{.*}} ins(%[[GATE]], %[[UP]] : {{.*}}) outs(%[[GATE]] : tensor<?x16xf32>)
// BUF-LABEL: func.func @gated_mlp
// BUF-COUNT-2: memref.alloc
// BUF-NOT: memref.alloc
// BUF-NOT: memref.copy
// BUF: return
func.func @gated_mlp(%x: tensor<?x8xf32>, %wg: tensor<8x16xf32>,
                     %wu: tensor<8x16xf32>) -> tensor<?x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e0 = tensor.empty(%t) : tensor<?x16xf32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<?x16xf32>) -> tensor<?x16xf32>
  %gate = linalg.matmul ins(%x, %wg : tensor<?x8xf32>, tensor<8x16xf32>) outs(%z0 : tensor<?x16xf32>) -> tensor<?x16xf32>
  %e1 = tensor.empty(%t) : tensor<?x16xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x16xf32>) -> tensor<?x16xf32>
  %up = linalg.matmul ins(%x, %wu : tensor<?x8xf32>, tensor<8x16xf32>) outs(%z1 : tensor<?x16xf32>) -> tensor<?x16xf32>
  %e2 = tensor.empty(%t) : tensor<?x16xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%gate, %up : tensor<?x16xf32>, tensor<?x16xf32>) outs(%e2 : tensor<?x16xf32>) {
  ^bb0(%g: f32, %u: f32, %out: f32):
    %n = arith.negf %g : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %s = arith.divf %g, %d : f32
    %p = arith.mulf %s, %u : f32
    linalg.yield %p : f32
  } -> tensor<?x16xf32>
  return %r : tensor<?x16xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// Seen through a reshape. Never reused: a function argument (%h), a value
// read again later or returned (%sum, %q), a broadcast input (%bias), and an
// init the payload reads (%acc).
// CHECK-LABEL: func.func @through_reshape
// CHECK: %[[P:.*]] = tensor.expand_shape
// CHECK: %[[E3:.*]] = tensor.empty({{.*}}) : tensor<2x?x4xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[H:.*]], %[[P]] : {{.*}}) outs(%[[P]] : tensor<2x?x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[H]], %[[SUM]] : {{.*}}) outs(%[[E3]] : tensor<2x?x4xf32>)
// CHECK: %[[Q:.*]] = linalg.generic {{.*}} ins(%arg0, %arg0 : {{.*}}) outs(%arg2 : tensor<?x4xf32>)
// CHECK: %[[E4:.*]] = tensor.empty
// CHECK: linalg.generic {{.*}} ins(%[[Q]], %arg3 : tensor<?x4xf32>, tensor<?xf32>) outs(%[[E4]] : tensor<?x4xf32>)
func.func @through_reshape(%a: tensor<?x4xf32>, %h: tensor<2x?x4xf32>,
                           %acc: tensor<?x4xf32>, %bias: tensor<?xf32>)
    -> (tensor<2x?x4xf32>, tensor<2x?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = tensor.dim %a, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%t) : tensor<?x4xf32>
  %p = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  %half = tensor.dim %h, %c1 : tensor<2x?x4xf32>
  %pe = tensor.expand_shape %p [[0, 1], [2]] output_shape [2, %half, 4] : tensor<?x4xf32> into tensor<2x?x4xf32>
  %e3 = tensor.empty(%half) : tensor<2x?x4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%h, %pe : tensor<2x?x4xf32>, tensor<2x?x4xf32>) outs(%e3 : tensor<2x?x4xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<2x?x4xf32>
  // %h is an argument and %sum is returned as well: neither may be written.
  %twice = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%h, %sum : tensor<2x?x4xf32>, tensor<2x?x4xf32>) outs(%e3 : tensor<2x?x4xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<2x?x4xf32>
  // The init is read (an accumulation), so it is not only a shape.
  %q = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a, %a : tensor<?x4xf32>, tensor<?x4xf32>) outs(%acc : tensor<?x4xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %out : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  // The temporary is broadcast along a row: not the result's shape.
  %e4 = tensor.empty(%t) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q, %bias : tensor<?x4xf32>, tensor<?xf32>) outs(%e4 : tensor<?x4xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<?x4xf32>
  return %sum, %twice, %q, %r : tensor<2x?x4xf32>, tensor<2x?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}
