//===- Passes.td - sinkc conversion passes -----------------*- tablegen -*-===//

#ifndef SINKC_CONVERSION_PASSES
#define SINKC_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def LowerTfmToLinalg : Pass<"sinkc-lower-tfm-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower the tfm dialect to linalg, tensor, arith, math and scf";
  let description = [{
    Every tfm op becomes destination-passing tensor code: elementwise ops and
    broadcasts become `linalg.generic`, contractions `linalg.matmul` /
    `linalg.batch_matmul` (batch dimensions collapsed), reshapes
    `tensor.expand_shape`/`collapse_shape` or `tensor.reshape`, and shape
    computations `tensor.dim`/`tensor.from_elements` on `index` values.
    Dynamic dimensions are computed at run time; where ONNX broadcasting
    would need a dynamic dimension to be 1 at run time, or where a declared
    static dimension refines an inferred `?`, the lowering emits a run-time
    check (`cf.assert`) naming the ONNX node.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def LowerSinkToLinalg : Pass<"sinkc-lower-sink-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower sink measurements to linalg reductions and runtime calls";
  let description = [{
    Every measurement op of the `sink` dialect becomes `linalg.generic`
    reductions on tensors, accumulating in f32: the attention metrics read
    the probabilities once (`recv`: one pass of column sums over the
    causal triangle, `q >= k`) or only their column 0 (`bos_mass`,
    `head_bos_mass`); the norms and cosines reduce over the hidden dimension.
    Shared partial results (the sum of squares of a block input used by
    several metrics, the column-0 sums) are built identically, so a
    following `cse` computes each once.

    `sink.emit` becomes `func.call @sinkrt_probe(%ctx, %probe, %value)` with
    the value as `memref<*xf32>` (through `bufferization.to_buffer
    read_only`), which the LLVM lowering passes as `(int64_t rank, const
    void *descriptor)`: the ABI of docs/runtime-abi.md. `%ctx` is the runtime
    context, the last argument of the enclosing function, which must be an
    `!llvm.ptr` (sinkc adds it before this pass runs). `sink.capture`
    becomes `func.call @sinkrt_capture(%ctx, %capture, %state)` the same
    way, the state `[B, T, F]` as `memref<*xf32>`.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def LowerAttentionToRuntime
    : Pass<"sinkc-lower-attention-to-runtime", "::mlir::ModuleOp"> {
  let summary = "Lower sink.attention to calls of the runtime's tiled kernel";
  let description = [{
    Every `sink.attention` becomes `func.call @sinkrt_attention(%ctx, Q, K,
    V, query segments, key segments, key mask, output, column sums, scale,
    flags)`
    (docs/runtime-abi.md). Inputs go through `bufferization.to_buffer
    read_only` and `memref.cast` to unranked memrefs of any layout; the
    output and the column sums are fresh 64-byte aligned `memref.alloc`s the
    kernel fills, read back with `bufferization.to_tensor restrict
    writable`. Operands the op does not have are empty `memref.alloca`s and
    the flags (1 causal, 2 segments, 4 column sums, 8 key mask) tell the
    kernel to
    ignore them. `%ctx` is the last argument of the enclosing function, an
    `!llvm.ptr` (sinkc adds it before this pass runs).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // SINKC_CONVERSION_PASSES
