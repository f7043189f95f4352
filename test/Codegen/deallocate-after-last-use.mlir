// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-deallocate-after-last-use))" | FileCheck %s

// Each dealloc moves to just after the last use of its buffer, so the second
// buffer can reuse the first one's memory.
// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: linalg.fill {{.*}} outs(%[[A]]
// CHECK: %[[B:.*]] = memref.alloc
// CHECK: linalg.copy ins(%[[A]] {{.*}} outs(%[[B]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK: linalg.copy ins(%[[B]]
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK: return
func.func @chain(%n: index, %out: memref<?xf32>) {
  %cst = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%cst : f32) outs(%a : memref<?xf32>)
  %b = memref.alloc(%n) : memref<?xf32>
  linalg.copy ins(%a : memref<?xf32>) outs(%b : memref<?xf32>)
  linalg.copy ins(%b : memref<?xf32>) outs(%out : memref<?xf32>)
  memref.dealloc %a : memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  return
}

// -----

// A use through a view, inside a loop, keeps the buffer alive until the loop
// ends.
// CHECK-LABEL: func.func @view_in_loop
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: %[[V:.*]] = memref.reshape %[[A]]
// CHECK: scf.for
// CHECK: memref.load %[[V]]
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: arith.addf
func.func @view_in_loop(%n: index, %shape: memref<2xindex>, %x: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc(%n) : memref<?xf32>
  %v = memref.reshape %a(%shape) : (memref<?xf32>, memref<2xindex>) -> memref<?x?xf32>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> f32 {
    %e = memref.load %v[%c0, %i] : memref<?x?xf32>
    %t = arith.addf %acc, %e : f32
    scf.yield %t : f32
  }
  %r = arith.addf %s, %x : f32
  memref.dealloc %a : memref<?xf32>
  return %r : f32
}

// -----

// A memref derived by an op that is not a view (here a select) may alias the
// buffer: the dealloc stays at the end.
// CHECK-LABEL: func.func @select_alias
// CHECK: arith.select
// CHECK: linalg.copy
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
func.func @select_alias(%n: index, %c: i1, %out: memref<?xf32>) {
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  %s = arith.select %c, %a, %b : memref<?xf32>
  linalg.copy ins(%s : memref<?xf32>) outs(%out : memref<?xf32>)
  memref.dealloc %a : memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  return
}

// -----

// A buffer that is never used is freed right after its allocation.
// CHECK-LABEL: func.func @unused
// CHECK: memref.alloc
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: linalg.fill
func.func @unused(%n: index, %out: memref<?xf32>) {
  %cst = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%cst : f32) outs(%out : memref<?xf32>)
  memref.dealloc %a : memref<?xf32>
  return
}
