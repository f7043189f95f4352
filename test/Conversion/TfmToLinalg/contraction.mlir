// MatMul and Gemm: a product with a 2-D right operand collapses the left
// operand's leading dims into rows and is one linalg.matmul; batched
// products collapse (broadcast, if needed) batch dims into one and use
// linalg.batch_matmul; 1-D operands are promoted and the unit dim dropped
// (numpy.matmul); gemm transposes with linalg.transpose and applies alpha,
// beta and C in one linalg.generic.
//
// RUN: sinkc-opt %s --sinkc-lower-tfm-to-linalg --canonicalize --cse --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @matmul_2d
// CHECK-SAME: (%[[A:.*]]: tensor<?x8xf32>, %[[B:.*]]: tensor<8x16xf32>)
// CHECK: %[[M:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[M]]) : tensor<?x16xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%cst : f32) outs(%[[E]] : tensor<?x16xf32>)
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<?x8xf32>, tensor<8x16xf32>) outs(%[[Z]] : tensor<?x16xf32>)
// CHECK: return %[[R]]
func.func @matmul_2d(%a: tensor<?x8xf32>, %b: tensor<8x16xf32>) -> tensor<?x16xf32> {
  %0 = tfm.matmul %a, %b : (tensor<?x8xf32>, tensor<8x16xf32>) -> tensor<?x16xf32>
  return %0 : tensor<?x16xf32>
}

// -----

// A dynamic contraction size is checked.
// CHECK-LABEL: func.func @matmul_check_k
// CHECK: %[[K1:.*]] = tensor.dim %{{.*}}, %c1 : tensor<4x?xf32>
// CHECK: %[[K2:.*]] = tensor.dim %{{.*}}, %c0 : tensor<?x5xf32>
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[K1]], %[[K2]] : index
// CHECK: cf.assert %[[OK]], "sinkc: shape check failed in tfm.matmul: matmul contraction dimensions differ"
// CHECK: linalg.matmul
func.func @matmul_check_k(%a: tensor<4x?xf32>, %b: tensor<?x5xf32>) -> tensor<4x5xf32> {
  %0 = tfm.matmul %a, %b : (tensor<4x?xf32>, tensor<?x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// 1-D operands: [K] x [K, N] -> [N], [M, K] x [K] -> [M], [K] x [K] -> [].
// CHECK-LABEL: func.func @matmul_vectors
// CHECK-SAME: (%[[V:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8x16xf32>, %[[A:.*]]: tensor<4x8xf32>, %[[W:.*]]: tensor<8xf32>)
// CHECK: %[[ROW:.*]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1]] output_shape [1, 8] : tensor<8xf32> into tensor<1x8xf32>
// CHECK: %[[P0:.*]] = linalg.matmul ins(%[[ROW]], %[[B]] : tensor<1x8xf32>, tensor<8x16xf32>)
// CHECK: %[[R0:.*]] = tensor.collapse_shape %[[P0]] {{\[\[}}0, 1]] : tensor<1x16xf32> into tensor<16xf32>
// CHECK: %[[COL:.*]] = tensor.expand_shape %[[W]] {{\[\[}}0, 1]] output_shape [8, 1] : tensor<8xf32> into tensor<8x1xf32>
// CHECK: %[[P1:.*]] = linalg.matmul ins(%[[A]], %[[COL]] : tensor<4x8xf32>, tensor<8x1xf32>)
// CHECK: %[[R1:.*]] = tensor.collapse_shape %[[P1]] {{\[\[}}0, 1]] : tensor<4x1xf32> into tensor<4xf32>
// CHECK: %[[P2:.*]] = linalg.matmul ins(%[[ROW]], %[[COL]] : tensor<1x8xf32>, tensor<8x1xf32>)
// CHECK: %[[R2:.*]] = tensor.collapse_shape %[[P2]] [] : tensor<1x1xf32> into tensor<f32>
// CHECK: return %[[R0]], %[[R1]], %[[R2]]
func.func @matmul_vectors(%v: tensor<8xf32>, %b: tensor<8x16xf32>, %a: tensor<4x8xf32>, %w: tensor<8xf32>) -> (tensor<16xf32>, tensor<4xf32>, tensor<f32>) {
  %0 = tfm.matmul %v, %b : (tensor<8xf32>, tensor<8x16xf32>) -> tensor<16xf32>
  %1 = tfm.matmul %a, %w : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4xf32>
  %2 = tfm.matmul %v, %w : (tensor<8xf32>, tensor<8xf32>) -> tensor<f32>
  return %0, %1, %2 : tensor<16xf32>, tensor<4xf32>, tensor<f32>
}

// -----

// [B, T, K] x [K, N] (every projection): rows = B * T, one linalg.matmul.
// CHECK-LABEL: func.func @matmul_rows
// CHECK-SAME: (%[[A:.*]]: tensor<?x?x8xf32>, %[[B:.*]]: tensor<8x16xf32>)
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2]] : tensor<?x?x8xf32> into tensor<?x8xf32>
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[ROWS]], %[[B]] : tensor<?x8xf32>, tensor<8x16xf32>)
// CHECK: tensor.reshape %[[P]](%{{.*}}) : (tensor<?x16xf32>, tensor<3xindex>) -> tensor<?x?x16xf32>
func.func @matmul_rows(%a: tensor<?x?x8xf32>, %b: tensor<8x16xf32>) -> tensor<?x?x16xf32> {
  %0 = tfm.matmul %a, %b : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

// Attention scores [B, H, T, D] x [B, H, D, T]: batch dims collapsed into
// one, linalg.batch_matmul, expanded back; the dynamic batch sizes of both
// operands must agree.
// CHECK-LABEL: func.func @matmul_batched
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x12xf32>, %[[K:.*]]: tensor<?x4x12x?xf32>)
// CHECK: cf.assert %{{.*}}, "sinkc: shape check failed in tfm.matmul: matmul batch dimensions differ (a dynamic dimension of size 1 is not broadcast)"
// CHECK: %[[Q3:.*]] = tensor.collapse_shape %[[Q]] {{\[\[}}0, 1], [2], [3]] : tensor<?x4x?x12xf32> into tensor<?x?x12xf32>
// CHECK: %[[K3:.*]] = tensor.collapse_shape %[[K]] {{\[\[}}0, 1], [2], [3]] : tensor<?x4x12x?xf32> into tensor<?x12x?xf32>
// CHECK: %[[P:.*]] = linalg.batch_matmul ins(%[[Q3]], %[[K3]] : tensor<?x?x12xf32>, tensor<?x12x?xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2], [3]] output_shape [%{{.*}}, 4, %{{.*}}, %{{.*}}] : tensor<?x?x?xf32> into tensor<?x4x?x?xf32>
func.func @matmul_batched(%q: tensor<?x4x?x12xf32>, %k: tensor<?x4x12x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = tfm.matmul %q, %k : (tensor<?x4x?x12xf32>, tensor<?x4x12x?xf32>) -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// Batch broadcasting ([2, 1] against [5]) is materialised by a copy generic
// before the batch_matmul.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_broadcast_batch
// CHECK: %[[A4:.*]] = linalg.generic {indexing_maps = [#[[LHS]], #{{.*}}]{{.*}} outs(%{{.*}} : tensor<2x5x3x4xf32>)
// CHECK: %[[B4:.*]] = linalg.generic {indexing_maps = [#[[RHS]], #{{.*}}]{{.*}} outs(%{{.*}} : tensor<2x5x4x6xf32>)
// CHECK: %[[A3:.*]] = tensor.collapse_shape %[[A4]] {{.*}} into tensor<10x3x4xf32>
// CHECK: %[[B3:.*]] = tensor.collapse_shape %[[B4]] {{.*}} into tensor<10x4x6xf32>
// CHECK: %[[P:.*]] = linalg.batch_matmul ins(%[[A3]], %[[B3]] : tensor<10x3x4xf32>, tensor<10x4x6xf32>)
// CHECK: tensor.expand_shape %[[P]] {{.*}} output_shape [2, 5, 3, 6] : tensor<10x3x6xf32> into tensor<2x5x3x6xf32>
func.func @matmul_broadcast_batch(%a: tensor<2x1x3x4xf32>, %b: tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32> {
  %0 = tfm.matmul %a, %b : (tensor<2x1x3x4xf32>, tensor<5x4x6xf32>) -> tensor<2x5x3x6xf32>
  return %0 : tensor<2x5x3x6xf32>
}

// -----

// Several dynamic batch dims are collapsed and expanded with tensor.reshape:
// reshape propagation would otherwise leave expand_shapes that split one
// dynamic size into several, which LLVM 22 cannot lower.
// CHECK-LABEL: func.func @matmul_dynamic_batch
// CHECK-SAME: (%[[A:.*]]: tensor<?x?x3x4xf32>, %[[B:.*]]: tensor<?x?x4x6xf32>)
// CHECK-COUNT-2: cf.assert %{{.*}}, "sinkc: shape check failed in tfm.matmul: matmul batch dimensions differ
// CHECK: %[[A3:.*]] = tensor.reshape %[[A]](%{{.*}}) : (tensor<?x?x3x4xf32>, tensor<3xindex>) -> tensor<?x3x4xf32>
// CHECK: %[[B3:.*]] = tensor.reshape %[[B]](%{{.*}}) : (tensor<?x?x4x6xf32>, tensor<3xindex>) -> tensor<?x4x6xf32>
// CHECK: %[[P:.*]] = linalg.batch_matmul ins(%[[A3]], %[[B3]] : tensor<?x3x4xf32>, tensor<?x4x6xf32>)
// CHECK: tensor.reshape %[[P]](%{{.*}}) : (tensor<?x3x6xf32>, tensor<4xindex>) -> tensor<?x?x3x6xf32>
// CHECK-NOT: tensor.expand_shape
func.func @matmul_dynamic_batch(%a: tensor<?x?x3x4xf32>, %b: tensor<?x?x4x6xf32>) -> tensor<?x?x3x6xf32> {
  %0 = tfm.matmul %a, %b : (tensor<?x?x3x4xf32>, tensor<?x?x4x6xf32>) -> tensor<?x?x3x6xf32>
  return %0 : tensor<?x?x3x6xf32>
}

// -----

// Gemm with transA, transB, alpha, beta and a C that broadcasts along rows.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gemm
// CHECK-SAME: (%[[A:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<5x4xf32>, %[[C:.*]]: tensor<5xf32>)
// CHECK-DAG: %[[BETA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-DAG: %[[ALPHA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[AT:.*]] = linalg.transpose ins(%[[A]] : tensor<4x3xf32>) outs(%{{.*}} : tensor<3x4xf32>) permutation = [1, 0]
// CHECK: %[[BT:.*]] = linalg.transpose ins(%[[B]] : tensor<5x4xf32>) outs(%{{.*}} : tensor<4x5xf32>) permutation = [1, 0]
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[AT]], %[[BT]] : tensor<3x4xf32>, tensor<4x5xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[P]], %[[C]] : tensor<3x5xf32>, tensor<5xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[AX:.*]] = arith.mulf %[[X]], %[[ALPHA]] : f32
// CHECK-NEXT: %[[BY:.*]] = arith.mulf %[[Y]], %[[BETA]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[AX]], %[[BY]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
func.func @gemm(%a: tensor<4x3xf32>, %b: tensor<5x4xf32>, %c: tensor<5xf32>) -> tensor<3x5xf32> {
  %0 = tfm.gemm %a, %b, %c {alpha = 0.5 : f32, beta = 2.0 : f32, transA = true, transB = true} : (tensor<4x3xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Without C (or with beta 0) and alpha 1, gemm is the matmul alone.
// CHECK-LABEL: func.func @gemm_plain
// CHECK: %[[P:.*]] = linalg.matmul
// CHECK-NOT: linalg.generic
// CHECK: return %[[P]]
func.func @gemm_plain(%a: tensor<?x4xf32>, %b: tensor<4x5xf32>) -> tensor<?x5xf32> {
  %0 = tfm.gemm %a, %b : (tensor<?x4xf32>, tensor<4x5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// A scalar C and beta 0.
// CHECK-LABEL: func.func @gemm_scalar_c
// CHECK: linalg.matmul
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR:.*]], #{{.*}}]
// CHECK: arith.addf
// CHECK-LABEL: func.func @gemm_beta_zero
// CHECK: %[[P:.*]] = linalg.matmul
// CHECK-NEXT: return %[[P]]
func.func @gemm_scalar_c(%a: tensor<2x4xf32>, %b: tensor<4x5xf32>, %c: tensor<f32>) -> tensor<2x5xf32> {
  %0 = tfm.gemm %a, %b, %c : (tensor<2x4xf32>, tensor<4x5xf32>, tensor<f32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
func.func @gemm_beta_zero(%a: tensor<2x4xf32>, %b: tensor<4x5xf32>, %c: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %0 = tfm.gemm %a, %b, %c {beta = 0.0 : f32} : (tensor<2x4xf32>, tensor<4x5xf32>, tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
