// ONNX multidirectional broadcasting in the elementwise lowering: each
// operand is read through an indexing map that drops missing leading dims
// and reads index 0 of static size-1 dims. Two dynamic sizes in the same
// result dimension must agree at run time (a dynamic dimension that is 1 at
// run time is not broadcast): the check names the node.
//
// RUN: sinkc-opt %s --sinkc-lower-tfm-to-linalg --split-input-file | FileCheck %s

// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @static_broadcast
// CHECK-NOT: cf.assert
// CHECK: tensor.empty() : tensor<2x3x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[COL]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]}
func.func @static_broadcast(%a: tensor<2x3x4xf32>, %b: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = tfm.add %a, %b : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// A rank-0 operand is read with the empty map; the dynamic result size comes
// from the operand that has it.
// CHECK-DAG: #[[ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @scalar
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xf32>, %[[S:.*]]: tensor<f32>)
// CHECK: %[[D0:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x4xf32>
// CHECK: tensor.empty(%[[D0]]) : tensor<?x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID2]], #[[SCALAR]], #[[ID2]]]
func.func @scalar(%a: tensor<?x4xf32>, %s: tensor<f32>) -> tensor<?x4xf32> {
  %0 = tfm.mul %a, %s : (tensor<?x4xf32>, tensor<f32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x?xf32>, %[[B:.*]]: tensor<?x?xf32>)
// CHECK: %[[A0:.*]] = tensor.dim %[[A]], %{{.*}}
// CHECK: %[[B0:.*]] = tensor.dim %[[B]], %{{.*}}
// CHECK: %[[EQ0:.*]] = arith.cmpi eq, %[[B0]], %[[A0]] : index
// CHECK: cf.assert %[[EQ0]], "sinkc: shape check failed in tfm.sub: broadcast dimension 0 differs between operands (a dynamic dimension of size 1 cannot be broadcast)"
// CHECK: %[[A1:.*]] = tensor.dim %[[A]], %{{.*}}
// CHECK: %[[B1:.*]] = tensor.dim %[[B]], %{{.*}}
// CHECK: %[[EQ1:.*]] = arith.cmpi eq, %[[B1]], %[[A1]] : index
// CHECK: cf.assert %[[EQ1]], "sinkc: shape check failed in tfm.sub: broadcast dimension 1 differs
// CHECK: tensor.empty(%[[A0]], %[[A1]]) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: arith.subf
func.func @dynamic(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = tfm.sub %a, %b : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// The node name (the ONNX node, from the importer's NameLoc) is in the
// message.
// CHECK-LABEL: func.func @named
// CHECK: cf.assert %{{.*}}, "sinkc: shape check failed in tfm.add (ONNX node 'Add_7'): broadcast dimension 0
func.func @named(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %0 = tfm.add %a, %b : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32> loc("Add_7")
  return %0 : tensor<?xf32>
}

// -----

// Static 1 against dynamic: no check, the 1 is broadcast.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @dynamic_vs_one
// CHECK-SAME: (%[[A:.*]]: tensor<?x1xf32>, %[[B:.*]]: tensor<1x?xf32>)
// CHECK-NOT: cf.assert
// CHECK: %[[R:.*]] = tensor.dim %[[A]], %{{.*}}
// CHECK: %[[C:.*]] = tensor.dim %[[B]], %{{.*}}
// CHECK: tensor.empty(%[[R]], %[[C]]) : tensor<?x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #{{.*}}]
func.func @dynamic_vs_one(%a: tensor<?x1xf32>, %b: tensor<1x?xf32>) -> tensor<?x?xf32> {
  %0 = tfm.add %a, %b : (tensor<?x1xf32>, tensor<1x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Where broadcasts all three operands.
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2) -> ()>
// CHECK-LABEL: func.func @where3
// CHECK: linalg.generic {indexing_maps = [#[[C]], #[[X]], #[[Y]], #{{.*}}]
// CHECK: arith.select
func.func @where3(%c: tensor<?x1x5xi1>, %x: tensor<4x1xf32>, %y: tensor<f32>) -> tensor<?x4x5xf32> {
  %0 = tfm.where %c, %x, %y : (tensor<?x1x5xi1>, tensor<4x1xf32>, tensor<f32>) -> tensor<?x4x5xf32>
  return %0 : tensor<?x4x5xf32>
}

// -----

// A declared static result size that an operand only knows dynamically is
// checked at run time.
// CHECK-LABEL: func.func @refined
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x8xf32>
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[D]], %{{.*}} : index
// CHECK: cf.assert %[[OK]]
// CHECK: tensor.empty() : tensor<2x8xf32>
func.func @refined(%a: tensor<?x8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  %0 = tfm.add %a, %b : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
