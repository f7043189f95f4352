// RUN: sinkc-opt %s --pass-pipeline="builtin.module(sinkc-strip-abi-attributes)" | FileCheck %s

// The importer's tfm.* annotations and the runtime-context mark go; llvm.*
// argument attributes stay; result attributes go.
// CHECK-LABEL: llvm.func @sinkc_model
// CHECK-SAME: (%{{.*}}: !llvm.ptr {llvm.noalias}, %{{.*}}: i64, %{{.*}}: !llvm.ptr)
// CHECK-SAME: -> i64
// CHECK-NOT: tfm.
// CHECK-NOT: sinkc.runtime_context
llvm.func @sinkc_model(%a: !llvm.ptr {llvm.noalias, tfm.name = "input_ids"},
                       %n: i64 {tfm.dim = "T"},
                       %c: !llvm.ptr {sinkc.runtime_context})
    -> (i64 {tfm.name = "logits"}) {
  llvm.return %n : i64
}
