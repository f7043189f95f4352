// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(sinkc-approximate-math)" | FileCheck %s

// The pass runs after convert-linalg-to-loops, so a softmax's exp sits in a
// loop body. It becomes the Cephes-style polynomial: x is clamped, k =
// floor(x * log2(e) + 1/2), the remainder goes through an fma chain, and 2^k
// is built by shifting k + 127 into the exponent bits. No math.exp is left to
// become a libm call per element.
// CHECK-LABEL: func.func @softmax_exp
// CHECK-NOT: math.exp
// CHECK: scf.for
// CHECK: %[[X:.*]] = arith.subf
// CHECK: arith.select %{{.*}}, %[[X]], %{{.*}} : f32
// CHECK: %[[T:.*]] = math.fma %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: math.floor %[[T]] : f32
// CHECK: math.fma
// CHECK: %[[E:.*]] = arith.fptosi %{{.*}} : f32 to i32
// CHECK: %[[B:.*]] = arith.addi %[[E]], %{{.*}} : i32
// CHECK: %[[S:.*]] = arith.shli %[[B]], %{{.*}} : i32
// CHECK: %[[P:.*]] = arith.bitcast %[[S]] : i32 to f32
// CHECK: %[[Y:.*]] = arith.mulf %{{.*}}, %[[P]] : f32
// CHECK: memref.store %[[Y]]
// CHECK-NOT: math.exp
// CHECK: return
func.func @softmax_exp(%in: memref<?xf32>, %out: memref<?xf32>, %max: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %in, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %in[%i] : memref<?xf32>
    %d = arith.subf %x, %max : f32
    %e = math.exp %d : f32
    memref.store %e, %out[%i] : memref<?xf32>
  }
  return
}

// -----

// Vectors stay vectors: the polynomial is evaluated lane-wise, which is the
// point of approximating instead of calling libm.
// CHECK-LABEL: func.func @exp_vector
// CHECK-NOT: math.exp
// CHECK: math.floor %{{.*}} : vector<8xf32>
// CHECK: arith.bitcast %{{.*}} : vector<8xi32> to vector<8xf32>
// CHECK-NOT: math.exp
// CHECK: return %{{.*}} : vector<8xf32>
func.func @exp_vector(%x: vector<8xf32>) -> vector<8xf32> {
  %0 = math.exp %x : vector<8xf32>
  return %0 : vector<8xf32>
}

// -----

// f16 is computed in f32 and truncated back.
// CHECK-LABEL: func.func @exp_f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK-NOT: math.exp
// CHECK: math.floor %{{.*}} : f32
// CHECK: %[[R:.*]] = arith.truncf %{{.*}} : f32 to f16
// CHECK-NEXT: return %[[R]]
func.func @exp_f16(%x: f16) -> f16 {
  %0 = math.exp %x : f16
  return %0 : f16
}

// -----

// GELU's tanh and erf, RoPE's sin and cos, and log (a log-softmax) become
// polynomials too: rational functions for tanh and erf, range reduction by
// multiples of pi/2 (a floor) for sin and cos, the exponent/mantissa split
// (a bitcast to i32) for log.
// CHECK-LABEL: func.func @tanh
// CHECK-NOT: math.tanh
// CHECK: math.fma
// CHECK: arith.divf
// CHECK-NOT: math.tanh
// CHECK: return
func.func @tanh(%x: f32) -> f32 {
  %0 = math.tanh %x : f32
  return %0 : f32
}
// CHECK-LABEL: func.func @erf
// CHECK-NOT: math.erf
// CHECK: math.fma
// CHECK: arith.divf
// CHECK-NOT: math.erf
// CHECK: return
func.func @erf(%x: f32) -> f32 {
  %0 = math.erf %x : f32
  return %0 : f32
}
// CHECK-LABEL: func.func @sin_cos
// CHECK-NOT: math.sin
// CHECK-NOT: math.cos
// CHECK: math.floor
// CHECK: math.fma
// CHECK: math.floor
// CHECK: math.fma
// CHECK-NOT: math.sin
// CHECK-NOT: math.cos
// CHECK: return
func.func @sin_cos(%x: f32) -> (f32, f32) {
  %0 = math.sin %x : f32
  %1 = math.cos %x : f32
  return %0, %1 : f32, f32
}
// CHECK-LABEL: func.func @log
// CHECK-NOT: math.log
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: math.fma
// CHECK-NOT: math.log
// CHECK: return
func.func @log(%x: f32) -> f32 {
  %0 = math.log %x : f32
  return %0 : f32
}

// -----

// Left alone: f64 (the approximations are single precision; f64 models go to
// libm), sqrt (an instruction already), and rsqrt, whose approximation is
// AVX2-only and stays off because the same pipeline targets AArch64.
// CHECK-LABEL: func.func @left_alone
// CHECK-NEXT: %[[E:.*]] = math.exp %{{.*}} : f64
// CHECK-NEXT: %[[S:.*]] = math.sqrt %{{.*}} : f32
// CHECK-NEXT: %[[R:.*]] = math.rsqrt %{{.*}} : vector<8xf32>
// CHECK-NEXT: return %[[E]], %[[S]], %[[R]]
func.func @left_alone(%d: f64, %x: f32, %v: vector<8xf32>) -> (f64, f32, vector<8xf32>) {
  %0 = math.exp %d : f64
  %1 = math.sqrt %x : f32
  %2 = math.rsqrt %v : vector<8xf32>
  return %0, %1, %2 : f64, f32, vector<8xf32>
}
