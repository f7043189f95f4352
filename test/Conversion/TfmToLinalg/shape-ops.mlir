// Shape and data-movement ops: reshape-like ops become collapse/expand_shape
// when both shapes are static, tensor.reshape otherwise; transpose is
// linalg.transpose; concat and split are insert/extract_slice; slice is an
// extract_slice for known positive steps and a gather-style linalg.generic
// otherwise, with ONNX clamping computed at run time; expand, range, trilu
// are linalg.generic, constant_of_shape a linalg.fill. Canonicalised so that
// the checks see the folded index arithmetic.
//
// RUN: sinkc-opt %s --sinkc-lower-tfm-to-linalg --canonicalize --cse --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @reshape_static
// CHECK-SAME: (%[[A:.*]]: tensor<2x3x4xf32>)
// CHECK-NOT: cf.assert
// CHECK-DAG: tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK-DAG: tensor.expand_shape %[[A]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 3, 2, 2] : tensor<2x3x4xf32> into tensor<2x3x2x2xf32>
func.func @reshape_static(%a: tensor<2x3x4xf32>) -> (tensor<6x4xf32>, tensor<2x3x2x2xf32>) {
  %s = tfm.constant dense<[6, -1]> : tensor<2xi64>
  %0 = tfm.reshape %a, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %t = tfm.constant dense<[0, 0, 2, 2]> : tensor<4xi64>
  %1 = tfm.reshape %a, %t : (tensor<2x3x4xf32>, tensor<4xi64>) -> tensor<2x3x2x2xf32>
  return %0, %1 : tensor<6x4xf32>, tensor<2x3x2x2xf32>
}

// -----

// A run-time shape: 0 copies the input size, -1 is solved from the element
// count, the element count is checked; the same type in and out does not
// make the reshape a no-op.
// CHECK-LABEL: func.func @reshape_dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x?x?xf32>, %[[S:.*]]: tensor<3xi64>)
// CHECK: %[[D0:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[R0:.*]] = tensor.extract %[[S]][%c0] : tensor<3xi64>
// CHECK: %[[I0:.*]] = arith.index_cast %[[R0]] : i64 to index
// CHECK: %[[Z0:.*]] = arith.cmpi eq, %[[I0]], %c0 : index
// CHECK: arith.select %[[Z0]], %[[D0]], %[[I0]] : index
// CHECK: arith.cmpi eq, %{{.*}}, %c-1 : index
// CHECK: cf.assert %{{.*}}, "sinkc: shape check failed in tfm.reshape: the requested shape does not have the input's element count"
// CHECK: %[[SHAPE:.*]] = tensor.from_elements %{{.*}}, %{{.*}}, %{{.*}} : tensor<3xi64>
// CHECK: %[[R:.*]] = tensor.reshape %[[A]](%[[SHAPE]]) : (tensor<?x?x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
// CHECK: return %[[R]]
func.func @reshape_dynamic(%a: tensor<?x?x?xf32>, %shape: tensor<3xi64>) -> tensor<?x?x?xf32> {
  %0 = tfm.reshape %a, %shape : (tensor<?x?x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// Squeeze (negative axes), unsqueeze (axes of the result), flatten.
// CHECK-LABEL: func.func @squeeze_unsqueeze_flatten
// CHECK-SAME: (%[[A:.*]]: tensor<2x1x4xf32>, %[[B:.*]]: tensor<?x4xf32>, %[[C:.*]]: tensor<?x1xf32>)
// CHECK: %[[SQ:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0], [1, 2]] : tensor<2x1x4xf32> into tensor<2x4xf32>
// CHECK: %[[BD:.*]] = tensor.dim %[[B]], %c0
// CHECK: %[[BD64:.*]] = arith.index_cast %[[BD]] : index to i64
// CHECK: %[[US:.*]] = tensor.from_elements %c1_i64, %[[BD64]], %c1_i64, %c4_i64 : tensor<4xi64>
// CHECK: %[[U:.*]] = tensor.reshape %[[B]](%[[US]]) : (tensor<?x4xf32>, tensor<4xi64>) -> tensor<1x?x1x4xf32>
// CHECK: tensor.reshape %[[C]](%{{.*}}) : (tensor<?x1xf32>, tensor<1xi64>) -> tensor<?xf32>
// Flatten of an already 2-D [?, 4] at axis -1 is the input itself.
// CHECK: return %[[SQ]], %[[U]], %{{.*}}, %[[SQ]], %[[B]]
func.func @squeeze_unsqueeze_flatten(%a: tensor<2x1x4xf32>, %b: tensor<?x4xf32>, %c: tensor<?x1xf32>) -> (tensor<2x4xf32>, tensor<1x?x1x4xf32>, tensor<?xf32>, tensor<2x4xf32>, tensor<?x4xf32>) {
  %0 = tfm.squeeze %a {axes = array<i64: -2>} : tensor<2x1x4xf32> -> tensor<2x4xf32>
  %1 = tfm.unsqueeze %b {axes = array<i64: 0, -2>} : tensor<?x4xf32> -> tensor<1x?x1x4xf32>
  %2 = tfm.squeeze %c {axes = array<i64: 1>} : tensor<?x1xf32> -> tensor<?xf32>
  %3 = tfm.flatten %a {axis = 1 : i64} : tensor<2x1x4xf32> -> tensor<2x4xf32>
  %4 = tfm.flatten %b {axis = -1 : i64} : tensor<?x4xf32> -> tensor<?x4xf32>
  return %0, %1, %2, %3, %4 : tensor<2x4xf32>, tensor<1x?x1x4xf32>, tensor<?xf32>, tensor<2x4xf32>, tensor<?x4xf32>
}

// -----

// Squeezing a dynamic dimension checks that it is 1.
// CHECK-LABEL: func.func @squeeze_dynamic
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %c0 : tensor<?x?xf32>
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[D]], %c1 : index
// CHECK: cf.assert %[[ONE]], "sinkc: shape check failed in tfm.squeeze: squeezed dimension 0 must be 1"
func.func @squeeze_dynamic(%a: tensor<?x?xf32>) -> tensor<?xf32> {
  %0 = tfm.squeeze %a {axes = array<i64: 0>} : tensor<?x?xf32> -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[A:.*]]: tensor<?x4x8xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<8x?x4xf32>
// CHECK: linalg.transpose ins(%[[A]] : tensor<?x4x8xf32>) outs(%[[E]] : tensor<8x?x4xf32>) permutation = [2, 0, 1]
func.func @transpose(%a: tensor<?x4x8xf32>) -> tensor<8x?x4xf32> {
  %0 = tfm.transpose %a {perm = array<i64: 2, 0, 1>} : tensor<?x4x8xf32> -> tensor<8x?x4xf32>
  return %0 : tensor<8x?x4xf32>
}

// -----

// Concat along a negative axis; an empty input contributes nothing.
// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[A:.*]]: tensor<?x3xf32>, %[[B:.*]]: tensor<2x3xf32>, %[[E:.*]]: tensor<0x3xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[N:.*]] = arith.addi %[[D]], %c2 : index
// CHECK: %[[INIT:.*]] = tensor.empty(%[[N]]) : tensor<?x3xf32>
// CHECK: %[[S1:.*]] = tensor.insert_slice %[[A]] into %[[INIT]][0, 0] [%[[D]], 3] [1, 1]
// CHECK-NOT: %[[E]]
// CHECK: %[[S2:.*]] = tensor.insert_slice %[[B]] into %[[S1]][%[[D]], 0] [2, 3] [1, 1]
// CHECK: return %[[S2]]
func.func @concat(%a: tensor<?x3xf32>, %b: tensor<2x3xf32>, %e: tensor<0x3xf32>) -> tensor<?x3xf32> {
  %0 = tfm.concat %a, %e, %b {axis = -2 : i64} : (tensor<?x3xf32>, tensor<0x3xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Split: one extract_slice per piece; an empty piece is a tensor.empty.
// CHECK-LABEL: func.func @split
// CHECK-SAME: (%[[A:.*]]: tensor<?x6xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[P0:.*]] = tensor.extract_slice %[[A]][0, 0] [%[[D]], 2] [1, 1] : tensor<?x6xf32> to tensor<?x2xf32>
// CHECK: %[[P1:.*]] = tensor.empty(%[[D]]) : tensor<?x0xf32>
// CHECK: %[[P2:.*]] = tensor.extract_slice %[[A]][0, 2] [%[[D]], 4] [1, 1] : tensor<?x6xf32> to tensor<?x4xf32>
// CHECK: return %[[P0]], %[[P1]], %[[P2]]
func.func @split(%a: tensor<?x6xf32>) -> (tensor<?x2xf32>, tensor<?x0xf32>, tensor<?x4xf32>) {
  %0:3 = tfm.split %a {axis = 1 : i64, split = array<i64: 2, 0, 4>} : tensor<?x6xf32> -> tensor<?x2xf32>, tensor<?x0xf32>, tensor<?x4xf32>
  return %0#0, %0#1, %0#2 : tensor<?x2xf32>, tensor<?x0xf32>, tensor<?x4xf32>
}

// -----

// Constant bounds and positive steps fold to a static extract_slice (ends
// past the dimension clamp, a negative axis counts from the back).
// CHECK-LABEL: func.func @slice_static
// CHECK: tensor.extract_slice %{{.*}}[2, 0] [3, 4] [1, 2] : tensor<10x8xf32> to tensor<3x4xf32>
func.func @slice_static(%a: tensor<10x8xf32>) -> tensor<3x4xf32> {
  %s = tfm.constant dense<[2, 0]> : tensor<2xi64>
  %e = tfm.constant dense<[5, 1000]> : tensor<2xi64>
  %ax = tfm.constant dense<[0, -1]> : tensor<2xi64>
  %st = tfm.constant dense<[1, 2]> : tensor<2xi64>
  %0 = tfm.slice %a, %s, %e, %ax, %st : (tensor<10x8xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Run-time bounds: negative values count from the end, then clamp to
// [0, dim]; the size is max(0, end - start) for step 1.
// CHECK-LABEL: func.func @slice_runtime
// CHECK-SAME: (%[[A:.*]]: tensor<?x8xf32>, %[[S:.*]]: tensor<1xi64>, %[[E:.*]]: tensor<1xi64>)
// CHECK: %[[D:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[S0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[E0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[SNEG:.*]] = arith.cmpi slt, %[[S0]], %c0 : index
// CHECK: %[[SW:.*]] = arith.addi %[[S0]], %[[D]] : index
// CHECK: %[[S1:.*]] = arith.select %[[SNEG]], %[[SW]], %[[S0]] : index
// CHECK: %[[SLO:.*]] = arith.maxsi %[[S1]], %c0 : index
// CHECK: %[[START:.*]] = arith.minsi %[[SLO]], %[[D]] : index
// CHECK: %[[ELO:.*]] = arith.maxsi %{{.*}}, %c0 : index
// CHECK: %[[END:.*]] = arith.minsi %[[ELO]], %[[D]] : index
// CHECK: %[[SPAN:.*]] = arith.subi %[[END]], %[[START]] : index
// CHECK: %[[SIZE:.*]] = arith.maxsi %[[SPAN]], %c0 : index
// CHECK: tensor.extract_slice %[[A]][%[[START]], 0] [%[[SIZE]], 8] [1, 1] : tensor<?x8xf32> to tensor<?x8xf32>
func.func @slice_runtime(%a: tensor<?x8xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>) -> tensor<?x8xf32> {
  %ax = tfm.constant dense<[0]> : tensor<1xi64>
  %st = tfm.constant dense<[1]> : tensor<1xi64>
  %0 = tfm.slice %a, %s, %e, %ax, %st : (tensor<?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A negative step (here the whole axis reversed: start -1, end -INT64_MAX):
// start clamps to [0, dim - 1], end to [-1, dim - 1], the size is
// ceil((end - start) / step), and a linalg.generic reads start + i * step.
// CHECK-LABEL: func.func @slice_negative_step
// CHECK-SAME: (%[[A:.*]]: tensor<?x8xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[LAST:.*]] = arith.subi %[[D]], %c1 : index
// CHECK: %[[SLO:.*]] = arith.maxsi %{{.*}}, %c0 : index
// CHECK: %[[START:.*]] = arith.minsi %[[SLO]], %[[LAST]] : index
// CHECK: %[[ELO:.*]] = arith.maxsi %{{.*}}, %c-1 : index
// CHECK: %[[END:.*]] = arith.minsi %[[ELO]], %[[LAST]] : index
// CHECK: %[[SPAN:.*]] = arith.subi %[[END]], %[[START]] : index
// CHECK: %[[Q:.*]] = arith.divsi %[[SPAN]], %c-1 : index
// CHECK: %[[SIZE:.*]] = arith.maxsi %[[Q]], %c0 : index
// CHECK: %[[INIT:.*]] = tensor.empty(%[[SIZE]]) : tensor<?x8xf32>
// CHECK: linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x8xf32>)
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[ROW:.*]] = arith.subi %[[START]], %[[I]] : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %[[A]][%[[ROW]], %[[J]]] : tensor<?x8xf32>
func.func @slice_negative_step(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %s = tfm.constant dense<[-1]> : tensor<1xi64>
  %e = tfm.constant dense<[-9223372036854775807]> : tensor<1xi64>
  %ax = tfm.constant dense<[0]> : tensor<1xi64>
  %st = tfm.constant dense<[-1]> : tensor<1xi64>
  %0 = tfm.slice %a, %s, %e, %ax, %st : (tensor<?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// A run-time step: checked to be non-zero, read through the generic.
// CHECK-LABEL: func.func @slice_runtime_step
// CHECK: cf.assert %{{.*}}, "sinkc: check failed in tfm.slice: slice step must not be 0"
// CHECK: linalg.generic
// CHECK: tensor.extract
func.func @slice_runtime_step(%a: tensor<?xf32>, %st: tensor<1xi64>) -> tensor<?xf32> {
  %s = tfm.constant dense<[0]> : tensor<1xi64>
  %e = tfm.constant dense<[100]> : tensor<1xi64>
  %ax = tfm.constant dense<[0]> : tensor<1xi64>
  %0 = tfm.slice %a, %s, %e, %ax, %st : (tensor<?xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Expand: the requested sizes (non-negative, broadcast-compatible with the
// input) give the result; the input is read through its broadcast map.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @expand
// CHECK-SAME: (%[[A:.*]]: tensor<3x1xf32>, %[[S:.*]]: tensor<3xi64>)
// CHECK: %[[R0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: cf.assert %{{.*}}, "sinkc: check failed in tfm.expand: shape element 0 is negative"
// CHECK: %[[R1:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[IS1:.*]] = arith.cmpi eq, %[[R1]], %c1 : index
// CHECK: %[[IS3:.*]] = arith.cmpi eq, %[[R1]], %c3 : index
// CHECK: %[[OK:.*]] = arith.ori %[[IS1]], %[[IS3]] : i1
// CHECK: cf.assert %[[OK]], "sinkc: check failed in tfm.expand: expand shape is not broadcast-compatible"
// CHECK: %[[R2:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: cf.assert %{{.*}}, "sinkc: check failed in tfm.expand: the result would have more than 2^40 elements"
// CHECK: %[[INIT:.*]] = tensor.empty(%[[R0]], %[[R2]]) : tensor<?x3x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[A]] : tensor<3x1xf32>) outs(%[[INIT]] : tensor<?x3x?xf32>)
func.func @expand(%a: tensor<3x1xf32>, %shape: tensor<3xi64>) -> tensor<?x3x?xf32> {
  %0 = tfm.expand %a, %shape : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<?x3x?xf32>
  return %0 : tensor<?x3x?xf32>
}

// -----

// Range: max(ceil((limit - start) / delta), 0) elements start + i * delta;
// delta 0 is a run-time error. Integer counts are computed in 128 bits
// (limit - start overflows int64 for far-apart bounds) and float counts in
// f64 (fptosi of inf or NaN is poison); more than 2^40 elements, or a NaN
// bound, is a run-time error too.
// CHECK-LABEL: func.func @range_int
// CHECK: %[[START:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: %[[LIMIT:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: %[[DELTA:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: cf.assert %{{.*}}, "sinkc: check failed in tfm.range: range delta must not be 0"
// CHECK: %[[WDELTA:.*]] = arith.extsi %[[DELTA]] : i64 to i128
// CHECK: %[[WLIMIT:.*]] = arith.extsi %[[LIMIT]] : i64 to i128
// CHECK: %[[WSTART:.*]] = arith.extsi %[[START]] : i64 to i128
// CHECK: %[[SPAN:.*]] = arith.subi %[[WLIMIT]], %[[WSTART]] : i128
// CHECK: %[[N:.*]] = arith.divsi %{{.*}}, %[[WDELTA]] : i128
// CHECK: %[[FITS:.*]] = arith.cmpi sle, %[[N]], %c1099511627776_i128 : i128
// CHECK: cf.assert %[[FITS]], "sinkc: check failed in tfm.range: range has too many elements"
// CHECK: %[[NPOS:.*]] = arith.maxsi %[[N]], %c0_i128 : i128
// CHECK: %[[N64:.*]] = arith.trunci %[[NPOS]] : i128 to i64
// CHECK: %[[NI:.*]] = arith.index_cast %[[N64]] : i64 to index
// CHECK: %[[COUNT:.*]] = arith.maxsi %[[NI]], %c0 : index
// CHECK: tensor.empty(%[[COUNT]]) : tensor<?xi64>
// CHECK: linalg.index 0
// CHECK: arith.muli %{{.*}}, %[[DELTA]] : i64
// CHECK: arith.addi %[[START]], %{{.*}} : i64
func.func @range_int(%s: tensor<i64>, %l: tensor<i64>, %d: tensor<i64>) -> tensor<?xi64> {
  %0 = tfm.range %s, %l, %d : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// CHECK-LABEL: func.func @range_float
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK-DAG: %[[LIMIT40:.*]] = arith.constant 0x4270000000000000 : f64
// CHECK: %[[START:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: %[[LIMIT:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: %[[DELTA:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: cf.assert %{{.*}}, "sinkc: check failed in tfm.range: range delta must not be 0"
// CHECK: %[[SPAN:.*]] = arith.subf %[[LIMIT]], %[[START]] : f32
// CHECK: %[[RATIO:.*]] = arith.divf %[[SPAN]], %[[DELTA]] : f32
// CHECK: %[[CEIL:.*]] = math.ceil %[[RATIO]] : f32
// CHECK: %[[WIDE:.*]] = arith.extf %[[CEIL]] : f32 to f64
// CHECK: %[[FITS:.*]] = arith.cmpf ole, %[[WIDE]], %[[LIMIT40]] : f64
// CHECK: cf.assert %[[FITS]], "sinkc: check failed in tfm.range: range has too many elements (or a NaN bound)"
// CHECK: %[[POS:.*]] = arith.cmpf ogt, %[[WIDE]], %[[ZERO]] : f64
// CHECK: %[[CLAMPED:.*]] = arith.select %[[POS]], %[[WIDE]], %[[ZERO]] : f64
// CHECK: arith.fptosi %[[CLAMPED]] : f64 to i64
// CHECK: tensor.empty(%{{.*}}) : tensor<?xf32>
// CHECK: arith.sitofp %{{.*}} : i64 to f32
// CHECK: arith.mulf %{{.*}}, %[[DELTA]] : f32
// CHECK: arith.addf %[[START]], %{{.*}} : f32
func.func @range_float(%s: tensor<f32>, %l: tensor<f32>, %d: tensor<f32>) -> tensor<?xf32> {
  %0 = tfm.range %s, %l, %d : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Trilu keeps col - row >= k (upper) or <= k (lower) of the last two dims.
// CHECK-LABEL: func.func @trilu
// CHECK: linalg.generic
// CHECK: %[[ROW:.*]] = linalg.index 1 : index
// CHECK: %[[COL:.*]] = linalg.index 2 : index
// CHECK: %[[DIFF:.*]] = arith.subi %[[COL]], %[[ROW]] : index
// CHECK: %[[KEEP:.*]] = arith.cmpi sge, %[[DIFF]], %c-1 : index
// CHECK: arith.select %[[KEEP]], %{{.*}}, %cst : f32
// CHECK: linalg.generic
// CHECK: %[[KEEP2:.*]] = arith.cmpi sle, %{{.*}}, %c2 : index
// CHECK: arith.select %[[KEEP2]], %{{.*}}, %cst : f32
func.func @trilu(%a: tensor<?x4x5xf32>) -> (tensor<?x4x5xf32>, tensor<?x4x5xf32>) {
  %0 = tfm.trilu %a {k = -1 : i64} : tensor<?x4x5xf32> -> tensor<?x4x5xf32>
  %1 = tfm.trilu %a {k = 2 : i64, upper = false} : tensor<?x4x5xf32> -> tensor<?x4x5xf32>
  return %0, %1 : tensor<?x4x5xf32>, tensor<?x4x5xf32>
}

// -----

// Sizes from data are checked: non-negative, and at most 2^40 elements in
// all (d0 <= 2^40 and d1 <= 2^40 / d0, unless one is 0), so the allocation
// size cannot wrap.
// CHECK-LABEL: func.func @constant_of_shape
// CHECK-SAME: (%[[S:.*]]: tensor<2xi64>)
// CHECK: %[[D0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: cf.assert %{{.*}}, "sinkc: check failed in tfm.constant_of_shape: shape element 0 is negative"
// CHECK: %[[D1:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: cf.assert %{{.*}}, "sinkc: check failed in tfm.constant_of_shape: shape element 1 is negative"
// CHECK: %[[M0:.*]] = arith.maxsi %[[D0]], %c1 : index
// CHECK: arith.divui %c1099511627776, %[[M0]] : index
// CHECK: %[[M1:.*]] = arith.maxsi %[[D1]], %c1 : index
// CHECK: %[[Q1:.*]] = arith.divui %c1099511627776, %[[M1]] : index
// CHECK: arith.cmpi ule, %[[M0]], %[[Q1]] : index
// CHECK: cf.assert %{{.*}}, "sinkc: check failed in tfm.constant_of_shape: the result would have more than 2^40 elements"
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?xi64>
// CHECK: linalg.fill ins(%c7_i64 : i64) outs(%[[E]] : tensor<?x?xi64>)
func.func @constant_of_shape(%shape: tensor<2xi64>) -> tensor<?x?xi64> {
  %0 = tfm.constant_of_shape %shape {value = dense<7> : tensor<1xi64>} : tensor<2xi64> -> tensor<?x?xi64>
  return %0 : tensor<?x?xi64>
}

// -----

// Shape with start: static dims are constants, dynamic ones tensor.dim.
// CHECK-LABEL: func.func @shape
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %c2 : tensor<?x4x?xf32>
// CHECK: %[[D64:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: tensor.from_elements %c4_i64, %[[D64]] : tensor<2xi64>
func.func @shape(%a: tensor<?x4x?xf32>) -> tensor<2xi64> {
  %0 = tfm.shape %a {start = 1 : i64} : tensor<?x4x?xf32> -> tensor<2xi64>
  return %0 : tensor<2xi64>
}
