// Gather and GatherND: a linalg.generic over the result whose body reads the
// index, makes a negative index count from the end, checks the range (an
// out-of-range token id must stop the program, never read out of bounds)
// and extracts from the data tensor.
//
// RUN: sinkc-opt %s --sinkc-lower-tfm-to-linalg --canonicalize --cse --split-input-file | FileCheck %s

// The embedding lookup: gather on axis 0 of the table.
// CHECK-DAG: #[[IDS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @gather_rows
// CHECK-SAME: (%[[T:.*]]: tensor<256x48xf32>, %[[I:.*]]: tensor<?x?xi64>)
// CHECK: %[[B:.*]] = tensor.dim %[[I]], %c0
// CHECK: %[[S:.*]] = tensor.dim %[[I]], %c1
// CHECK: %[[E:.*]] = tensor.empty(%[[B]], %[[S]]) : tensor<?x?x48xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IDS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[I]] : tensor<?x?xi64>) outs(%[[E]] : tensor<?x?x48xf32>)
// CHECK-NEXT: ^bb0(%[[RAW:.*]]: i64, %{{.*}}: f32):
// CHECK-NEXT: %[[IDX:.*]] = arith.index_cast %[[RAW]] : i64 to index
// CHECK-NEXT: %[[NEG:.*]] = arith.cmpi slt, %[[IDX]], %c0 : index
// CHECK-NEXT: %[[WRAP:.*]] = arith.addi %[[IDX]], %c256 : index
// CHECK-NEXT: %[[ROW:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[IDX]] : index
// CHECK-NEXT: %[[GE:.*]] = arith.cmpi sge, %[[ROW]], %c0 : index
// CHECK-NEXT: %[[LT:.*]] = arith.cmpi slt, %[[ROW]], %c256 : index
// CHECK-NEXT: %[[OK:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// CHECK-NEXT: cf.assert %[[OK]], "sinkc: check failed in tfm.gather: index out of range"
// CHECK-NEXT: %[[COL:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[V:.*]] = tensor.extract %[[T]][%[[ROW]], %[[COL]]] : tensor<256x48xf32>
// CHECK-NEXT: linalg.yield %[[V]] : f32
func.func @gather_rows(%table: tensor<256x48xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x48xf32> {
  %0 = tfm.gather %table, %ids : (tensor<256x48xf32>, tensor<?x?xi64>) -> tensor<?x?x48xf32>
  return %0 : tensor<?x?x48xf32>
}

// -----

// A negative axis, i32 indices, a dynamic gathered dimension.
// CHECK-DAG: #[[IDS:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gather_axis1
// CHECK-SAME: (%[[A:.*]]: tensor<3x?xf32>, %[[I:.*]]: tensor<2xi32>)
// CHECK: %[[N:.*]] = tensor.dim %[[A]], %c1
// CHECK: linalg.generic {indexing_maps = [#[[IDS]], #{{.*}}]{{.*}} ins(%[[I]] : tensor<2xi32>) outs(%{{.*}} : tensor<3x2xf32>)
// CHECK-NEXT: ^bb0(%[[RAW:.*]]: i32, %{{.*}}: f32):
// CHECK-NEXT: %[[IDX:.*]] = arith.index_cast %[[RAW]] : i32 to index
// CHECK: arith.addi %[[IDX]], %[[N]] : index
// CHECK: arith.cmpi slt, %{{.*}}, %[[N]] : index
// CHECK: cf.assert
// CHECK: %[[ROW:.*]] = linalg.index 0 : index
// CHECK: tensor.extract %[[A]][%[[ROW]], %{{.*}}] : tensor<3x?xf32>
func.func @gather_axis1(%a: tensor<3x?xf32>, %i: tensor<2xi32>) -> tensor<3x2xf32> {
  %0 = tfm.gather %a, %i {axis = -1 : i64} : (tensor<3x?xf32>, tensor<2xi32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// GatherND with one batch dim: result[b, k] = data[b, indices[b, 0], k].
// CHECK-LABEL: func.func @gather_nd
// CHECK-SAME: (%[[A:.*]]: tensor<2x3x4xf32>, %[[I:.*]]: tensor<2x1xi64>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x4xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32):
// CHECK-NEXT: %[[B:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[RAW:.*]] = tensor.extract %[[I]][%[[B]], %c0] : tensor<2x1xi64>
// CHECK-NEXT: %[[IDX:.*]] = arith.index_cast %[[RAW]] : i64 to index
// CHECK: %[[ROW:.*]] = arith.select
// CHECK: cf.assert %{{.*}}, "sinkc: check failed in tfm.gather_nd: index out of range"
// CHECK-NEXT: %[[K:.*]] = linalg.index 1 : index
// CHECK-NEXT: tensor.extract %[[A]][%[[B]], %[[ROW]], %[[K]]] : tensor<2x3x4xf32>
func.func @gather_nd(%a: tensor<2x3x4xf32>, %i: tensor<2x1xi64>) -> tensor<2x4xf32> {
  %0 = tfm.gather_nd %a, %i {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
