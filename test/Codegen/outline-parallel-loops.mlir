// RUN: sinkc-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(sinkc-outline-parallel-loops)" | FileCheck %s

// A row-tile loop as the contraction schedule marks it, after
// convert-linalg-to-loops, in a model function with a runtime context. The
// loop becomes a call sinkrt_parallel_for(ctx, trips, @body, captures): the
// trip count is ceil((ub - lb) / step), at least 0; the captured values (two
// memref descriptors and a scalar) are stored in a stack struct allocated at
// the function entry. Constants are cloned into the body, not captured.
// CHECK-DAG: llvm.func @sinkrt_parallel_for(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr)
// CHECK-LABEL: llvm.func internal @model_parallel_0
// CHECK-SAME: (%[[CAP:.*]]: !llvm.ptr, %[[BEGIN:.*]]: i64, %[[END:.*]]: i64)
// The body reads the captures back in the order they were stored.
// CHECK: %[[F0:.*]] = llvm.getelementptr %[[CAP]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, f32, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>)>
// CHECK: %[[L0:.*]] = llvm.load %[[F0]]
// CHECK: %[[IN:.*]] = builtin.unrealized_conversion_cast %[[L0]] : {{.*}} to memref<?x16xf32>
// CHECK: %[[F1:.*]] = llvm.getelementptr %[[CAP]][0, 1]
// CHECK: %[[SCALE:.*]] = llvm.load %[[F1]] : !llvm.ptr -> f32
// CHECK: %[[F2:.*]] = llvm.getelementptr %[[CAP]][0, 2]
// CHECK: %[[L2:.*]] = llvm.load %[[F2]]
// CHECK: %[[OUT:.*]] = builtin.unrealized_conversion_cast %[[L2]] : {{.*}} to memref<?x16xf32>
// It runs the iterations [begin, end) of the original loop: iv = lb + t * step.
// CHECK-DAG: %[[LB:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[STEP:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[B:.*]] = arith.index_cast %[[BEGIN]] : i64 to index
// CHECK-DAG: %[[E:.*]] = arith.index_cast %[[END]] : i64 to index
// CHECK: scf.for %[[T:.*]] = %[[B]] to %[[E]] step %{{.*}} {
// CHECK-NEXT: %[[OFF:.*]] = arith.muli %[[T]], %[[STEP]] : index
// CHECK-NEXT: %[[IV:.*]] = arith.addi %[[LB]], %[[OFF]] : index
// CHECK-NEXT: scf.for %[[J:.*]] =
// CHECK-NEXT: %[[X:.*]] = memref.load %[[IN]][%[[IV]], %[[J]]]
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[X]], %{{.*}} : f32
// CHECK-NEXT: memref.store %[[Y]], %[[OUT]][%[[IV]], %[[J]]]
// CHECK: llvm.return
// CHECK-LABEL: func.func @model
// CHECK-SAME: (%[[A:.*]]: memref<?x16xf32>, %[[BOUT:.*]]: memref<?x16xf32>, %[[S:.*]]: f32, %[[CTX:.*]]: !llvm.ptr {sinkc.runtime_context})
// CHECK-NEXT: %[[ONE:.*]] = llvm.mlir.constant(1 : i64) : i64
// CHECK-NEXT: %[[BUF:.*]] = llvm.alloca %[[ONE]] x !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, f32, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>)>
// CHECK: %[[N:.*]] = memref.dim %[[A]]
// CHECK: %[[DA:.*]] = builtin.unrealized_conversion_cast %[[A]] : memref<?x16xf32> to !llvm.struct
// CHECK-NEXT: %[[P0:.*]] = llvm.getelementptr %[[BUF]][0, 0]
// CHECK-NEXT: llvm.store %[[DA]], %[[P0]]
// CHECK: %[[P1:.*]] = llvm.getelementptr %[[BUF]][0, 1]
// CHECK-NEXT: llvm.store %{{.*}}, %[[P1]] : f32, !llvm.ptr
// CHECK: %[[DB:.*]] = builtin.unrealized_conversion_cast %[[BOUT]] : memref<?x16xf32> to !llvm.struct
// CHECK-NEXT: %[[P2:.*]] = llvm.getelementptr %[[BUF]][0, 2]
// CHECK-NEXT: llvm.store %[[DB]], %[[P2]]
// CHECK-NEXT: %[[SPAN:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK-NEXT: %[[CEIL:.*]] = arith.ceildivsi %[[SPAN]], %{{.*}} : index
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[TRIPS:.*]] = arith.maxsi %[[CEIL]], %[[ZERO]] : index
// CHECK-NEXT: %[[TRIPS64:.*]] = arith.index_cast %[[TRIPS]] : index to i64
// CHECK-NEXT: %[[FN:.*]] = llvm.mlir.addressof @model_parallel_0 : !llvm.ptr
// CHECK-NEXT: llvm.call @sinkrt_parallel_for(%[[CTX]], %[[TRIPS64]], %[[FN]], %[[BUF]])
// CHECK-NEXT: return
func.func @model(%a: memref<?x16xf32>, %b: memref<?x16xf32>, %scale: f32,
                 %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %a, %c0 : memref<?x16xf32>
  scf.for %i = %c0 to %n step %c4 {
    scf.for %j = %c0 to %c16 step %c1 {
      %x = memref.load %a[%i, %j] : memref<?x16xf32>
      %y = arith.mulf %x, %scale : f32
      memref.store %y, %b[%i, %j] : memref<?x16xf32>
    }
  } {sinkc.parallel}
  return
}

// -----

// A lower bound and a step that are not constants travel with the captures
// (as i64) and enter both the body's induction variable and the trip count.
// CHECK-LABEL: llvm.func internal @bounds_parallel_0
// CHECK: %[[LB:.*]] = builtin.unrealized_conversion_cast %{{.*}} : i64 to index
// CHECK: %[[STEP:.*]] = builtin.unrealized_conversion_cast %{{.*}} : i64 to index
// CHECK: scf.for %[[T:.*]] =
// CHECK-NEXT: %[[OFF:.*]] = arith.muli %[[T]], %[[STEP]] : index
// CHECK-NEXT: %[[IV:.*]] = arith.addi %[[LB]], %[[OFF]] : index
// CHECK-NEXT: memref.store %{{.*}}, %{{.*}}[%[[IV]]]
// CHECK-LABEL: func.func @bounds
// CHECK-SAME: (%{{.*}}: memref<?xf32>, %[[LB0:.*]]: index, %[[STEP0:.*]]: index,
// CHECK: builtin.unrealized_conversion_cast %[[LB0]] : index to i64
// CHECK: builtin.unrealized_conversion_cast %[[STEP0]] : index to i64
// CHECK: %[[SPAN:.*]] = arith.subi %{{.*}}, %[[LB0]] : index
// CHECK-NEXT: arith.ceildivsi %[[SPAN]], %[[STEP0]] : index
// CHECK: llvm.call @sinkrt_parallel_for
// CHECK-NOT: scf.for
func.func @bounds(%a: memref<?xf32>, %lb: index, %step: index,
                  %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  %n = memref.dim %a, %c0 : memref<?xf32>
  scf.for %i = %lb to %n step %step {
    memref.store %f, %a[%i] : memref<?xf32>
  } {sinkc.parallel}
  return
}

// -----

// Each marked loop gets its own body and captures. A marked loop directly
// inside a marked loop stays serial in the outer one's body (the runtime
// never nests parallel loops). Left in place, marker removed: an unmarked
// loop, and a marked loop with loop-carried values (not parallel).
// CHECK-LABEL: llvm.func internal @several_parallel_0
// CHECK: scf.for
// CHECK-NEXT: arith.muli
// CHECK-NEXT: arith.addi
// CHECK-NEXT: scf.for
// CHECK-NEXT: memref.store
// CHECK-NOT: llvm.call
// CHECK: llvm.return
// CHECK-LABEL: llvm.func internal @several_parallel_1
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[IV:.*]], %[[IV]]]
// CHECK-LABEL: func.func @several
// CHECK-NOT: sinkc.parallel
// CHECK: %[[BUF1:.*]] = llvm.alloca
// CHECK: %[[BUF0:.*]] = llvm.alloca
// CHECK: %[[FN0:.*]] = llvm.mlir.addressof @several_parallel_0
// CHECK-NEXT: llvm.call @sinkrt_parallel_for(%{{.*}}, %{{.*}}, %[[FN0]], %[[BUF0]])
// CHECK: %[[FN1:.*]] = llvm.mlir.addressof @several_parallel_1
// CHECK-NEXT: llvm.call @sinkrt_parallel_for(%{{.*}}, %{{.*}}, %[[FN1]], %[[BUF1]])
// CHECK-NEXT: scf.for
// CHECK-NEXT: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: scf.for {{.*}} iter_args
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NOT: sinkc.parallel
// CHECK: return
func.func @several(%a: memref<8x8xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      memref.store %f, %a[%i, %j] : memref<8x8xf32>
    } {sinkc.parallel}
  } {sinkc.parallel}
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %f, %a[%i, %i] : memref<8x8xf32>
  } {sinkc.parallel}
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %f, %a[%c0, %i] : memref<8x8xf32>
  }
  %s = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %f) -> f32 {
    %x = memref.load %a[%i, %i] : memref<8x8xf32>
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  } {sinkc.parallel}
  return %s : f32
}

// -----

// A marked loop anywhere inside a marked loop stays serial, also with an
// unmarked loop between them: outlining it first would leave a
// sinkrt_parallel_for call, and one shared captures struct, inside the outer
// loop's body, run by every worker at once. No marker survives, not even in
// the outlined body.
// CHECK-LABEL: llvm.func internal @deep_parallel_0
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NEXT: memref.store
// CHECK-NOT: sinkrt_parallel_for
// CHECK: llvm.return
// CHECK-LABEL: func.func @deep
// CHECK-NOT: sinkc.parallel
// CHECK: llvm.mlir.addressof @deep_parallel_0
// CHECK-NEXT: llvm.call @sinkrt_parallel_for
// CHECK-NOT: scf.for
// CHECK-NOT: @deep_parallel_1
// CHECK: return
func.func @deep(%a: memref<8x8x8xf32>, %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      scf.for %k = %c0 to %c8 step %c1 {
        memref.store %f, %a[%i, %j, %k] : memref<8x8x8xf32>
      } {sinkc.parallel}
    }
  } {sinkc.parallel}
  return
}

// -----

// Without a runtime-context argument there is no thread pool to call: the
// loop stays serial and loses its marker; nothing is declared.
// CHECK-NOT: llvm.func
// CHECK-LABEL: func.func @no_context
// CHECK-NEXT: arith.constant
// CHECK-NEXT: arith.constant
// CHECK-NEXT: arith.constant
// CHECK-NEXT: scf.for
// CHECK-NEXT: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @no_context(%a: memref<8xf32>, %f: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %f, %a[%i] : memref<8xf32>
  } {sinkc.parallel}
  return
}

// -----

// A captured value with no LLVM representation (a tensor) cannot cross into
// the body.
func.func @tensor_capture(%t: tensor<4xf32>, %m: memref<4xf32>,
                          %ctx: !llvm.ptr {sinkc.runtime_context}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @below {{cannot pass a value of type 'tensor<4xf32>' to a parallel loop body}}
  scf.for %i = %c0 to %c4 step %c1 {
    %x = tensor.extract %t[%i] : tensor<4xf32>
    memref.store %x, %m[%i] : memref<4xf32>
  } {sinkc.parallel}
  return
}
