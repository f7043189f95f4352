// Reductions (reduce_sum/mean/max, keepdims, no axes = all, noop with empty
// axes), softmax along any axis, layer normalisation from any axis and cumsum
// (exclusive, reverse): linalg.generic reductions into filled accumulators;
// float sums carry fastmath<reassoc> so that they vectorise, max starts from
// -inf (integer: the smallest value) and propagates NaN.
//
// RUN: sinkc-opt %s --sinkc-lower-tfm-to-linalg --canonicalize --cse --split-input-file | FileCheck %s

// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @reduce_sum_keepdims
// CHECK-SAME: (%[[A:.*]]: tensor<?x4x5xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x5xf32>
// CHECK: %[[Z:.*]] = linalg.fill ins(%cst : f32) outs(%[[E]] : tensor<?x5xf32>)
// CHECK: %[[S:.*]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[A]] : tensor<?x4x5xf32>) outs(%[[Z]] : tensor<?x5xf32>)
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// CHECK: tensor.expand_shape %[[S]] {{\[\[}}0, 1], [2]] output_shape [%[[D]], 1, 5] : tensor<?x5xf32> into tensor<?x1x5xf32>
func.func @reduce_sum_keepdims(%a: tensor<?x4x5xf32>) -> tensor<?x1x5xf32> {
  %0 = tfm.reduce_sum %a {axes = array<i64: -2>} : tensor<?x4x5xf32> -> tensor<?x1x5xf32>
  return %0 : tensor<?x1x5xf32>
}

// -----

// No axes: every axis; the mean divides by the run-time element count.
// CHECK-LABEL: func.func @reduce_mean_all
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xf32>)
// CHECK: %[[S:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[A]] : tensor<?x4xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[D:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[N:.*]] = arith.muli %[[D]], %c4 : index
// CHECK: %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: %[[NF:.*]] = arith.sitofp %[[N64]] : i64 to f32
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<f32>)
// CHECK: arith.divf %{{.*}}, %[[NF]] : f32
func.func @reduce_mean_all(%a: tensor<?x4xf32>) -> tensor<f32> {
  %0 = tfm.reduce_mean %a {keepdims = false} : tensor<?x4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @reduce_max_int
// CHECK: linalg.fill ins(%c-9223372036854775808_i64 : i64)
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: arith.maxsi
// CHECK-LABEL: func.func @reduce_max_float
// CHECK: linalg.fill ins(%cst : f32)
// CHECK: arith.maximumf
func.func @reduce_max_int(%a: tensor<3x4xi64>) -> tensor<4xi64> {
  %0 = tfm.reduce_max %a {axes = array<i64: 0>, keepdims = false} : tensor<3x4xi64> -> tensor<4xi64>
  return %0 : tensor<4xi64>
}
func.func @reduce_max_float(%a: tensor<3x4xf32>) -> tensor<3x1xf32> {
  %0 = tfm.reduce_max %a {axes = array<i64: 1>} : tensor<3x4xf32> -> tensor<3x1xf32>
  return %0 : tensor<3x1xf32>
}

// -----

// noop_with_empty_axes and no axes: the input itself.
// CHECK-LABEL: func.func @reduce_noop
// CHECK-SAME: (%[[A:.*]]: tensor<3x4xf32>)
// CHECK-NEXT: return %[[A]]
func.func @reduce_noop(%a: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = tfm.reduce_sum %a {noop_with_empty_axes = true} : tensor<3x4xf32> -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Softmax along axis 0: max (from -inf), exp(x - max), sum, divide.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[RED:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[A:.*]]: tensor<?x8xf32>)
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<8xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]]], iterator_types = ["reduction", "parallel"]} ins(%[[A]] : tensor<?x8xf32>) outs(%[[INIT]] : tensor<8xf32>)
// CHECK: arith.maximumf
// CHECK: %[[EXP:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[RED]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[MAX]] : tensor<?x8xf32>, tensor<8xf32>)
// CHECK: %[[SH:.*]] = arith.subf
// CHECK-NEXT: math.exp %[[SH]]
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]} ins(%[[EXP]] : tensor<?x8xf32>)
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc>
// CHECK: linalg.generic {{.*}} ins(%[[EXP]], %[[SUM]] : tensor<?x8xf32>, tensor<8xf32>)
// CHECK: arith.divf
func.func @softmax(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = tfm.softmax %a {axis = 0 : i64} : tensor<?x8xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Layer normalisation over axes 1..2 (axis = 1): mean, centred values,
// variance, then (x - mean) * rsqrt(var + eps) * scale + bias, the scale and
// bias broadcast over the normalised axes.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[SCALE:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x8xf32>, %[[S:.*]]: tensor<3x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK-DAG: %[[COUNT:.*]] = arith.constant 2.400000e+01 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant 1.000000e-03 : f32
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[X]] : tensor<?x3x8xf32>)
// CHECK: %[[CENTRED:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[SUM]] : tensor<?x3x8xf32>, tensor<?xf32>)
// CHECK: %[[MEAN:.*]] = arith.divf %{{.*}}, %[[COUNT]] : f32
// CHECK: arith.subf %{{.*}}, %[[MEAN]] : f32
// CHECK: %[[SQ:.*]] = linalg.generic {{.*}} ins(%[[CENTRED]] : tensor<?x3x8xf32>)
// CHECK: %[[SSQ:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[SQ]] : tensor<?x3x8xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[SCALE]], #[[BIAS]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[CENTRED]], %[[SSQ]], %[[S]], %[[B]] :
// CHECK: %[[VAR:.*]] = arith.divf %{{.*}}, %[[COUNT]] : f32
// CHECK-NEXT: %[[VE:.*]] = arith.addf %[[VAR]], %[[EPS]] : f32
// CHECK-NEXT: %[[INV:.*]] = math.rsqrt %[[VE]] : f32
// CHECK-NEXT: %[[N:.*]] = arith.mulf %{{.*}}, %[[INV]] : f32
// CHECK-NEXT: %[[SC:.*]] = arith.mulf %[[N]], %{{.*}} : f32
// CHECK-NEXT: %[[OUT:.*]] = arith.addf %[[SC]], %{{.*}} : f32
// CHECK-NEXT: linalg.yield %[[OUT]]
func.func @layer_norm(%a: tensor<?x3x8xf32>, %s: tensor<3x8xf32>, %b: tensor<8xf32>) -> tensor<?x3x8xf32> {
  %0 = tfm.layer_normalization %a, %s, %b {axis = 1 : i64, epsilon = 1.0e-3 : f32} : (tensor<?x3x8xf32>, tensor<3x8xf32>, tensor<8xf32>) -> tensor<?x3x8xf32>
  return %0 : tensor<?x3x8xf32>
}

// -----

// CumSum: out[i] = sum over j of x[j], j <= i (inclusive), j > i
// (exclusive and reverse): a masked reduction over a new innermost j.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @cumsum
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[J:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[SEL:.*]] = arith.cmpi sle, %[[J]], %[[I]] : index
// CHECK-NEXT: %[[ADD:.*]] = arith.addi
// CHECK-NEXT: arith.select %[[SEL]], %[[ADD]]
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: %[[I2:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[J2:.*]] = linalg.index 2 : index
// CHECK-NEXT: arith.cmpi sgt, %[[J2]], %[[I2]] : index
func.func @cumsum(%a: tensor<?x5xi64>) -> (tensor<?x5xi64>, tensor<?x5xi64>) {
  %0 = tfm.cumsum %a {axis = 1 : i64} : tensor<?x5xi64> -> tensor<?x5xi64>
  %1 = tfm.cumsum %a {axis = -1 : i64, exclusive = true, reverse = true} : tensor<?x5xi64> -> tensor<?x5xi64>
  return %0, %1 : tensor<?x5xi64>, tensor<?x5xi64>
}
