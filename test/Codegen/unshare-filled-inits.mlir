// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-unshare-filled-inits))" | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-unshare-filled-inits),one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map})" | FileCheck %s --check-prefix=BUF
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map})" | FileCheck %s --check-prefix=SHARED

// Q, K and V projections of one input after CSE: one zero-filled
// destination for three products. Each product gets its own empty tensor
// and fill right before it (where sinkc-lower-packed-matmuls finds it), and
// the shared ones are erased; bufferized, three fills and no copy (without
// the pass: one fill and a copy of it per product).
// CHECK-LABEL: func.func @projections
// CHECK-NOT: linalg.fill
// CHECK: %[[E0:.*]] = tensor.empty(%{{.*}}) : tensor<?x16xf32>
// CHECK-NEXT: %[[F0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<?x16xf32>)
// CHECK-NEXT: linalg.matmul ins(%{{.*}}, %{{.*}} : {{.*}}) outs(%[[F0]] : tensor<?x16xf32>)
// CHECK-NEXT: %[[E1:.*]] = tensor.empty(%{{.*}}) : tensor<?x16xf32>
// CHECK-NEXT: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<?x16xf32>)
// CHECK-NEXT: linalg.matmul ins(%{{.*}}, %{{.*}} : {{.*}}) outs(%[[F1]] : tensor<?x16xf32>)
// CHECK-NEXT: %[[E2:.*]] = tensor.empty(%{{.*}}) : tensor<?x16xf32>
// CHECK-NEXT: %[[F2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<?x16xf32>)
// CHECK-NEXT: linalg.matmul ins(%{{.*}}, %{{.*}} : {{.*}}) outs(%[[F2]] : tensor<?x16xf32>)
// CHECK-NEXT: return
// BUF-LABEL: func.func @projections
// BUF-COUNT-3: linalg.fill
// BUF-NOT: memref.copy
// BUF: return
// SHARED-LABEL: func.func @projections
// SHARED: linalg.fill
// SHARED: memref.copy
func.func @projections(%x: tensor<?x8xf32>, %wq: tensor<8x16xf32>,
                       %wk: tensor<8x16xf32>, %wv: tensor<8x16xf32>)
    -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%t) : tensor<?x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %q = linalg.matmul ins(%x, %wq : tensor<?x8xf32>, tensor<8x16xf32>) outs(%z : tensor<?x16xf32>) -> tensor<?x16xf32>
  %k = linalg.matmul ins(%x, %wk : tensor<?x8xf32>, tensor<8x16xf32>) outs(%z : tensor<?x16xf32>) -> tensor<?x16xf32>
  %v = linalg.matmul ins(%x, %wv : tensor<?x8xf32>, tensor<8x16xf32>) outs(%z : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %q, %k, %v : tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

// Two sums of squares over the same rows share a fill of an expanded empty
// tensor: the expand_shape is cloned with the empty tensor.
// CHECK-LABEL: func.func @sums_of_squares
// CHECK-COUNT-2: tensor.empty(%{{.*}}) : tensor<?xf32>
// CHECK-NEXT: %[[X:.*]] = tensor.expand_shape
// CHECK-NEXT: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[X]] : tensor<?x1xf32>)
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[F]] : tensor<?x1xf32>)
// CHECK-NOT: tensor.empty
// CHECK: return
// BUF-LABEL: func.func @sums_of_squares
// BUF-NOT: memref.copy
// BUF: return
#rows = affine_map<(d0, d1) -> (d0, d1)>
#sum = affine_map<(d0, d1) -> (d0, 0)>
func.func @sums_of_squares(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>)
    -> (tensor<?x1xf32>, tensor<?x1xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %a, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%t) : tensor<?xf32>
  %x = tensor.expand_shape %e [[0, 1]] output_shape [%t, 1] : tensor<?xf32> into tensor<?x1xf32>
  %z = linalg.fill ins(%zero : f32) outs(%x : tensor<?x1xf32>) -> tensor<?x1xf32>
  %sa = linalg.generic {indexing_maps = [#rows, #sum], iterator_types = ["parallel", "reduction"]} ins(%a : tensor<?x8xf32>) outs(%z : tensor<?x1xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.mulf %in, %in : f32
    %r = arith.addf %acc, %s : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  %sb = linalg.generic {indexing_maps = [#rows, #sum], iterator_types = ["parallel", "reduction"]} ins(%b : tensor<?x8xf32>) outs(%z : tensor<?x1xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.mulf %in, %in : f32
    %r = arith.addf %acc, %s : f32
    linalg.yield %r : f32
  } -> tensor<?x1xf32>
  return %sa, %sb : tensor<?x1xf32>, tensor<?x1xf32>
}

// -----

// A destination with one user, and a fill of a function argument, are left
// alone.
// CHECK-LABEL: func.func @left_alone
// CHECK: tensor.empty
// CHECK-NOT: tensor.empty
// CHECK-COUNT-2: linalg.fill
// CHECK-NOT: linalg.fill
// CHECK: return
func.func @left_alone(%x: tensor<?x8xf32>, %w: tensor<8x16xf32>,
                      %out: tensor<?x16xf32>)
    -> (tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %t = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%t) : tensor<?x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %p = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x16xf32>) outs(%z : tensor<?x16xf32>) -> tensor<?x16xf32>
  %za = linalg.fill ins(%zero : f32) outs(%out : tensor<?x16xf32>) -> tensor<?x16xf32>
  %q = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x16xf32>) outs(%za : tensor<?x16xf32>) -> tensor<?x16xf32>
  %r = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x16xf32>) outs(%za : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %p, %q, %r : tensor<?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>
}
