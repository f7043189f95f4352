// sinkc-lower-sink-to-linalg on the steering intervention sink.mlp_norm_cap:
// sums of squares and dot products with the reference per position (f32
// accumulation), one factor per position (norm / |m[t]| where t >= skip_first
// and the cosine is above the threshold in an ordered comparison, else
// exactly 1), and the MLP output times its factor in its own element type.
//
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-lower-sink-to-linalg,cse)' | FileCheck %s

// Without a reference: the dot products are with position 0's own MLP
// output, whose sum of squares is the first column of the others'.
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[FIRST:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL0:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @bos_reference
// CHECK-SAME: (%[[M:.*]]: tensor<?x?x48xf32>)
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[ID3]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[M]], %[[M]] : tensor<?x?x48xf32>, tensor<?x?x48xf32>)
// CHECK: %[[DOT:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[FIRST]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[M]], %[[M]] : tensor<?x?x48xf32>, tensor<?x?x48xf32>)
// CHECK: %[[F:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]], #[[COL0]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[DOT]], %[[SQ]], %[[SQ]] : tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>)
// CHECK-NEXT: ^bb0(%[[D:.*]]: f32, %[[S:.*]]: f32, %[[S0:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:   %[[NM:.*]] = math.sqrt %[[S]] : f32
// CHECK-NEXT:   %[[NR:.*]] = math.sqrt %[[S0]] : f32
// CHECK-NEXT:   %[[DEN:.*]] = arith.mulf %[[NM]], %[[NR]] : f32
// CHECK-NEXT:   %[[COS:.*]] = arith.divf %[[D]], %[[DEN]] : f32
// CHECK-NEXT:   %[[C:.*]] = arith.constant 9.800000e-01 : f32
// CHECK-NEXT:   %[[ALIGNED:.*]] = arith.cmpf ogt, %[[COS]], %[[C]] : f32
// CHECK-NEXT:   %[[T:.*]] = linalg.index 1 : index
// CHECK-NEXT:   %[[SKIP:.*]] = arith.constant 3 : index
// CHECK-NEXT:   %[[LATE:.*]] = arith.cmpi uge, %[[T]], %[[SKIP]] : index
// CHECK-NEXT:   %[[FIRES:.*]] = arith.andi %[[LATE]], %[[ALIGNED]] : i1
// CHECK-NEXT:   %[[N:.*]] = arith.constant 1.500000e+00 : f32
// CHECK-NEXT:   %[[SCALE:.*]] = arith.divf %[[N]], %[[NM]] : f32
// CHECK-NEXT:   %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:   %[[FACTOR:.*]] = arith.select %[[FIRES]], %[[SCALE]], %[[ONE]] : f32
// CHECK-NEXT:   linalg.yield %[[FACTOR]] : f32
// CHECK: %[[OUT:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x48xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[ROWS]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[M]], %[[F]] : tensor<?x?x48xf32>, tensor<?x?xf32>) outs(%[[OUT]] : tensor<?x?x48xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[G:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:   %[[Y:.*]] = arith.mulf %[[X]], %[[G]] : f32
// CHECK-NEXT:   linalg.yield %[[Y]] : f32
// CHECK: return %[[R]] : tensor<?x?x48xf32>
// CHECK-NOT: sink.
func.func @bos_reference(%m: tensor<?x?x48xf32>) -> tensor<?x?x48xf32> {
  %c = sink.mlp_norm_cap %m {cos_threshold = 0.98 : f32, norm = 1.5 : f32, skip_first = 3 : i64}
      : (tensor<?x?x48xf32>) -> tensor<?x?x48xf32>
  return %c : tensor<?x?x48xf32>
}

// -----

// A reference vector (f64 here): dot products with it, and the sum of its
// squares as a rank-0 tensor that every position reads. f16 MLP outputs are
// widened for the sums and the factor narrowed for the product.
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROWS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[VEC:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[ALL:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[NONE:.*]] = affine_map<(d0) -> ()>
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @vector_reference
// CHECK-SAME: (%[[M:.*]]: tensor<2x?x16xf16>, %[[V:.*]]: tensor<16xf64>)
// CHECK: %[[SQ:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[ID3]], #[[ROWS]]], {{.*}} ins(%[[M]], %[[M]] : tensor<2x?x16xf16>, tensor<2x?x16xf16>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: %[[DOT:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[VEC]], #[[ROWS]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[M]], %[[V]] : tensor<2x?x16xf16>, tensor<16xf64>)
// CHECK: arith.truncf %{{.*}} : f64 to f32
// CHECK: %[[VSQ:.*]] = linalg.generic {indexing_maps = [#[[ALL]], #[[NONE]]], iterator_types = ["reduction"]} ins(%[[V]] : tensor<16xf64>) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[F:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]], #[[SCALAR]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[DOT]], %[[SQ]], %[[VSQ]] : tensor<2x?xf32>, tensor<2x?xf32>, tensor<f32>)
// CHECK: arith.constant -5.000000e-01 : f32
// CHECK: arith.cmpf ogt
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[ROWS]], #[[ID3]]], {{.*}} ins(%[[M]], %[[F]] : tensor<2x?x16xf16>, tensor<2x?xf32>) outs(%{{.*}} : tensor<2x?x16xf16>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f16, %[[G:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT:   %[[G16:.*]] = arith.truncf %[[G]] : f32 to f16
// CHECK-NEXT:   %[[Y:.*]] = arith.mulf %[[X]], %[[G16]] : f16
// CHECK: return %[[R]] : tensor<2x?x16xf16>
func.func @vector_reference(%m: tensor<2x?x16xf16>, %r: tensor<16xf64>) -> tensor<2x?x16xf16> {
  %c = sink.mlp_norm_cap %m reference(%r) {cos_threshold = -0.5 : f32, norm = 0.0 : f32, skip_first = 1 : i64}
      : (tensor<2x?x16xf16>, tensor<16xf64>) -> tensor<2x?x16xf16>
  return %c : tensor<2x?x16xf16>
}
