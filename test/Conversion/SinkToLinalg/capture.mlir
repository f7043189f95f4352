// sinkc-lower-sink-to-linalg: sink.capture becomes a call of sinkrt_capture
// with the runtime context and the state [B, T, F] as a read-only unranked
// memref of any layout (the runtime honours offset and strides, so
// bufferization copies nothing to hand it over), declared once next to
// sinkrt_probe; measurements of the same state are lowered as usual.
//
// RUN: sinkc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(sinkc-lower-sink-to-linalg,cse)' | FileCheck %s

// CHECK-LABEL: func.func @capture
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x16xf32>, %[[M:.*]]: tensor<?x?x16xf32>, %[[CTX:.*]]: !llvm.ptr {sinkc.runtime_context})
// CHECK: %[[BX:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<?x?x16xf32> to memref<?x?x16xf32, strided<[?, ?, ?], offset: ?>>
// CHECK-NEXT: %[[UX:.*]] = memref.cast %[[BX]] : memref<?x?x16xf32, strided<[?, ?, ?], offset: ?>> to memref<*xf32>
// CHECK-NEXT: %[[ID0:.*]] = arith.constant 0 : i64
// CHECK-NEXT: call @sinkrt_capture(%[[CTX]], %[[ID0]], %[[UX]]) : (!llvm.ptr, i64, memref<*xf32>) -> ()
// CHECK: linalg.generic
// CHECK: call @sinkrt_probe(%[[CTX]]
// CHECK: %[[BM:.*]] = bufferization.to_buffer %[[M]] read_only
// CHECK-NEXT: %[[UM:.*]] = memref.cast %[[BM]]
// CHECK-NEXT: %[[ID5:.*]] = arith.constant 5 : i64
// CHECK-NEXT: call @sinkrt_capture(%[[CTX]], %[[ID5]], %[[UM]]) : (!llvm.ptr, i64, memref<*xf32>) -> ()
// CHECK-NOT: sink.
// CHECK-DAG: func.func private @sinkrt_probe(!llvm.ptr, i64, memref<*xf32>)
// CHECK-DAG: func.func private @sinkrt_capture(!llvm.ptr, i64, memref<*xf32>)
func.func @capture(%x: tensor<?x?x16xf32>, %m: tensor<?x?x16xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) {
  sink.capture %x capture 0 layer 1 state "hidden" : tensor<?x?x16xf32>
  %n = sink.hidden_norm %x : tensor<?x?x16xf32> -> tensor<?x?xf32>
  sink.emit %n probe 0 layer 1 metric "hidden_norm" : tensor<?x?xf32>
  sink.capture %m capture 5 layer 1 state "mlp_out" : tensor<?x?x16xf32>
  return
}

// -----

func.func @no_context(%x: tensor<?x?x16xf32>) {
  // expected-error @+1 {{'sink.capture' op needs the runtime context: no argument of the enclosing function is marked sinkc.runtime_context (sinkc-prepare-entry-abi adds it)}}
  sink.capture %x capture 0 layer 0 state "hidden" : tensor<?x?x16xf32>
  return
}
