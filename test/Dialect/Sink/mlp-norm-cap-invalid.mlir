// Verifier failures of sink.mlp_norm_cap.
//
// RUN: sinkc-opt %s -split-input-file -verify-diagnostics

func.func @result_type(%m: tensor<?x?x48xf32>) {
  // expected-error @+1 {{'sink.mlp_norm_cap' op failed to verify that all of {mlp, result} have same type}}
  %c = sink.mlp_norm_cap %m {cos_threshold = 0.98 : f32, norm = 1.0 : f32, skip_first = 3 : i64}
      : (tensor<?x?x48xf32>) -> tensor<?x?x48xf16>
  return
}

// -----

func.func @rank(%m: tensor<?x48xf32>) {
  // expected-error @+1 {{'sink.mlp_norm_cap' op operand #0 must be 3D tensor of 16-bit float or 32-bit float or 64-bit float values}}
  %c = sink.mlp_norm_cap %m {cos_threshold = 0.98 : f32, norm = 1.0 : f32, skip_first = 3 : i64}
      : (tensor<?x48xf32>) -> tensor<?x48xf32>
  return
}

// -----

func.func @reference_length(%m: tensor<?x?x48xf32>, %r: tensor<32xf32>) {
  // expected-error @+1 {{'sink.mlp_norm_cap' op expects a reference direction of the hidden size 48, got 32 values}}
  %c = sink.mlp_norm_cap %m reference(%r) {cos_threshold = 0.98 : f32, norm = 1.0 : f32, skip_first = 3 : i64}
      : (tensor<?x?x48xf32>, tensor<32xf32>) -> tensor<?x?x48xf32>
  return
}

// -----

func.func @reference_rank(%m: tensor<?x?x48xf32>, %r: tensor<1x48xf32>) {
  // expected-error @+1 {{'sink.mlp_norm_cap' op operand #1 must be 1D tensor of 16-bit float or 32-bit float or 64-bit float values, but got 'tensor<1x48xf32>'}}
  %c = sink.mlp_norm_cap %m reference(%r) {cos_threshold = 0.98 : f32, norm = 1.0 : f32, skip_first = 3 : i64}
      : (tensor<?x?x48xf32>, tensor<1x48xf32>) -> tensor<?x?x48xf32>
  return
}

// -----

func.func @threshold(%m: tensor<?x?x48xf32>) {
  // expected-error @+1 {{'sink.mlp_norm_cap' op cos_threshold must be in [-1, 1) (a cosine is never above 1), got 1.000000e+00}}
  %c = sink.mlp_norm_cap %m {cos_threshold = 1.0 : f32, norm = 1.0 : f32, skip_first = 3 : i64}
      : (tensor<?x?x48xf32>) -> tensor<?x?x48xf32>
  return
}

// -----

func.func @norm(%m: tensor<?x?x48xf32>) {
  // expected-error @+1 {{'sink.mlp_norm_cap' op norm must be finite and non-negative, got -2.000000e+00}}
  %c = sink.mlp_norm_cap %m {cos_threshold = 0.98 : f32, norm = -2.0 : f32, skip_first = 3 : i64}
      : (tensor<?x?x48xf32>) -> tensor<?x?x48xf32>
  return
}

// -----

func.func @skip_first(%m: tensor<?x?x48xf32>) {
  // expected-error @+1 {{'sink.mlp_norm_cap' op skip_first must be at least 1 (position 0 is the reference and is never rescaled), got 0}}
  %c = sink.mlp_norm_cap %m {cos_threshold = 0.98 : f32, norm = 1.0 : f32, skip_first = 0 : i64}
      : (tensor<?x?x48xf32>) -> tensor<?x?x48xf32>
  return
}
