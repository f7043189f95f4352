// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-pack-matmul-weights{panel-width=4}))" | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-pack-matmul-weights))" | FileCheck %s --check-prefix=OFF
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-pack-matmul-weights{panel-width=4 weights-dtype=bf16}))" | FileCheck %s --check-prefix=BF16
// RUN: sinkc-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(func.func(sinkc-pack-matmul-weights{panel-width=4 weights-dtype=f16}))" | FileCheck %s --check-prefix=F16

// A 3x6 weight in panels of 4 columns: two panels, the second zero-padded.
// Panel 0 holds columns 0-3 of each row, panel 1 columns 4-5 and two zeros:
//   B = [[0 1 2 3 4 5] [6 7 8 9 10 11] [12 13 14 15 16 17]]
//   Bp[0] = [[0 1 2 3] [6 7 8 9] [12 13 14 15]]
//   Bp[1] = [[4 5 0 0] [10 11 0 0] [16 17 0 0]]
// The product is a generic over (m, p, k, j) marked with the panel width,
// collapsed to [M, 8] and sliced back to the 6 real columns.
// CHECK-DAG: #[[MAPA:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
// CHECK-DAG: #[[MAPB:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d3)>
// CHECK-DAG: #[[MAPC:map[0-9]*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @padded_panels
// CHECK-SAME: (%[[A:.*]]: tensor<?x3xf32>)
// CHECK-NOT: linalg.matmul
// The matmul's own zero-filled [M, 6] output goes with it (a dead fill would
// still clear a buffer on every run once bufferized).
// CHECK-NOT: linalg.fill
// CHECK: %[[BP:.*]] = arith.constant dense_resource<sinkc_packed_0> : tensor<2x3x4xf32>
// CHECK: %[[M:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x3xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[M]]) : tensor<?x2x4xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<?x2x4xf32>)
// CHECK: %[[C3:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[MAPA]], #[[MAPB]], #[[MAPC]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction", "parallel"]
// CHECK-SAME: ins(%[[A]], %[[BP]] : tensor<?x3xf32>, tensor<2x3x4xf32>)
// CHECK-SAME: outs(%[[INIT]] : tensor<?x2x4xf32>)
// CHECK-SAME: sinkc.packed_matmul = 4 : i64
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[C3]] {{\[}}[0], [1, 2]] : tensor<?x2x4xf32> into tensor<?x8xf32>
// CHECK: %[[C:.*]] = tensor.extract_slice %[[FLAT]][0, 0] [%{{.*}}, 6] [1, 1] : tensor<?x8xf32> to tensor<?x6xf32>
// CHECK: return %[[C]]
// The blob: the 64-byte alignment word, then the panels as little-endian f32.
// CHECK: sinkc_packed_0: "0x40000000000000000000803F00000040000040400000C0400000E040000000410000104100004041000050410000604100007041000080400000A04000000000000000000000204100003041000000000000000000008041000088410000000000000000"
// OFF-LABEL: func.func @padded_panels
// OFF: linalg.matmul
// OFF-NOT: sinkc.packed_matmul
// Stored as bf16 or f16 (weights-dtype): the same panels in that type, each
// element widened in the product's body before the f32 multiply-add.
// BF16-LABEL: func.func @padded_panels
// BF16: %[[BP:.*]] = arith.constant dense_resource<sinkc_packed_0> : tensor<2x3x4xbf16>
// BF16: linalg.generic
// BF16-SAME: ins(%{{.*}}, %[[BP]] : tensor<?x3xf32>, tensor<2x3x4xbf16>)
// BF16-SAME: sinkc.packed_matmul = 4 : i64
// BF16: ^bb0(%[[X:.*]]: f32, %[[W:.*]]: bf16, %[[ACC:.*]]: f32):
// BF16: %[[WIDE:.*]] = arith.extf %[[W]] : bf16 to f32
// BF16: arith.mulf %[[X]], %[[WIDE]] : f32
// BF16: sinkc_packed_0: "0x400000000000803F00404040C040E0400041104140415041604170418040A0400000000020413041000000008041884100000000"
// F16-LABEL: func.func @padded_panels
// F16: arith.constant dense_resource<sinkc_packed_0> : tensor<2x3x4xf16>
// F16: arith.extf %{{.*}} : f16 to f32
// F16: sinkc_packed_0: "0x400000000000003C004000420046004700488048004A804A004B804B00440045000000000049804900000000004C404C00000000"
func.func @padded_panels(%a: tensor<?x3xf32>) -> tensor<?x6xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %b = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0, 11.0], [12.0, 13.0, 14.0, 15.0, 16.0, 17.0]]> : tensor<3x6xf32>
  %m = tensor.dim %a, %c0 : tensor<?x3xf32>
  %empty = tensor.empty(%m) : tensor<?x6xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x6xf32>) -> tensor<?x6xf32>
  %c = linalg.matmul ins(%a, %b : tensor<?x3xf32>, tensor<3x6xf32>) outs(%init : tensor<?x6xf32>) -> tensor<?x6xf32>
  return %c : tensor<?x6xf32>
}

// -----

// N a multiple of the panel width: no slice.
// CHECK-LABEL: func.func @whole_panels
// CHECK: linalg.generic
// CHECK-SAME: sinkc.packed_matmul = 4 : i64
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<5x2x4xf32> into tensor<5x8xf32>
// CHECK-NOT: tensor.extract_slice
// CHECK: return %[[FLAT]]
func.func @whole_panels(%a: tensor<5x2xf32>) -> tensor<5x8xf32> {
  %zero = arith.constant 0.0 : f32
  %b = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]]> : tensor<2x8xf32>
  %empty = tensor.empty() : tensor<5x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<5x8xf32>) -> tensor<5x8xf32>
  %c = linalg.matmul ins(%a, %b : tensor<5x2xf32>, tensor<2x8xf32>) outs(%init : tensor<5x8xf32>) -> tensor<5x8xf32>
  return %c : tensor<5x8xf32>
}

// -----

// Left alone: a product of two activations, a splat weight, a result that
// does not start from zero, and f64.
// CHECK-LABEL: func.func @not_packed
// CHECK-NOT: sinkc.packed_matmul
// CHECK-COUNT-4: linalg.matmul
func.func @not_packed(%a: tensor<4x2xf32>, %b: tensor<2x4xf32>, %init: tensor<4x4xf32>, %a64: tensor<4x2xf64>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf64>) {
  %zero = arith.constant 0.0 : f32
  %zero64 = arith.constant 0.0 : f64
  %empty = tensor.empty() : tensor<4x4xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<4x4xf32>) -> tensor<4x4xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<4x2xf32>, tensor<2x4xf32>) outs(%fill : tensor<4x4xf32>) -> tensor<4x4xf32>
  %splat = arith.constant dense<2.0> : tensor<2x4xf32>
  %1 = linalg.matmul ins(%a, %splat : tensor<4x2xf32>, tensor<2x4xf32>) outs(%fill : tensor<4x4xf32>) -> tensor<4x4xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %2 = linalg.matmul ins(%a, %w : tensor<4x2xf32>, tensor<2x4xf32>) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
  %w64 = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf64>
  %empty64 = tensor.empty() : tensor<4x4xf64>
  %fill64 = linalg.fill ins(%zero64 : f64) outs(%empty64 : tensor<4x4xf64>) -> tensor<4x4xf64>
  %3 = linalg.matmul ins(%a64, %w64 : tensor<4x2xf64>, tensor<2x4xf64>) outs(%fill64 : tensor<4x4xf64>) -> tensor<4x4xf64>
  return %0, %1, %2, %3 : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf64>
}

// -----

// The transpose of a constant [N, K] = [4, 2] (a Gemm with transB, a tied
// embedding): packed from the constant read transposed, and neither the
// transpose nor the constant is left. Bp[0] = [[1 3 5 7] [2 4 6 8]].
// CHECK-LABEL: func.func @transposed_weight
// CHECK-NOT: linalg.transpose
// CHECK: arith.constant dense_resource<sinkc_packed_0> : tensor<1x2x4xf32>
// CHECK-NOT: linalg.transpose
// CHECK: sinkc.packed_matmul = 4 : i64
// CHECK: sinkc_packed_0: "0x400000000000803F000040400000A0400000E04000000040000080400000C04000000041"
func.func @transposed_weight(%a: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]> : tensor<4x2xf32>
  %t0 = tensor.empty() : tensor<2x4xf32>
  %wt = linalg.transpose ins(%w : tensor<4x2xf32>) outs(%t0 : tensor<2x4xf32>) permutation = [1, 0]
  %empty = tensor.empty() : tensor<3x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x4xf32>) -> tensor<3x4xf32>
  %c = linalg.matmul ins(%a, %wt : tensor<3x2xf32>, tensor<2x4xf32>) outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %c : tensor<3x4xf32>
}

// -----

// A bf16 checkpoint: the constant and its widening (Cast(to=FLOAT), lowered
// to an elementwise extf generic). Packing reads the bf16 values directly: as
// f32 panels, or copied exactly as bf16 panels; the widening and the
// constant go.
// CHECK-LABEL: func.func @checkpoint_weight
// CHECK-NOT: arith.extf
// CHECK: arith.constant dense_resource<sinkc_packed_0> : tensor<1x2x4xf32>
// CHECK-NOT: bf16
// CHECK: sinkc_packed_0: "0x400000000000C03F000000C00000803E00004040000080400000A0400000C0400000E040"
// BF16-LABEL: func.func @checkpoint_weight
// BF16: arith.constant dense_resource<sinkc_packed_0> : tensor<1x2x4xbf16>
// BF16-NOT: tensor<2x4xbf16>
// BF16: sinkc_packed_0: "0x40000000C03F00C0803E40408040A040C040E040"
func.func @checkpoint_weight(%a: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.5, -2.0, 0.25, 3.0], [4.0, 5.0, 6.0, 7.0]]> : tensor<2x4xbf16>
  %e = tensor.empty() : tensor<2x4xf32>
  %wide = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<2x4xbf16>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %x = arith.extf %in : bf16 to f32
    linalg.yield %x : f32
  } -> tensor<2x4xf32>
  %empty = tensor.empty() : tensor<3x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x4xf32>) -> tensor<3x4xf32>
  %c = linalg.matmul ins(%a, %wide : tensor<3x2xf32>, tensor<2x4xf32>) outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %c : tensor<3x4xf32>
}

// -----

// The transposed form, widened before or after the transpose (a Gemm with
// transB on a bf16 weight): both packed from the bf16 constant [N, K].
// BF16-LABEL: func.func @transposed_checkpoint_weight
// BF16-NOT: linalg.transpose
// BF16-NOT: arith.extf %{{.*}} : bf16 to f32
// BF16: arith.constant dense_resource<sinkc_packed_0> : tensor<1x2x4xbf16>
// BF16: arith.constant dense_resource<sinkc_packed_1> : tensor<1x2x4xbf16>
// BF16: sinkc_packed_0: "0x40000000C03F00C0803E40408040A040C040E040"
// BF16: sinkc_packed_1: "0x40000000C03F00C0803E40408040A040C040E040"
func.func @transposed_checkpoint_weight(%a: tensor<3x2xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[1.5, 4.0], [-2.0, 5.0], [0.25, 6.0], [3.0, 7.0]]> : tensor<4x2xbf16>
  %e = tensor.empty() : tensor<4x2xf32>
  %wide = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<4x2xbf16>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %x = arith.extf %in : bf16 to f32
    linalg.yield %x : f32
  } -> tensor<4x2xf32>
  %t0 = tensor.empty() : tensor<2x4xf32>
  %wt = linalg.transpose ins(%wide : tensor<4x2xf32>) outs(%t0 : tensor<2x4xf32>) permutation = [1, 0]
  %empty = tensor.empty() : tensor<3x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x4xf32>) -> tensor<3x4xf32>
  %c = linalg.matmul ins(%a, %wt : tensor<3x2xf32>, tensor<2x4xf32>) outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  %t1 = tensor.empty() : tensor<2x4xbf16>
  %tb = linalg.transpose ins(%w : tensor<4x2xbf16>) outs(%t1 : tensor<2x4xbf16>) permutation = [1, 0]
  %e2 = tensor.empty() : tensor<2x4xf32>
  %wide2 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%tb : tensor<2x4xbf16>) outs(%e2 : tensor<2x4xf32>) {
  ^bb0(%in: bf16, %out: f32):
    %x = arith.extf %in : bf16 to f32
    linalg.yield %x : f32
  } -> tensor<2x4xf32>
  %d = linalg.matmul ins(%a, %wide2 : tensor<3x2xf32>, tensor<2x4xf32>) outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %c, %d : tensor<3x4xf32>, tensor<3x4xf32>
}

// -----

// f16 cannot hold 70000: an error naming the weight (its initializer), not a
// silent infinity. bf16 holds it.
// BF16-LABEL: func.func @out_of_half_range
// BF16: tensor<1x2x4xbf16>
func.func @out_of_half_range(%a: tensor<3x2xf32>) -> tensor<3x4xf32> {
  %zero = arith.constant 0.0 : f32
  // expected-error @below {{weight 'big' holds 70000 (element 5), outside the range of f16 (|x| < 65520): compile with --weights-dtype=bf16 or f32}}
  %w = arith.constant dense_resource<big> : tensor<2x4xf32>
  %empty = tensor.empty() : tensor<3x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<3x4xf32>) -> tensor<3x4xf32>
  %c = linalg.matmul ins(%a, %w : tensor<3x2xf32>, tensor<2x4xf32>) outs(%init : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %c : tensor<3x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      big: "0x040000000000803F0000004000004040000080400000A04000B888470000E04000000041"
    }
  }
#-}
