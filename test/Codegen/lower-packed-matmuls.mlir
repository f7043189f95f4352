// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(sinkc-lower-packed-matmuls{kernel=2 panel-width=4})" | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(sinkc-lower-packed-matmuls)" | FileCheck %s --check-prefix=NONE

#a = affine_map<(m, p, k, j) -> (m, k)>
#b = affine_map<(m, p, k, j) -> (p, k, j)>
#c = affine_map<(m, p, k, j) -> (m, p, j)>

// A packed product right after the zero fill of its result: the fill goes,
// and the kernel (number 2) overwrites C (accumulate = 0). The runtime
// context is the function's sinkc.runtime_context argument; the operands
// reach the runtime as unranked memrefs (descriptors with their strides).
// CHECK-LABEL: func.func @after_zero_fill
// CHECK-SAME: (%[[A:.*]]: memref<?x3xf32, strided<[?, 1], offset: ?>>, %[[B:.*]]: memref<2x3x4xf32>, %[[C:.*]]: memref<?x2x4xf32>, %[[CTX:.*]]: !llvm.ptr {sinkc.runtime_context})
// CHECK-NOT: linalg.fill
// CHECK-DAG: %[[KERNEL:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[OVERWRITE:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[UA:.*]] = memref.cast %[[A]] : memref<?x3xf32, strided<[?, 1], offset: ?>> to memref<*xf32>
// CHECK-DAG: %[[UB:.*]] = memref.cast %[[B]] : memref<2x3x4xf32> to memref<*xf32>
// CHECK-DAG: %[[UC:.*]] = memref.cast %[[C]] : memref<?x2x4xf32> to memref<*xf32>
// CHECK: call @sinkrt_matmul_f32_packed(%[[CTX]], %[[KERNEL]], %[[OVERWRITE]], %[[UA]], %[[UB]], %[[UC]]) : (!llvm.ptr, i64, i64, memref<*xf32>, memref<*xf32>, memref<*xf32>) -> ()
// CHECK-NOT: linalg.generic
// CHECK: func.func private @sinkrt_matmul_f32_packed(!llvm.ptr, i64, i64, memref<*xf32>, memref<*xf32>, memref<*xf32>)
// NONE-LABEL: func.func @after_zero_fill
// NONE: linalg.fill
// NONE: linalg.generic
// NONE-NOT: sinkrt_matmul_f32_packed
func.func @after_zero_fill(%a: memref<?x3xf32, strided<[?, 1], offset: ?>>, %b: memref<2x3x4xf32>, %c: memref<?x2x4xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x2x4xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<?x3xf32, strided<[?, 1], offset: ?>>, memref<2x3x4xf32>) outs(%c : memref<?x2x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
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

// No zero fill right before (a fill of something else, a fill of one): the
// kernel accumulates into C. Without a context argument it gets a null
// pointer and runs on the calling thread. Unmarked generics stay.
// CHECK-LABEL: func.func @accumulate_without_context
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : memref<5x1x4xf32>)
// CHECK: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK: %[[ACC:.*]] = arith.constant 1 : i64
// CHECK: call @sinkrt_matmul_f32_packed(%[[NULL]], %{{.*}}, %[[ACC]],
// CHECK: linalg.generic
// CHECK-NOT: sinkc.packed_matmul
// CHECK: return
func.func @accumulate_without_context(%a: memref<5x3xf32>, %b: memref<1x3x4xf32>, %c: memref<5x1x4xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.fill ins(%one : f32) outs(%c : memref<5x1x4xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<5x3xf32>, memref<1x3x4xf32>) outs(%c : memref<5x1x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
  ^bb0(%x: f32, %w: f32, %acc: f32):
    %0 = arith.mulf %x, %w : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<5x3xf32>, memref<1x3x4xf32>) outs(%c : memref<5x1x4xf32>) {
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

// Weights packed as bf16 and f16 (sinkc --weights-dtype): each storage type
// has its own entry point, declared once, whose weights operand is an
// unranked memref of that type; A and C stay f32.
// CHECK-LABEL: func.func @half_weights
// CHECK: %[[UB:.*]] = memref.cast %{{.*}} : memref<2x3x4xbf16> to memref<*xbf16>
// CHECK: call @sinkrt_matmul_bf16_packed(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[UB]], %{{.*}}) : (!llvm.ptr, i64, i64, memref<*xf32>, memref<*xbf16>, memref<*xf32>) -> ()
// CHECK: %[[UH:.*]] = memref.cast %{{.*}} : memref<2x3x4xf16> to memref<*xf16>
// CHECK: call @sinkrt_matmul_f16_packed(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[UH]], %{{.*}}) : (!llvm.ptr, i64, i64, memref<*xf32>, memref<*xf16>, memref<*xf32>) -> ()
// CHECK: call @sinkrt_matmul_bf16_packed(
// CHECK-NOT: linalg.generic
// CHECK-DAG: func.func private @sinkrt_matmul_bf16_packed(!llvm.ptr, i64, i64, memref<*xf32>, memref<*xbf16>, memref<*xf32>)
// CHECK-DAG: func.func private @sinkrt_matmul_f16_packed(!llvm.ptr, i64, i64, memref<*xf32>, memref<*xf16>, memref<*xf32>)
// NONE-LABEL: func.func @half_weights
// NONE-NOT: sinkrt_matmul
func.func @half_weights(%a: memref<5x3xf32>, %b: memref<2x3x4xbf16>, %h: memref<2x3x4xf16>, %c: memref<5x2x4xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<5x3xf32>, memref<2x3x4xbf16>) outs(%c : memref<5x2x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
  ^bb0(%x: f32, %w: bf16, %acc: f32):
    %wide = arith.extf %w : bf16 to f32
    %0 = arith.mulf %x, %wide : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %h : memref<5x3xf32>, memref<2x3x4xf16>) outs(%c : memref<5x2x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
  ^bb0(%x: f32, %w: f16, %acc: f32):
    %wide = arith.extf %w : f16 to f32
    %0 = arith.mulf %x, %wide : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%a, %b : memref<5x3xf32>, memref<2x3x4xbf16>) outs(%c : memref<5x2x4xf32>) attrs = {sinkc.packed_matmul = 4 : i64} {
  ^bb0(%x: f32, %w: bf16, %acc: f32):
    %wide = arith.extf %w : bf16 to f32
    %0 = arith.mulf %x, %wide : f32
    %1 = arith.addf %acc, %0 : f32
    linalg.yield %1 : f32
  }
  return
}
