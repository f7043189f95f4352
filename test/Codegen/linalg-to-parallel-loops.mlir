// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-linalg-to-parallel-loops))" | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-linalg-to-parallel-loops{min-work=100000000}))" | FileCheck %s --check-prefix=COARSE

#id3 = affine_map<(b, t, d) -> (b, t, d)>
#row = affine_map<(b, t, d) -> (b, t)>

// An elementwise op and a row reduction over [B, T, 256]: the two leading
// parallel loops are coalesced into one loop over B * T rows (delinearized
// inside), which is marked sinkc.parallel; the innermost loop over the 256
// columns (the reduction for the row sum) stays whole and unmarked. With
// min-work above 256 * 256 * 256 (dynamic extents count as 256) nothing is
// marked.
// CHECK-LABEL: func.func @rows
// CHECK: %[[ROWS:.*]] = affine.apply #{{.*}}()[%{{.*}}, %{{.*}}]
// CHECK: scf.for %[[R:.*]] = %{{.*}} to %[[ROWS]] step %{{.*}} {
// CHECK-NEXT: affine.delinearize_index %[[R]] into
// CHECK-NEXT: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: arith.mulf
// CHECK: } {sinkc.parallel}
// CHECK: scf.for %[[R2:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT: affine.delinearize_index %[[R2]] into
// CHECK: arith.addf
// CHECK: } {sinkc.parallel}
// CHECK-NOT: linalg.
// COARSE-LABEL: func.func @rows
// COARSE-NOT: sinkc.parallel
// COARSE: return
func.func @rows(%x: memref<?x?x256xf32>, %y: memref<?x?x256xf32>, %s: memref<?x?xf32>) {
  linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : memref<?x?x256xf32>) outs(%y : memref<?x?x256xf32>) {
  ^bb0(%a: f32, %b: f32):
    %0 = arith.mulf %a, %a : f32
    linalg.yield %0 : f32
  }
  linalg.generic {indexing_maps = [#id3, #row], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x : memref<?x?x256xf32>) outs(%s : memref<?x?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %0 = arith.addf %a, %b : f32
    linalg.yield %0 : f32
  }
  return
}

// -----

#id2 = affine_map<(i, j) -> (i, j)>
#red = affine_map<(i, j) -> (j)>

// Not split: rows of 16 elements (256 * 16 in all: too little work), a reduction in
// the outermost loop, a 1-D op (its only loop is the vectorized one), and an
// op inside a loop that is already parallel.
// CHECK-LABEL: func.func @serial
// CHECK-NOT: sinkc.parallel
// CHECK: } {outer, sinkc.parallel}
// CHECK-NOT: sinkc.parallel
// CHECK: return
func.func @serial(%x: memref<?x16xf32>, %y: memref<?x16xf32>, %z: memref<16xf32>, %v: memref<128xf32>, %n: index) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : memref<?x16xf32>) outs(%y : memref<?x16xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id2, #red], iterator_types = ["reduction", "parallel"]} ins(%x : memref<?x16xf32>) outs(%z : memref<16xf32>) {
  ^bb0(%a: f32, %b: f32):
    %0 = arith.addf %a, %b : f32
    linalg.yield %0 : f32
  }
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%v : memref<128xf32>)
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %big = memref.alloc() : memref<64x128xf32>
    linalg.fill ins(%zero : f32) outs(%big : memref<64x128xf32>)
    memref.dealloc %big : memref<64x128xf32>
  } {sinkc.parallel, outer}
  return
}

// -----

#id4 = affine_map<(b, h, t, d) -> (b, h, t, d)>
#heads = affine_map<(b, h, t, d) -> (b, t, h, d)>

// A head transpose [B, T, 8, 32] -> [B, 8, T, 32]: rows of only 32 elements,
// but 8 * T * 32 in all, so it splits over the threads. B * 8 gives 8 rows
// even for B = 1, so only B and the heads are coalesced (one delinearization
// per head, not per row); T and the 32 columns stay ordinary loops.
// CHECK-LABEL: func.func @head_transpose
// CHECK: scf.for %[[R:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT: %[[BH:.*]]:2 = affine.delinearize_index %[[R]] into (%{{.*}}, 8)
// CHECK-NEXT: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NEXT: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK-NOT: delinearize
// CHECK: memref.store
// CHECK: } {sinkc.parallel}
func.func @head_transpose(%x: memref<?x?x8x32xf32>, %y: memref<?x8x?x32xf32>) {
  linalg.generic {indexing_maps = [#heads, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : memref<?x?x8x32xf32>) outs(%y : memref<?x8x?x32xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  }
  return
}
