// Round trip of sink.capture (activation capture, docs/captures.md) through
// the custom assembly format and the generic form. Like sink.emit it writes
// to a runtime resource: canonicalization never removes it.
//
// RUN: sinkc-opt %s | sinkc-opt | FileCheck %s
// RUN: sinkc-opt %s --mlir-print-op-generic | sinkc-opt | FileCheck %s
// RUN: sinkc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: sinkc-opt %s --canonicalize | FileCheck %s

// CHECK-LABEL: func.func @capture
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[M:.*]]: tensor<2x5x16xf32>)
func.func @capture(%x: tensor<?x?x64xf32>, %m: tensor<2x5x16xf32>) {
  // CHECK: sink.capture %[[X]] capture 0 layer 2 state "hidden" : tensor<?x?x64xf32>
  sink.capture %x capture 0 layer 2 state "hidden" : tensor<?x?x64xf32>
  // CHECK-NEXT: sink.capture %[[X]] capture 1 layer 2 state "mlp_input" : tensor<?x?x64xf32>
  sink.capture %x capture 1 layer 2 state "mlp_input" : tensor<?x?x64xf32>
  // CHECK-NEXT: sink.capture %[[M]] capture 7 layer 0 state "mlp_out" : tensor<2x5x16xf32>
  sink.capture %m capture 7 layer 0 state "mlp_out" : tensor<2x5x16xf32>
  return
}

// GENERIC: "sink.capture"(%{{.*}}) <{capture = 0 : i64, layer = 2 : i64, state = "hidden"}> : (tensor<?x?x64xf32>) -> ()
