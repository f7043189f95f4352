// Verifier and type-inference failures of every tfm op that has one.
//
// RUN: sinkc-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// Result types: a declared type may refine the inferred one, not contradict it
//===----------------------------------------------------------------------===//

func.func @refinement_conflict(%a: tensor<?x4xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'tfm.add' op failed to infer returned types}}
  // expected-error @+1 {{'tfm.add' op inferred type(s) 'tensor<?x4xf32>' are incompatible with return type(s) of operation 'tensor<?x5xf32>'}}
  %0 = tfm.add %a, %b : (tensor<?x4xf32>, tensor<4xf32>) -> tensor<?x5xf32>
  return
}

// -----

func.func @rank_conflict(%a: tensor<?x4xf32>) {
  // expected-error @+2 {{'tfm.relu' op failed to infer returned types}}
  // expected-error @+1 {{'tfm.relu' op inferred type(s) 'tensor<?x4xf32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  %0 = tfm.relu %a : tensor<?x4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @element_type_conflict(%a: tensor<4xi64>) {
  // expected-error @+2 {{'tfm.cast' op failed to infer returned types}}
  // expected-error @+1 {{'tfm.cast' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<4xf16>'}}
  %0 = tfm.cast %a {to = f32} : tensor<4xi64> -> tensor<4xf16>
  return
}

// -----

func.func @unsupported_element_type(%a: tensor<4xui8>) {
  // expected-error @+1 {{'tfm.neg' op operand #0 must be ranked tensor of 16-bit float or 32-bit float or 64-bit float or 8-bit signless integer or 16-bit signless integer or 32-bit signless integer or 64-bit signless integer values, but got 'tensor<4xui8>'}}
  %0 = tfm.neg %a : tensor<4xui8> -> tensor<4xui8>
  return
}

// -----

func.func @float_op_on_integers(%a: tensor<4xi32>) {
  // expected-error @+1 {{'tfm.sqrt' op operand #0 must be ranked tensor of 16-bit float or 32-bit float or 64-bit float values}}
  %0 = tfm.sqrt %a : tensor<4xi32> -> tensor<4xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

func.func @constant_of_shape_value() {
  %shape = tfm.constant dense<[2, 3]> : tensor<2xi64>
  // expected-error @+1 {{'tfm.constant_of_shape' op value must hold exactly one element}}
  %0 = tfm.constant_of_shape %shape {value = dense<[1.0, 2.0]> : tensor<2xf32>} : tensor<2xi64> -> tensor<2x3xf32>
  return
}

// -----

func.func @constant_of_shape_negative() {
  %shape = tfm.constant dense<[2, -3]> : tensor<2xi64>
  // expected-error @+2 {{negative dimension -3 in shape}}
  // expected-error @+1 {{'tfm.constant_of_shape' op failed to infer returned types}}
  %0 = tfm.constant_of_shape %shape {value = dense<1.0> : tensor<1xf32>} : tensor<2xi64> -> tensor<2x?xf32>
  return
}

// -----

func.func @constant_of_shape_dynamic_length(%shape: tensor<?xi64>) {
  // expected-error @+2 {{shape operand must be a 1-D int64 tensor of static length}}
  // expected-error @+1 {{'tfm.constant_of_shape' op failed to infer returned types}}
  %0 = tfm.constant_of_shape %shape {value = dense<1.0> : tensor<1xf32>} : tensor<?xi64> -> tensor<?xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

func.func @broadcast_mismatch(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes [2, 3] and [4] are not broadcast-compatible}}
  // expected-error @+1 {{'tfm.mul' op failed to infer returned types}}
  %0 = tfm.mul %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @compare_mismatch(%a: tensor<?x3xi64>, %b: tensor<2xi64>) {
  // expected-error @+2 {{operand shapes [?, 3] and [2] are not broadcast-compatible}}
  // expected-error @+1 {{'tfm.less' op failed to infer returned types}}
  %0 = tfm.less %a, %b : (tensor<?x3xi64>, tensor<2xi64>) -> tensor<?x3xi1>
  return
}

// -----

func.func @mixed_element_types(%a: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{'tfm.add' op requires the same element type for all operands}}
  %0 = tfm.add %a, %b : (tensor<3xf32>, tensor<3xf16>) -> tensor<3xf32>
  return
}

// -----

func.func @where_element_types(%c: tensor<3xi1>, %x: tensor<3xf32>, %y: tensor<3xf16>) {
  // expected-error @+1 {{'tfm.where' op x and y must have the same element type}}
  %0 = tfm.where %c, %x, %y : (tensor<3xi1>, tensor<3xf32>, tensor<3xf16>) -> tensor<3xf32>
  return
}

// -----

func.func @where_broadcast(%c: tensor<2x1xi1>, %x: tensor<3xf32>, %y: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes [2, 3] and [4] are not broadcast-compatible}}
  // expected-error @+1 {{'tfm.where' op failed to infer returned types}}
  %0 = tfm.where %c, %x, %y : (tensor<2x1xi1>, tensor<3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gelu_approximate(%x: tensor<3xf32>) {
  // expected-error @+1 {{'tfm.gelu' op approximate must be "none" or "tanh", not "fast"}}
  %0 = tfm.gelu %x {approximate = "fast"} : tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Reductions and scans
//===----------------------------------------------------------------------===//

func.func @reduce_axis_range(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tfm.reduce_mean' op axis 2 is out of range for rank 2}}
  %0 = tfm.reduce_mean %x {axes = array<i64: 2>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @reduce_axis_repeated(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tfm.reduce_sum' op axis -1 is repeated}}
  %0 = tfm.reduce_sum %x {axes = array<i64: 1, -1>} : tensor<2x3xf32> -> tensor<2x1xf32>
  return
}

// -----

func.func @reduce_max_negative_axis(%x: tensor<2x3xi64>) {
  // expected-error @+1 {{'tfm.reduce_max' op axis -3 is out of range for rank 2}}
  %0 = tfm.reduce_max %x {axes = array<i64: -3>} : tensor<2x3xi64> -> tensor<2x3xi64>
  return
}

// -----

func.func @cumsum_axis(%x: tensor<2x3xi64>) {
  // expected-error @+1 {{'tfm.cumsum' op axis 2 is out of range for rank 2}}
  %0 = tfm.cumsum %x {axis = 2 : i64} : tensor<2x3xi64> -> tensor<2x3xi64>
  return
}

// -----

func.func @cumsum_scalar(%x: tensor<i64>) {
  // expected-error @+1 {{'tfm.cumsum' op axis 0 is out of range for rank 0}}
  %0 = tfm.cumsum %x {axis = 0 : i64} : tensor<i64> -> tensor<i64>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Normalisation and softmax
//===----------------------------------------------------------------------===//

func.func @softmax_axis(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'tfm.softmax' op axis -3 is out of range for rank 2}}
  %0 = tfm.softmax %x {axis = -3 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_axis(%x: tensor<2x3xf32>, %w: tensor<3xf32>) {
  // expected-error @+1 {{'tfm.layer_normalization' op axis 2 is out of range for rank 2}}
  %0 = tfm.layer_normalization %x, %w {axis = 2 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_scale_shape(%x: tensor<2x3xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{'tfm.layer_normalization' op scale/bias shape [4] does not broadcast to the normalised shape [3]}}
  %0 = tfm.layer_normalization %x, %w : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @layer_norm_bias_type(%x: tensor<2x3xf32>, %w: tensor<3xf32>, %b: tensor<3xf16>) {
  // expected-error @+1 {{'tfm.layer_normalization' op scale and bias must have the input's element type}}
  %0 = tfm.layer_normalization %x, %w, %b : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf16>) -> tensor<2x3xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

func.func @matmul_scalar(%a: tensor<f32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{matmul operands must have rank >= 1}}
  // expected-error @+1 {{'tfm.matmul' op failed to infer returned types}}
  %0 = tfm.matmul %a, %b : (tensor<f32>, tensor<3xf32>) -> tensor<f32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<?x4x8xf32>, %b: tensor<7x16xf32>) {
  // expected-error @+2 {{contraction dimensions differ: lhs [?, 4, 8] rhs [7, 16]}}
  // expected-error @+1 {{'tfm.matmul' op failed to infer returned types}}
  %0 = tfm.matmul %a, %b : (tensor<?x4x8xf32>, tensor<7x16xf32>) -> tensor<?x4x16xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x4x8xf32>, %b: tensor<3x8x16xf32>) {
  // expected-error @+2 {{batch dimensions of [2, 4, 8] and [3, 8, 16] are not broadcast-compatible}}
  // expected-error @+1 {{'tfm.matmul' op failed to infer returned types}}
  %0 = tfm.matmul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x16xf32>) -> tensor<2x4x16xf32>
  return
}

// -----

func.func @gemm_rank(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>) {
  // expected-error @+2 {{gemm operands A and B must be 2-D}}
  // expected-error @+1 {{'tfm.gemm' op failed to infer returned types}}
  %0 = tfm.gemm %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

func.func @gemm_contraction(%a: tensor<4x8xf32>, %b: tensor<16x8xf32>) {
  // The transposed operand is what contracts: without transB, 8 meets 16.
  // expected-error @+2 {{gemm contraction dimensions differ (8 vs 16)}}
  // expected-error @+1 {{'tfm.gemm' op failed to infer returned types}}
  %0 = tfm.gemm %a, %b : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @gemm_bias(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<3x16xf32>) {
  // expected-error @+2 {{gemm C of shape [3, 16] does not broadcast to [M, N]}}
  // expected-error @+1 {{'tfm.gemm' op failed to infer returned types}}
  %0 = tfm.gemm %a, %b, %c : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<3x16xf32>) -> tensor<4x16xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

func.func @reshape_dynamic_length(%x: tensor<6xf32>, %shape: tensor<?xi64>) {
  // expected-error @+2 {{shape operand must be 1-D with a static length, got 'tensor<?xi64>'}}
  // expected-error @+1 {{'tfm.reshape' op failed to infer returned types}}
  %0 = tfm.reshape %x, %shape : (tensor<6xf32>, tensor<?xi64>) -> tensor<?xf32>
  return
}

// -----

func.func @reshape_two_minus_one(%x: tensor<6xf32>) {
  %shape = tfm.constant dense<[-1, -1]> : tensor<2xi64>
  // expected-error @+2 {{cannot reshape [6] to [-1, -1]}}
  // expected-error @+1 {{'tfm.reshape' op failed to infer returned types}}
  %0 = tfm.reshape %x, %shape : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @reshape_element_count(%x: tensor<6xf32>) {
  %shape = tfm.constant dense<[4, 2]> : tensor<2xi64>
  // expected-error @+2 {{cannot reshape [6] (6 elements) to [4, 2]}}
  // expected-error @+1 {{'tfm.reshape' op failed to infer returned types}}
  %0 = tfm.reshape %x, %shape : (tensor<6xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return
}

// -----

func.func @reshape_indivisible(%x: tensor<7xf32>) {
  %shape = tfm.constant dense<[2, -1]> : tensor<2xi64>
  // expected-error @+2 {{cannot reshape [7] to [2, -1]}}
  // expected-error @+1 {{'tfm.reshape' op failed to infer returned types}}
  %0 = tfm.reshape %x, %shape : (tensor<7xf32>, tensor<2xi64>) -> tensor<2x?xf32>
  return
}

// -----

func.func @transpose_length(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{perm has 3 entries for rank 2}}
  // expected-error @+1 {{'tfm.transpose' op failed to infer returned types}}
  %0 = tfm.transpose %x {perm = array<i64: 0, 1, 2>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_not_permutation(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{perm is not a permutation of [0, 2)}}
  // expected-error @+1 {{'tfm.transpose' op failed to infer returned types}}
  %0 = tfm.transpose %x {perm = array<i64: 1, 1>} : tensor<2x3xf32> -> tensor<3x3xf32>
  return
}

// -----

func.func @squeeze_not_one(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{cannot squeeze dimension 1 of size 3}}
  // expected-error @+1 {{'tfm.squeeze' op failed to infer returned types}}
  %0 = tfm.squeeze %x {axes = array<i64: 1>} : tensor<2x3xf32> -> tensor<2xf32>
  return
}

// -----

func.func @squeeze_all_dynamic(%x: tensor<?x1xf32>) {
  // expected-error @+2 {{squeeze without axes needs static dimensions}}
  // expected-error @+1 {{'tfm.squeeze' op failed to infer returned types}}
  %0 = tfm.squeeze %x : tensor<?x1xf32> -> tensor<?xf32>
  return
}

// -----

func.func @unsqueeze_axis(%x: tensor<2x3xf32>) {
  // The axes index the result (rank 3 here).
  // expected-error @+2 {{axis 3 is out of range for rank 3}}
  // expected-error @+1 {{'tfm.unsqueeze' op failed to infer returned types}}
  %0 = tfm.unsqueeze %x {axes = array<i64: 3>} : tensor<2x3xf32> -> tensor<2x3x1xf32>
  return
}

// -----

func.func @unsqueeze_repeated(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis -4 is repeated}}
  // expected-error @+1 {{'tfm.unsqueeze' op failed to infer returned types}}
  %0 = tfm.unsqueeze %x {axes = array<i64: 0, -4>} : tensor<2x3xf32> -> tensor<1x1x2x3xf32>
  return
}

// -----

func.func @flatten_axis(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 3 is out of range for rank 2}}
  // expected-error @+1 {{'tfm.flatten' op failed to infer returned types}}
  %0 = tfm.flatten %x {axis = 3 : i64} : tensor<2x3xf32> -> tensor<6x1xf32>
  return
}

// -----

func.func @concat_ranks(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{concat inputs have different ranks}}
  // expected-error @+1 {{'tfm.concat' op failed to infer returned types}}
  %0 = tfm.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @concat_other_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+2 {{concat inputs differ in dimension 1}}
  // expected-error @+1 {{'tfm.concat' op failed to infer returned types}}
  %0 = tfm.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'tfm.concat' op failed to infer returned types}}
  %0 = tfm.concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_no_inputs() {
  // expected-error @+1 {{'tfm.concat' op expected 1 or more operands, but found 0}}
  %0 = tfm.concat {axis = 0 : i64} : () -> tensor<0xf32>
  return
}

// -----

func.func @split_sum(%x: tensor<2x10xf32>) {
  // expected-error @+1 {{'tfm.split' op split sizes sum to 9 but the dimension has size 10}}
  %0:2 = tfm.split %x {axis = 1 : i64, split = array<i64: 4, 5>} : tensor<2x10xf32> -> tensor<2x4xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @split_negative(%x: tensor<2x?xf32>) {
  // expected-error @+2 {{negative split size -1}}
  // expected-error @+1 {{'tfm.split' op failed to infer returned types}}
  %0:2 = tfm.split %x {axis = 1 : i64, split = array<i64: 4, -1>} : tensor<2x?xf32> -> tensor<2x4xf32>, tensor<2x?xf32>
  return
}

// -----

func.func @split_axis(%x: tensor<2x10xf32>) {
  // The verifier checks the axis itself: it runs before inference is checked.
  // expected-error @+1 {{'tfm.split' op axis 2 is out of range for rank 2}}
  %0:2 = tfm.split %x {axis = 2 : i64, split = array<i64: 5, 5>} : tensor<2x10xf32> -> tensor<2x5xf32>, tensor<2x5xf32>
  return
}

// -----

func.func @split_result_count(%x: tensor<2x?xf32>) {
  // expected-error @+1 {{'tfm.split' op has 2 split sizes but 1 results}}
  %0 = tfm.split %x {axis = 1 : i64, split = array<i64: 4, 6>} : tensor<2x?xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @slice_lengths(%x: tensor<2x10xf32>) {
  %s = tfm.constant dense<[0, 0]> : tensor<2xi64>
  %e = tfm.constant dense<[1]> : tensor<1xi64>
  %a = tfm.constant dense<[1]> : tensor<1xi64>
  // expected-error @+2 {{starts, ends, axes and steps must have the same length}}
  // expected-error @+1 {{'tfm.slice' op failed to infer returned types}}
  %0 = tfm.slice %x, %s, %e, %a, %e : (tensor<2x10xf32>, tensor<2xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x1xf32>
  return
}

// -----

func.func @slice_axis(%x: tensor<2x10xf32>) {
  %c = tfm.constant dense<[1]> : tensor<1xi64>
  %a = tfm.constant dense<[2]> : tensor<1xi64>
  // expected-error @+2 {{slice axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'tfm.slice' op failed to infer returned types}}
  %0 = tfm.slice %x, %c, %c, %a, %c : (tensor<2x10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x10xf32>
  return
}

// -----

func.func @slice_repeated_axis(%x: tensor<2x10xf32>) {
  %c = tfm.constant dense<[0, 1]> : tensor<2xi64>
  %a = tfm.constant dense<[1, -1]> : tensor<2xi64>
  %st = tfm.constant dense<[1, 1]> : tensor<2xi64>
  // expected-error @+2 {{slice axis -1 is repeated}}
  // expected-error @+1 {{'tfm.slice' op failed to infer returned types}}
  %0 = tfm.slice %x, %c, %c, %a, %st : (tensor<2x10xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<2x?xf32>
  return
}

// -----

func.func @slice_zero_step(%x: tensor<2x10xf32>) {
  %s = tfm.constant dense<[0]> : tensor<1xi64>
  %e = tfm.constant dense<[5]> : tensor<1xi64>
  %a = tfm.constant dense<[1]> : tensor<1xi64>
  %st = tfm.constant dense<[0]> : tensor<1xi64>
  // expected-error @+2 {{slice step must not be zero}}
  // expected-error @+1 {{'tfm.slice' op failed to infer returned types}}
  %0 = tfm.slice %x, %s, %e, %a, %st : (tensor<2x10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x?xf32>
  return
}

// -----

func.func @expand_incompatible(%x: tensor<3x4xf32>) {
  %shape = tfm.constant dense<[2, 3, 5]> : tensor<3xi64>
  // expected-error @+2 {{cannot expand [3, 4] to [2, 3, 5]}}
  // expected-error @+1 {{'tfm.expand' op failed to infer returned types}}
  %0 = tfm.expand %x, %shape : (tensor<3x4xf32>, tensor<3xi64>) -> tensor<2x3x5xf32>
  return
}

// -----

func.func @expand_negative(%x: tensor<3x4xf32>) {
  %shape = tfm.constant dense<[-2, 1]> : tensor<2xi64>
  // expected-error @+2 {{negative dimension -2 in shape}}
  // expected-error @+1 {{'tfm.expand' op failed to infer returned types}}
  %0 = tfm.expand %x, %shape : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @range_zero_delta() {
  %s = tfm.constant dense<0> : tensor<i64>
  %l = tfm.constant dense<5> : tensor<i64>
  %d = tfm.constant dense<0> : tensor<i64>
  // expected-error @+2 {{range delta must not be zero}}
  // expected-error @+1 {{'tfm.range' op failed to infer returned types}}
  %0 = tfm.range %s, %l, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return
}

// -----

func.func @range_too_long() {
  %s = tfm.constant dense<-9223372036854775807> : tensor<i64>
  %l = tfm.constant dense<9223372036854775807> : tensor<i64>
  %d = tfm.constant dense<1> : tensor<i64>
  // expected-error @+2 {{range has too many elements}}
  // expected-error @+1 {{'tfm.range' op failed to infer returned types}}
  %0 = tfm.range %s, %l, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return
}

// -----

func.func @range_not_scalar(%s: tensor<2xi64>, %l: tensor<i64>) {
  // expected-error @+1 {{'tfm.range' op start, limit and delta must be scalars}}
  %0 = tfm.range %s, %l, %l : (tensor<2xi64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return
}

// -----

func.func @range_element_types(%s: tensor<i32>, %l: tensor<i64>) {
  // expected-error @+1 {{'tfm.range' op start, limit and delta must have the result's element type}}
  %0 = tfm.range %s, %l, %l : (tensor<i32>, tensor<i64>, tensor<i64>) -> tensor<?xi32>
  return
}

// -----

func.func @trilu_rank(%x: tensor<5xf32>) {
  // expected-error @+1 {{'tfm.trilu' op input must have rank >= 2}}
  %0 = tfm.trilu %x : tensor<5xf32> -> tensor<5xf32>
  return
}

// -----

func.func @gather_axis(%x: tensor<5x3xf32>, %i: tensor<2xi64>) {
  // expected-error @+2 {{axis -3 is out of range for rank 2}}
  // expected-error @+1 {{'tfm.gather' op failed to infer returned types}}
  %0 = tfm.gather %x, %i {axis = -3 : i64} : (tensor<5x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gather_float_indices(%x: tensor<5x3xf32>, %i: tensor<2xf32>) {
  // expected-error @+1 {{'tfm.gather' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2xf32>'}}
  %0 = tfm.gather %x, %i : (tensor<5x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @gather_nd_dynamic_depth(%x: tensor<5x3xf32>, %i: tensor<2x?xi64>) {
  // expected-error @+2 {{the last dimension of the indices must be static}}
  // expected-error @+1 {{'tfm.gather_nd' op failed to infer returned types}}
  %0 = tfm.gather_nd %x, %i : (tensor<5x3xf32>, tensor<2x?xi64>) -> tensor<2x?xf32>
  return
}

// -----

func.func @gather_nd_batch_dims(%x: tensor<5x3xf32>, %i: tensor<5x1xi64>) {
  // expected-error @+2 {{batch_dims 2 is out of range}}
  // expected-error @+1 {{'tfm.gather_nd' op failed to infer returned types}}
  %0 = tfm.gather_nd %x, %i {batch_dims = 2 : i64} : (tensor<5x3xf32>, tensor<5x1xi64>) -> tensor<5xf32>
  return
}

// -----

func.func @gather_nd_depth(%x: tensor<5x3xf32>, %i: tensor<2x3xi64>) {
  // expected-error @+2 {{index tuples of length 3 do not fit data of rank 2}}
  // expected-error @+1 {{'tfm.gather_nd' op failed to infer returned types}}
  %0 = tfm.gather_nd %x, %i : (tensor<5x3xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return
}

// -----

func.func @reshape_shape_too_long(%x: tensor<1xf32>) {
  %shape = tfm.constant dense<1> : tensor<65xi64>
  // Shape operands are small vectors; 65 dimensions is not a real shape.
  // expected-error @+2 {{shape operand has too many elements}}
  // expected-error @+1 {{'tfm.reshape' op failed to infer returned types}}
  %0 = tfm.reshape %x, %shape : (tensor<1xf32>, tensor<65xi64>) -> tensor<1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1x1xf32>
  return
}

// -----

func.func @expand_dynamic_length(%x: tensor<3xf32>, %shape: tensor<?xi64>) {
  // expected-error @+2 {{shape operand must be 1-D with a static length, got 'tensor<?xi64>'}}
  // expected-error @+1 {{'tfm.expand' op failed to infer returned types}}
  %0 = tfm.expand %x, %shape : (tensor<3xf32>, tensor<?xi64>) -> tensor<?xf32>
  return
}

// -----

func.func @constant_of_shape_value_type(%shape: tensor<2xi64>) {
  // The value's element type is the result element type.
  // expected-error @+2 {{'tfm.constant_of_shape' op failed to infer returned types}}
  // expected-error @+1 {{'tfm.constant_of_shape' op inferred type(s) 'tensor<?x?xi64>' are incompatible with return type(s) of operation 'tensor<?x?xf32>'}}
  %0 = tfm.constant_of_shape %shape {value = dense<1> : tensor<1xi64>} : tensor<2xi64> -> tensor<?x?xf32>
  return
}

// -----

func.func @gemm_bias_larger_than_result(%a: tensor<1x8xf32>, %b: tensor<8x16xf32>, %c: tensor<5x16xf32>) {
  // C broadcasts to [M, N] one way only: a [5, 16] C does not fit M = 1.
  // expected-error @+2 {{gemm C of shape [5, 16] does not broadcast to [M, N]}}
  // expected-error @+1 {{'tfm.gemm' op failed to infer returned types}}
  %0 = tfm.gemm %a, %b, %c : (tensor<1x8xf32>, tensor<8x16xf32>, tensor<5x16xf32>) -> tensor<1x16xf32>
  return
}

// -----

func.func @layer_norm_scale_larger(%x: tensor<2x1xf32>, %w: tensor<16xf32>) {
  // expected-error @+1 {{'tfm.layer_normalization' op scale/bias shape [16] does not broadcast to the normalised shape [1]}}
  %0 = tfm.layer_normalization %x, %w : (tensor<2x1xf32>, tensor<16xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @layer_norm_scale_rank(%x: tensor<2x16xf32>, %w: tensor<2x16xf32>) {
  // The scale covers the normalised axes only (here the last one).
  // expected-error @+1 {{'tfm.layer_normalization' op scale/bias shape [2, 16] does not broadcast to the normalised shape [16]}}
  %0 = tfm.layer_normalization %x, %w : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  return
}
