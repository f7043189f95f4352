//===- Passes.h - sinkc conversion passes -----------------------*- C++ -*-===//

#ifndef SINKC_CONVERSION_PASSES_H
#define SINKC_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace sinkc {

#define GEN_PASS_DECL
#include "sinkc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sinkc/Conversion/Passes.h.inc"

} // namespace sinkc

#endif // SINKC_CONVERSION_PASSES_H
