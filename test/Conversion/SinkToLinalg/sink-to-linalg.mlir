// sinkc-lower-sink-to-linalg: measurements become linalg reductions on
// tensors (f32 accumulation), emits become sinkrt_probe calls with the
// runtime context (the function's argument marked sinkc.runtime_context)
// and the value as an unranked memref. Partial results shared between metrics are built
// identically, so cse keeps one of each.
//
// RUN: sinkc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(sinkc-lower-sink-to-linalg,cse)' | FileCheck %s

// CHECK-DAG: #[[COL0:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2, 0)>
// CHECK-DAG: #[[HEADS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[COLS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @attention
// CHECK-SAME: (%[[P:.*]]: tensor<?x4x?x?xf32>, %[[CTX:.*]]: !llvm.ptr {sinkc.runtime_context})
//
// Column 0 only, summed over the queries, computed once for bos_mass and
// head_bos_mass.
// CHECK: %[[SUM0:.*]] = linalg.generic {indexing_maps = [#[[COL0]], #[[HEADS]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[P]] : tensor<?x4x?x?xf32>)
// CHECK-NOT: #[[COL0]]
// bos_mass: sum over heads, divided by H * T.
// CHECK: %[[BOS:.*]] = linalg.generic {{.*}} ins(%[[SUM0]] : tensor<?x4xf32>) outs(%{{.*}} : tensor<?xf32>)
// CHECK: %[[BOSN:.*]] = linalg.generic {{.*}} ins(%[[BOS]] : tensor<?xf32>)
// CHECK: arith.divf
// CHECK: %[[BUF0:.*]] = bufferization.to_buffer %[[BOSN]] read_only : tensor<?xf32> to memref<?xf32, strided<[?], offset: ?>>
// CHECK: %[[U0:.*]] = memref.cast %[[BUF0]] : memref<?xf32, strided<[?], offset: ?>> to memref<*xf32>
// CHECK: %[[ID0:.*]] = arith.constant 0 : i64
// CHECK: call @sinkrt_probe(%[[CTX]], %[[ID0]], %[[U0]]) : (!llvm.ptr, i64, memref<*xf32>) -> ()
// head_bos_mass: the same sums divided by T.
// CHECK: %[[HB:.*]] = linalg.generic {{.*}} ins(%[[SUM0]] : tensor<?x4xf32>) outs(%{{.*}} : tensor<?x4xf32>)
// CHECK: bufferization.to_buffer %[[HB]] read_only
// CHECK: call @sinkrt_probe(%[[CTX]], %{{.*}}, %{{.*}})
// recv: one pass over the probabilities with the key innermost, keeping
// q >= k, then the head sum and the division by H * (T - k).
// CHECK: %[[COL:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[COLS]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%[[P]] : tensor<?x4x?x?xf32>) outs(%{{.*}} : tensor<?x4x?xf32>)
// CHECK: %[[Q:.*]] = linalg.index 2 : index
// CHECK: %[[K:.*]] = linalg.index 3 : index
// CHECK: %[[SEEN:.*]] = arith.cmpi uge, %[[Q]], %[[K]] : index
// CHECK: arith.select %[[SEEN]]
// CHECK: %[[HSUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[COL]] : tensor<?x4x?xf32>) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK: %[[RECV:.*]] = linalg.generic {{.*}} ins(%[[HSUM]] : tensor<?x?xf32>)
// CHECK: arith.subi
// CHECK: arith.divf
// CHECK: bufferization.to_buffer %[[RECV]] read_only
// CHECK: call @sinkrt_probe(%[[CTX]], %{{.*}}, %{{.*}})
// The probabilities are read by exactly these two generics.
// CHECK-NOT: ins(%[[P]]
// CHECK: return
// CHECK: func.func private @sinkrt_probe(!llvm.ptr, i64, memref<*xf32>)
func.func @attention(%probs: tensor<?x4x?x?xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %b = sink.bos_mass %probs : tensor<?x4x?x?xf32> -> tensor<?xf32>
  sink.emit %b probe 0 layer 3 metric "bos_mass" : tensor<?xf32>
  %h = sink.head_bos_mass %probs : tensor<?x4x?x?xf32> -> tensor<?x4xf32>
  sink.emit %h probe 1 layer 3 metric "head_bos_mass" : tensor<?x4xf32>
  %r = sink.recv %probs : tensor<?x4x?x?xf32> -> tensor<?x?xf32>
  sink.emit %r probe 2 layer 3 metric "recv" : tensor<?x?xf32>
  return
}

// -----

// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[FIRST:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[TOK:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[TOK0:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @states
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x48xf32>, %[[M:.*]]: tensor<?x?x48xf32>, %[[CTX:.*]]: !llvm.ptr {sinkc.runtime_context})
// hidden_norm: sum of squares of every row, then sqrt.
// CHECK: %[[XX:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[ROW]], #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[X]] :
// CHECK: %[[XN:.*]] = linalg.generic {{.*}} ins(%[[XX]] :
// CHECK: math.sqrt
// CHECK: bufferization.to_buffer %[[XN]] read_only
// CHECK: call @sinkrt_probe(%[[CTX]]
// hidden_cos_bos: dot products with row 0, divided by both norms; the sums of
// squares are hidden_norm's.
// CHECK: %[[XD:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[FIRST]], #{{.*}}], {{.*}} ins(%[[X]], %[[X]] :
// CHECK: %[[XC:.*]] = linalg.generic {indexing_maps = [#[[TOK]], #[[TOK]], #[[TOK0]], #[[TOK]]], {{.*}} ins(%[[XD]], %[[XX]], %[[XX]] :
// CHECK: bufferization.to_buffer %[[XC]] read_only
// CHECK: call @sinkrt_probe(%[[CTX]]
// mlp_norm.
// CHECK: %[[MM:.*]] = linalg.generic {{.*}} ins(%[[M]], %[[M]] :
// CHECK: call @sinkrt_probe(%[[CTX]]
// mlp_cos_bos: the MLP rows against the block input's row 0, reusing both
// sums of squares.
// CHECK: %[[MD:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[FIRST]], #{{.*}}], {{.*}} ins(%[[M]], %[[X]] :
// CHECK: linalg.generic {{.*}} ins(%[[MD]], %[[MM]], %[[XX]] :
// CHECK: call @sinkrt_probe(%[[CTX]]
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @states(%x: tensor<?x?x48xf32>, %m: tensor<?x?x48xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %n = sink.hidden_norm %x : tensor<?x?x48xf32> -> tensor<?x?xf32>
  sink.emit %n probe 3 layer 0 metric "hidden_norm" : tensor<?x?xf32>
  %c = sink.hidden_cos_bos %x : tensor<?x?x48xf32> -> tensor<?x?xf32>
  sink.emit %c probe 4 layer 0 metric "hidden_cos_bos" : tensor<?x?xf32>
  %mn = sink.mlp_norm %m : tensor<?x?x48xf32> -> tensor<?x?xf32>
  sink.emit %mn probe 5 layer 0 metric "mlp_norm" : tensor<?x?xf32>
  %mc = sink.mlp_cos_bos %m, %x : (tensor<?x?x48xf32>, tensor<?x?x48xf32>) -> tensor<?x?xf32>
  sink.emit %mc probe 6 layer 0 metric "mlp_cos_bos" : tensor<?x?xf32>
  return
}

// -----

// key_norm and value_norm: sums of squares over the head dimension
// (innermost, read once), then the square roots summed over heads, iterating
// (b, t, h), and divided by H. f16 keys are extended inside the reduction.
// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[DROPD:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[BTH:.*]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @keys_and_values
// CHECK-SAME: (%[[K:.*]]: tensor<?x2x?x12xf32>, %[[V:.*]]: tensor<1x4x8x16xf16>, %[[CTX:.*]]: !llvm.ptr {sinkc.runtime_context})
// CHECK: %[[KK:.*]] = linalg.generic {indexing_maps = [#[[ID4]], #[[DROPD]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[K]] : tensor<?x2x?x12xf32>) outs(%{{.*}} : tensor<?x2x?xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// CHECK: %[[KS:.*]] = linalg.generic {indexing_maps = [#[[BTH]], #[[BT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[KK]] : tensor<?x2x?xf32>) outs(%{{.*}} : tensor<?x?xf32>)
// CHECK: math.sqrt
// CHECK: %[[KN:.*]] = linalg.generic {{.*}} ins(%[[KS]] : tensor<?x?xf32>)
// CHECK: arith.divf
// CHECK: bufferization.to_buffer %[[KN]] read_only
// CHECK: call @sinkrt_probe(%[[CTX]]
// CHECK: linalg.generic {{.*}} ins(%[[V]] : tensor<1x4x8x16xf16>) outs(%{{.*}} : tensor<1x4x8xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x8xf32>)
// CHECK: math.sqrt
// CHECK: call @sinkrt_probe(%[[CTX]]
// CHECK: return
func.func @keys_and_values(%k: tensor<?x2x?x12xf32>, %v: tensor<1x4x8x16xf16>, %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %kn = sink.key_norm %k : tensor<?x2x?x12xf32> -> tensor<?x?xf32>
  sink.emit %kn probe 7 layer 0 metric "key_norm" : tensor<?x?xf32>
  %vn = sink.value_norm %v : tensor<1x4x8x16xf16> -> tensor<1x8xf32>
  sink.emit %vn probe 8 layer 0 metric "value_norm" : tensor<1x8xf32>
  return
}

// -----

// value_norm of the heads of a [B, T, H, d] projection: the sums of squares
// read the projection through the transpose's permutation, and the
// transpose, read by nothing else, is gone (the attention call reads it as a
// strided view; computing it for the norm alone was a [B, T, H * d] copy).
// CHECK-DAG: #[[TRANSPOSED:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>
// CHECK-DAG: #[[HEADS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @transposed_values
// CHECK-SAME: (%[[P:.*]]: tensor<1x8x4x16xf32>,
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[TRANSPOSED]], #[[HEADS]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[P]] : tensor<1x8x4x16xf32>) outs(%{{.*}} : tensor<1x4x8xf32>)
// CHECK-NOT: linalg.transpose
// CHECK: call @sinkrt_probe
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @transposed_values(%p: tensor<1x8x4x16xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %e = tensor.empty() : tensor<1x4x8x16xf32>
  %v = linalg.transpose ins(%p : tensor<1x8x4x16xf32>) outs(%e : tensor<1x4x8x16xf32>) permutation = [0, 2, 1, 3]
  %vn = sink.value_norm %v : tensor<1x4x8x16xf32> -> tensor<1x8xf32>
  sink.emit %vn probe 8 layer 0 metric "value_norm" : tensor<1x8xf32>
  return
}

// -----

// mlp_<state>_cos_bos of an f32 state, whatever its width: one call of the
// runtime's one-pass kernel (sinkrt_cosines_with_first), which reads the
// state once, into a fresh [B, T] buffer that the probe then reads; mlp_norm
// keeps its linalg reduction.
// CHECK-LABEL: func.func @mlp_states
// CHECK-SAME: (%[[G:.*]]: tensor<?x?x128xf32>, %[[M:.*]]: tensor<?x?x48xf32>, %[[CTX:.*]]: !llvm.ptr {sinkc.runtime_context})
// CHECK: %[[GOUT:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 64 : i64} : memref<?x?xf32>
// CHECK: %[[GBUF:.*]] = bufferization.to_buffer %[[G]] read_only : tensor<?x?x128xf32> to memref<?x?x128xf32, strided<[?, ?, ?], offset: ?>>
// CHECK: %[[GARG:.*]] = memref.cast %[[GBUF]]
// CHECK: %[[GOUTARG:.*]] = memref.cast %[[GOUT]] : memref<?x?xf32> to memref<*xf32>
// CHECK: call @sinkrt_cosines_with_first(%[[CTX]], %[[GARG]], %[[GOUTARG]]) : (!llvm.ptr, memref<*xf32>, memref<*xf32>) -> ()
// CHECK: %[[GC:.*]] = bufferization.to_tensor %[[GOUT]] restrict writable
// CHECK: bufferization.to_buffer %[[GC]] read_only
// CHECK: call @sinkrt_probe(%[[CTX]]
// CHECK: linalg.generic {{.*}} ins(%[[M]], %[[M]] :
// CHECK: call @sinkrt_probe(%[[CTX]]
// CHECK: call @sinkrt_cosines_with_first(%[[CTX]]
// CHECK: call @sinkrt_probe(%[[CTX]]
// CHECK-NOT: linalg.generic
// CHECK: return
// CHECK: func.func private @sinkrt_cosines_with_first(!llvm.ptr, memref<*xf32>, memref<*xf32>)
func.func @mlp_states(%gate: tensor<?x?x128xf32>, %m: tensor<?x?x48xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %cg = sink.mlp_state_cos_bos %gate state "gate" : tensor<?x?x128xf32> -> tensor<?x?xf32>
  sink.emit %cg probe 10 layer 0 metric "mlp_gate_cos_bos" : tensor<?x?xf32>
  %mn = sink.mlp_norm %m : tensor<?x?x48xf32> -> tensor<?x?xf32>
  sink.emit %mn probe 5 layer 0 metric "mlp_norm" : tensor<?x?xf32>
  %co = sink.mlp_state_cos_bos %m state "output" : tensor<?x?x48xf32> -> tensor<?x?xf32>
  sink.emit %co probe 14 layer 0 metric "mlp_output_cos_bos" : tensor<?x?xf32>
  return
}

// -----

// An f16 state stays with the linalg reductions (the runtime kernel reads
// f32): dots with row 0 and sums of squares, f16 extended inside.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[FIRST:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-LABEL: func.func @half_state
// CHECK-NOT: sinkrt_cosines_with_first
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #[[FIRST]], #{{.*}}], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x16xf16>, tensor<1x4x16xf16>)
// CHECK: arith.extf
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #[[ROW]], #{{.*}}], {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x4x16xf16>, tensor<1x4x16xf16>)
// CHECK: math.sqrt
// CHECK: arith.divf
// CHECK-NOT: sinkrt_cosines_with_first
// CHECK: return
func.func @half_state(%up: tensor<1x4x16xf16>) -> tensor<1x4xf32> {
  %c = sink.mlp_state_cos_bos %up state "up" : tensor<1x4x16xf16> -> tensor<1x4xf32>
  return %c : tensor<1x4xf32>
}

// -----

// f16 inputs are extended to f32 inside the reductions; static shapes stay
// static.
// CHECK-LABEL: func.func @half
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x2x8x8xf16>) outs(%{{.*}} : tensor<1x2x8xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: return %{{.*}} : tensor<1x8xf32>
func.func @half(%probs: tensor<1x2x8x8xf16>) -> tensor<1x8xf32> {
  %r = sink.recv %probs : tensor<1x2x8x8xf16> -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}

// -----

// An !llvm.ptr argument is not the context unless it is marked.
func.func @no_context(%v: tensor<?xf32>, %p: !llvm.ptr) {
  // expected-error @+1 {{'sink.emit' op needs the runtime context: no argument of the enclosing function is marked sinkc.runtime_context (sinkc-prepare-entry-abi adds it)}}
  sink.emit %v probe 0 layer 0 metric "bos_mass" : tensor<?xf32>
  return
}
