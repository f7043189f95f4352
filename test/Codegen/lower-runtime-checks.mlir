// RUN: sinkc-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(sinkc-lower-runtime-checks)" | FileCheck %s

// Each cf.assert becomes a branch: on success to the rest of the block, on
// failure to a block that writes the message and a newline to fd 2 (write,
// not puts: stdout is buffered and the message would be lost), flushes stdio
// for what the runtime printed before, and ends with _exit(1), safe on a
// worker thread. The length is the message's bytes plus the newline, no NUL.
// Each message is its own internal global, quotes escaped.
// CHECK-DAG: llvm.mlir.global internal constant @[[MSG0:sinkc_check_message_0]]("sinkc: shape check failed in tfm.add (ONNX node '/m/Add'): dimension 0 is 3 and 4\0A")
// CHECK-DAG: llvm.mlir.global internal constant @[[MSG1:sinkc_check_message_1]]("index \22-7\22 out of range\0A")
// CHECK-DAG: llvm.func @write(i32, !llvm.ptr, i64) -> i64
// CHECK-DAG: llvm.func @fflush(!llvm.ptr) -> i32
// CHECK-DAG: llvm.func @_exit(i32)
// CHECK-LABEL: func.func @two_checks
// CHECK-NOT: cf.assert
// CHECK: %[[EQ:.*]] = arith.cmpi eq
// CHECK-NEXT: cf.cond_br %[[EQ]], ^[[OK0:.*]], ^[[FAIL0:[^ ]*]]
// CHECK-NEXT: ^[[FAIL0]]:
// CHECK-NEXT: %[[ADDR:.*]] = llvm.mlir.addressof @[[MSG0]] : !llvm.ptr
// CHECK-NEXT: %[[TEXT:.*]] = llvm.getelementptr %[[ADDR]][0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<82 x i8>
// CHECK-NEXT: %[[FD:.*]] = llvm.mlir.constant(2 : i32) : i32
// CHECK-NEXT: %[[LEN:.*]] = llvm.mlir.constant(82 : i64) : i64
// CHECK-NEXT: llvm.call @write(%[[FD]], %[[TEXT]], %[[LEN]])
// CHECK-NEXT: %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT: llvm.call @fflush(%[[NULL]])
// CHECK-NEXT: %[[ONE:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: llvm.call @_exit(%[[ONE]]) : (i32) -> ()
// CHECK-NEXT: llvm.unreachable
// CHECK-NEXT: ^[[OK0]]:
// CHECK-NEXT: %[[GE:.*]] = arith.cmpi sge
// CHECK-NEXT: cf.cond_br %[[GE]], ^[[OK1:.*]], ^[[FAIL1:[^ ]*]]
// CHECK-NEXT: ^[[FAIL1]]:
// CHECK-NEXT: llvm.mlir.addressof @[[MSG1]]
// CHECK: llvm.call @_exit
// CHECK-NEXT: llvm.unreachable
// CHECK-NEXT: ^[[OK1]]:
// CHECK-NEXT: return %{{.*}} : index
func.func @two_checks(%a: index, %b: index) -> index {
  %eq = arith.cmpi eq, %a, %b : index
  cf.assert %eq, "sinkc: shape check failed in tfm.add (ONNX node '/m/Add'): dimension 0 is 3 and 4"
  %ok = arith.cmpi sge, %a, %b : index
  cf.assert %ok, "index \"-7\" out of range"
  return %a : index
}

// -----

// A check inside a loop (control-flow form) and inside an outlined parallel
// body (an llvm.func, run on a worker thread) is lowered the same way; the
// block's remaining ops and its terminator move to the success block. The
// message counter runs over the whole module.
// CHECK-LABEL: func.func @in_loop
// CHECK-SAME: (%{{.*}}: index, %[[LIMIT:.*]]: index)
// CHECK: %[[C:.*]] = arith.cmpi slt, %{{.*}}, %[[LIMIT]]
// CHECK-NEXT: cf.cond_br %[[C]], ^[[OK:.*]], ^[[FAIL:[^ ]*]]
// CHECK-NEXT: ^[[FAIL]]:
// CHECK-NEXT: llvm.mlir.addressof @sinkc_check_message_0
// CHECK: llvm.unreachable
// CHECK-NEXT: ^[[OK]]:
// CHECK-NEXT: arith.addi
// CHECK-NEXT: cf.br
// CHECK-LABEL: llvm.func internal @in_loop_parallel_0
// CHECK: llvm.cond_br
// CHECK-NOT: cf.assert
// CHECK: cf.cond_br %{{.*}}, ^[[OK2:.*]], ^[[FAIL2:[^ ]*]]
// CHECK-NEXT: ^[[FAIL2]]:
// CHECK-NEXT: llvm.mlir.addressof @sinkc_check_message_1
// CHECK: llvm.call @_exit
// CHECK-NEXT: llvm.unreachable
// CHECK-NEXT: ^[[OK2]]:
// CHECK-NEXT: llvm.return
func.func @in_loop(%n: index, %limit: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  cf.br ^header(%c0 : index)
^header(%i: index):
  %more = arith.cmpi slt, %i, %n : index
  cf.cond_br %more, ^body, ^exit
^body:
  %inside = arith.cmpi slt, %i, %limit : index
  cf.assert %inside, "index out of range in a loop"
  %next = arith.addi %i, %c1 : index
  cf.br ^header(%next : index)
^exit:
  return
}
llvm.func internal @in_loop_parallel_0(%captures: !llvm.ptr, %begin: i64, %end: i64) {
  %empty = llvm.icmp "sge" %begin, %end : i64
  llvm.cond_br %empty, ^done, ^check
^check:
  %ok = llvm.icmp "slt" %begin, %end : i64
  cf.assert %ok, "index out of range on a worker"
  llvm.return
^done:
  llvm.return
}

// -----

// Without checks the module is left alone: no declarations are added.
// CHECK: module {
// CHECK-NEXT: func.func @no_checks
// CHECK-NEXT: return
// CHECK-NEXT: }
// CHECK-NEXT: }
func.func @no_checks(%a: index) -> index {
  return %a : index
}

// -----

// An existing declaration with the same signature is reused.
// CHECK-COUNT-1: llvm.func @write(i32, !llvm.ptr, i64) -> i64
// CHECK-NOT: llvm.func @write
// CHECK-LABEL: func.func @declared
// CHECK: llvm.call @write
llvm.func @write(i32, !llvm.ptr, i64) -> i64
func.func @declared(%a: i1) {
  cf.assert %a, "x"
  return
}

// -----

// A declaration with another signature cannot be called as write(2, msg,
// len): the pass fails instead of emitting a wrong call.
// expected-error @below {{cannot declare write/fflush/_exit for the run-time checks}}
module {
  // expected-error @below {{redefinition of function 'write' of different type}}
  llvm.func @write(i32, !llvm.ptr, i32) -> i32
  func.func @conflicting(%a: i1) {
    cf.assert %a, "x"
    return
  }
}
