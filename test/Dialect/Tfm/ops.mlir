// Round trip of every tfm op through the custom assembly format, and through
// the generic form (which exercises the properties of every attribute).
//
// RUN: sinkc-opt %s | sinkc-opt | FileCheck %s
// RUN: sinkc-opt %s --mlir-print-op-generic | sinkc-opt | FileCheck %s
// RUN: sinkc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @constants
func.func @constants(%shape: tensor<3xi64>) -> (tensor<2xi64>, tensor<?x?x?xf32>, tensor<2x3xi1>, tensor<4xf32>) {
  // CHECK: tfm.constant dense<[1, 2]> : tensor<2xi64>
  %0 = tfm.constant dense<[1, 2]> : tensor<2xi64>
  // CHECK: tfm.constant_of_shape %{{.*}} {value = dense<1.000000e+00> : tensor<1xf32>} : tensor<3xi64> -> tensor<?x?x?xf32>
  %1 = tfm.constant_of_shape %shape {value = dense<1.0> : tensor<1xf32>} : tensor<3xi64> -> tensor<?x?x?xf32>
  // CHECK: tfm.constant dense<true> : tensor<2x3xi1>
  %2 = tfm.constant dense<true> : tensor<2x3xi1>
  // CHECK: tfm.constant dense_resource<blob> : tensor<4xf32>
  %3 = tfm.constant dense_resource<blob> : tensor<4xf32>
  return %0, %1, %2, %3 : tensor<2xi64>, tensor<?x?x?xf32>, tensor<2x3xi1>, tensor<4xf32>
}

// CHECK-LABEL: func.func @binary
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xf32>, %[[B:.*]]: tensor<4xf32>, %[[I:.*]]: tensor<2x1xi64>, %[[J:.*]]: tensor<3xi64>, %[[K:.*]]: tensor<i64>)
func.func @binary(%a: tensor<?x4xf32>, %b: tensor<4xf32>, %i: tensor<2x1xi64>, %j: tensor<3xi64>, %k: tensor<i64>) {
  // CHECK: tfm.add %[[A]], %[[B]] : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %0 = tfm.add %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: tfm.sub %[[I]], %[[J]] : (tensor<2x1xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  %1 = tfm.sub %i, %j : (tensor<2x1xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  // CHECK: tfm.mul %[[A]], %[[B]] : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %2 = tfm.mul %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: tfm.div %[[A]], %[[B]] : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %3 = tfm.div %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  // CHECK: tfm.max %[[I]], %[[J]] : (tensor<2x1xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  %4 = tfm.max %i, %j : (tensor<2x1xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  // CHECK: tfm.min %[[I]], %[[J]] : (tensor<2x1xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  %5 = tfm.min %i, %j : (tensor<2x1xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  // The exponent of pow may have another element type.
  // CHECK: tfm.pow %[[A]], %[[K]] : (tensor<?x4xf32>, tensor<i64>) -> tensor<?x4xf32>
  %6 = tfm.pow %a, %k : (tensor<?x4xf32>, tensor<i64>) -> tensor<?x4xf32>
  return
}

// CHECK-LABEL: func.func @compare_and_logic
func.func @compare_and_logic(%a: tensor<?x4xf32>, %b: tensor<4xf32>, %p: tensor<4xi1>, %q: tensor<2x1xi1>) {
  // CHECK: tfm.equal %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  %0 = tfm.equal %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  // CHECK: tfm.greater %{{.*}} -> tensor<?x4xi1>
  %1 = tfm.greater %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  // CHECK: tfm.greater_or_equal %{{.*}} -> tensor<?x4xi1>
  %2 = tfm.greater_or_equal %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  // CHECK: tfm.less %{{.*}} -> tensor<?x4xi1>
  %3 = tfm.less %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  // CHECK: tfm.less_or_equal %{{.*}} -> tensor<?x4xi1>
  %4 = tfm.less_or_equal %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x4xi1>
  // CHECK: tfm.and %{{.*}}, %{{.*}} : (tensor<4xi1>, tensor<2x1xi1>) -> tensor<2x4xi1>
  %5 = tfm.and %p, %q : (tensor<4xi1>, tensor<2x1xi1>) -> tensor<2x4xi1>
  // CHECK: tfm.or %{{.*}} -> tensor<2x4xi1>
  %6 = tfm.or %p, %q : (tensor<4xi1>, tensor<2x1xi1>) -> tensor<2x4xi1>
  // CHECK: tfm.xor %{{.*}} -> tensor<2x4xi1>
  %7 = tfm.xor %p, %q : (tensor<4xi1>, tensor<2x1xi1>) -> tensor<2x4xi1>
  // CHECK: tfm.not %{{.*}} : tensor<4xi1> -> tensor<4xi1>
  %8 = tfm.not %p : tensor<4xi1> -> tensor<4xi1>
  // CHECK: tfm.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x1xi1>, tensor<?x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %9 = tfm.where %q, %a, %b : (tensor<2x1xi1>, tensor<?x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<2x?xf32>, %i: tensor<3xi32>) {
  // CHECK: tfm.neg %{{.*}} : tensor<3xi32> -> tensor<3xi32>
  %0 = tfm.neg %i : tensor<3xi32> -> tensor<3xi32>
  // CHECK: tfm.abs %{{.*}} : tensor<3xi32> -> tensor<3xi32>
  %1 = tfm.abs %i : tensor<3xi32> -> tensor<3xi32>
  // CHECK: tfm.sqrt %{{.*}} : tensor<2x?xf32> -> tensor<2x?xf32>
  %2 = tfm.sqrt %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.reciprocal
  %3 = tfm.reciprocal %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.relu
  %4 = tfm.relu %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.sigmoid
  %5 = tfm.sigmoid %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.tanh
  %6 = tfm.tanh %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.erf
  %7 = tfm.erf %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.exp
  %8 = tfm.exp %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.log
  %9 = tfm.log %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.cos
  %10 = tfm.cos %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.sin
  %11 = tfm.sin %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.floor
  %12 = tfm.floor %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.ceil
  %13 = tfm.ceil %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // The default approximation is elided.
  // CHECK: tfm.gelu %{{.*}} : tensor<2x?xf32> -> tensor<2x?xf32>
  %14 = tfm.gelu %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.gelu %{{.*}} {approximate = "tanh"} : tensor<2x?xf32> -> tensor<2x?xf32>
  %15 = tfm.gelu %x {approximate = "tanh"} : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.identity %{{.*}} : tensor<2x?xf32> -> tensor<2x?xf32>
  %16 = tfm.identity %x : tensor<2x?xf32> -> tensor<2x?xf32>
  // CHECK: tfm.cast %{{.*}} {to = f16} : tensor<2x?xf32> -> tensor<2x?xf16>
  %17 = tfm.cast %x {to = f16} : tensor<2x?xf32> -> tensor<2x?xf16>
  // CHECK: tfm.cast %{{.*}} {to = i1} : tensor<3xi32> -> tensor<3xi1>
  %18 = tfm.cast %i {to = i1} : tensor<3xi32> -> tensor<3xi1>
  return
}

// A declared result may be more static than the inferred one (a refinement
// from value_info); it may not contradict it.
// CHECK-LABEL: func.func @refined_result
func.func @refined_result(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<8x4xf32> {
  // CHECK: tfm.add %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<8x4xf32>
  %0 = tfm.add %a, %b : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x?x8xf32>, %i: tensor<4x5xi64>) {
  // Default attributes (all axes, keepdims) are elided.
  // CHECK: tfm.reduce_mean %{{.*}} : tensor<2x?x8xf32> -> tensor<1x1x1xf32>
  %0 = tfm.reduce_mean %x : tensor<2x?x8xf32> -> tensor<1x1x1xf32>
  // CHECK: tfm.reduce_mean %{{.*}} {axes = array<i64: -1>} : tensor<2x?x8xf32> -> tensor<2x?x1xf32>
  %1 = tfm.reduce_mean %x {axes = array<i64: -1>} : tensor<2x?x8xf32> -> tensor<2x?x1xf32>
  // CHECK: tfm.reduce_sum %{{.*}} {axes = array<i64: 0, 2>, keepdims = false} : tensor<2x?x8xf32> -> tensor<?xf32>
  %2 = tfm.reduce_sum %x {axes = array<i64: 0, 2>, keepdims = false} : tensor<2x?x8xf32> -> tensor<?xf32>
  // CHECK: tfm.reduce_max %{{.*}} {noop_with_empty_axes = true} : tensor<4x5xi64> -> tensor<4x5xi64>
  %3 = tfm.reduce_max %i {noop_with_empty_axes = true} : tensor<4x5xi64> -> tensor<4x5xi64>
  // CHECK: tfm.cumsum %{{.*}} {axis = 1 : i64} : tensor<4x5xi64> -> tensor<4x5xi64>
  %4 = tfm.cumsum %i {axis = 1 : i64} : tensor<4x5xi64> -> tensor<4x5xi64>
  // CHECK: tfm.cumsum %{{.*}} {axis = -1 : i64, exclusive = true, reverse = true} : tensor<4x5xi64> -> tensor<4x5xi64>
  %5 = tfm.cumsum %i {axis = -1 : i64, exclusive = true, reverse = true} : tensor<4x5xi64> -> tensor<4x5xi64>
  return
}

// CHECK-LABEL: func.func @normalization
func.func @normalization(%x: tensor<?x?x16xf32>, %w: tensor<16xf32>, %s: tensor<1x4x?x?xf16>) {
  // CHECK: tfm.softmax %{{.*}} : tensor<1x4x?x?xf16> -> tensor<1x4x?x?xf16>
  %0 = tfm.softmax %s : tensor<1x4x?x?xf16> -> tensor<1x4x?x?xf16>
  // CHECK: tfm.softmax %{{.*}} {axis = 1 : i64} : tensor<1x4x?x?xf16> -> tensor<1x4x?x?xf16>
  %1 = tfm.softmax %s {axis = 1 : i64} : tensor<1x4x?x?xf16> -> tensor<1x4x?x?xf16>
  // CHECK: tfm.layer_normalization %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %2 = tfm.layer_normalization %x, %w, %w : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  // The default epsilon is elided.
  // CHECK: tfm.layer_normalization %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %3 = tfm.layer_normalization %x, %w {epsilon = 1.0e-5 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  // CHECK: tfm.layer_normalization %{{.*}}, %{{.*}} {axis = 2 : i64, epsilon = 9.99999997E-7 : f32}
  %4 = tfm.layer_normalization %x, %w {axis = 2 : i64, epsilon = 1.0e-6 : f32} : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return
}

// CHECK-LABEL: func.func @contractions
func.func @contractions(%a: tensor<?x?x16xf32>, %w: tensor<16x32xf32>, %v: tensor<16xf32>, %m: tensor<8x16xf32>, %c: tensor<32xf32>) {
  // CHECK: tfm.matmul %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<16x32xf32>) -> tensor<?x?x32xf32>
  %0 = tfm.matmul %a, %w : (tensor<?x?x16xf32>, tensor<16x32xf32>) -> tensor<?x?x32xf32>
  // CHECK: tfm.matmul %{{.*}}, %{{.*}} : (tensor<16xf32>, tensor<16x32xf32>) -> tensor<32xf32>
  %1 = tfm.matmul %v, %w : (tensor<16xf32>, tensor<16x32xf32>) -> tensor<32xf32>
  // CHECK: tfm.gemm %{{.*}}, %{{.*}}, %{{.*}} : (tensor<8x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  %2 = tfm.gemm %m, %w, %c : (tensor<8x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  // CHECK: tfm.gemm %{{.*}}, %{{.*}} {alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32, transA = true, transB = true} : (tensor<16x8xf32>, tensor<32x16xf32>) -> tensor<8x32xf32>
  %t = tfm.transpose %m {perm = array<i64: 1, 0>} : tensor<8x16xf32> -> tensor<16x8xf32>
  %u = tfm.transpose %w {perm = array<i64: 1, 0>} : tensor<16x32xf32> -> tensor<32x16xf32>
  %3 = tfm.gemm %t, %u {alpha = 0.5 : f32, beta = 2.0 : f32, transA = true, transB = true} : (tensor<16x8xf32>, tensor<32x16xf32>) -> tensor<8x32xf32>
  return
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<?x?x16xf32>, %shape: tensor<3xi64>, %i: tensor<?xi64>) {
  // CHECK: tfm.shape %{{.*}} : tensor<?x?x16xf32> -> tensor<3xi64>
  %0 = tfm.shape %x : tensor<?x?x16xf32> -> tensor<3xi64>
  // CHECK: tfm.shape %{{.*}} {end = -1 : i64, start = 1 : i64} : tensor<?x?x16xf32> -> tensor<1xi64>
  %1 = tfm.shape %x {start = 1 : i64, end = -1 : i64} : tensor<?x?x16xf32> -> tensor<1xi64>
  // CHECK: tfm.reshape %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %2 = tfm.reshape %x, %shape : (tensor<?x?x16xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  // CHECK: tfm.reshape %{{.*}}, %{{.*}} {allowzero = true} : (tensor<?x?x16xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %3 = tfm.reshape %x, %shape {allowzero = true} : (tensor<?x?x16xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  // CHECK: tfm.transpose %{{.*}} {perm = array<i64: 1, 0, 2>} : tensor<?x?x16xf32> -> tensor<?x?x16xf32>
  %4 = tfm.transpose %x {perm = array<i64: 1, 0, 2>} : tensor<?x?x16xf32> -> tensor<?x?x16xf32>
  // CHECK: tfm.unsqueeze %{{.*}} {axes = array<i64: 0, -1>} : tensor<?x?x16xf32> -> tensor<1x?x?x16x1xf32>
  %5 = tfm.unsqueeze %x {axes = array<i64: 0, -1>} : tensor<?x?x16xf32> -> tensor<1x?x?x16x1xf32>
  // CHECK: tfm.squeeze %{{.*}} {axes = array<i64: 0, 4>} : tensor<1x?x?x16x1xf32> -> tensor<?x?x16xf32>
  %6 = tfm.squeeze %5 {axes = array<i64: 0, 4>} : tensor<1x?x?x16x1xf32> -> tensor<?x?x16xf32>
  // CHECK: tfm.squeeze %{{.*}} : tensor<1x3x1xf32> -> tensor<3xf32>
  %c = tfm.constant dense<0.0> : tensor<1x3x1xf32>
  %7 = tfm.squeeze %c : tensor<1x3x1xf32> -> tensor<3xf32>
  // CHECK: tfm.flatten %{{.*}} {axis = 2 : i64} : tensor<?x?x16xf32> -> tensor<?x16xf32>
  %8 = tfm.flatten %x {axis = 2 : i64} : tensor<?x?x16xf32> -> tensor<?x16xf32>
  // CHECK: tfm.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<3xi64>, tensor<?xi64>) -> tensor<?xi64>
  %9 = tfm.concat %shape, %i {axis = 0 : i64} : (tensor<3xi64>, tensor<?xi64>) -> tensor<?xi64>
  // CHECK: tfm.split %{{.*}} {axis = 2 : i64, split = array<i64: 4, 12>} : tensor<?x?x16xf32> -> tensor<?x?x4xf32>, tensor<?x?x12xf32>
  %10:2 = tfm.split %x {axis = 2 : i64, split = array<i64: 4, 12>} : tensor<?x?x16xf32> -> tensor<?x?x4xf32>, tensor<?x?x12xf32>
  // CHECK: tfm.expand %{{.*}}, %{{.*}} : (tensor<?x?x16xf32>, tensor<3xi64>) -> tensor<?x?x16xf32>
  %11 = tfm.expand %x, %shape : (tensor<?x?x16xf32>, tensor<3xi64>) -> tensor<?x?x16xf32>
  return
}

// CHECK-LABEL: func.func @slices
func.func @slices(%x: tensor<?x10xf32>, %start: tensor<1xi64>) {
  %s = tfm.constant dense<[2]> : tensor<1xi64>
  %e = tfm.constant dense<[9223372036854775807]> : tensor<1xi64>
  %a = tfm.constant dense<[1]> : tensor<1xi64>
  %st = tfm.constant dense<[3]> : tensor<1xi64>
  // CHECK: tfm.slice %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x3xf32>
  %0 = tfm.slice %x, %s, %e, %a, %st : (tensor<?x10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x3xf32>
  // A start that is not known gives `?`.
  // CHECK: -> tensor<?x?xf32>
  %1 = tfm.slice %x, %start, %e, %a, %st : (tensor<?x10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return
}

// CHECK-LABEL: func.func @generators
func.func @generators(%n: tensor<i64>, %x: tensor<?x?xf32>) {
  %zero = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  // CHECK: tfm.range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %0 = tfm.range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  // CHECK: tfm.trilu %{{.*}} : tensor<?x?xf32> -> tensor<?x?xf32>
  %1 = tfm.trilu %x : tensor<?x?xf32> -> tensor<?x?xf32>
  // CHECK: tfm.trilu %{{.*}} {k = -1 : i64, upper = false} : tensor<?x?xf32> -> tensor<?x?xf32>
  %2 = tfm.trilu %x {k = -1 : i64, upper = false} : tensor<?x?xf32> -> tensor<?x?xf32>
  return
}

// CHECK-LABEL: func.func @gathers
func.func @gathers(%table: tensor<256x48xf32>, %ids: tensor<?x?xi64>, %data: tensor<2x?x5xi64>, %idx: tensor<2x3x1xi64>, %i32: tensor<7xi32>) {
  // CHECK: tfm.gather %{{.*}}, %{{.*}} : (tensor<256x48xf32>, tensor<?x?xi64>) -> tensor<?x?x48xf32>
  %0 = tfm.gather %table, %ids : (tensor<256x48xf32>, tensor<?x?xi64>) -> tensor<?x?x48xf32>
  // CHECK: tfm.gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<256x48xf32>, tensor<7xi32>) -> tensor<256x7xf32>
  %1 = tfm.gather %table, %i32 {axis = 1 : i64} : (tensor<256x48xf32>, tensor<7xi32>) -> tensor<256x7xf32>
  // CHECK: tfm.gather_nd %{{.*}}, %{{.*}} : (tensor<2x?x5xi64>, tensor<2x3x1xi64>) -> tensor<2x3x?x5xi64>
  %2 = tfm.gather_nd %data, %idx : (tensor<2x?x5xi64>, tensor<2x3x1xi64>) -> tensor<2x3x?x5xi64>
  // CHECK: tfm.gather_nd %{{.*}}, %{{.*}} {batch_dims = 1 : i64} : (tensor<2x?x5xi64>, tensor<2x3x1xi64>) -> tensor<2x3x5xi64>
  %3 = tfm.gather_nd %data, %idx {batch_dims = 1 : i64} : (tensor<2x?x5xi64>, tensor<2x3x1xi64>) -> tensor<2x3x5xi64>
  return
}

// GENERIC: "tfm.split"(%{{.*}}) <{axis = 2 : i64, split = array<i64: 4, 12>}>
// GENERIC: "tfm.slice"

{-#
  dialect_resources: {
    builtin: {
      blob: "0x04000000000000000000803F0000004000004040"
    }
  }
#-}
