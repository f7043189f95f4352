// RUN: sinkc-opt %s --split-input-file --sinkc-narrow-gather-tables | FileCheck %s --check-prefix=F32
// RUN: sinkc-opt %s --split-input-file --sinkc-narrow-gather-tables="weights-dtype=bf16 min-elements=8" | FileCheck %s --check-prefix=BF16
// RUN: sinkc-opt %s --split-input-file --sinkc-narrow-gather-tables="weights-dtype=f16 min-elements=8" --verify-diagnostics | FileCheck %s --check-prefix=F16

// A bf16 checkpoint's embedding: the table, then Cast(to=FLOAT), then the
// gather. The cast follows the gather instead, so only the gathered rows are
// widened and the table stays bf16 whatever the storage type (f16 rounds it
// to f16, since that is what was asked for). The recognition's marks move to
// the cast, which now gives the value.
// F32-LABEL: func.func @checkpoint_embedding
// F32: %[[T:.*]] = tfm.constant dense_resource<emb> : tensor<2x4xbf16>
// F32: %[[G:.*]] = tfm.gather %[[T]], %arg0 : (tensor<2x4xbf16>, tensor<1x3xi64>) -> tensor<1x3x4xbf16>
// F32: %[[W:.*]] = tfm.cast %[[G]] {sinkc.layer = 0 : i64, sinkc.role = "block_input", to = f32} : tensor<1x3x4xbf16> -> tensor<1x3x4xf32>
// F32: return %[[W]]
// F32-NOT: tensor<2x4xf32>
// BF16-LABEL: func.func @checkpoint_embedding
// BF16: tfm.gather %{{.*}}, %arg0 : (tensor<2x4xbf16>, tensor<1x3xi64>) -> tensor<1x3x4xbf16>
// F16-LABEL: func.func @checkpoint_embedding
// F16: %[[T:.*]] = tfm.constant dense_resource<emb_f16> : tensor<2x4xf16>
// F16: %[[G:.*]] = tfm.gather %[[T]], %arg0 : (tensor<2x4xf16>, tensor<1x3xi64>) -> tensor<1x3x4xf16>
// F16: tfm.cast %[[G]] {{.*}}: tensor<1x3x4xf16> -> tensor<1x3x4xf32>
// F16-NOT: bf16
// F16: emb_f16: "0x40000000003C003C00C000420000000000000000"
func.func @checkpoint_embedding(%ids: tensor<1x3xi64>) -> tensor<1x3x4xf32> {
  %table = tfm.constant dense_resource<emb> : tensor<2x4xbf16>
  %wide = tfm.cast %table {to = f32} : tensor<2x4xbf16> -> tensor<2x4xf32>
  %x = tfm.gather %wide, %ids {sinkc.layer = 0 : i64, sinkc.role = "block_input"} : (tensor<2x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  return %x : tensor<1x3x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      emb: "0x02000000803F803F00C040400000000000000000"
    }
  }
#-}

// -----

// An f32 table: rounded to nearest even for the gather (1 + 2^-8 is a tie
// and goes to 1.0, 1 + 3 * 2^-8 to 1 + 2^-6; 0.1 rounds up), the result cast
// back. Other readers (a tied vocabulary projection) keep the f32 table,
// which sinkc-pack-matmul-weights packs later. f32 storage changes nothing.
// F32-LABEL: func.func @f32_table
// F32: tfm.gather %{{.*}}, %arg0 : (tensor<2x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
// F32-NOT: tfm.cast
// BF16-LABEL: func.func @f32_table
// BF16-DAG: %[[T:.*]] = tfm.constant dense<{{.*}}> : tensor<2x4xf32>
// BF16-DAG: %[[N:.*]] = tfm.constant dense_resource<embed_bf16> : tensor<2x4xbf16>
// BF16: %[[G:.*]] = tfm.gather %[[N]], %arg0 : (tensor<2x4xbf16>, tensor<1x3xi64>) -> tensor<1x3x4xbf16>
// BF16: %[[X:.*]] = tfm.cast %[[G]] {to = f32} : tensor<1x3x4xbf16> -> tensor<1x3x4xf32>
// BF16: tfm.transpose %[[T]]
// BF16: tfm.matmul %[[X]], %{{.*}}
// BF16: embed_bf16: "0x40000000803F803F823F00C04040CD3D8047833A"
// F16-LABEL: func.func @f32_table
// F16: tfm.gather %{{.*}}, %arg0 : (tensor<2x4xf16>, tensor<1x3xi64>) -> tensor<1x3x4xf16>
// F16: embed_f16: "0x40000000003C043C0C3C00C00042662EFF7B1914"
func.func @f32_table(%ids: tensor<1x3xi64>) -> tensor<1x3x2xf32> {
  %table = tfm.constant dense<[[1.0, 1.00390625, 1.01171875, -2.0], [3.0, 0.1, 65504.0, 1.0e-3]]> : tensor<2x4xf32> loc("embed")
  %x = tfm.gather %table, %ids : (tensor<2x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  %head = tfm.transpose %table {perm = array<i64: 1, 0>} : tensor<2x4xf32> -> tensor<4x2xf32>
  %logits = tfm.matmul %x, %head : (tensor<1x3x4xf32>, tensor<4x2xf32>) -> tensor<1x3x2xf32>
  return %logits : tensor<1x3x2xf32>
}

// -----

// Small tables (below min-elements) and integer tables keep their type.
// BF16-LABEL: func.func @small_and_integer
// BF16: tfm.gather %{{.*}}, %arg0 : (tensor<2x2xf32>, tensor<1x3xi64>) -> tensor<1x3x2xf32>
// BF16: tfm.gather %{{.*}}, %arg0 : (tensor<4x4xi64>, tensor<1x3xi64>) -> tensor<1x3x4xi64>
// BF16-NOT: bf16
func.func @small_and_integer(%ids: tensor<1x3xi64>) -> (tensor<1x3x2xf32>, tensor<1x3x4xi64>) {
  %small = tfm.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %ints = tfm.constant dense<7> : tensor<4x4xi64>
  %x = tfm.gather %small, %ids : (tensor<2x2xf32>, tensor<1x3xi64>) -> tensor<1x3x2xf32>
  %y = tfm.gather %ints, %ids : (tensor<4x4xi64>, tensor<1x3xi64>) -> tensor<1x3x4xi64>
  return %x, %y : tensor<1x3x2xf32>, tensor<1x3x4xi64>
}

// -----

// f16 cannot hold 70000: an error naming the weight rather than a silent
// infinity (bf16 holds it).
// BF16-LABEL: func.func @out_of_half_range
// BF16: tensor<2x4xbf16>
func.func @out_of_half_range(%ids: tensor<1x3xi64>) -> tensor<1x3x4xf32> {
  // expected-error @below {{weight 'wte' holds 70000 (element 5), outside the range of f16 (|x| < 65520): compile with --weights-dtype=bf16 or f32}}
  %table = tfm.constant dense_resource<wte> : tensor<2x4xf32>
  %x = tfm.gather %table, %ids : (tensor<2x4xf32>, tensor<1x3xi64>) -> tensor<1x3x4xf32>
  return %x : tensor<1x3x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      wte: "0x040000000000803F0000004000004040000080400000A04000B888470000E04000000041"
    }
  }
#-}
