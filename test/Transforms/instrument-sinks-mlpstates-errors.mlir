// What findMlpStates refuses, with what it found (the ops are named by their
// ONNX nodes, here the locations), and the states a plain MLP lacks. The
// first module is a plain MLP: the group mlpstates measures its four states,
// a state named on its own that it lacks is an error naming the layer and
// the MLP found.
//
// RUN: not sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=mlpstates})' 2>&1 \
// RUN:   | FileCheck %s
// RUN: not sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=mlpstates})' 2>/dev/null \
// RUN:   | FileCheck %s --check-prefix=PLAIN
// RUN: not sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=mlp_up_cos_bos})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=UP
// RUN: not sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=mlp_gated_cos_bos})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=GATED
// Named on its own besides the group, a state is still required.
// RUN: not sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=mlpstates,mlp_up_cos_bos})' 2>&1 \
// RUN:   | FileCheck %s --check-prefix=UPGROUP
//
// The output alone needs no search: it is the marked value, whatever the
// MLP looks like.
// RUN: sinkc-opt %s --split-input-file \
// RUN:   --pass-pipeline='builtin.module(sinkc-instrument-sinks{metrics=mlp_output_cos_bos})' \
// RUN:   | FileCheck %s --check-prefix=OUTPUT
// OUTPUT-COUNT-9: sink.emit %{{.*}} probe 0 layer 0 metric "mlp_output_cos_bos"

// PLAIN-COUNT-4: sink.mlp_state_cos_bos
// PLAIN-NOT: sink.mlp_state_cos_bos
// UP: error: layer 0 has a plain MLP (fc_in tfm.matmul 'fc_in', activation tfm.relu 'act', down projection tfm.matmul 'fc_out'), without the up projection that mlp_up_cos_bos needs
// UPGROUP: error: layer 0 has a plain MLP (fc_in tfm.matmul 'fc_in', activation tfm.relu 'act', down projection tfm.matmul 'fc_out'), without the up projection that mlp_up_cos_bos needs
// GATED: error: layer 0 has a plain MLP (fc_in tfm.matmul 'fc_in', activation tfm.relu 'act', down projection tfm.matmul 'fc_out'), without the product act * up that mlp_gated_cos_bos needs
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64} {
  func.func @main(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %w1 = tfm.constant dense<0.1> : tensor<8x32xf32>
    %w2 = tfm.constant dense<0.3> : tensor<32x8xf32>
    %f = tfm.matmul %h, %w1 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("fc_in")
    %a = tfm.relu %f : tensor<?x?x32xf32> -> tensor<?x?x32xf32> loc("act")
    %m = tfm.matmul %a, %w2 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("fc_out")
    return %m : tensor<?x?x8xf32>
  }
}

// -----

// No activation between the two projections.
// CHECK: error: cannot find the internal states of layer 0's MLP, which mlp_input_cos_bos needs: its down projection tfm.matmul 'fc_out' reads the projection tfm.matmul 'fc_in' directly, without an activation
// UP: error: cannot find the internal states of layer 0's MLP, which mlp_up_cos_bos needs: its down projection tfm.matmul 'fc_out' reads the projection tfm.matmul 'fc_in' directly, without an activation
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64} {
  func.func @main(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %w1 = tfm.constant dense<0.1> : tensor<8x32xf32>
    %w2 = tfm.constant dense<0.3> : tensor<32x8xf32>
    %f = tfm.matmul %h, %w1 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("fc_in")
    %m = tfm.matmul %f, %w2 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("fc_out")
    return %m : tensor<?x?x8xf32>
  }
}

// -----

// The MLP output is not a projection.
// CHECK: error: cannot find the internal states of layer 0's MLP, which mlp_input_cos_bos needs: its MLP output tfm.relu 'out' is not a projection (a tfm.matmul with a weight matrix or a tfm.gemm, with or without a bias)
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64} {
  func.func @main(%y: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %m = tfm.relu %y {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : tensor<?x?x8xf32> -> tensor<?x?x8xf32> loc("out")
    return %m : tensor<?x?x8xf32>
  }
}

// -----

// A norm between the projections: not an activation.
// CHECK: error: cannot find the internal states of layer 0's MLP, which mlp_input_cos_bos needs: the input of its down projection tfm.matmul 'fc_out' is computed from tfm.layer_normalization 'norm', which is neither a projection nor an elementwise op of per-token values
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64} {
  func.func @main(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %w1 = tfm.constant dense<0.1> : tensor<8x32xf32>
    %w2 = tfm.constant dense<0.3> : tensor<32x8xf32>
    %g = tfm.constant dense<1.0> : tensor<32xf32>
    %f = tfm.matmul %h, %w1 : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("fc_in")
    %a = tfm.relu %f : tensor<?x?x32xf32> -> tensor<?x?x32xf32> loc("act")
    %n = tfm.layer_normalization %a, %g : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32> loc("norm")
    %m = tfm.matmul %n, %w2 {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("fc_out")
    return %m : tensor<?x?x8xf32>
  }
}

// -----

// A product of two projections, neither activated (a bilinear layer).
// CHECK: error: cannot find the internal states of layer 0's MLP, which mlp_input_cos_bos needs: the input of its down projection tfm.matmul 'down', tfm.mul 'product', multiplies the projections tfm.matmul 'gate', tfm.matmul 'up', but neither passes through an activation; expected act(gate) * up
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64} {
  func.func @main(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %wg = tfm.constant dense<0.1> : tensor<8x32xf32>
    %wu = tfm.constant dense<0.2> : tensor<8x32xf32>
    %wd = tfm.constant dense<0.3> : tensor<32x8xf32>
    %g = tfm.matmul %h, %wg : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("gate")
    %u = tfm.matmul %h, %wu : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("up")
    %p = tfm.mul %g, %u : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("product")
    %m = tfm.matmul %p, %wd {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("down")
    return %m : tensor<?x?x8xf32>
  }
}

// -----

// Both operands activated.
// CHECK: error: cannot find the internal states of layer 0's MLP, which mlp_input_cos_bos needs: the input of its down projection tfm.matmul 'down', tfm.mul 'product', multiplies the projections tfm.matmul 'gate', tfm.matmul 'up', but both pass through an activation; expected act(gate) * up
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64} {
  func.func @main(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %wg = tfm.constant dense<0.1> : tensor<8x32xf32>
    %wu = tfm.constant dense<0.2> : tensor<8x32xf32>
    %wd = tfm.constant dense<0.3> : tensor<32x8xf32>
    %g = tfm.matmul %h, %wg : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("gate")
    %ag = tfm.relu %g : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %u = tfm.matmul %h, %wu : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("up")
    %au = tfm.tanh %u : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %p = tfm.mul %ag, %au : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("product")
    %m = tfm.matmul %p, %wd {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("down")
    return %m : tensor<?x?x8xf32>
  }
}

// -----

// Gate and up of different inputs.
// CHECK: error: cannot find the internal states of layer 0's MLP, which mlp_input_cos_bos needs: the input of its down projection tfm.matmul 'down', tfm.mul 'product', multiplies the projections tfm.matmul 'gate', tfm.matmul 'up' of different inputs (function argument 0 and function argument 1); expected a gate and an up projection of one input
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64} {
  func.func @main(%h: tensor<?x?x8xf32>, %other: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %wg = tfm.constant dense<0.1> : tensor<8x32xf32>
    %wu = tfm.constant dense<0.2> : tensor<8x32xf32>
    %wd = tfm.constant dense<0.3> : tensor<32x8xf32>
    %g = tfm.matmul %h, %wg : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("gate")
    %ag = tfm.relu %g : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %u = tfm.matmul %other, %wu : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("up")
    %p = tfm.mul %ag, %u : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("product")
    %m = tfm.matmul %p, %wd {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("down")
    return %m : tensor<?x?x8xf32>
  }
}

// -----

// Two projections added instead of multiplied.
// CHECK: error: cannot find the internal states of layer 0's MLP, which mlp_input_cos_bos needs: the input of its down projection tfm.matmul 'down', tfm.add 'sum', combines the projections tfm.matmul 'gate', tfm.matmul 'up' other than as a product act(gate) * up
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64} {
  func.func @main(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %wg = tfm.constant dense<0.1> : tensor<8x32xf32>
    %wu = tfm.constant dense<0.2> : tensor<8x32xf32>
    %wd = tfm.constant dense<0.3> : tensor<32x8xf32>
    %g = tfm.matmul %h, %wg : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("gate")
    %ag = tfm.relu %g : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %u = tfm.matmul %h, %wu : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("up")
    %p = tfm.add %ag, %u : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32> loc("sum")
    %m = tfm.matmul %p, %wd {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("down")
    return %m : tensor<?x?x8xf32>
  }
}

// -----

// Three projections.
// CHECK: error: cannot find the internal states of layer 0's MLP, which mlp_input_cos_bos needs: the input of its down projection tfm.matmul 'down' is computed from 3 projections (tfm.matmul 'a', tfm.matmul 'b', tfm.matmul 'c'); expected one (a plain MLP) or two (gate and up)
module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64} {
  func.func @main(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %w = tfm.constant dense<0.1> : tensor<8x32xf32>
    %wd = tfm.constant dense<0.3> : tensor<32x8xf32>
    %a = tfm.matmul %h, %w : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("a")
    %b = tfm.matmul %h, %w : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("b")
    %c = tfm.matmul %h, %w : (tensor<?x?x8xf32>, tensor<8x32xf32>) -> tensor<?x?x32xf32> loc("c")
    %ra = tfm.relu %a : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
    %ab = tfm.mul %ra, %b : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %p = tfm.mul %ab, %c : (tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
    %m = tfm.matmul %p, %wd {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"} : (tensor<?x?x32xf32>, tensor<32x8xf32>) -> tensor<?x?x8xf32> loc("down")
    return %m : tensor<?x?x8xf32>
  }
}
