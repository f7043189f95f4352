// sinkc-lower-attention-to-runtime: sink.attention becomes a call of
// sinkrt_attention with the runtime context, the operands as unranked
// memrefs (to_buffer read_only), fresh 64-byte aligned output buffers read
// back with to_tensor restrict writable, the scale and the flags (1 causal,
// 2 segments, 4 column sums, 8 key mask) after the scale and the window (0:
// none); missing operands are empty allocas. The
// metrics then reduce the column sums (sinkc-lower-sink-to-linalg).
// Head transposes around the op cost no copy: a transposed operand is a
// memref.transpose view of the transpose's input, and a result whose only use
// is a transpose is written through a view into a buffer of that layout.
//
// RUN: sinkc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(sinkc-lower-attention-to-runtime,sinkc-lower-sink-to-linalg,cse)' | FileCheck %s

// CHECK-LABEL: func.func @instrumented
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x8xf32>, %[[K:.*]]: tensor<?x2x?x8xf32>, %[[V:.*]]: tensor<?x2x?x8xf32>, %[[QS:.*]]: tensor<?x?xi64>, %[[KS:.*]]: tensor<?x?xi64>, %[[CTX:.*]]: !llvm.ptr {sinkc.runtime_context})
// CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 64 : i64} : memref<?x4x?x8xf32>
// CHECK: bufferization.to_buffer %[[Q]] read_only : tensor<?x4x?x8xf32> to memref<?x4x?x8xf32, strided<[?, ?, ?, ?], offset: ?>>
// CHECK: bufferization.to_buffer %[[QS]] read_only
// CHECK: %[[SUMS:.*]] = memref.alloc(%{{.*}}, %{{.*}}) {alignment = 64 : i64} : memref<?x4x?xf32>
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 7 : i64
// CHECK: call @sinkrt_attention(%[[CTX]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[SCALE]], %[[WINDOW:.*]], %[[FLAGS]]) : (!llvm.ptr, memref<*xf32>, memref<*xf32>, memref<*xf32>, memref<*xi64>, memref<*xi64>, memref<*xi64>, memref<*xf32>, memref<*xf32>, f32, i64, i64) -> ()
// CHECK: %[[O:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: %[[C:.*]] = bufferization.to_tensor %[[SUMS]] restrict writable : memref<?x4x?xf32> to tensor<?x4x?xf32>
// recv: sum over heads of the column sums, divided by H * (T - k).
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[C]] : tensor<?x4x?xf32>)
// CHECK: arith.divf
// CHECK: return %[[O]]
// CHECK: func.func private @sinkrt_attention(!llvm.ptr, memref<*xf32>, memref<*xf32>, memref<*xf32>, memref<*xi64>, memref<*xi64>, memref<*xi64>, memref<*xf32>, memref<*xf32>, f32, i64, i64)
func.func @instrumented(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>, %qs: tensor<?x?xi64>, %ks: tensor<?x?xi64>, %ctx: !llvm.ptr {sinkc.runtime_context}) -> (tensor<?x4x?x8xf32>, tensor<?x?xf32>) {
  %o, %c = sink.attention %q, %k, %v segments(%qs, %ks) {causal, scale = 0.5 : f32} : (tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x?xi64>, tensor<?x?xi64>) -> (tensor<?x4x?x8xf32>, tensor<?x4x?xf32>)
  %r = sink.recv_from_sums %c : tensor<?x4x?xf32> -> tensor<?x?xf32>
  return %o, %r : tensor<?x4x?x8xf32>, tensor<?x?xf32>
}

// -----

// Plain, non-causal, no segments, no key mask: flags 0, empty placeholders.
// CHECK-LABEL: func.func @key_mask
// CHECK: bufferization.to_buffer %{{.*}} read_only : tensor<?x?xi64>
// CHECK-DAG: %[[WINDOW:.*]] = arith.constant 4096 : i64
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 9 : i64
// CHECK: call @sinkrt_attention(
// CHECK-SAME: %[[WINDOW]], %[[FLAGS]])
func.func @key_mask(%q: tensor<?x4x?x8xf32>, %m: tensor<?x?xi64>, %ctx: !llvm.ptr {sinkc.runtime_context}) -> tensor<?x4x?x8xf32> {
  %o = sink.attention %q, %q, %q key_mask(%m) {causal, scale = 1.0 : f32, window = 4096 : i64} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x?xi64>) -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// CHECK-LABEL: func.func @plain
// CHECK-DAG: %[[P64:.*]] = memref.alloca() : memref<0xi64>
// CHECK-DAG: %[[P32:.*]] = memref.alloca() : memref<0xf32>
// CHECK-DAG: %[[FLAGS:.*]] = arith.constant 0 : i64
// CHECK: call @sinkrt_attention(
// CHECK-SAME: %[[FLAGS]])
func.func @plain(%q: tensor<2x4x16x8xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) -> tensor<2x4x16x8xf32> {
  %o = sink.attention %q, %q, %q {scale = 1.0 : f32} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %o : tensor<2x4x16x8xf32>
}

// -----

// q and v come from [B, T, H, D] projections through linalg.transpose, k does
// not; the result goes back to [B, T, H, D].
// CHECK-LABEL: func.func @head_transposes
// CHECK-SAME: (%[[QP:.*]]: tensor<2x16x4x8xf32>, %[[K:.*]]: tensor<2x4x16x8xf32>, %[[VP:.*]]: tensor<2x16x4x8xf32>
// CHECK-NOT: linalg.transpose
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x16x4x8xf32>
// CHECK: %[[OV:.*]] = memref.transpose %[[OUT]] (d0, d1, d2, d3) -> (d0, d2, d1, d3) : memref<2x16x4x8xf32> to memref<2x4x16x8xf32, strided<[512, 8, 32, 1]>>
// CHECK: %[[QB:.*]] = bufferization.to_buffer %[[QP]] read_only : tensor<2x16x4x8xf32> to memref<2x16x4x8xf32, strided<[?, ?, ?, ?], offset: ?>>
// CHECK: memref.transpose %[[QB]] (d0, d1, d2, d3) -> (d0, d2, d1, d3)
// CHECK: bufferization.to_buffer %[[K]] read_only : tensor<2x4x16x8xf32>
// CHECK-NOT: memref.transpose
// CHECK: %[[VB:.*]] = bufferization.to_buffer %[[VP]] read_only
// CHECK: memref.transpose %[[VB]] (d0, d1, d2, d3) -> (d0, d2, d1, d3)
// CHECK: call @sinkrt_attention(
// CHECK-NOT: linalg.transpose
// CHECK: %[[O:.*]] = bufferization.to_tensor %[[OUT]] restrict writable : memref<2x16x4x8xf32> to tensor<2x16x4x8xf32>
// CHECK: return %[[O]]
func.func @head_transposes(%qp: tensor<2x16x4x8xf32>, %k: tensor<2x4x16x8xf32>, %vp: tensor<2x16x4x8xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) -> tensor<2x16x4x8xf32> {
  %e = tensor.empty() : tensor<2x4x16x8xf32>
  %q = linalg.transpose ins(%qp : tensor<2x16x4x8xf32>) outs(%e : tensor<2x4x16x8xf32>) permutation = [0, 2, 1, 3]
  %v = linalg.transpose ins(%vp : tensor<2x16x4x8xf32>) outs(%e : tensor<2x4x16x8xf32>) permutation = [0, 2, 1, 3]
  %o = sink.attention %q, %k, %v {causal, scale = 1.0 : f32} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  %e2 = tensor.empty() : tensor<2x16x4x8xf32>
  %t = linalg.transpose ins(%o : tensor<2x4x16x8xf32>) outs(%e2 : tensor<2x16x4x8xf32>) permutation = [0, 2, 1, 3]
  return %t : tensor<2x16x4x8xf32>
}

// -----

// A result with other uses keeps the op's own layout.
// CHECK-LABEL: func.func @result_used_twice
// CHECK: %[[OUT:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x4x16x8xf32>
// CHECK: call @sinkrt_attention(
// CHECK: %[[O:.*]] = bufferization.to_tensor %[[OUT]]
// CHECK: linalg.transpose ins(%[[O]]
func.func @result_used_twice(%q: tensor<2x4x16x8xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) -> (tensor<2x16x4x8xf32>, tensor<2x4x16x8xf32>) {
  %o = sink.attention %q, %q, %q {scale = 1.0 : f32} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  %e = tensor.empty() : tensor<2x16x4x8xf32>
  %t = linalg.transpose ins(%o : tensor<2x4x16x8xf32>) outs(%e : tensor<2x16x4x8xf32>) permutation = [0, 2, 1, 3]
  return %t, %o : tensor<2x16x4x8xf32>, tensor<2x4x16x8xf32>
}

// -----

func.func @no_context(%q: tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32> {
  // expected-error @below {{needs the runtime context}}
  %o = sink.attention %q, %q, %q {scale = 1.0 : f32} : (tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x16x8xf32>
  return %o : tensor<2x4x16x8xf32>
}
