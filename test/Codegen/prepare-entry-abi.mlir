// RUN: sinkc-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(sinkc-prepare-entry-abi)" | FileCheck %s
// RUN: not sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(sinkc-prepare-entry-abi{entry=model symbol=renamed})" 2>&1 | FileCheck %s --check-prefix=OPTIONS

// The runtime context becomes the last argument, marked for the passes that
// call the runtime; the function gets the C interface and the object name.
// Other functions are untouched.
// CHECK-LABEL: func.func @sinkc_model
// CHECK-SAME: (%{{.*}}: memref<?xi8>, %{{.*}}: tensor<?x8xf32> {tfm.name = "x"}, %{{.*}}: !llvm.ptr {sinkc.runtime_context})
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK: func.func @helper
// CHECK-NOT: sinkc.runtime_context
// CHECK: return
// OPTIONS: no entry function @model
func.func @main(%w: memref<?xi8>, %x: tensor<?x8xf32> {tfm.name = "x"}) -> tensor<?x8xf32> {
  return %x : tensor<?x8xf32>
}
func.func @helper(%x: tensor<?x8xf32>, %c: !llvm.ptr) -> tensor<?x8xf32> {
  return %x : tensor<?x8xf32>
}

// -----

// Twice is a mistake: the runtime passes one context.
// expected-error @+1 {{already has a runtime-context argument}}
func.func @main(%c: !llvm.ptr {sinkc.runtime_context}) {
  return
}
