//===- Passes.h - sinkc code generation passes ------------------*- C++ -*-===//

#ifndef SINKC_CODEGEN_PASSES_H
#define SINKC_CODEGEN_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace sinkc {

/// On the linalg.generic of a product over packed weights: the panel width
/// (sinkc-pack-matmul-weights sets it, sinkc-lower-packed-matmuls reads it).
constexpr llvm::StringLiteral kPackedMatmulMarker = "sinkc.packed_matmul";

#define GEN_PASS_DECL
#include "sinkc/Codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sinkc/Codegen/Passes.h.inc"

} // namespace sinkc

#endif // SINKC_CODEGEN_PASSES_H
