// Elementwise tfm ops: one all-parallel linalg.generic each over the result,
// with the scalar body of the ONNX operator (integer and floating-point
// forms, Cast between types, Pow with integer, float and constant exponents).
//
// RUN: sinkc-opt %s --sinkc-lower-tfm-to-linalg --split-input-file --allow-unregistered-dialect | FileCheck %s

// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @add_f32
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x3xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<2x3xf32>) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: return %[[R]]
func.func @add_f32(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = tfm.add %a, %b : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Integer arithmetic uses the signed integer ops; integer division checks
// its divisor (a zero or INT_MIN / -1 would trap) and truncates.
// CHECK-LABEL: func.func @integer_arithmetic
// CHECK: arith.subi
// CHECK: arith.muli
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: linalg.generic
// CHECK: ^bb0(%[[N:.*]]: i64, %[[D:.*]]: i64, %{{.*}}: i64):
// CHECK: %[[NZ:.*]] = arith.cmpi ne, %[[D]], %{{.*}} : i64
// CHECK: %[[OK:.*]] = arith.andi %[[NZ]], %{{.*}} : i1
// CHECK: cf.assert %[[OK]], "sinkc: check failed in tfm.div: integer division by zero or overflow"
// CHECK: arith.divsi %[[N]], %[[D]] : i64
func.func @integer_arithmetic(%a: tensor<4xi64>, %b: tensor<4xi64>) -> (tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) {
  %0 = tfm.sub %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %1 = tfm.mul %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %2 = tfm.max %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %3 = tfm.min %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %4 = tfm.div %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0, %1, %2, %3, %4 : tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>
}

// -----

// Floating-point max/min propagate NaN (numpy maximum/minimum, ONNX).
// CHECK-LABEL: func.func @float_max_min
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: arith.divf
func.func @float_max_min(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = tfm.max %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = tfm.min %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = tfm.div %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Integer pow is binary exponentiation unrolled over the exponent's bits (no
// math.ipowi, which LLVM lowering cannot handle); a negative exponent gives
// 1 / base^-e truncated (1, +-1 or 0).
// CHECK-LABEL: func.func @pow_int
// CHECK-NOT: math.ipowi
// CHECK: ^bb0(%[[BASE:.*]]: i32, %[[EXP:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[BIT0:.*]] = arith.shrui %[[EXP]], %{{.*}} : i32
// CHECK: %[[SET0:.*]] = arith.trunci %[[BIT0]] : i32 to i1
// CHECK: arith.muli %{{.*}}, %[[BASE]] : i32
// CHECK: arith.select %[[SET0]]
// CHECK: %[[SQ:.*]] = arith.muli %[[BASE]], %[[BASE]] : i32
// CHECK-COUNT-29: arith.shrui %[[EXP]]
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[EXP]], %{{.*}} : i32
// CHECK: %[[R:.*]] = arith.select %[[NEG]], %{{.*}}, %{{.*}} : i32
// CHECK: linalg.yield %[[R]] : i32
// CHECK-NOT: math.ipowi
func.func @pow_int(%a: tensor<3xi32>, %b: tensor<3xi32>) -> tensor<3xi32> {
  %0 = tfm.pow %a, %b : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

// An integer base with a float exponent: pow in f64, truncated back. A float
// base with an integer exponent: math.fpowi.
// CHECK-LABEL: func.func @pow_mixed
// CHECK: ^bb0(%[[B:.*]]: i64, %[[E:.*]]: f32, %{{.*}}: i64):
// CHECK-NEXT: %[[BF:.*]] = arith.sitofp %[[B]] : i64 to f64
// CHECK-NEXT: %[[EF:.*]] = arith.extf %[[E]] : f32 to f64
// CHECK-NEXT: %[[P:.*]] = math.powf %[[BF]], %[[EF]] : f64
// CHECK-NEXT: %[[R:.*]] = arith.fptosi %[[P]] : f64 to i64
// CHECK-NEXT: linalg.yield %[[R]] : i64
// CHECK: ^bb0(%[[X:.*]]: f32, %[[N:.*]]: i64, %{{.*}}: f32):
// CHECK-NEXT: %[[N32:.*]] = arith.trunci %[[N]] : i64 to i32
// CHECK-NEXT: math.fpowi %[[X]], %[[N32]] : f32, i32
func.func @pow_mixed(%a: tensor<3xi64>, %b: tensor<3xf32>, %x: tensor<3xf32>, %n: tensor<3xi64>) -> (tensor<3xi64>, tensor<3xf32>) {
  %0 = tfm.pow %a, %b : (tensor<3xi64>, tensor<3xf32>) -> tensor<3xi64>
  %1 = tfm.pow %x, %n : (tensor<3xf32>, tensor<3xi64>) -> tensor<3xf32>
  return %0, %1 : tensor<3xi64>, tensor<3xf32>
}

// -----

// x ^ 2 (variance, RMSNorm) is a multiply, x ^ 0.5 a square root, x ^ 3 a
// general powf.
// CHECK-LABEL: func.func @pow_constant_exponent
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK-NEXT: linalg.yield %[[SQ]]
// CHECK: ^bb0(%[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[RT:.*]] = math.sqrt %[[Y]] : f32
// CHECK-NEXT: linalg.yield %[[RT]]
// CHECK: math.powf
func.func @pow_constant_exponent(%a: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) {
  %two = tfm.constant dense<2.0> : tensor<f32>
  %half = tfm.constant dense<0.5> : tensor<f32>
  %three = tfm.constant dense<3.0> : tensor<f32>
  %0 = tfm.pow %a, %two : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xf32>
  %1 = tfm.pow %a, %half : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xf32>
  %2 = tfm.pow %a, %three : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xf32>
  return %0, %1, %2 : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// Cast: float -> int truncates (fptosi), anything -> bool is `!= 0`, bool ->
// number is 0/1, float widths extend or truncate, integer widths sign-extend
// or truncate.
// CHECK-LABEL: func.func @casts
// CHECK: arith.fptosi %{{.*}} : f32 to i64
// CHECK: arith.cmpf une, %{{.*}}, %{{.*}} : f32
// CHECK: arith.cmpi ne, %{{.*}}, %{{.*}} : i64
// CHECK: arith.uitofp %{{.*}} : i1 to f32
// CHECK: arith.extui %{{.*}} : i1 to i64
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: arith.extf %{{.*}} : f16 to f64
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.trunci %{{.*}} : i64 to i8
// CHECK: arith.sitofp %{{.*}} : i64 to f32
func.func @casts(%f: tensor<4xf32>, %i: tensor<4xi64>, %p: tensor<4xi1>, %h: tensor<4xf16>, %j: tensor<4xi32>)
    -> (tensor<4xi64>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>, tensor<4xi64>, tensor<4xf16>, tensor<4xf64>, tensor<4xi64>, tensor<4xi8>, tensor<4xf32>) {
  %0 = tfm.cast %f {to = i64} : tensor<4xf32> -> tensor<4xi64>
  %1 = tfm.cast %f {to = i1} : tensor<4xf32> -> tensor<4xi1>
  %2 = tfm.cast %i {to = i1} : tensor<4xi64> -> tensor<4xi1>
  %3 = tfm.cast %p {to = f32} : tensor<4xi1> -> tensor<4xf32>
  %4 = tfm.cast %p {to = i64} : tensor<4xi1> -> tensor<4xi64>
  %5 = tfm.cast %f {to = f16} : tensor<4xf32> -> tensor<4xf16>
  %6 = tfm.cast %h {to = f64} : tensor<4xf16> -> tensor<4xf64>
  %7 = tfm.cast %j {to = i64} : tensor<4xi32> -> tensor<4xi64>
  %8 = tfm.cast %i {to = i8} : tensor<4xi64> -> tensor<4xi8>
  %9 = tfm.cast %i {to = f32} : tensor<4xi64> -> tensor<4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<4xi64>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>, tensor<4xi64>, tensor<4xf16>, tensor<4xf64>, tensor<4xi64>, tensor<4xi8>, tensor<4xf32>
}

// -----

// bf16, the weights' storage type: widened to f32 (exact), rounded from f32;
// f16 <-> bf16 goes through f32, which holds both exactly (neither 16-bit
// type holds the other).
// CHECK-LABEL: func.func @bfloat16_casts
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: %[[W:.*]] = arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %[[W]] : f32 to bf16
// CHECK: %[[V:.*]] = arith.extf %{{.*}} : bf16 to f32
// CHECK: arith.truncf %[[V]] : f32 to f16
func.func @bfloat16_casts(%b: tensor<4xbf16>, %f: tensor<4xf32>, %h: tensor<4xf16>)
    -> (tensor<4xf32>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xf16>) {
  %0 = tfm.cast %b {to = f32} : tensor<4xbf16> -> tensor<4xf32>
  %1 = tfm.cast %f {to = bf16} : tensor<4xf32> -> tensor<4xbf16>
  %2 = tfm.cast %h {to = bf16} : tensor<4xf16> -> tensor<4xbf16>
  %3 = tfm.cast %b {to = f16} : tensor<4xbf16> -> tensor<4xf16>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xbf16>, tensor<4xbf16>, tensor<4xf16>
}

// -----

// Comparisons: ordered float predicates, signed integer predicates; logic on
// i1; where is a select.
// CHECK-LABEL: func.func @compare_logic_where
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: arith.cmpf ole
// CHECK: arith.andi
// CHECK: arith.ori
// CHECK: arith.xori
// CHECK: ^bb0(%[[P:.*]]: i1, %{{.*}}: i1):
// CHECK-NEXT: %[[TRUE:.*]] = arith.constant true
// CHECK-NEXT: arith.xori %[[P]], %[[TRUE]] : i1
// CHECK: ^bb0(%[[C:.*]]: i1, %[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.select %[[C]], %[[X]], %[[Y]] : f32
func.func @compare_logic_where(%a: tensor<4xf32>, %b: tensor<4xf32>, %i: tensor<4xi64>, %j: tensor<4xi64>, %p: tensor<4xi1>, %q: tensor<4xi1>)
    -> (tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>) {
  %0 = tfm.equal %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %1 = tfm.greater %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %2 = tfm.greater_or_equal %i, %j : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  %3 = tfm.less %i, %j : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  %4 = tfm.less_or_equal %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  %5 = tfm.and %p, %q : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %6 = tfm.or %p, %q : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %7 = tfm.xor %p, %q : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  %8 = tfm.not %p : tensor<4xi1> -> tensor<4xi1>
  %9 = tfm.where %p, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xi1>, tensor<4xf32>
}

// -----

// Unary ops and activations.
// CHECK-LABEL: func.func @unary
// CHECK: arith.negf
// CHECK: arith.subi
// CHECK: math.absf
// CHECK: math.absi
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK: arith.maximumf
// Sigmoid: 1 / (1 + exp(-x)).
// CHECK: %[[NX:.*]] = arith.negf
// CHECK-NEXT: %[[E:.*]] = math.exp %[[NX]]
// CHECK: math.tanh
// CHECK: math.erf
// CHECK: math.exp
// CHECK: math.log
// CHECK: math.cos
// CHECK: math.sin
// CHECK: math.floor
// CHECK: math.ceil
func.func @unary(%a: tensor<4xf32>, %i: tensor<4xi64>) {
  %0 = tfm.neg %a : tensor<4xf32> -> tensor<4xf32>
  %1 = tfm.neg %i : tensor<4xi64> -> tensor<4xi64>
  %2 = tfm.abs %a : tensor<4xf32> -> tensor<4xf32>
  %3 = tfm.abs %i : tensor<4xi64> -> tensor<4xi64>
  %4 = tfm.sqrt %a : tensor<4xf32> -> tensor<4xf32>
  %5 = tfm.reciprocal %a : tensor<4xf32> -> tensor<4xf32>
  %6 = tfm.relu %a : tensor<4xf32> -> tensor<4xf32>
  %7 = tfm.sigmoid %a : tensor<4xf32> -> tensor<4xf32>
  %8 = tfm.tanh %a : tensor<4xf32> -> tensor<4xf32>
  %9 = tfm.erf %a : tensor<4xf32> -> tensor<4xf32>
  %10 = tfm.exp %a : tensor<4xf32> -> tensor<4xf32>
  %11 = tfm.log %a : tensor<4xf32> -> tensor<4xf32>
  %12 = tfm.cos %a : tensor<4xf32> -> tensor<4xf32>
  %13 = tfm.sin %a : tensor<4xf32> -> tensor<4xf32>
  %14 = tfm.floor %a : tensor<4xf32> -> tensor<4xf32>
  %15 = tfm.ceil %a : tensor<4xf32> -> tensor<4xf32>
  "test.use"(%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15) : (tensor<4xf32>, tensor<4xi64>, tensor<4xf32>, tensor<4xi64>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> ()
  return
}

// -----

// Gelu: 0.5 x (1 + erf(x / sqrt 2)), or the tanh approximation.
// CHECK-LABEL: func.func @gelu
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[S:.*]] = arith.mulf %[[X]], %{{.*}} : f32
// CHECK-NEXT: %[[E:.*]] = math.erf %[[S]] : f32
// CHECK: ^bb0(%[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK: math.tanh
func.func @gelu(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = tfm.gelu %a : tensor<4xf32> -> tensor<4xf32>
  %1 = tfm.gelu %a {approximate = "tanh"} : tensor<4xf32> -> tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}
