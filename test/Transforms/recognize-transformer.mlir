// sinkc-recognize-transformer on small hand-written decoders: the residual
// layouts it handles and the diagnostics when the structure is missing.
// Attention is reduced to what the recognition looks at: scores = q k^T,
// probs = softmax(scores), probs times values, back to [B, T, D].
//
// RUN: sinkc-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(sinkc-recognize-transformer)' \
// RUN:   | FileCheck %s

// Pre-norm (Llama, GPT-2, Qwen, Mistral): x + attn, then + mlp. The block
// input of layer 1 is the second residual add of layer 0.
// CHECK-LABEL: module attributes {sinkc.heads = 2 : i64, sinkc.layers = 2 : i64}
// CHECK: %[[X0:.*]] = tfm.gather {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "block_input"}
// CHECK: %[[P0:.*]] = tfm.softmax {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "attention_probs"}
// CHECK: %[[A0:.*]] = tfm.matmul {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "attention_output"}
// CHECK: %[[H0:.*]] = tfm.add %[[X0]], %[[A0]] :
// CHECK: %[[M0:.*]] = tfm.matmul {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"}
// CHECK: %[[X1:.*]] = tfm.add %[[H0]], %[[M0]] {sinkc.layer = 1 : i64, sinkc.role = "block_input"}
// CHECK: tfm.softmax {{.*}} {sinkc.layer = 1 : i64, sinkc.role = "attention_probs"}
// CHECK: %[[A1:.*]] = tfm.matmul {{.*}} {sinkc.layer = 1 : i64, sinkc.role = "attention_output"}
// CHECK: %[[H1:.*]] = tfm.add %[[A1]], %[[X1]] :
// CHECK: %[[M1:.*]] = tfm.matmul {{.*}} {sinkc.layer = 1 : i64, sinkc.role = "mlp_output"}
// CHECK: %[[X2:.*]] = tfm.add %[[M1]], %[[H1]] :
// CHECK: tfm.layer_normalization %[[X2]]
module {
  func.func @main(%ids: tensor<1x4xi64>) -> tensor<1x4x8xf32> {
    %table = tfm.constant dense<0.5> : tensor<16x8xf32>
    %w = tfm.constant dense<0.1> : tensor<8x8xf32>
    %g = tfm.constant dense<1.0> : tensor<8xf32>
    %s4 = tfm.constant dense<[1, 2, 4, 4]> : tensor<4xi64>
    %s3 = tfm.constant dense<[1, 4, 8]> : tensor<3xi64>
    %x0 = tfm.gather %table, %ids : (tensor<16x8xf32>, tensor<1x4xi64>) -> tensor<1x4x8xf32>
    // layer 0
    %n0 = tfm.layer_normalization %x0, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %q0 = tfm.reshape %n0, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt0 = tfm.transpose %q0 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores0 = tfm.matmul %q0, %kt0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs0 = tfm.softmax %scores0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx0 = tfm.matmul %probs0, %q0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %merged0 = tfm.reshape %ctx0, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %attn0 = tfm.matmul %merged0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %h0 = tfm.add %x0, %attn0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %pn0 = tfm.layer_normalization %h0, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %up0 = tfm.matmul %pn0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %act0 = tfm.relu %up0 : tensor<1x4x8xf32> -> tensor<1x4x8xf32>
    %mlp0 = tfm.matmul %act0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %x1 = tfm.add %h0, %mlp0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    // layer 1, operands of the residual adds the other way round
    %n1 = tfm.layer_normalization %x1, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %q1 = tfm.reshape %n1, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt1 = tfm.transpose %q1 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores1 = tfm.matmul %q1, %kt1 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs1 = tfm.softmax %scores1 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx1 = tfm.matmul %probs1, %q1 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %merged1 = tfm.reshape %ctx1, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %attn1 = tfm.matmul %merged1, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %h1 = tfm.add %attn1, %x1 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %pn1 = tfm.layer_normalization %h1, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %up1 = tfm.matmul %pn1, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %act1 = tfm.relu %up1 : tensor<1x4x8xf32> -> tensor<1x4x8xf32>
    %mlp1 = tfm.matmul %act1, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %x2 = tfm.add %mlp1, %h1 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %final = tfm.layer_normalization %x2, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    return %final : tensor<1x4x8xf32>
  }
}

// -----

// GPT-NeoX parallel residual as the dynamo export writes it:
// x1 = (mlp + attn) + x0, both branches reading the same normalised x0.
// CHECK-LABEL: module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64}
// CHECK: %[[X0:.*]] = tfm.gather {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "block_input"}
// CHECK: tfm.softmax {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "attention_probs"}
// CHECK: %[[A0:.*]] = tfm.matmul {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "attention_output"}
// CHECK: %[[M0:.*]] = tfm.matmul {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"}
// CHECK: %[[B0:.*]] = tfm.add %[[M0]], %[[A0]] :
// CHECK: tfm.add %[[B0]], %[[X0]] :
// CHECK-NOT: sinkc.role
module {
  func.func @main(%ids: tensor<1x4xi64>) -> tensor<1x4x8xf32> {
    %table = tfm.constant dense<0.5> : tensor<16x8xf32>
    %w = tfm.constant dense<0.1> : tensor<8x8xf32>
    %g = tfm.constant dense<1.0> : tensor<8xf32>
    %s4 = tfm.constant dense<[1, 2, 4, 4]> : tensor<4xi64>
    %s3 = tfm.constant dense<[1, 4, 8]> : tensor<3xi64>
    %x0 = tfm.gather %table, %ids : (tensor<16x8xf32>, tensor<1x4xi64>) -> tensor<1x4x8xf32>
    %n0 = tfm.layer_normalization %x0, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %q0 = tfm.reshape %n0, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt0 = tfm.transpose %q0 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores0 = tfm.matmul %q0, %kt0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs0 = tfm.softmax %scores0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx0 = tfm.matmul %probs0, %q0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %merged0 = tfm.reshape %ctx0, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %attn0 = tfm.matmul %merged0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %up0 = tfm.matmul %n0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %act0 = tfm.gelu %up0 : tensor<1x4x8xf32> -> tensor<1x4x8xf32>
    %mlp0 = tfm.matmul %act0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %branches0 = tfm.add %mlp0, %attn0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %x1 = tfm.add %branches0, %x0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    return %x1 : tensor<1x4x8xf32>
  }
}

// -----

// Parallel residual added one branch at a time: x1 = (x0 + attn) + mlp, where
// the MLP reads x0, not x0 + attn. Position embeddings are added before the
// first block (a broadcasting add, not part of the stream).
// CHECK-LABEL: module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64}
// CHECK: %[[X0:.*]] = tfm.add {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "block_input"} : (tensor<1x4x8xf32>, tensor<4x8xf32>)
// CHECK: %[[A0:.*]] = tfm.matmul {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "attention_output"}
// CHECK: %[[M0:.*]] = tfm.matmul {{.*}} {sinkc.layer = 0 : i64, sinkc.role = "mlp_output"}
// CHECK: %[[H0:.*]] = tfm.add %[[X0]], %[[A0]] :
// CHECK: tfm.add %[[H0]], %[[M0]] :
module {
  func.func @main(%ids: tensor<1x4xi64>) -> tensor<1x4x8xf32> {
    %table = tfm.constant dense<0.5> : tensor<16x8xf32>
    %positions = tfm.constant dense<0.25> : tensor<4x8xf32>
    %w = tfm.constant dense<0.1> : tensor<8x8xf32>
    %g = tfm.constant dense<1.0> : tensor<8xf32>
    %s4 = tfm.constant dense<[1, 2, 4, 4]> : tensor<4xi64>
    %s3 = tfm.constant dense<[1, 4, 8]> : tensor<3xi64>
    %tokens = tfm.gather %table, %ids : (tensor<16x8xf32>, tensor<1x4xi64>) -> tensor<1x4x8xf32>
    %x0 = tfm.add %tokens, %positions : (tensor<1x4x8xf32>, tensor<4x8xf32>) -> tensor<1x4x8xf32>
    %n0 = tfm.layer_normalization %x0, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %q0 = tfm.reshape %n0, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt0 = tfm.transpose %q0 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores0 = tfm.matmul %q0, %kt0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs0 = tfm.softmax %scores0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx0 = tfm.matmul %probs0, %q0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %merged0 = tfm.reshape %ctx0, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %attn0 = tfm.matmul %merged0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %up0 = tfm.matmul %n0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %act0 = tfm.relu %up0 : tensor<1x4x8xf32> -> tensor<1x4x8xf32>
    %mlp0 = tfm.matmul %act0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %h0 = tfm.add %x0, %attn0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %x1 = tfm.add %h0, %mlp0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    return %x1 : tensor<1x4x8xf32>
  }
}

// -----

// OPT flattens the tokens to [B*T, D] around its MLP: the stream continues
// through the reshapes, the MLP output is [B*T, D] and the next block input
// is the reshape back to [B, T, D].
// CHECK-LABEL: module attributes {sinkc.heads = 2 : i64, sinkc.layers = 2 : i64}
// CHECK: tfm.gemm {{.*}}sinkc.layer = 0 : i64, sinkc.role = "mlp_output"{{.*}} -> tensor<4x8xf32>
// CHECK: tfm.reshape {{.*}} {sinkc.layer = 1 : i64, sinkc.role = "block_input"} : (tensor<4x8xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
// CHECK: tfm.gemm {{.*}}sinkc.layer = 1 : i64, sinkc.role = "mlp_output"
module {
  func.func @main(%ids: tensor<1x4xi64>) -> tensor<1x4x8xf32> {
    %table = tfm.constant dense<0.5> : tensor<16x8xf32>
    %w = tfm.constant dense<0.1> : tensor<8x8xf32>
    %g = tfm.constant dense<1.0> : tensor<8xf32>
    %s4 = tfm.constant dense<[1, 2, 4, 4]> : tensor<4xi64>
    %s3 = tfm.constant dense<[1, 4, 8]> : tensor<3xi64>
    %s2 = tfm.constant dense<[-1, 8]> : tensor<2xi64>
    %x0 = tfm.gather %table, %ids : (tensor<16x8xf32>, tensor<1x4xi64>) -> tensor<1x4x8xf32>
    %n0 = tfm.layer_normalization %x0, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %q0 = tfm.reshape %n0, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt0 = tfm.transpose %q0 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores0 = tfm.matmul %q0, %kt0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs0 = tfm.softmax %scores0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx0 = tfm.matmul %probs0, %q0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %merged0 = tfm.reshape %ctx0, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %attn0 = tfm.matmul %merged0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %h0 = tfm.add %x0, %attn0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %flat0 = tfm.reshape %h0, %s2 : (tensor<1x4x8xf32>, tensor<2xi64>) -> tensor<4x8xf32>
    %pn0 = tfm.layer_normalization %flat0, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
    %up0 = tfm.gemm %pn0, %w {transB = true} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %act0 = tfm.relu %up0 : tensor<4x8xf32> -> tensor<4x8xf32>
    %mlp0 = tfm.gemm %act0, %w {transB = true} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %sum0 = tfm.add %flat0, %mlp0 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %x1 = tfm.reshape %sum0, %s3 : (tensor<4x8xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %n1 = tfm.layer_normalization %x1, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %q1 = tfm.reshape %n1, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt1 = tfm.transpose %q1 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores1 = tfm.matmul %q1, %kt1 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs1 = tfm.softmax %scores1 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx1 = tfm.matmul %probs1, %q1 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %merged1 = tfm.reshape %ctx1, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %attn1 = tfm.matmul %merged1, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %h1 = tfm.add %x1, %attn1 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %flat1 = tfm.reshape %h1, %s2 : (tensor<1x4x8xf32>, tensor<2xi64>) -> tensor<4x8xf32>
    %pn1 = tfm.layer_normalization %flat1, %g : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
    %up1 = tfm.gemm %pn1, %w {transB = true} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %act1 = tfm.relu %up1 : tensor<4x8xf32> -> tensor<4x8xf32>
    %mlp1 = tfm.gemm %act1, %w {transB = true} : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    %sum1 = tfm.add %flat1, %mlp1 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
    %x2 = tfm.reshape %sum1, %s3 : (tensor<4x8xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    return %x2 : tensor<1x4x8xf32>
  }
}

// -----

// The block input may be a function argument (a model that takes embeddings);
// the marks then go on the argument.
// CHECK-LABEL: module attributes {sinkc.heads = 2 : i64, sinkc.layers = 1 : i64}
// CHECK: func.func @main(%{{.*}}: tensor<1x4x8xf32> {sinkc.layer = 0 : i64, sinkc.role = "block_input"})
module {
  func.func @main(%x0: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
    %w = tfm.constant dense<0.1> : tensor<8x8xf32>
    %s4 = tfm.constant dense<[1, 2, 4, 4]> : tensor<4xi64>
    %s3 = tfm.constant dense<[1, 4, 8]> : tensor<3xi64>
    %q0 = tfm.reshape %x0, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt0 = tfm.transpose %q0 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores0 = tfm.matmul %q0, %kt0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs0 = tfm.softmax %scores0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx0 = tfm.matmul %probs0, %q0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %attn0 = tfm.reshape %ctx0, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %h0 = tfm.add %x0, %attn0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %mlp0 = tfm.matmul %h0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %x1 = tfm.add %h0, %mlp0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    return %x1 : tensor<1x4x8xf32>
  }
}

// -----

// No softmax feeds a matmul: not a transformer.
// expected-error @below {{cannot recognize the decoder blocks: found 1 softmax ops but none whose result is multiplied with values (attention probabilities); is this a transformer?}}
module {
  func.func @main(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
    %p = tfm.softmax %x : tensor<1x4x8xf32> -> tensor<1x4x8xf32>
    %y = tfm.add %x, %p : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    return %y : tensor<1x4x8xf32>
  }
}

// -----

// Post-norm: the attention output is normalised together with the stream, so
// there is no residual connection around the attention.
// expected-error @below {{cannot recognize the decoder blocks: found 1 attention softmaxes, but no residual connection around the first one}}
module {
  func.func @main(%x0: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
    %g = tfm.constant dense<1.0> : tensor<8xf32>
    %s4 = tfm.constant dense<[1, 2, 4, 4]> : tensor<4xi64>
    %s3 = tfm.constant dense<[1, 4, 8]> : tensor<3xi64>
    %q0 = tfm.reshape %x0, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt0 = tfm.transpose %q0 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores0 = tfm.matmul %q0, %kt0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs0 = tfm.softmax %scores0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx0 = tfm.matmul %probs0, %q0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %attn0 = tfm.reshape %ctx0, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %mixed = tfm.mul %x0, %attn0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %y = tfm.layer_normalization %mixed, %g : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    return %y : tensor<1x4x8xf32>
  }
}

// -----

// Attention-only blocks: the diagnostic says what was found and what is
// missing.
// expected-error @below {{cannot recognize the decoder blocks: found 1 attention softmaxes, a residual stream of 1 adds from function argument 0 and 1 attention blocks on it; block 0 (attention tfm.softmax) has no MLP output added to the residual stream}}
module {
  func.func @main(%x0: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
    %s4 = tfm.constant dense<[1, 2, 4, 4]> : tensor<4xi64>
    %s3 = tfm.constant dense<[1, 4, 8]> : tensor<3xi64>
    %q0 = tfm.reshape %x0, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt0 = tfm.transpose %q0 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores0 = tfm.matmul %q0, %kt0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs0 = tfm.softmax %scores0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx0 = tfm.matmul %probs0, %q0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %attn0 = tfm.reshape %ctx0, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %x1 = tfm.add %x0, %attn0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    return %x1 : tensor<1x4x8xf32>
  }
}

// -----

// Two MLP-like branches in one block.
// expected-error @below {{block 0 adds two values besides its attention to the residual stream}}
module {
  func.func @main(%x0: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
    %w = tfm.constant dense<0.1> : tensor<8x8xf32>
    %s4 = tfm.constant dense<[1, 2, 4, 4]> : tensor<4xi64>
    %s3 = tfm.constant dense<[1, 4, 8]> : tensor<3xi64>
    %q0 = tfm.reshape %x0, %s4 : (tensor<1x4x8xf32>, tensor<4xi64>) -> tensor<1x2x4x4xf32>
    %kt0 = tfm.transpose %q0 {perm = array<i64: 0, 1, 3, 2>} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %scores0 = tfm.matmul %q0, %kt0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %probs0 = tfm.softmax %scores0 : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
    %ctx0 = tfm.matmul %probs0, %q0 : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
    %attn0 = tfm.reshape %ctx0, %s3 : (tensor<1x2x4x4xf32>, tensor<3xi64>) -> tensor<1x4x8xf32>
    %h0 = tfm.add %x0, %attn0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %mlp0 = tfm.matmul %h0, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %h1 = tfm.add %h0, %mlp0 : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    %extra = tfm.matmul %h1, %w : (tensor<1x4x8xf32>, tensor<8x8xf32>) -> tensor<1x4x8xf32>
    %x1 = tfm.add %h1, %extra : (tensor<1x4x8xf32>, tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
    return %x1 : tensor<1x4x8xf32>
  }
}
