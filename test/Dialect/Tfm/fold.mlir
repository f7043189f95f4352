// Folders of the tfm ops (--canonicalize). Constants are hoisted to the top
// of the function by the folder, so each case returns its results and the
// checks look at the constants and the return.
//
// RUN: sinkc-opt %s --canonicalize --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @constant_of_shape
// CHECK-DAG: %[[A:.*]] = tfm.constant dense<1.500000e+00> : tensor<2x3xf32>
// CHECK-DAG: %[[B:.*]] = tfm.constant dense<7> : tensor<0x4xi64>
// CHECK: %[[D:.*]] = tfm.constant_of_shape %arg0
// CHECK: return %[[A]], %[[B]], %[[D]]
func.func @constant_of_shape(%dyn: tensor<2xi64>) -> (tensor<2x3xf32>, tensor<0x4xi64>, tensor<?x?xf32>) {
  %s = tfm.constant dense<[2, 3]> : tensor<2xi64>
  %0 = tfm.constant_of_shape %s {value = dense<1.5> : tensor<1xf32>} : tensor<2xi64> -> tensor<2x3xf32>
  %z = tfm.constant dense<[0, 4]> : tensor<2xi64>
  %1 = tfm.constant_of_shape %z {value = dense<7> : tensor<1xi64>} : tensor<2xi64> -> tensor<0x4xi64>
  %2 = tfm.constant_of_shape %dyn {value = dense<0.0> : tensor<1xf32>} : tensor<2xi64> -> tensor<?x?xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<0x4xi64>, tensor<?x?xf32>
}

// -----

// Integer arithmetic wraps like two's complement; division by zero and
// INT64_MIN / -1 are left for run time.
// CHECK-LABEL: func.func @integer_arithmetic
// CHECK-DAG: %[[ADD:.*]] = tfm.constant dense<{{\[}}[11, 12, 13], [21, 22, 23]]> : tensor<2x3xi64>
// CHECK-DAG: %[[SUB:.*]] = tfm.constant dense<[9, 8, 7]> : tensor<3xi64>
// CHECK-DAG: %[[MUL:.*]] = tfm.constant dense<-9223372036854775808> : tensor<i64>
// CHECK-DAG: %[[DIV:.*]] = tfm.constant dense<[-3, 3, 0]> : tensor<3xi64>
// CHECK-DAG: %[[MAX:.*]] = tfm.constant dense<10> : tensor<3xi64>
// CHECK-DAG: %[[MIN:.*]] = tfm.constant dense<[1, -5, -6]> : tensor<3xi64>
// CHECK-DAG: %[[POW:.*]] = tfm.constant dense<[1, 2, 9]> : tensor<3xi64>
// 3^100 mod 2^64 (as a signed value) and 2^64 wrapping to 0.
// CHECK-DAG: %[[BIGPOW:.*]] = tfm.constant dense<[-2984622845537545263, 0]> : tensor<2xi64>
// CHECK: %[[DIV0:.*]] = tfm.div
// CHECK: %[[OVF:.*]] = tfm.div
// CHECK: return %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]], %[[MAX]], %[[MIN]], %[[POW]], %[[DIV0]], %[[OVF]], %[[BIGPOW]]
func.func @integer_arithmetic() -> (tensor<2x3xi64>, tensor<3xi64>, tensor<i64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<i64>, tensor<2xi64>) {
  %col = tfm.constant dense<[[10], [20]]> : tensor<2x1xi64>
  %row = tfm.constant dense<[1, 2, 3]> : tensor<3xi64>
  %ten = tfm.constant dense<10> : tensor<i64>
  %0 = tfm.add %col, %row : (tensor<2x1xi64>, tensor<3xi64>) -> tensor<2x3xi64>
  %1 = tfm.sub %ten, %row : (tensor<i64>, tensor<3xi64>) -> tensor<3xi64>
  %big = tfm.constant dense<4611686018427387904> : tensor<i64>
  %two = tfm.constant dense<2> : tensor<i64>
  %2 = tfm.mul %big, %two : (tensor<i64>, tensor<i64>) -> tensor<i64>
  // Integer division truncates toward zero.
  %num = tfm.constant dense<[-7, 7, 1]> : tensor<3xi64>
  %den = tfm.constant dense<[2, 2, 3]> : tensor<3xi64>
  %3 = tfm.div %num, %den : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %mixed = tfm.constant dense<[1, -5, -6]> : tensor<3xi64>
  %4 = tfm.max %mixed, %row : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %5 = tfm.max %4, %ten : (tensor<3xi64>, tensor<i64>) -> tensor<3xi64>
  %6 = tfm.min %mixed, %row : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %exp = tfm.constant dense<[0, 1, 2]> : tensor<3xi64>
  %base = tfm.constant dense<[5, 2, 3]> : tensor<3xi64>
  %7 = tfm.pow %base, %exp : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %zero = tfm.constant dense<[1, 0, 1]> : tensor<3xi64>
  %8 = tfm.div %row, %zero : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %min = tfm.constant dense<-9223372036854775808> : tensor<i64>
  %m1 = tfm.constant dense<-1> : tensor<i64>
  %9 = tfm.div %min, %m1 : (tensor<i64>, tensor<i64>) -> tensor<i64>
  %bb = tfm.constant dense<[3, 2]> : tensor<2xi64>
  %be = tfm.constant dense<[100, 64]> : tensor<2xi64>
  %10 = tfm.pow %bb, %be : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %0, %1, %2, %3, %5, %6, %7, %8, %9, %10 : tensor<2x3xi64>, tensor<3xi64>, tensor<i64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<3xi64>, tensor<i64>, tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @float_arithmetic
// CHECK-DAG: %[[ADD:.*]] = tfm.constant dense<[1.500000e+00, -1.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[DIV:.*]] = tfm.constant dense<[0x7F800000, 0xFF800000]> : tensor<2xf32>
// CHECK-DAG: %[[POW:.*]] = tfm.constant dense<[2.500000e-01, 4.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[MAX:.*]] = tfm.constant dense<[0x7FF8000000000000, 2.000000e+00]> : tensor<2xf64>
// CHECK: return %[[ADD]], %[[DIV]], %[[POW]], %[[MAX]]
func.func @float_arithmetic() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf64>) {
  %a = tfm.constant dense<[0.5, -2.0]> : tensor<2xf32>
  %one = tfm.constant dense<1.0> : tensor<f32>
  %0 = tfm.add %a, %one : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  %zero = tfm.constant dense<0.0> : tensor<f32>
  %1 = tfm.div %a, %zero : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
  // An integer exponent with a float base.
  %e = tfm.constant dense<2> : tensor<i64>
  %2 = tfm.pow %a, %e : (tensor<2xf32>, tensor<i64>) -> tensor<2xf32>
  // max propagates NaN.
  %n = tfm.constant dense<[0x7FF8000000000000, 2.0]> : tensor<2xf64>
  %m = tfm.constant dense<[1.0, 1.0]> : tensor<2xf64>
  %3 = tfm.max %n, %m : (tensor<2xf64>, tensor<2xf64>) -> tensor<2xf64>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf64>
}

// -----

// CHECK-LABEL: func.func @compare_and_logic
// CHECK-DAG: %[[EQ:.*]] = tfm.constant dense<[false, true, false]> : tensor<3xi1>
// CHECK-DAG: %[[GT:.*]] = tfm.constant dense<[false, false, true]> : tensor<3xi1>
// CHECK-DAG: %[[GE:.*]] = tfm.constant dense<[false, true, true]> : tensor<3xi1>
// CHECK-DAG: %[[LT:.*]] = tfm.constant dense<[true, false, false]> : tensor<3xi1>
// CHECK-DAG: %[[LE:.*]] = tfm.constant dense<[true, true, false]> : tensor<3xi1>
// CHECK-DAG: %[[AND:.*]] = tfm.constant dense<[false, false, false, true]> : tensor<4xi1>
// CHECK-DAG: %[[OR:.*]] = tfm.constant dense<[false, true, true, true]> : tensor<4xi1>
// CHECK-DAG: %[[XOR:.*]] = tfm.constant dense<[false, true, true, false]> : tensor<4xi1>
// CHECK-DAG: %[[NOT:.*]] = tfm.constant dense<[true, true, false, false]> : tensor<4xi1>
// CHECK-DAG: %[[FEQ:.*]] = tfm.constant dense<[true, false]> : tensor<2xi1>
// CHECK: return %[[EQ]], %[[GT]], %[[GE]], %[[LT]], %[[LE]], %[[AND]], %[[OR]], %[[XOR]], %[[NOT]], %[[FEQ]]
func.func @compare_and_logic() -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<2xi1>) {
  %a = tfm.constant dense<[1, 2, 3]> : tensor<3xi64>
  %two = tfm.constant dense<2> : tensor<i64>
  %0 = tfm.equal %a, %two : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %1 = tfm.greater %a, %two : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %2 = tfm.greater_or_equal %a, %two : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %3 = tfm.less %a, %two : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %4 = tfm.less_or_equal %a, %two : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %p = tfm.constant dense<[false, false, true, true]> : tensor<4xi1>
  %q = tfm.constant dense<[false, true, false, true]> : tensor<4xi1>
  %5 = tfm.and %p, %q : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %6 = tfm.or %p, %q : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %7 = tfm.xor %p, %q : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %8 = tfm.not %p : tensor<4xi1> -> tensor<4xi1>
  // NaN is unequal to itself.
  %f = tfm.constant dense<[1.0, 0x7FC00000]> : tensor<2xf32>
  %9 = tfm.equal %f, %f : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xi1>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<2xi1>
}

// -----

// CHECK-LABEL: func.func @unary
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK-DAG: %[[NEG:.*]] = tfm.constant dense<[-1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[INEG:.*]] = tfm.constant dense<[-9223372036854775808, -5]> : tensor<2xi64>
// CHECK-NOT: tfm.identity
// CHECK: return %[[NEG]], %[[INEG]], %[[X]]
func.func @unary(%x: tensor<?x4xf32>) -> (tensor<2xf32>, tensor<2xi64>, tensor<?x4xf32>) {
  %a = tfm.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %0 = tfm.neg %a : tensor<2xf32> -> tensor<2xf32>
  // -INT64_MIN wraps to itself.
  %i = tfm.constant dense<[-9223372036854775808, 5]> : tensor<2xi64>
  %1 = tfm.neg %i : tensor<2xi64> -> tensor<2xi64>
  %2 = tfm.identity %x : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0, %1, %2 : tensor<2xf32>, tensor<2xi64>, tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @where
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[Y:.*]]: tensor<2x3xf32>, %[[C:.*]]: tensor<2x3xi1>)
// CHECK-DAG: %[[SEL:.*]] = tfm.constant dense<{{\[}}[1, -1], [-1, 1]]> : tensor<2x2xi64>
// CHECK-DAG: %[[MASK:.*]] = tfm.constant dense<{{\[}}[0.000000e+00, 0xFF800000], [0.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[BCAST:.*]] = tfm.where %{{.*}}, %[[X]], %{{.*}} : (tensor<i1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK: %[[DYN:.*]] = tfm.where %[[C]], %[[X]], %[[Y]]
// CHECK: return %[[X]], %[[Y]], %[[SEL]], %[[MASK]], %[[BCAST]], %[[DYN]]
func.func @where(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>, %c: tensor<2x3xi1>) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x2xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  // A uniform condition picks an operand of the result's type...
  %t = tfm.constant dense<true> : tensor<2x3xi1>
  %f = tfm.constant dense<false> : tensor<i1>
  %0 = tfm.where %t, %x, %y : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = tfm.where %f, %x, %y : (tensor<i1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // ... and constant operands fold elementwise with broadcasting.
  %c2 = tfm.constant dense<[[true, false], [false, true]]> : tensor<2x2xi1>
  %one = tfm.constant dense<1> : tensor<i64>
  %mone = tfm.constant dense<-1> : tensor<i64>
  %2 = tfm.where %c2, %one, %mone : (tensor<2x2xi1>, tensor<i64>, tensor<i64>) -> tensor<2x2xi64>
  // The causal-mask pattern: where(k <= q, 0, -inf).
  %q = tfm.constant dense<[[0], [1]]> : tensor<2x1xi64>
  %k = tfm.constant dense<[0, 1]> : tensor<2xi64>
  %le = tfm.less_or_equal %k, %q : (tensor<2xi64>, tensor<2x1xi64>) -> tensor<2x2xi1>
  %zero = tfm.constant dense<0.0> : tensor<f32>
  %ninf = tfm.constant dense<0xFF800000> : tensor<f32>
  %3 = tfm.where %le, %zero, %ninf : (tensor<2x2xi1>, tensor<f32>, tensor<f32>) -> tensor<2x2xf32>
  // A uniform condition whose chosen operand needs broadcasting stays.
  %small = tfm.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %4 = tfm.where %f, %x, %small : (tensor<i1>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %5 = tfm.where %c, %x, %y : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x2xi64>, tensor<2x2xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @cast
// CHECK-SAME: (%[[X:.*]]: tensor<?xf32>, %[[D:.*]]: tensor<?x8xf32>)
// CHECK-DAG: %[[TOF:.*]] = tfm.constant dense<[-3.000000e+00, 5.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[TOI:.*]] = tfm.constant dense<[-2, 2, 0]> : tensor<3xi32>
// CHECK-DAG: %[[TOB:.*]] = tfm.constant dense<[true, false, false]> : tensor<3xi1>
// CHECK-DAG: %[[NARROW:.*]] = tfm.constant dense<[-1, 0]> : tensor<2xi8>
// CHECK-DAG: %[[SHAPE:.*]] = tfm.constant dense<8> : tensor<1xi32>
// CHECK: %[[NAN:.*]] = tfm.cast %{{.*}} : tensor<2xf32> -> tensor<2xi64>
// CHECK: return %[[X]], %[[TOF]], %[[TOI]], %[[TOB]], %[[NARROW]], %[[NAN]], %[[SHAPE]]
func.func @cast(%x: tensor<?xf32>, %d: tensor<?x8xf32>) -> (tensor<?xf32>, tensor<2xf32>, tensor<3xi32>, tensor<3xi1>, tensor<2xi8>, tensor<2xi64>, tensor<1xi32>) {
  %0 = tfm.cast %x {to = f32} : tensor<?xf32> -> tensor<?xf32>
  %i = tfm.constant dense<[-3, 5]> : tensor<2xi64>
  %1 = tfm.cast %i {to = f32} : tensor<2xi64> -> tensor<2xf32>
  // Float to integer truncates toward zero.
  %f = tfm.constant dense<[-2.7, 2.7, 0.5]> : tensor<3xf32>
  %2 = tfm.cast %f {to = i32} : tensor<3xf32> -> tensor<3xi32>
  // Anything to bool is x != 0 (and -0.0 == 0).
  %z = tfm.constant dense<[1.5, 0.0, -0.0]> : tensor<3xf32>
  %3 = tfm.cast %z {to = i1} : tensor<3xf32> -> tensor<3xi1>
  // Integer narrowing keeps the low bits.
  %w = tfm.constant dense<[255, 256]> : tensor<2xi64>
  %4 = tfm.cast %w {to = i8} : tensor<2xi64> -> tensor<2xi8>
  // NaN and out-of-range floats to integers are undefined: not folded.
  %nan = tfm.constant dense<[0x7FC00000, 1.0e30]> : tensor<2xf32>
  %5 = tfm.cast %nan {to = i64} : tensor<2xf32> -> tensor<2xi64>
  // A cast of the static part of a shape folds.
  %s = tfm.shape %d {start = 1 : i64} : tensor<?x8xf32> -> tensor<1xi64>
  %6 = tfm.cast %s {to = i32} : tensor<1xi64> -> tensor<1xi32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<?xf32>, tensor<2xf32>, tensor<3xi32>, tensor<3xi1>, tensor<2xi8>, tensor<2xi64>, tensor<1xi32>
}

// -----

// CHECK-LABEL: func.func @cumsum
// CHECK-DAG: %[[INC:.*]] = tfm.constant dense<{{\[}}[1, 3, 6], [4, 9, 15]]> : tensor<2x3xi64>
// CHECK-DAG: %[[EXC:.*]] = tfm.constant dense<{{\[}}[0, 1, 3], [0, 4, 9]]> : tensor<2x3xi64>
// CHECK-DAG: %[[REV:.*]] = tfm.constant dense<{{\[}}[6, 5, 3], [15, 11, 6]]> : tensor<2x3xi64>
// CHECK-DAG: %[[COL:.*]] = tfm.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00], [5.000000e+00, 7.000000e+00, 9.000000e+00]]> : tensor<2x3xf32>
// CHECK-DAG: %[[BOTH:.*]] = tfm.constant dense<{{\[}}[5, 3, 0], [11, 6, 0]]> : tensor<2x3xi64>
// CHECK: return %[[INC]], %[[EXC]], %[[REV]], %[[COL]], %[[BOTH]]
func.func @cumsum() -> (tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xf32>, tensor<2x3xi64>) {
  %a = tfm.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %0 = tfm.cumsum %a {axis = 1 : i64} : tensor<2x3xi64> -> tensor<2x3xi64>
  %1 = tfm.cumsum %a {axis = -1 : i64, exclusive = true} : tensor<2x3xi64> -> tensor<2x3xi64>
  %2 = tfm.cumsum %a {axis = 1 : i64, reverse = true} : tensor<2x3xi64> -> tensor<2x3xi64>
  %f = tfm.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %3 = tfm.cumsum %f {axis = 0 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  %4 = tfm.cumsum %a {axis = 1 : i64, exclusive = true, reverse = true} : tensor<2x3xi64> -> tensor<2x3xi64>
  return %0, %1, %2, %3, %4 : tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xi64>, tensor<2x3xf32>, tensor<2x3xi64>
}

// -----

// CHECK-LABEL: func.func @shape
// CHECK-DAG: %[[STATIC:.*]] = tfm.constant dense<[4, 8]> : tensor<2xi64>
// CHECK-DAG: %[[TAIL:.*]] = tfm.constant dense<8> : tensor<1xi64>
// CHECK: %[[DYN:.*]] = tfm.shape %arg1 : tensor<?x8xf32> -> tensor<2xi64>
// CHECK: return %[[STATIC]], %[[TAIL]], %[[DYN]]
func.func @shape(%x: tensor<4x8xf32>, %d: tensor<?x8xf32>) -> (tensor<2xi64>, tensor<1xi64>, tensor<2xi64>) {
  %0 = tfm.shape %x : tensor<4x8xf32> -> tensor<2xi64>
  %1 = tfm.shape %d {start = -1 : i64} : tensor<?x8xf32> -> tensor<1xi64>
  %2 = tfm.shape %d : tensor<?x8xf32> -> tensor<2xi64>
  return %0, %1, %2 : tensor<2xi64>, tensor<1xi64>, tensor<2xi64>
}

// -----

// Reshape-like ops fold constants to the same data in the new shape and
// no-op reshapes to their operand.
// CHECK-LABEL: func.func @reshape_like
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[D:.*]]: tensor<?x3xf32>)
// CHECK-DAG: %[[R:.*]] = tfm.constant dense<{{\[}}[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi64>
// CHECK-DAG: %[[S:.*]] = tfm.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK-DAG: %[[U:.*]] = tfm.constant dense<{{\[}}[1, 2, 3]]> : tensor<1x3xi64>
// CHECK-DAG: %[[F:.*]] = tfm.constant dense<{{\[}}[1, 2, 3, 4, 5, 6]]> : tensor<1x6xi64>
// CHECK: %[[DR:.*]] = tfm.reshape %[[D]]
// CHECK: return %[[R]], %[[S]], %[[U]], %[[F]], %[[X]], %[[DR]]
func.func @reshape_like(%x: tensor<2x3xf32>, %d: tensor<?x3xf32>) -> (tensor<3x2xi64>, tensor<3xi64>, tensor<1x3xi64>, tensor<1x6xi64>, tensor<2x3xf32>, tensor<?x3xf32>) {
  %c = tfm.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %shape = tfm.constant dense<[3, -1]> : tensor<2xi64>
  %0 = tfm.reshape %c, %shape : (tensor<2x3xi64>, tensor<2xi64>) -> tensor<3x2xi64>
  %row = tfm.constant dense<[[1, 2, 3]]> : tensor<1x3xi64>
  %1 = tfm.squeeze %row {axes = array<i64: 0>} : tensor<1x3xi64> -> tensor<3xi64>
  %2 = tfm.unsqueeze %1 {axes = array<i64: 0>} : tensor<3xi64> -> tensor<1x3xi64>
  %3 = tfm.flatten %c {axis = 0 : i64} : tensor<2x3xi64> -> tensor<1x6xi64>
  %same = tfm.constant dense<[2, 3]> : tensor<2xi64>
  %4 = tfm.reshape %x, %same : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  // A dynamic reshape is not a no-op even with equal types.
  %dshape = tfm.constant dense<[-1, 3]> : tensor<2xi64>
  %5 = tfm.reshape %d, %dshape : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<3x2xi64>, tensor<3xi64>, tensor<1x3xi64>, tensor<1x6xi64>, tensor<2x3xf32>, tensor<?x3xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-DAG: %[[T:.*]] = tfm.constant dense<{{\[}}[1, 4], [2, 5], [3, 6]]> : tensor<3x2xi64>
// CHECK-DAG: %[[T3:.*]] = tfm.constant dense<{{\[}}{{\[}}[0, 4], [1, 5]], {{\[}}[2, 6], [3, 7]]]> : tensor<2x2x2xi64>
// CHECK: return %[[T]], %[[T3]], %[[X]]
func.func @transpose(%x: tensor<2x3xf32>) -> (tensor<3x2xi64>, tensor<2x2x2xi64>, tensor<2x3xf32>) {
  %c = tfm.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %0 = tfm.transpose %c {perm = array<i64: 1, 0>} : tensor<2x3xi64> -> tensor<3x2xi64>
  %r = tfm.constant dense<[[[0, 1], [2, 3]], [[4, 5], [6, 7]]]> : tensor<2x2x2xi64>
  %1 = tfm.transpose %r {perm = array<i64: 1, 2, 0>} : tensor<2x2x2xi64> -> tensor<2x2x2xi64>
  %2 = tfm.transpose %x {perm = array<i64: 0, 1>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<3x2xi64>, tensor<2x2x2xi64>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[Y:.*]]: tensor<?x8xf32>)
// CHECK-DAG: %[[ROWS:.*]] = tfm.constant dense<{{\[}}[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi64>
// CHECK-DAG: %[[COLS:.*]] = tfm.constant dense<{{\[}}[1, 2, 5], [3, 4, 6]]> : tensor<2x3xi64>
// CHECK-DAG: %[[KNOWN:.*]] = tfm.constant dense<[1, 8, -1]> : tensor<3xi64>
// CHECK: %[[PART:.*]] = tfm.concat
// CHECK: return %[[ROWS]], %[[COLS]], %[[KNOWN]], %[[PART]]
func.func @concat(%x: tensor<?x8xf32>, %y: tensor<?x8xf32>) -> (tensor<3x2xi64>, tensor<2x3xi64>, tensor<3xi64>, tensor<3xi64>) {
  %a = tfm.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %b = tfm.constant dense<[[5, 6]]> : tensor<1x2xi64>
  %0 = tfm.concat %a, %b {axis = 0 : i64} : (tensor<2x2xi64>, tensor<1x2xi64>) -> tensor<3x2xi64>
  %c = tfm.constant dense<[[5], [6]]> : tensor<2x1xi64>
  %1 = tfm.concat %a, %c {axis = -1 : i64} : (tensor<2x2xi64>, tensor<2x1xi64>) -> tensor<2x3xi64>
  // Shape arithmetic: the static part of a dynamic shape is known.
  %one = tfm.constant dense<1> : tensor<1xi64>
  %m1 = tfm.constant dense<-1> : tensor<1xi64>
  %s = tfm.shape %x {start = 1 : i64} : tensor<?x8xf32> -> tensor<1xi64>
  %2 = tfm.concat %one, %s, %m1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  // With a dynamic element it stays.
  %full = tfm.shape %y : tensor<?x8xf32> -> tensor<2xi64>
  %3 = tfm.concat %one, %full {axis = 0 : i64} : (tensor<1xi64>, tensor<2xi64>) -> tensor<3xi64>
  return %0, %1, %2, %3 : tensor<3x2xi64>, tensor<2x3xi64>, tensor<3xi64>, tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @slice
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[D:.*]]: tensor<?x?x16xf32>)
// CHECK-DAG: %[[EVERY2:.*]] = tfm.constant dense<[0, 2, 4]> : tensor<3xi64>
// CHECK-DAG: %[[BACK:.*]] = tfm.constant dense<[5, 4, 3]> : tensor<3xi64>
// CHECK-DAG: %[[DIMS:.*]] = tfm.constant dense<16> : tensor<1xi64>
// CHECK: return %[[EVERY2]], %[[BACK]], %[[X]], %[[DIMS]]
func.func @slice(%x: tensor<4x8xf32>, %d: tensor<?x?x16xf32>) -> (tensor<3xi64>, tensor<3xi64>, tensor<4x8xf32>, tensor<1xi64>) {
  %r = tfm.constant dense<[0, 1, 2, 3, 4, 5]> : tensor<6xi64>
  %zero = tfm.constant dense<0> : tensor<1xi64>
  %big = tfm.constant dense<9223372036854775807> : tensor<1xi64>
  %two = tfm.constant dense<2> : tensor<1xi64>
  %0 = tfm.slice %r, %zero, %big, %zero, %two : (tensor<6xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  // Negative step from the end, stopping before index 2.
  %m1 = tfm.constant dense<-1> : tensor<1xi64>
  %end = tfm.constant dense<2> : tensor<1xi64>
  %1 = tfm.slice %r, %m1, %end, %zero, %m1 : (tensor<6xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  // A full slice with step 1 is the identity.
  %one = tfm.constant dense<1> : tensor<1xi64>
  %2 = tfm.slice %x, %zero, %big, %one, %one : (tensor<4x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4x8xf32>
  // Slicing a shape keeps the known elements.
  %s = tfm.shape %d : tensor<?x?x16xf32> -> tensor<3xi64>
  %3 = tfm.slice %s, %m1, %big, %zero, %one : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %0, %1, %2, %3 : tensor<3xi64>, tensor<3xi64>, tensor<4x8xf32>, tensor<1xi64>
}

// -----

// CHECK-LABEL: func.func @expand
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-DAG: %[[E:.*]] = tfm.constant dense<{{\[}}[1, 1, 1], [2, 2, 2]]> : tensor<2x3xi64>
// CHECK: return %[[E]], %[[X]]
func.func @expand(%x: tensor<2x3xf32>) -> (tensor<2x3xi64>, tensor<2x3xf32>) {
  %c = tfm.constant dense<[[1], [2]]> : tensor<2x1xi64>
  %shape = tfm.constant dense<[1, 3]> : tensor<2xi64>
  %0 = tfm.expand %c, %shape : (tensor<2x1xi64>, tensor<2xi64>) -> tensor<2x3xi64>
  %ones = tfm.constant dense<[1, 1]> : tensor<2xi64>
  %1 = tfm.expand %x, %ones : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0, %1 : tensor<2x3xi64>, tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @range
// CHECK-DAG: %[[UP:.*]] = tfm.constant dense<[0, 3, 6]> : tensor<3xi64>
// CHECK-DAG: %[[DOWN:.*]] = tfm.constant dense<[5, 3]> : tensor<2xi32>
// CHECK-DAG: %[[EMPTY:.*]] = tfm.constant dense<> : tensor<0xi64>
// CHECK-DAG: %[[C0:.*]] = tensor.cast %[[UP]] : tensor<3xi64> to tensor<?xi64>
// CHECK-DAG: %[[C1:.*]] = tensor.cast %[[DOWN]] : tensor<2xi32> to tensor<?xi32>
// CHECK-DAG: %[[C2:.*]] = tensor.cast %[[EMPTY]] : tensor<0xi64> to tensor<?xi64>
// CHECK: return %[[C0]], %[[C1]], %[[C2]]
func.func @range() -> (tensor<?xi64>, tensor<?xi32>, tensor<?xi64>) {
  %s = tfm.constant dense<0> : tensor<i64>
  %l = tfm.constant dense<7> : tensor<i64>
  %d = tfm.constant dense<3> : tensor<i64>
  // The declared type is dynamic; canonicalization refines it (and casts
  // back for the return).
  %0 = tfm.range %s, %l, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %s2 = tfm.constant dense<5> : tensor<i32>
  %l2 = tfm.constant dense<1> : tensor<i32>
  %d2 = tfm.constant dense<-2> : tensor<i32>
  %1 = tfm.range %s2, %l2, %d2 : (tensor<i32>, tensor<i32>, tensor<i32>) -> tensor<?xi32>
  %2 = tfm.range %l, %s, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0, %1, %2 : tensor<?xi64>, tensor<?xi32>, tensor<?xi64>
}

// -----

// CHECK-LABEL: func.func @trilu
// CHECK-DAG: %[[UPPER:.*]] = tfm.constant dense<{{\[}}[1, 1, 1], [0, 1, 1], [0, 0, 1]]> : tensor<3x3xi64>
// CHECK-DAG: %[[STRICT:.*]] = tfm.constant dense<{{\[}}[0, 1, 1], [0, 0, 1], [0, 0, 0]]> : tensor<3x3xi64>
// CHECK-DAG: %[[LOWER:.*]] = tfm.constant dense<{{\[}}[1, 0, 0], [1, 1, 0], [1, 1, 1]]> : tensor<3x3xi64>
// CHECK-DAG: %[[BELOW:.*]] = tfm.constant dense<{{\[}}{{\[}}[0.000000e+00, 0.000000e+00], [1.000000e+00, 0.000000e+00]]]> : tensor<1x2x2xf32>
// CHECK: return %[[UPPER]], %[[STRICT]], %[[LOWER]], %[[BELOW]]
func.func @trilu() -> (tensor<3x3xi64>, tensor<3x3xi64>, tensor<3x3xi64>, tensor<1x2x2xf32>) {
  %ones = tfm.constant dense<1> : tensor<3x3xi64>
  %0 = tfm.trilu %ones : tensor<3x3xi64> -> tensor<3x3xi64>
  %1 = tfm.trilu %ones {k = 1 : i64} : tensor<3x3xi64> -> tensor<3x3xi64>
  %2 = tfm.trilu %ones {upper = false} : tensor<3x3xi64> -> tensor<3x3xi64>
  %f = tfm.constant dense<1.0> : tensor<1x2x2xf32>
  %3 = tfm.trilu %f {k = -1 : i64, upper = false} : tensor<1x2x2xf32> -> tensor<1x2x2xf32>
  return %0, %1, %2, %3 : tensor<3x3xi64>, tensor<3x3xi64>, tensor<3x3xi64>, tensor<1x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @gather
// CHECK-DAG: %[[ROWS:.*]] = tfm.constant dense<{{\[}}[5, 6], [1, 2]]> : tensor<2x2xi64>
// CHECK-DAG: %[[COLS:.*]] = tfm.constant dense<{{\[}}[2], [4], [6]]> : tensor<3x1xi64>
// CHECK-DAG: %[[SCALAR:.*]] = tfm.constant dense<16> : tensor<i64>
// CHECK: %[[OOB:.*]] = tfm.gather
// CHECK: %[[DYN:.*]] = tfm.gather
// CHECK: return %[[ROWS]], %[[COLS]], %[[SCALAR]], %[[OOB]], %[[DYN]]
func.func @gather(%d: tensor<?x?x16xf32>) -> (tensor<2x2xi64>, tensor<3x1xi64>, tensor<i64>, tensor<1x2xi64>, tensor<i64>) {
  %t = tfm.constant dense<[[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi64>
  %i = tfm.constant dense<[-1, 0]> : tensor<2xi64>
  %0 = tfm.gather %t, %i : (tensor<3x2xi64>, tensor<2xi64>) -> tensor<2x2xi64>
  %j = tfm.constant dense<[1]> : tensor<1xi32>
  %1 = tfm.gather %t, %j {axis = 1 : i64} : (tensor<3x2xi64>, tensor<1xi32>) -> tensor<3x1xi64>
  // The static dimension of a dynamic shape.
  %s = tfm.shape %d : tensor<?x?x16xf32> -> tensor<3xi64>
  %two = tfm.constant dense<2> : tensor<i64>
  %2 = tfm.gather %s, %two : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  // An out-of-range index is a run-time error, not folded.
  %bad = tfm.constant dense<[3]> : tensor<1xi64>
  %3 = tfm.gather %t, %bad : (tensor<3x2xi64>, tensor<1xi64>) -> tensor<1x2xi64>
  %zero = tfm.constant dense<0> : tensor<i64>
  %4 = tfm.gather %s, %zero : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  return %0, %1, %2, %3, %4 : tensor<2x2xi64>, tensor<3x1xi64>, tensor<i64>, tensor<1x2xi64>, tensor<i64>
}

// -----

// CHECK-LABEL: func.func @gather_nd
// CHECK-DAG: %[[ELEMS:.*]] = tfm.constant dense<[2, 3]> : tensor<2xi64>
// CHECK-DAG: %[[ROWS:.*]] = tfm.constant dense<{{\[}}[3, 4], [1, 2]]> : tensor<2x2xi64>
// CHECK-DAG: %[[BATCH:.*]] = tfm.constant dense<[2, 7]> : tensor<2xi64>
// CHECK: return %[[ELEMS]], %[[ROWS]], %[[BATCH]]
func.func @gather_nd() -> (tensor<2xi64>, tensor<2x2xi64>, tensor<2xi64>) {
  %t = tfm.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %pairs = tfm.constant dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>
  %0 = tfm.gather_nd %t, %pairs : (tensor<2x2xi64>, tensor<2x2xi64>) -> tensor<2xi64>
  %rows = tfm.constant dense<[[1], [-2]]> : tensor<2x1xi64>
  %1 = tfm.gather_nd %t, %rows : (tensor<2x2xi64>, tensor<2x1xi64>) -> tensor<2x2xi64>
  // batch_dims = 1: row b picks element idx[b] of data[b].
  %data = tfm.constant dense<[[1, 2, 3], [5, 6, 7]]> : tensor<2x3xi64>
  %idx = tfm.constant dense<[[1], [2]]> : tensor<2x1xi64>
  %2 = tfm.gather_nd %data, %idx {batch_dims = 1 : i64} : (tensor<2x3xi64>, tensor<2x1xi64>) -> tensor<2xi64>
  return %0, %1, %2 : tensor<2xi64>, tensor<2x2xi64>, tensor<2xi64>
}
