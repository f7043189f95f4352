// sinkc-intervene-mlp-norm-cap refuses missing and out-of-range options,
// layers beyond the model, a reference of the wrong length, and modules
// whose blocks were not (or not completely) recognized.
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{norm=1})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOLAYER
// NOLAYER: error: the intervention needs a layer (layer=L, a decoder block counted from 0)
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=0})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NONORM
// NONORM: error: norm=-1 in the intervention spec: the intervention needs a finite norm >= 0 (norm=N)
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=0 norm=1 cos=1})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=COS
// COS: error: cos=1 in the intervention spec is outside [-1, 1): no cosine is above it
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=0 norm=1 skip-first=0})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=SKIP
// SKIP: error: skip-first=0 in the intervention spec: it must be at least 1, position 0 is the reference and is never rescaled
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=2 norm=1})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BEYOND
// BEYOND: error: layer 2 is beyond the model's 2 layers (0-1)
//
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=0 norm=1 reference=1,2,3})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=LENGTH
// LENGTH: error: the reference direction has 3 values, but the MLP output of layer 0 has 8 (the model's hidden size)
//
// Layer 1 has no MLP output mark.
// RUN: not sinkc-opt %s --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=1 norm=1})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=UNMARKED
// UNMARKED: error: layer 1 has no value marked 'mlp_output', which the intervention rescales
//
// RUN: sed -e 's/, sinkc.layers = 2 : i64//' %s \
// RUN:   | not sinkc-opt --pass-pipeline='builtin.module(sinkc-intervene-mlp-norm-cap{layer=0 norm=1})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOTRECOGNIZED
// NOTRECOGNIZED: error: the module has no recognized decoder blocks (no 'sinkc.layers' attribute); run sinkc-recognize-transformer first

module attributes {sinkc.heads = 2 : i64, sinkc.layers = 2 : i64} {
  func.func @main(%x0: tensor<?x?x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"},
                  %s0: tensor<?x2x?x?xf32>, %s1: tensor<?x2x?x?xf32>,
                  %y0: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %p0 = tfm.softmax %s0 {sinkc.layer = 0 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    %m0 = tfm.relu %y0 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32>
    %x1 = tfm.add %x0, %m0 {sinkc.layer = 1 : i64, sinkc.role = "block_input"} : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    %p1 = tfm.softmax %s1 {sinkc.layer = 1 : i64, sinkc.role = "attention_probs"} : tensor<?x2x?x?xf32> -> tensor<?x2x?x?xf32>
    return %x1 : tensor<?x?x8xf32>
  }
}
