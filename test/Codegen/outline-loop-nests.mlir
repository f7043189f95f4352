// RUN: sinkc-opt %s --split-input-file --sinkc-outline-loop-nests | FileCheck %s
// RUN: sinkc-opt %s --split-input-file --sinkc-outline-loop-nests="min-ops=6" | FileCheck %s --check-prefix=MIN
// RUN: sinkc-opt %s --split-input-file --sinkc-outline-loop-nests --convert-scf-to-cf --convert-to-llvm | FileCheck %s --check-prefix=LLVM

// Each outermost loop nest becomes a function of its own: the values it uses
// from outside are its arguments (constants are cloned in, so the bounds stay
// visible to LLVM), loop results are its results, the nest itself (inner loop
// included) moves whole.
// CHECK-LABEL: func.func @two_nests
// CHECK-SAME: (%[[M:.*]]: memref<?x4xf32>, %[[N:.*]]: index)
// CHECK-NOT: scf.for
// CHECK: %[[SUM:.*]] = call @two_nests_loop_0(%[[M]], %[[N]]) : (memref<?x4xf32>, index) -> f32
// CHECK-NEXT: call @two_nests_loop_1(%[[SUM]], %[[M]], %[[N]]) : (f32, memref<?x4xf32>, index) -> ()
// CHECK-NEXT: return %[[SUM]]
// CHECK: func.func private @two_nests_loop_0(%[[AM:.*]]: memref<?x4xf32>, %[[AN:.*]]: index) -> f32
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[R:.*]] = scf.for {{.*}} to %[[AN]] {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (f32)
// CHECK: memref.load %[[AM]]
// CHECK: return %[[R]] : f32
// CHECK: func.func private @two_nests_loop_1(%{{.*}}: f32, %{{.*}}: memref<?x4xf32>, %{{.*}}: index)
// CHECK: arith.constant 4 : index
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.store

// With min-ops=6 the first nest (6 operations) moves, the second (5) stays.
// MIN-LABEL: func.func @two_nests
// MIN: call @two_nests_loop_0
// MIN-NOT: call
// MIN: scf.for
// MIN: scf.for
// MIN: memref.store
// MIN: return

// After the LLVM conversion the outlined functions are internal and keep
// `noinline` (an internal function with one call site would otherwise be
// inlined straight back by LLVM).
// LLVM: llvm.func internal @two_nests_loop_1
// LLVM-SAME: passthrough = ["noinline"]
func.func @two_nests(%m: memref<?x4xf32>, %n: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> f32 {
    %v = memref.load %m[%i, %c0] : memref<?x4xf32>
    %a = arith.addf %acc, %v : f32
    %b = arith.addf %a, %v : f32
    %c = arith.mulf %b, %v : f32
    scf.yield %c : f32
  }
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      memref.store %sum, %m[%i, %j] : memref<?x4xf32>
    }
  }
  return %sum : f32
}

// -----

// Names never collide with existing symbols; external functions are left
// alone.
// CHECK-LABEL: func.func private @ext(index)
// CHECK-LABEL: func.func @named(
// CHECK: call @named_loop_1(
// CHECK: func.func private @named_loop_1(
func.func private @ext(index)
func.func @named_loop_0() {
  return
}
func.func @named(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    func.call @ext(%i) : (index) -> ()
  }
  return
}
