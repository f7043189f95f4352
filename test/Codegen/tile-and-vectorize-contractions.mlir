// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-tile-and-vectorize-contractions))" | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-tile-and-vectorize-contractions))" | FileCheck %s --check-prefix=LEFTOVER
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sinkc-tile-and-vectorize-contractions{tile-m=2 tile-n=8}))" | FileCheck %s --check-prefix=TILE2x8

// Nowhere in the output: the tile marker, a contraction or outer product not
// lowered to 1-D FMAs, a transfer not lowered to plain loads and stores, or a
// subview not folded into them (it would keep the accumulator from being
// hoisted).
// LEFTOVER-NOT: sinkc.register_tile
// LEFTOVER-NOT: vector.contract
// LEFTOVER-NOT: vector.outerproduct
// LEFTOVER-NOT: vector.transfer_
// LEFTOVER-NOT: memref.subview

// A static product, 8x16 by 16x32: register tiles of 4x16 (default). Loops
// M, N, K with K innermost; the 4 accumulator rows are loaded before the K
// loop, carried through it as a vector<4x16xf32> and stored after it. Per K
// step one row of B is loaded and each A element broadcast into one FMA. The
// M loop is marked sinkc.parallel: its row tiles are independent.
// CHECK-LABEL: func.func @matmul_static
// CHECK-SAME: (%[[A:.*]]: memref<8x16xf32>, %[[B:.*]]: memref<16x32xf32>, %[[C:.*]]: memref<8x32xf32>)
// CHECK-NOT: linalg.matmul
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.for %[[I:.*]] = %[[C0]] to %[[C8]] step %[[C4]] {
// CHECK-NEXT: scf.for %[[J:.*]] = %[[C0]] to %[[C32]] step %[[C16]] {
// CHECK-NEXT: vector.load %[[C]][%[[I]], %[[J]]] : memref<8x32xf32>, vector<16xf32>
// CHECK-COUNT-3: vector.load %[[C]][%{{.*}}, %[[J]]] : memref<8x32xf32>, vector<16xf32>
// CHECK: scf.for %[[K:.*]] = %[[C0]] to %[[C16]] step %[[C1]] iter_args(%{{.*}} = %{{.*}}) -> (vector<4x16xf32>) {
// CHECK-NEXT: vector.load %[[A]][%[[I]], %[[K]]] : memref<8x16xf32>, vector<1xf32>
// CHECK-COUNT-3: vector.load %[[A]][%{{.*}}, %[[K]]] : memref<8x16xf32>, vector<1xf32>
// CHECK-NEXT: %[[BROW:.*]] = vector.load %[[B]][%[[K]], %[[J]]] : memref<16x32xf32>, vector<16xf32>
// CHECK-COUNT-4: vector.fma %{{.*}}, %[[BROW]], %{{.*}} : vector<16xf32>
// CHECK-NOT: vector.load
// CHECK: scf.yield %{{.*}} : vector<4x16xf32>
// CHECK-NEXT: }
// CHECK-COUNT-4: vector.store %{{.*}}, %[[C]][%{{.*}}, %[[J]]] : memref<8x32xf32>, vector<16xf32>
// CHECK-NEXT: }
// CHECK-NEXT: } {sinkc.parallel}
// CHECK-NEXT: return
//
// tile-m=2 tile-n=8: the same schedule with 2x8 tiles.
// TILE2x8-LABEL: func.func @matmul_static
// TILE2x8-DAG: %[[C2:.*]] = arith.constant 2 : index
// TILE2x8-DAG: %[[C8:.*]] = arith.constant 8 : index
// TILE2x8: scf.for %{{.*}} = %{{.*}} to %[[C8]] step %[[C2]] {
// TILE2x8-NEXT: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C8]] {
// TILE2x8: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<2x8xf32>) {
// TILE2x8-COUNT-2: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<8xf32>
// TILE2x8-NOT: vector.fma
// TILE2x8: scf.yield %{{.*}} : vector<2x8xf32>
// TILE2x8: } {sinkc.parallel}
func.func @matmul_static(%a: memref<8x16xf32>, %b: memref<16x32xf32>, %c: memref<8x32xf32>) {
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>)
  return
}

// -----

// The projections of a model: M (tokens) dynamic, N = 40 not a multiple of
// 16. The M loop is peeled at floor(M/4)*4: the main loop (marked parallel)
// has full 4-row tiles, 2 tiles of 16 columns and a static 4x8 tile for the
// last 8; the remainder loop (not marked) handles the last rows one at a
// time, still vectorized along N.
// CHECK-LABEL: func.func @matmul_dynamic_m
// CHECK-SAME: (%[[A:.*]]: memref<?x16xf32>, %{{.*}}: memref<16x40xf32>, %[[C:.*]]: memref<?x40xf32>)
// CHECK-NOT: linalg.matmul
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[M:.*]] = memref.dim %[[A]], %[[C0]]
// CHECK: %[[MAIN:.*]] = affine.apply #{{.*}}()[%[[M]]]
// CHECK: scf.for %[[I:.*]] = %[[C0]] to %[[MAIN]] step %[[C4]] {
// CHECK-NEXT: scf.for %[[J:.*]] = %[[C0]] to %[[C32]] step %[[C16]] {
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<4x16xf32>) {
// CHECK-COUNT-4: vector.fma {{.*}} : vector<16xf32>
// CHECK: scf.yield %{{.*}} : vector<4x16xf32>
// CHECK: vector.store %{{.*}}, %[[C]][%{{.*}}, %[[J]]] : memref<?x40xf32>, vector<16xf32>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<4x8xf32>) {
// CHECK-COUNT-4: vector.fma {{.*}} : vector<8xf32>
// CHECK: scf.yield %{{.*}} : vector<4x8xf32>
// CHECK: vector.store %{{.*}}, %[[C]][%{{.*}}, %[[C32]]] : memref<?x40xf32>, vector<8xf32>
// CHECK: } {sinkc.parallel}
// CHECK-NEXT: scf.for %{{.*}} = %[[MAIN]] to %[[M]] step %[[C4]] {
// CHECK-NOT: sinkc.parallel
// CHECK: scf.for %{{.*}} = %[[C0]] to %{{.*}} step %[[C1]] {
// CHECK: vector.fma {{.*}} : vector<16xf32>
// CHECK: vector.fma {{.*}} : vector<8xf32>
// CHECK-NOT: sinkc.parallel
// CHECK: return
func.func @matmul_dynamic_m(%a: memref<?x16xf32>, %b: memref<16x40xf32>, %c: memref<?x40xf32>) {
  linalg.matmul ins(%a, %b : memref<?x16xf32>, memref<16x40xf32>) outs(%c : memref<?x40xf32>)
  return
}

// -----

// A batch_matmul: the batch loop is outermost and serial, the M loop inside
// it is the parallel one; the accumulator keeps the unit batch dimension.
// CHECK-LABEL: func.func @batch_matmul
// CHECK-NOT: linalg.batch_matmul
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C2]] step %[[C1]] {
// CHECK-NEXT: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C4]] {
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<1x4x16xf32>) {
// CHECK-COUNT-4: vector.fma {{.*}} : vector<16xf32>
// CHECK: } {sinkc.parallel}
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @batch_matmul(%a: memref<2x8x16xf32>, %b: memref<2x16x32xf32>, %c: memref<2x8x32xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x8x16xf32>, memref<2x16x32xf32>)
                      outs(%c : memref<2x8x32xf32>)
  return
}

// -----

// Attention scores as elementwise fusion leaves them (from the Mistral zoo
// model): a generic over [batch, heads, query, key] with the head size (12)
// reduced, every size but the heads dynamic. Batch and head loops come first,
// then the parallel query loop (peeled like M above), the key loop and K
// innermost with the 4x16 accumulator carried through it.
// CHECK-LABEL: func.func @attention_scores
// CHECK-NOT: linalg.generic
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: scf.for %{{.*}} = %[[C0]] to %{{.*}} step %[[C1]] {
// CHECK-NEXT: scf.for %{{.*}} = %[[C0]] to %[[C4]] step %[[C1]] {
// CHECK: scf.for %{{.*}} = %[[C0]] to %{{.*}} step %[[C4]] {
// CHECK: scf.for %{{.*}} = %[[C0]] to %{{.*}} step %[[C16]] {
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C12]] step %[[C1]] iter_args({{.*}}) -> (vector<1x1x4x16xf32>) {
// CHECK: scf.yield %{{.*}} : vector<1x1x4x16xf32>
// CHECK: } {sinkc.parallel}
// CHECK-NOT: sinkc.parallel
// CHECK: return
#q = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#kt = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#scores = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
func.func @attention_scores(%q: memref<?x4x?x12xf32>, %kt: memref<?x4x12x?xf32>,
                            %s: memref<?x4x?x?xf32>) {
  linalg.generic {indexing_maps = [#q, #kt, #scores],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %kt : memref<?x4x?x12xf32>, memref<?x4x12x?xf32>) outs(%s : memref<?x4x?x?xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Left alone: f64 and integer products (plain loops later), a reduction that
// is not a contraction, and anything still on tensors (the schedule runs after
// bufferization).
// CHECK-LABEL: func.func @left_alone
// CHECK-NEXT: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x8xf64>, memref<8x16xf64>) outs(%{{.*}} : memref<4x16xf64>)
// CHECK-NEXT: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<4x8xi32>, memref<8x16xi32>) outs(%{{.*}} : memref<4x16xi32>)
// CHECK-NEXT: linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: linalg.yield
// CHECK-NEXT: }
// CHECK-NEXT: %[[R:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x16xf32>)
// CHECK-NEXT: return %[[R]]
// CHECK-NOT: scf.for
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @left_alone(%a64: memref<4x8xf64>, %b64: memref<8x16xf64>, %c64: memref<4x16xf64>,
                      %ai: memref<4x8xi32>, %bi: memref<8x16xi32>, %ci: memref<4x16xi32>,
                      %x: memref<4x16xf32>, %sum: memref<4xf32>,
                      %ta: tensor<4x8xf32>, %tb: tensor<8x16xf32>, %tc: tensor<4x16xf32>)
    -> tensor<4x16xf32> {
  linalg.matmul ins(%a64, %b64 : memref<4x8xf64>, memref<8x16xf64>) outs(%c64 : memref<4x16xf64>)
  linalg.matmul ins(%ai, %bi : memref<4x8xi32>, memref<8x16xi32>) outs(%ci : memref<4x16xi32>)
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x16xf32>) outs(%sum : memref<4xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %s = arith.addf %acc, %in : f32
    linalg.yield %s : f32
  }
  %r = linalg.matmul ins(%ta, %tb : tensor<4x8xf32>, tensor<8x16xf32>)
                     outs(%tc : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %r : tensor<4x16xf32>
}
