//===- Passes.td - sinkc code generation passes ------------*- tablegen -*-===//

#ifndef SINKC_CODEGEN_PASSES
#define SINKC_CODEGEN_PASSES

include "mlir/Pass/PassBase.td"

def MaterializeFreshOutputs
    : Pass<"sinkc-materialize-fresh-outputs", "::mlir::func::FuncOp"> {
  let summary = "Copy every returned tensor that may share a buffer";
  let description = [{
    The runtime ABI (docs/runtime-abi.md) hands each output buffer to the
    runtime, which frees it. A returned tensor that bufferizes to a view of an
    input, of the weights or of another output would break that contract, so
    each returned value is copied into a fresh `tensor.empty` destination
    (which bufferizes to its own allocation) -- unless it already is the
    result of a linalg op written into a `tensor.empty` (filled or not), seen
    through reshapes, and not returned twice: that buffer is the output's own,
    and the runtime takes it over without a copy.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ExternalizeWeights : Pass<"sinkc-externalize-weights", "::mlir::ModuleOp"> {
  let summary = "Move large constants into a weights blob addressed by pointer";
  let description = [{
    Replaces every non-splat constant of the entry function larger than
    `threshold-bytes`, and every `dense_resource` constant whatever its size
    (the importer makes resources of initializers), with a
    `memref.view` into a new leading `memref<?xi8>` argument at a 64-byte
    aligned offset, wrapped in `bufferization.to_tensor restrict`. The
    constants' bytes form the weights blob that is embedded in the executable
    or written to an external file; the generated code is the same either
    way. Run as a pass (for tests) it only rewrites the IR; the driver also
    collects the bytes.
  }];
  let options = [
    Option<"thresholdBytes", "threshold-bytes", "int64_t", "256",
           "Constants larger than this many bytes move to the blob">,
    Option<"entryName", "entry", "std::string", "\"main\"",
           "The function whose constants move">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect"];
}

def PrepareEntryAbi : Pass<"sinkc-prepare-entry-abi", "::mlir::ModuleOp"> {
  let summary = "Give the model function the runtime's calling convention";
  let description = [{
    Appends the runtime-context argument (`!llvm.ptr`, marked
    `sinkc.runtime_context`) to the entry function, sets
    `llvm.emit_c_interface` and renames it (and its uses) from `entry` to
    `symbol`: `main` belongs to the runtime (docs/runtime-abi.md). Run after
    `sinkc-externalize-weights`, which adds the leading weights argument, and
    before the sink ops are lowered to runtime calls.
  }];
  let options = [
    Option<"entryName", "entry", "std::string", "\"main\"",
           "The model function, as the importer names it">,
    Option<"symbolName", "symbol", "std::string", "\"sinkc_model\"",
           "Its name in the object file">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def StripAbiAttributes
    : Pass<"sinkc-strip-abi-attributes", "::mlir::ModuleOp"> {
  let summary = "Drop the non-LLVM argument and result attributes";
  let description = [{
    Removes every argument attribute not in the `llvm.` namespace and all
    result attributes of `llvm.func` ops: the importer's `tfm.*` names and
    shapes and the `sinkc.runtime_context` mark have served the manifest and
    the runtime calls, and LLVM IR translation would warn about each. The
    driver runs it after `--emit=llvm`, before translation.
  }];
}

def ApproximateMath : Pass<"sinkc-approximate-math"> {
  let summary = "Replace exp, tanh, erf, ... by polynomial approximations";
  let description = [{
    Applies MLIR's polynomial approximations of the math dialect (exp, expm1,
    log, tanh, erf, sin, cos, ...) so that vectorised transcendental functions
    stay vectorised instead of becoming one libm call per lane. Accuracy is
    within a few ulp of libm for exp (see docs/codegen.md).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def UnshareFilledInits
    : Pass<"sinkc-unshare-filled-inits", "::mlir::func::FuncOp"> {
  let summary = "Give each linalg op a filled destination of its own";
  let description = [{
    CSE merges identical `linalg.fill(tensor.empty)` destinations of linalg
    ops with the same result shape (a layer's Q, K and V projections, the
    gate and up projections of a gated MLP). One-shot bufferization then
    fills one buffer and copies it for every op that writes into it, and
    the packed-matmul lowering, no longer seeing a zero fill right before the
    product, makes the kernel accumulate into the copied zeros. This pass
    clones the `tensor.empty` (and reshapes of it) and the fill right before
    each user and erases the shared ones, so that each op gets an allocation
    and a fill of its own and no copy. Run on tensors, before bufferization; results are bit-identical.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ReuseDyingOperands
    : Pass<"sinkc-reuse-dying-operands", "::mlir::func::FuncOp"> {
  let summary = "Write elementwise results into the inputs that die there";
  let description = [{
    For each all-parallel `linalg.generic` on tensors, an init whose value the
    payload never reads and whose indexing map is the identity is replaced by
    an input of the same type and identity map that dies at the op: the input
    is computed by a linalg op of the same block (seen through
    `tensor.collapse_shape`, `tensor.expand_shape` and `tensor.reshape`), and
    it and every reshape on the way have this op as their only user. One-shot
    bufferization then writes the result into that input's buffer instead of
    a fresh allocation (the silu(gate) * up of a gated MLP at long prompts:
    one [T, d_ff] buffer fewer). Run on tensors, before bufferization; the
    results are bit-identical.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def DeallocateAfterLastUse
    : Pass<"sinkc-deallocate-after-last-use", "::mlir::func::FuncOp"> {
  let summary = "Move each buffer's dealloc to just after its last use";
  let description = [{
    Ownership-based buffer deallocation frees a buffer at the end of the
    block that allocates it, so a model's intermediate tensors all live until
    it returns (peak memory grows with depth; at long prompts the attention
    tensors dominate). This pass moves a `memref.dealloc` of a `memref.alloc`
    of the same block to just after the last operation of the block that
    uses the buffer or a view of it (uses in nested regions count at their
    ancestor in the block). A buffer from which a non-view op derives another
    memref (a loop result, a select) keeps its dealloc where it is. Run after
    the deallocation pipeline and a canonicalization that folds its
    `scf.if %true` guards.
  }];
}

def CopiesToLinalg : Pass<"sinkc-copies-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Bufferization inserts `memref.copy`, whose LLVM lowering calls the MLIR
    runner-utils function `memrefCopy` for strided operands. The executables
    do not link runner utils, so every copy becomes a `linalg.copy`, which
    lowers to loops (that LLVM turns back into memcpy where contiguous).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LowerRuntimeChecks : Pass<"sinkc-lower-runtime-checks", "::mlir::ModuleOp"> {
  let summary = "Turn cf.assert into a message on stderr and exit status 1";
  let description = [{
    The run-time checks of the lowering (shapes, indices) are `cf.assert`
    ops. Upstream lowers them to `puts` + `abort`, which loses the message
    (stdout is buffered) and reports a crash. Here a failed check writes its
    message to file descriptor 2, flushes stdio and calls `_exit(1)` (the check
    may fail on a worker thread), so the user sees which
    ONNX node failed and the program exits like any other error. Runs on
    control-flow form (after convert-scf-to-cf).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::cf::ControlFlowDialect"];
}

def TileAndVectorizeContractions
    : Pass<"sinkc-tile-and-vectorize-contractions", "::mlir::func::FuncOp"> {
  let summary = "Register-tile and vectorize the contractions";
  let description = [{
    Runs on bufferized code. Every f32 contraction (`linalg.matmul`,
    `linalg.batch_matmul`, and `linalg.generic` ops that are contractions,
    such as the fused attention products) is tiled into register tiles of `tile-m` x `tile-n` (K in steps of 1), the
    loops over dynamic or non-divisible M and N are peeled so that the main
    tiles are static, the remainders are tiled down to size 1 where still
    dynamic, and every tile is vectorized (named ops into a `vector.contract`
    lowered to outer products, generics into a multiply and a
    `vector.multi_reduction`) with the accumulator hoisted into registers
    (the schedule of docs/codegen.md: about 95 GFLOP/s on one AVX-512 core of
    the development machine for a 256 x 256 x 704 product).
  }];
  let options = [
    Option<"tileM", "tile-m", "int64_t", "4", "Rows of the register tile">,
    Option<"tileN", "tile-n", "int64_t", "16",
           "Columns of the register tile (a multiple of the vector width)">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def LowerVectorLeftovers : Pass<"sinkc-lower-vector-leftovers"> {
  let summary = "Unroll n-D vector ops that convert-vector-to-llvm rejects";
  let description = [{
    Canonicalization folds chains of `vector.insert` into n-D
    `vector.from_elements` (and the converse for extracts), which the LLVM
    conversion does not accept. This unrolls them to 1-D right before the
    conversion.
  }];
  let dependentDialects = ["::mlir::vector::VectorDialect"];
}

def OutlineParallelLoops
    : Pass<"sinkc-outline-parallel-loops", "::mlir::ModuleOp"> {
  let summary = "Run loops marked sinkc.parallel on the runtime's threads";
  let description = [{
    Every `scf.for` marked `sinkc.parallel` (iterations independent; the
    contraction schedule marks its row-tile loops) inside a function with a
    runtime-context argument (`sinkc.runtime_context`) is outlined into an
    `llvm.func @<function>_parallel_<n>(%captures: !llvm.ptr, %begin: i64,
    %end: i64)` that runs iterations [begin, end). The loop is replaced by a
    call `sinkrt_parallel_for(ctx, tripCount, @body, captures)`, the captured
    values (memref descriptors, scalars) packed into a stack struct. The
    runtime splits the range into fixed chunks, so results do not depend on
    the thread count. Without a context argument the loops stay serial.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def OutlineLoopNests : Pass<"sinkc-outline-loop-nests", "::mlir::ModuleOp"> {
  let summary = "Move every outermost loop nest into a function of its own";
  let description = [{
    Each outermost `scf.for` of a `func.func` with a body (and at least
    `min-ops` operations, itself included) becomes a private
    `func.func @<function>_loop_<n>` with internal linkage and `noinline`,
    taking the values the nest uses from outside as arguments (constants are
    cloned into it, so LLVM still sees static sizes) and returning the loop's
    results; the nest is replaced by a `func.call`. LLVM's loop passes and
    the code generator cost more than linearly in the size of a function,
    so a model lowered into one function compiled in time quadratic in its
    depth; after this pass the model function is a straight line of
    allocations and calls. Runs after `sinkc-outline-parallel-loops` and
    `lower-affine`, so only serial `scf.for` loops are left to move.
  }];
  let options = [
    Option<"minOps", "min-ops", "int64_t", "1",
           "Leave loop nests with fewer operations in place">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def FuseResidualAdds
    : Pass<"sinkc-fuse-residual-adds", "::mlir::func::FuncOp"> {
  let summary = "Residual adds become the destinations of packed products";
  let description = [{
    Runs on tensors, after `sinkc-pack-matmul-weights`. An elementwise
    `linalg.generic` that adds two f32 tensors of one shape, one of which is
    a `sinkc.packed_matmul` product (through reshapes nothing else reads)
    whose destination is a zero fill, is removed: the other operand, the
    residual, seen as the product's `[M, P, NR]` panels
    (`tensor.collapse_shape` then `tensor.expand_shape`), becomes the
    product's destination, and the product's result replaces the add's.
    The runtime's kernel then adds its result to the residual
    (`accumulate`) instead of a separate pass over `[T, D]`; bufferization
    writes in place where the residual dies at the add. Products whose
    panels are zero-padded past the add's last dimension, and products
    that something else reads (an instrumented MLP output), keep their add.
    Bit-identical while K fits one K block of the kernel (1024 rows with
    the AVX-512 tile, 512 with the AVX2 one); beyond, the residual is added
    after the first block's sums instead of after the last.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def PackMatmulWeights
    : Pass<"sinkc-pack-matmul-weights", "::mlir::func::FuncOp"> {
  let summary = "Write constant matmul weights in the micro-kernel's panels";
  let description = [{
    Runs on tensors, after elementwise fusion. Every f32 `linalg.matmul`
    `A[M, K] x B[K, N]` with plain indexing maps, a zero-filled result and a
    constant B (dense or a resource), or B the `linalg.transpose` of a
    constant `[N, K]` (a Gemm with transB, a tied embedding), becomes a
    product over a new constant
    `Bp[P, K, panel-width]` holding B's columns in panels, zero-padded to
    whole panels (P = ceil(N / panel-width)):

    ```
    C3[m, p, j] = sum_k A[m, k] * Bp[p, k, j]    (a linalg.generic marked
                                                  sinkc.packed_matmul = width)
    C = collapse_shape(C3)[:, 0:N]
    ```

    The weights are packed once, at compile time, so no run ever packs or
    transposes them. The generic is an ordinary contraction, so every back
    end can compile it; `sinkc-lower-packed-matmuls` hands it to the
    runtime's kernel. `panel-width` 0 leaves the products alone.

    `weights-dtype` is the element type of Bp: `f32`, or `f16` / `bf16`
    (rounded to nearest even; the generic widens each element with
    `arith.extf` before the f32 multiply-add). A value outside f16's range
    is an error naming the weight. The constant may itself be f32, f16 or
    bf16 behind an elementwise `arith.extf` generic (a checkpoint's
    `Cast(to=FLOAT)`), before or after the transpose: packing reads its
    values directly, so a bf16 checkpoint packed as bf16 is copied exactly,
    and the widening goes with the unpacked constant.
  }];
  let options = [
    Option<"panelWidth", "panel-width", "int64_t", "0",
           "Columns per panel: the kernel's register-tile width (0: off)">,
    Option<"weightsDType", "weights-dtype", "std::string", "\"f32\"",
           "Storage of the packed weights: f32, f16 or bf16">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LowerPackedMatmuls
    : Pass<"sinkc-lower-packed-matmuls", "::mlir::ModuleOp"> {
  let summary = "Call the runtime's matrix kernel for packed products";
  let description = [{
    Runs on buffers. Each `linalg.generic` marked `sinkc.packed_matmul`
    becomes `func.call @sinkrt_matmul_<w>_packed(ctx, kernel, accumulate,
    A, Bp, C3)` with the operands cast to unranked memrefs (the runtime reads
    their descriptors, strides included); `<w>` is the element type of the
    packed weights Bp, `f32`, `f16` or `bf16` (A and C3 are f32; the kernel
    widens half-precision weights to f32 as it reads them). A zero `linalg.fill` of C3 right
    before the product is dropped and the kernel overwrites instead
    (accumulate = 0). `ctx` is the function's `sinkc.runtime_context`
    argument (a null pointer without one: the kernel then runs on the
    calling thread). `kernel` is a runtime kernel number
    (runtime/include/sinkrt/MatmulKernels.h), chosen by sinkc from the
    target's features; -1 leaves the products to the generic contraction
    schedule. Weights packed for another panel width are an error.
  }];
  let options = [
    Option<"kernel", "kernel", "int64_t", "-1",
           "Runtime kernel number (-1: do not call the runtime)">,
    Option<"panelWidth", "panel-width", "int64_t", "0",
           "Panel width the kernel reads">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect"];
}

def LinalgToParallelLoops
    : Pass<"sinkc-linalg-to-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "convert-linalg-to-loops, with the parallel rows marked";
  let description = [{
    Lowers every linalg op on buffers to `scf.for` loops like upstream's
    `convert-linalg-to-loops`, and keeps what that pass forgets: the op's
    leading loops that are parallel. The fewest of those loops (never the
    innermost, left whole for LLVM's vectorizer) that give `min-rows` rows
    even if every dynamic extent is 1 are coalesced into one loop, so a
    `[B, T, D]` op splits over B * T rows even when B is 1 and a
    `[B, 8, T, 32]` one over B * 8 (T stays an inner loop, without the
    divisions that recover coalesced indices), and that loop
    is marked `sinkc.parallel` for `sinkc-outline-parallel-loops`, provided
    the op does at least `min-work` iterations in all (a dynamic extent counts
    as `dynamic-extent-guess`, a prompt's length) and no marked loop encloses
    it. Each iteration writes its own output elements, so the results do not
    depend on the split.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", "16384",
           "Fewest iterations of an op (all loops) worth a parallel loop">,
    Option<"dynamicExtentGuess", "dynamic-extent-guess", "int64_t", "256",
           "Extent assumed for a dynamic loop bound when estimating the work">,
    Option<"minRows", "min-rows", "int64_t", "8",
           "Coalesce leading parallel loops until they give this many rows "
           "for sure (dynamic extents count as 1)">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // SINKC_CODEGEN_PASSES
