// The dialect canonicalization RefineResultTypes (TfmDialect.cpp): when
// inference knows more static dimensions than an op's declared result type
// (typically after operands folded to constants), the declared type is
// refined. tfm users take the refined value as it is (and refine themselves
// in turn); every other user keeps its old type through one tensor.cast.
//
// RUN: sinkc-opt %s --canonicalize --split-input-file --allow-unregistered-dialect | FileCheck %s

// A reshape whose shape becomes known: the chain of tfm users refines, the
// return sees the old type through a cast.
// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x12xf32>) -> tensor<?x?xf32>
// CHECK: %[[R:.*]] = tfm.reshape %[[X]], %{{.*}} : (tensor<2x12xf32>, tensor<2xi64>) -> tensor<6x4xf32>
// CHECK: %[[T:.*]] = tfm.sigmoid %[[R]] : tensor<6x4xf32> -> tensor<6x4xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[T]] : tensor<6x4xf32> to tensor<?x?xf32>
// CHECK: return %[[C]] : tensor<?x?xf32>
func.func @chain(%x: tensor<2x12xf32>) -> tensor<?x?xf32> {
  %six = tfm.constant dense<[6]> : tensor<1xi64>
  %four = tfm.constant dense<[4]> : tensor<1xi64>
  %shape = tfm.concat %six, %four {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %0 = tfm.reshape %x, %shape : (tensor<2x12xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = tfm.sigmoid %0 : tensor<?x?xf32> -> tensor<?x?xf32>
  return %1 : tensor<?x?xf32>
}

// -----

// Several users outside tfm share one cast; tfm users use the refined value.
// CHECK-LABEL: func.func @shared_cast
// CHECK: %[[R:.*]] = tfm.reshape %{{.*}}, %{{.*}} : (tensor<2x12xf32>, tensor<2xi64>) -> tensor<24x1xf32>
// CHECK-NEXT: %[[C:.*]] = tensor.cast %[[R]] : tensor<24x1xf32> to tensor<?x1xf32>
// CHECK-NOT: tensor.cast
// CHECK: "test.use"(%[[C]]) : (tensor<?x1xf32>) -> ()
// CHECK: "test.use"(%[[C]]) : (tensor<?x1xf32>) -> ()
// CHECK: %[[N:.*]] = tfm.neg %[[R]] : tensor<24x1xf32> -> tensor<24x1xf32>
// CHECK: return %[[C]], %{{.*}} : tensor<?x1xf32>, tensor<?x1xf32>
func.func @shared_cast(%x: tensor<2x12xf32>) -> (tensor<?x1xf32>, tensor<?x1xf32>) {
  %shape = tfm.constant dense<[-1, 1]> : tensor<2xi64>
  %0 = tfm.reshape %x, %shape : (tensor<2x12xf32>, tensor<2xi64>) -> tensor<?x1xf32>
  "test.use"(%0) : (tensor<?x1xf32>) -> ()
  "test.use"(%0) : (tensor<?x1xf32>) -> ()
  %1 = tfm.neg %0 : tensor<?x1xf32> -> tensor<?x1xf32>
  return %0, %1 : tensor<?x1xf32>, tensor<?x1xf32>
}

// -----

// Only `?` dimensions are filled in; static declared dimensions (value_info
// refinements) stay, and nothing changes when inference knows no more.
// CHECK-LABEL: func.func @partial
// CHECK: tfm.add %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<8x1xf32>) -> tensor<8x4xf32>
// CHECK: tfm.add %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
// CHECK-NOT: tensor.cast
func.func @partial(%a: tensor<?x4xf32>, %b: tensor<8x1xf32>) -> (tensor<8x4xf32>, tensor<?x4xf32>) {
  %0 = tfm.add %a, %b : (tensor<?x4xf32>, tensor<8x1xf32>) -> tensor<?x4xf32>
  %1 = tfm.add %a, %a : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32>
  %2 = tfm.relu %0 : tensor<?x4xf32> -> tensor<8x4xf32>
  return %2, %1 : tensor<8x4xf32>, tensor<?x4xf32>
}

// -----

// Multi-result ops refine each result on its own.
// CHECK-LABEL: func.func @split
// CHECK: %[[S:.*]]:2 = tfm.split %{{.*}} {axis = 0 : i64, split = array<i64: 1, 3>} : tensor<4x?xf32> -> tensor<1x?xf32>, tensor<3x?xf32>
// CHECK: %[[C:.*]] = tensor.cast %[[S]]#1 : tensor<3x?xf32> to tensor<?x?xf32>
// CHECK: return %[[S]]#0, %[[C]]
func.func @split(%x: tensor<4x?xf32>) -> (tensor<1x?xf32>, tensor<?x?xf32>) {
  %0:2 = tfm.split %x {axis = 0 : i64, split = array<i64: 1, 3>} : tensor<4x?xf32> -> tensor<1x?xf32>, tensor<?x?xf32>
  return %0#0, %0#1 : tensor<1x?xf32>, tensor<?x?xf32>
}

// -----

// The position sub-graph of a decoder once the sequence length is known:
// range(0, shape[1]) refines to static, then folds to a constant.
// CHECK-LABEL: func.func @positions
// CHECK-DAG: %[[POS:.*]] = tfm.constant dense<{{\[}}[0, 1, 2, 3, 4]]> : tensor<1x5xi64>
// CHECK-DAG: %[[C:.*]] = tensor.cast %[[POS]] : tensor<1x5xi64> to tensor<1x?xi64>
// CHECK: return %[[C]]
func.func @positions(%ids: tensor<1x5xi64>) -> tensor<1x?xi64> {
  %s = tfm.shape %ids : tensor<1x5xi64> -> tensor<2xi64>
  %i1 = tfm.constant dense<1> : tensor<i64>
  %len = tfm.gather %s, %i1 : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %zero = tfm.constant dense<0> : tensor<i64>
  %one = tfm.constant dense<1> : tensor<i64>
  %r = tfm.range %zero, %len, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %u = tfm.unsqueeze %r {axes = array<i64: 0>} : tensor<?xi64> -> tensor<1x?xi64>
  return %u : tensor<1x?xi64>
}
