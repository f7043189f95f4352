//===- Passes.td - sinkc conversion passes ----------------*- tablegen -*-===//

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

#endif // SINKC_CONVERSION_PASSES
