// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(sinkc-lower-vector-leftovers)" | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --pass-pipeline="builtin.module(sinkc-lower-vector-leftovers,convert-to-llvm,reconcile-unrealized-casts)" | FileCheck %s --check-prefix=LLVM

// What the pass is for: after it, convert-to-llvm leaves no vector op behind
// (without it, the 2-D to_elements below is rejected, and the strided slices
// of the shape_cast lowering stay unconverted).
// LLVM-NOT: vector.
// LLVM-NOT: unrealized_conversion_cast

// Canonicalization folds chains of vector.insert into an n-D from_elements;
// it is rebuilt row by row from 1-D from_elements.
// CHECK-LABEL: func.func @from_elements_2d
// CHECK-SAME: (%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32, %[[D:.*]]: f32)
// CHECK-NEXT: %[[P:.*]] = ub.poison : vector<2x2xf32>
// CHECK-NEXT: %[[R0:.*]] = vector.from_elements %[[A]], %[[B]] : vector<2xf32>
// CHECK-NEXT: %[[V0:.*]] = vector.insert %[[R0]], %[[P]] [0] : vector<2xf32> into vector<2x2xf32>
// CHECK-NEXT: %[[R1:.*]] = vector.from_elements %[[C]], %[[D]] : vector<2xf32>
// CHECK-NEXT: %[[V1:.*]] = vector.insert %[[R1]], %[[V0]] [1] : vector<2xf32> into vector<2x2xf32>
// CHECK-NEXT: return %[[V1]]
func.func @from_elements_2d(%a: f32, %b: f32, %c: f32, %d: f32) -> vector<2x2xf32> {
  %v = vector.from_elements %a, %b, %c, %d : vector<2x2xf32>
  return %v : vector<2x2xf32>
}

// -----

// The converse: an n-D to_elements reads each row, then its elements.
// CHECK-LABEL: func.func @to_elements_2d
// CHECK-SAME: (%[[V:.*]]: vector<2x2xf32>)
// CHECK-NEXT: %[[R0:.*]] = vector.extract %[[V]][0] : vector<2xf32> from vector<2x2xf32>
// CHECK-NEXT: %[[R1:.*]] = vector.extract %[[V]][1] : vector<2xf32> from vector<2x2xf32>
// CHECK-NEXT: %[[E0:.*]]:2 = vector.to_elements %[[R0]] : vector<2xf32>
// CHECK-NEXT: %[[E1:.*]]:2 = vector.to_elements %[[R1]] : vector<2xf32>
// CHECK-NEXT: return %[[E0]]#0, %[[E0]]#1, %[[E1]]#0, %[[E1]]#1
func.func @to_elements_2d(%v: vector<2x2xf32>) -> (f32, f32, f32, f32) {
  %a, %b, %c, %d = vector.to_elements %v : vector<2x2xf32>
  return %a, %b, %c, %d : f32, f32, f32, f32
}

// -----

// Flattening a 2-D vector: each row is extracted and placed with shuffles
// (the strided slices of the shape_cast lowering, lowered further).
// CHECK-LABEL: func.func @shape_cast_flatten
// CHECK-SAME: (%[[V:.*]]: vector<2x4xf32>)
// CHECK-NOT: vector.shape_cast
// CHECK-NOT: strided_slice
// CHECK: vector.extract %[[V]][0] : vector<4xf32> from vector<2x4xf32>
// CHECK: vector.shuffle
// CHECK: vector.extract %[[V]][1] : vector<4xf32> from vector<2x4xf32>
// CHECK: %[[R:.*]] = vector.shuffle %{{.*}}, %{{.*}} [8, 9, 10, 11, 0, 1, 2, 3] : vector<8xf32>, vector<8xf32>
// CHECK-NEXT: return %[[R]] : vector<8xf32>
func.func @shape_cast_flatten(%v: vector<2x4xf32>) -> vector<8xf32> {
  %r = vector.shape_cast %v : vector<2x4xf32> to vector<8xf32>
  return %r : vector<8xf32>
}

// -----

// And the other way: each row is a shuffle of the flat vector.
// CHECK-LABEL: func.func @shape_cast_unflatten
// CHECK-SAME: (%[[V:.*]]: vector<8xf32>)
// CHECK-NOT: vector.shape_cast
// CHECK-NOT: strided_slice
// CHECK: vector.shuffle %[[V]], %[[V]] [0, 1, 2, 3] : vector<8xf32>, vector<8xf32>
// CHECK: vector.insert %{{.*}}, %{{.*}} [0] : vector<4xf32> into vector<2x4xf32>
// CHECK: vector.shuffle %[[V]], %[[V]] [4, 5, 6, 7] : vector<8xf32>, vector<8xf32>
// CHECK: %[[R:.*]] = vector.insert %{{.*}}, %{{.*}} [1] : vector<4xf32> into vector<2x4xf32>
// CHECK-NEXT: return %[[R]]
func.func @shape_cast_unflatten(%v: vector<8xf32>) -> vector<2x4xf32> {
  %r = vector.shape_cast %v : vector<8xf32> to vector<2x4xf32>
  return %r : vector<2x4xf32>
}

// -----

// A row broadcast to 2-D is one insert per row.
// CHECK-LABEL: func.func @broadcast_rows
// CHECK-SAME: (%[[V:.*]]: vector<4xf32>)
// CHECK-NEXT: %[[P:.*]] = ub.poison : vector<2x4xf32>
// CHECK-NEXT: %[[I0:.*]] = vector.insert %[[V]], %[[P]] [0] : vector<4xf32> into vector<2x4xf32>
// CHECK-NEXT: %[[I1:.*]] = vector.insert %[[V]], %[[I0]] [1] : vector<4xf32> into vector<2x4xf32>
// CHECK-NEXT: return %[[I1]]
func.func @broadcast_rows(%v: vector<4xf32>) -> vector<2x4xf32> {
  %r = vector.broadcast %v : vector<4xf32> to vector<2x4xf32>
  return %r : vector<2x4xf32>
}

// -----

// Left alone: 1-D ops, which the LLVM conversion takes as they are, and a
// scalar splat to 2-D, which it also converts directly.
// CHECK-LABEL: func.func @left_alone
// CHECK-NEXT: vector.from_elements %{{.*}}, %{{.*}} : vector<2xf32>
// CHECK-NEXT: vector.extract %{{.*}}[1] : f32 from vector<4xf32>
// CHECK-NEXT: vector.broadcast %{{.*}} : f32 to vector<4xf32>
// CHECK-NEXT: vector.broadcast %{{.*}} : f32 to vector<2x4xf32>
// CHECK-NEXT: return
func.func @left_alone(%a: f32, %b: f32, %v: vector<4xf32>)
    -> (vector<2xf32>, f32, vector<4xf32>, vector<2x4xf32>) {
  %r = vector.from_elements %a, %b : vector<2xf32>
  %x = vector.extract %v[1] : f32 from vector<4xf32>
  %w = vector.broadcast %a : f32 to vector<4xf32>
  %s = vector.broadcast %b : f32 to vector<2x4xf32>
  return %r, %x, %w, %s : vector<2xf32>, f32, vector<4xf32>, vector<2x4xf32>
}
