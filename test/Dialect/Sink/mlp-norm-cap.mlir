// Round trip of sink.mlp_norm_cap (the steering intervention) through the
// custom assembly format and the generic form, and its purity: an unused cap
// folds away like a measurement.
//
// RUN: sinkc-opt %s | sinkc-opt | FileCheck %s
// RUN: sinkc-opt %s --mlir-print-op-generic | sinkc-opt | FileCheck %s
// RUN: sinkc-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: sinkc-opt %s --canonicalize | FileCheck %s --check-prefix=DCE

// CHECK-LABEL: func.func @cap
// CHECK-SAME: (%[[M:.*]]: tensor<?x?x48xf32>, %[[R:.*]]: tensor<48xf64>)
func.func @cap(%m: tensor<?x?x48xf32>, %r: tensor<48xf64>) -> (tensor<?x?x48xf32>, tensor<?x?x48xf32>) {
  // CHECK: sink.mlp_norm_cap %[[M]] {cos_threshold = 9.800000e-01 : f32, norm = 1.000000e+00 : f32, skip_first = 3 : i64} : (tensor<?x?x48xf32>) -> tensor<?x?x48xf32>
  %a = sink.mlp_norm_cap %m {cos_threshold = 0.98 : f32, norm = 1.0 : f32, skip_first = 3 : i64}
      : (tensor<?x?x48xf32>) -> tensor<?x?x48xf32>
  // CHECK-NEXT: sink.mlp_norm_cap %[[M]] reference(%[[R]]) {cos_threshold = -5.000000e-01 : f32, norm = 0.000000e+00 : f32, skip_first = 1 : i64} : (tensor<?x?x48xf32>, tensor<48xf64>) -> tensor<?x?x48xf32>
  %b = sink.mlp_norm_cap %m reference(%r) {cos_threshold = -0.5 : f32, norm = 0.0 : f32, skip_first = 1 : i64}
      : (tensor<?x?x48xf32>, tensor<48xf64>) -> tensor<?x?x48xf32>
  return %a, %b : tensor<?x?x48xf32>, tensor<?x?x48xf32>
}

// Static shapes and f16: the result has the MLP output's type.
// CHECK-LABEL: func.func @cap_f16
func.func @cap_f16(%m: tensor<1x8x16xf16>, %r: tensor<?xf32>) -> tensor<1x8x16xf16> {
  // CHECK: sink.mlp_norm_cap %{{.*}} reference(%{{.*}}) {{.*}} : (tensor<1x8x16xf16>, tensor<?xf32>) -> tensor<1x8x16xf16>
  %c = sink.mlp_norm_cap %m reference(%r) {cos_threshold = 0.9 : f32, norm = 2.0 : f32, skip_first = 4 : i64}
      : (tensor<1x8x16xf16>, tensor<?xf32>) -> tensor<1x8x16xf16>
  return %c : tensor<1x8x16xf16>
}

// CHECK-LABEL: func.func @unused
func.func @unused(%m: tensor<?x?x48xf32>) {
  %c = sink.mlp_norm_cap %m {cos_threshold = 0.98 : f32, norm = 1.0 : f32, skip_first = 3 : i64}
      : (tensor<?x?x48xf32>) -> tensor<?x?x48xf32>
  return
}

// GENERIC: "sink.mlp_norm_cap"(%{{.*}}) <{cos_threshold = 9.800000e-01 : f32, norm = 1.000000e+00 : f32, skip_first = 3 : i64}> : (tensor<?x?x48xf32>) -> tensor<?x?x48xf32>
// GENERIC: "sink.mlp_norm_cap"(%{{.*}}, %{{.*}}) <{cos_threshold = -5.000000e-01 : f32, norm = 0.000000e+00 : f32, skip_first = 1 : i64}> : (tensor<?x?x48xf32>, tensor<48xf64>) -> tensor<?x?x48xf32>

// DCE-LABEL: func.func @unused
// DCE-NEXT: return
