// RUN: sinkc-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(func.func(sinkc-copies-to-linalg))" | FileCheck %s

// memref.copy of strided operands would lower to a call of runner-utils'
// memrefCopy, which the executables do not link; linalg.copy on the same
// operands (layouts kept) lowers to loops. Copies in nested regions count too.
// CHECK-LABEL: func.func @strided
// CHECK-SAME: (%[[A:.*]]: memref<?x8xf32>, %[[B:.*]]: memref<?x8xf32>,
// CHECK-NOT: memref.copy
// CHECK: %[[S:.*]] = memref.subview %[[A]]
// CHECK: %[[T:.*]] = memref.subview %[[B]]
// CHECK: linalg.copy ins(%[[S]] : memref<?x4xf32, strided<[8, 1], offset: 2>>) outs(%[[T]] : memref<?x4xf32, strided<[8, 2]>>)
// CHECK: scf.for
// CHECK-NEXT: linalg.copy ins(%[[A]] : memref<?x8xf32>) outs(%[[B]] : memref<?x8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return
func.func @strided(%a: memref<?x8xf32>, %b: memref<?x8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %s = memref.subview %a[0, 2] [%n, 4] [1, 1]
      : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1], offset: 2>>
  %t = memref.subview %b[0, 0] [%n, 4] [1, 2]
      : memref<?x8xf32> to memref<?x4xf32, strided<[8, 2]>>
  memref.copy %s, %t : memref<?x4xf32, strided<[8, 1], offset: 2>>
                    to memref<?x4xf32, strided<[8, 2]>>
  scf.for %i = %c0 to %n step %c1 {
    memref.copy %a, %b : memref<?x8xf32> to memref<?x8xf32>
  }
  return
}

// -----

// Rank 0 (a scalar output) works the same way.
// CHECK-LABEL: func.func @scalar
// CHECK-NEXT: linalg.copy ins(%{{.*}} : memref<i64>) outs(%{{.*}} : memref<i64>)
// CHECK-NEXT: return
func.func @scalar(%a: memref<i64>, %b: memref<i64>) {
  memref.copy %a, %b : memref<i64> to memref<i64>
  return
}

// -----

// Unranked copies are refused: linalg.copy would accept them, but
// convert-linalg-to-loops then drops the copy without a trace.
func.func @unranked(%a: memref<*xf32>, %b: memref<*xf32>) {
  // expected-error @below {{cannot lower a copy of unranked memrefs without runner utils}}
  memref.copy %a, %b : memref<*xf32> to memref<*xf32>
  return
}
