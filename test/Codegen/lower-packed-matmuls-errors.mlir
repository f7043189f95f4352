// RUN: sinkc-opt %s --pass-pipeline="builtin.module(sinkc-lower-packed-matmuls{kernel=2 panel-width=4})" --split-input-file --verify-diagnostics

#a = affine_map<(m, p, k, j) -> (m, k)>
#b = affine_map<(m, p, k, j) -> (p, k, j)>
#c = affine_map<(m, p, k, j) -> (m, p, j)>

// Weights packed for another kernel's panel width.
func.func @wrong_width(%a: memref<5x3xf32>, %b: memref<1x3x8xf32>, %c: memref<5x1x8xf32>) {
  // expected-error @below {{weights packed in panels of 8 columns, but kernel 2 reads panels of 4}}
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<5x3xf32>, memref<1x3x8xf32>) outs(%c : memref<5x1x8xf32>) attrs = {sinkc.packed_matmul = 8 : i64} {
  ^bb0(%x: f32, %w: f32, %acc: f32):
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

#a = affine_map<(m, p, k, j) -> (m, k)>
#b = affine_map<(m, p, k, j) -> (p, k, j)>
#c = affine_map<(m, p, k, j) -> (m, p, j)>

// Weights of a type no kernel reads.
func.func @integer_weights(%a: memref<5x3xf32>, %b: memref<1x3x4xi8>, %c: memref<5x1x4xf32>) {
  // expected-error @below {{sinkc.packed_matmul needs f32 activations and results and f32, f16 or bf16 weights}}
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<5x3xf32>, memref<1x3x4xi8>) outs(%c : memref<5x1x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
  ^bb0(%x: f32, %w: i8, %acc: f32):
    %wide = arith.sitofp %w : i8 to f32
    %0 = arith.mulf %x, %wide : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}
