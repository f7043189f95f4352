// RUN: sinkc-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(sinkc-externalize-weights)" | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(sinkc-externalize-weights{threshold-bytes=16 entry=model})" | FileCheck %s --check-prefix=SMALL

// Default options (entry @main, 256 bytes): 64 floats (256 bytes) stay a
// constant, 65 floats (260 bytes) become a view at offset 0 of a new leading
// i8 blob argument, read through a restrict to_tensor. Splats and scalars
// stay whatever their size: they cost nothing in the IR. @model is not the
// entry.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[BLOB:.*]]: memref<?xi8> {tfm.name = "weights"}, %[[X:.*]]: tensor<65xf32>)
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[VIEW:.*]] = memref.view %[[BLOB]][%[[C0]]][] : memref<?xi8> to memref<65xf32>
// CHECK-NEXT: %[[BIG:.*]] = bufferization.to_tensor %[[VIEW]] restrict : memref<65xf32> to tensor<65xf32>
// CHECK-NEXT: arith.addf %[[X]], %[[BIG]]
// CHECK-NEXT: arith.constant dense<[0.000000e+00, {{.*}}, 6.300000e+01]> : tensor<64xf32>
// CHECK-NEXT: arith.constant dense<1.000000e+00> : tensor<1024xf32>
// CHECK-NEXT: arith.constant 2.000000e+00 : f32
// CHECK-NEXT: return
// CHECK-LABEL: func.func @model
// CHECK-SAME: (%{{.*}}: tensor<5xf32>)
// CHECK-NOT: memref.view
// CHECK: return
//
// With threshold-bytes=16 entry=model, @main is not the entry and keeps even
// its 260-byte constant.
// SMALL-LABEL: func.func @main
// SMALL-SAME: (%{{.*}}: tensor<65xf32>)
// SMALL-NOT: memref.view
// SMALL: return
//
// In @model, 4 floats (16 bytes) stay and 5 floats (20 bytes) move to offset
// 0. The next distinct constant starts at the next 64-byte boundary and keeps
// its shape and element type; an identical constant shares the first one's
// bytes (offset 0 again). The i1 mask is bit-packed in its attribute and
// stays.
// SMALL-LABEL: func.func @model
// SMALL-SAME: (%[[BLOB:.*]]: memref<?xi8> {tfm.name = "weights"}, %[[X:.*]]: tensor<5xf32>)
// SMALL-NEXT: arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// SMALL-NEXT: %[[OFF0:.*]] = arith.constant 0 : index
// SMALL-NEXT: %[[V0:.*]] = memref.view %[[BLOB]][%[[OFF0]]][] : memref<?xi8> to memref<5xf32>
// SMALL-NEXT: %[[T0:.*]] = bufferization.to_tensor %[[V0]] restrict : memref<5xf32> to tensor<5xf32>
// SMALL-NEXT: %[[OFF64:.*]] = arith.constant 64 : index
// SMALL-NEXT: %[[V1:.*]] = memref.view %[[BLOB]][%[[OFF64]]][] : memref<?xi8> to memref<2x3xi64>
// SMALL-NEXT: %[[T1:.*]] = bufferization.to_tensor %[[V1]] restrict : memref<2x3xi64> to tensor<2x3xi64>
// SMALL-NEXT: %[[OFF0B:.*]] = arith.constant 0 : index
// SMALL-NEXT: %[[V2:.*]] = memref.view %[[BLOB]][%[[OFF0B]]][] : memref<?xi8> to memref<5xf32>
// SMALL-NEXT: %[[T2:.*]] = bufferization.to_tensor %[[V2]] restrict : memref<5xf32> to tensor<5xf32>
// SMALL-NEXT: arith.constant dense<{{.*}}> : tensor<4x8xi1>
// SMALL-NEXT: %[[S:.*]] = arith.addf %[[X]], %[[T0]]
// SMALL-NEXT: arith.addf %[[S]], %[[T2]]
// SMALL-NEXT: return %{{.*}}, %{{.*}}, %[[T1]], %{{.*}} :
func.func @main(%x: tensor<65xf32>) -> (tensor<65xf32>, tensor<64xf32>, tensor<1024xf32>, f32) {
  %big = arith.constant dense<"0x000000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041000050410000604100007041000080410000884100009041000098410000A0410000A8410000B0410000B8410000C0410000C8410000D0410000D8410000E0410000E8410000F0410000F84100000042000004420000084200000C4200001042000014420000184200001C4200002042000024420000284200002C4200003042000034420000384200003C4200004042000044420000484200004C4200005042000054420000584200005C4200006042000064420000684200006C4200007042000074420000784200007C4200008042"> : tensor<65xf32>
  %r = arith.addf %x, %big : tensor<65xf32>
  %small = arith.constant dense<"0x000000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041000050410000604100007041000080410000884100009041000098410000A0410000A8410000B0410000B8410000C0410000C8410000D0410000D8410000E0410000E8410000F0410000F84100000042000004420000084200000C4200001042000014420000184200001C4200002042000024420000284200002C4200003042000034420000384200003C4200004042000044420000484200004C4200005042000054420000584200005C4200006042000064420000684200006C4200007042000074420000784200007C42"> : tensor<64xf32>
  %splat = arith.constant dense<1.0> : tensor<1024xf32>
  %scalar = arith.constant 2.0 : f32
  return %r, %small, %splat, %scalar : tensor<65xf32>, tensor<64xf32>, tensor<1024xf32>, f32
}

func.func @model(%x: tensor<5xf32>) -> (tensor<4xf32>, tensor<5xf32>, tensor<2x3xi64>, tensor<4x8xi1>) {
  %small = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %a = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>
  %i = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %b = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>
  %mask = arith.constant dense<[[true, false, true, false, true, false, true, false],
                                [false, true, false, true, false, true, false, true],
                                [true, true, false, false, true, true, false, false],
                                [false, false, true, true, false, false, true, true]]> : tensor<4x8xi1>
  %s = arith.addf %x, %a : tensor<5xf32>
  %t = arith.addf %s, %b : tensor<5xf32>
  return %small, %t, %i, %mask : tensor<4xf32>, tensor<5xf32>, tensor<2x3xi64>, tensor<4x8xi1>
}

// -----

// An ONNX initializer arrives as a dense_resource blob and its bytes move as
// they are, whatever the threshold (the importer makes resources only of
// float tensors of more than 64 elements). Two uses of one resource share
// its offset.
// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[BLOB:.*]]: memref<?xi8> {tfm.name = "weights"})
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %[[BLOB]][%[[C0]]][] : memref<?xi8> to memref<2xf32>
// CHECK-NEXT: bufferization.to_tensor
// CHECK-NEXT: %[[C0B:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %[[BLOB]][%[[C0B]]][] : memref<?xi8> to memref<2xf32>
// CHECK-NEXT: bufferization.to_tensor
// CHECK-NEXT: return
// SMALL-LABEL: func.func @model
// SMALL-SAME: (%[[BLOB:.*]]: memref<?xi8> {tfm.name = "weights"})
// SMALL-NEXT: %[[C0:.*]] = arith.constant 0 : index
// SMALL-NEXT: memref.view %[[BLOB]][%[[C0]]][] : memref<?xi8> to memref<2xf32>
func.func @main() -> (tensor<2xf32>, tensor<2xf32>) {
  %w = arith.constant dense_resource<w> : tensor<2xf32>
  %v = arith.constant dense_resource<w> : tensor<2xf32>
  return %w, %v : tensor<2xf32>, tensor<2xf32>
}

func.func @model() -> tensor<2xf32> {
  %w = arith.constant dense_resource<w> : tensor<2xf32>
  return %w : tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F00000040"
    }
  }
#-}

// -----

// Without the entry function there is nothing to rewrite, and the pass says
// which function it looked for.
// expected-error-re @below {{no entry function @{{(main|model)$}}}}
module {
  func.func @not_the_entry() {
    return
  }
}
