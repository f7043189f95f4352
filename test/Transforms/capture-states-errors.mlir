// sinkc-capture-states refuses bad specs, layers beyond the model, missing
// marks, MLPs whose input it cannot find, and modules whose blocks were not
// recognized. (The driver's --capture spec errors, tokens= among them, are
// in test/e2e/instrument/capture-spec.test.)
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{layers=2})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BEYOND
// BEYOND: error: layer 2 is beyond the model's 2 layers (0-1)
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{layers=1-x})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BADLAYER
// BADLAYER: error: bad layer '1-x' in the capture spec: expected a layer number, a range like 2-5, or 'all'
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{layers=1-0})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=RANGE
// RANGE: error: empty layer range '1-0' in the capture spec
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{states=hidden,keys})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=STATE
// STATE: error: unknown state 'keys' in the capture spec: expected hidden, mlp_input, mlp_out or all
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{states=})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOSTATES
// NOSTATES: error: no states in the capture spec: write e.g. states=hidden,mlp_out
//
// Layer 1 has no MLP output mark: fine for hidden, an error for the MLP.
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{states=hidden})' \
// RUN:   | FileCheck %s --check-prefix=HIDDEN
// HIDDEN-COUNT-2: sink.capture
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{layers=1 states=mlp_out})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=UNMARKED
// UNMARKED: error: layer 1 has no value marked 'mlp_output', which the capture of mlp_out needs
//
// Layer 0's MLP output is one projection of the block input: no MLP input
// to find, but the output itself is captured.
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{layers=0 states=mlp_input})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOINPUT
// NOINPUT: error: cannot find the internal states of layer 0's MLP, which the capture of mlp_input needs: {{.+}}
// RUN: sinkc-opt %s --pass-pipeline='builtin.module(sinkc-capture-states{layers=0 states=mlp_out})' \
// RUN:   | FileCheck %s --check-prefix=OUTPUT
// OUTPUT: sink.capture %{{.*}} capture 0 layer 0 state "mlp_out"
//
// RUN: sed -e 's/, sinkc.layers = 2 : i64//' %s \
// RUN:   | not sinkc-opt --pass-pipeline='builtin.module(sinkc-capture-states)' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOTRECOGNIZED
// NOTRECOGNIZED: error: the module has no recognized decoder blocks (no 'sinkc.layers' attribute); run sinkc-recognize-transformer first
//
// A dynamic width cannot be recorded in the manifest.
// RUN: sed -e 's/%x1: tensor<?x?x8xf32>/%x1: tensor<?x?x?xf32>/' %s \
// RUN:   | not sinkc-opt --pass-pipeline='builtin.module(sinkc-capture-states{layers=1 states=hidden})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=DYNAMIC
// DYNAMIC: error: layer 1's hidden has a dynamic width; the capture records a static one in the manifest

module attributes {sinkc.heads = 2 : i64, sinkc.layers = 2 : i64} {
  func.func @main(%x0: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"}, %x1: tensor<?x?x8xf32> {sinkc.layer = 1 : i64, sinkc.role = "block_input"}) -> tensor<?x?x8xf32> {
    %w = tfm.constant dense<0.1> : tensor<8x8xf32>
    %m0 = tfm.matmul %x0, %w {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
    return %m0 : tensor<?x?x8xf32>
  }
}
