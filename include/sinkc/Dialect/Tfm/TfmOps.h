//===- TfmOps.h - tfm operations --------------------------------*- C++ -*-===//

#ifndef SINKC_DIALECT_TFM_TFMOPS_H
#define SINKC_DIALECT_TFM_TFMOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "sinkc/Dialect/Tfm/TfmDialect.h"

namespace sinkc::tfm {

/// True when each declared type is the inferred type or refines it: same
/// element type and rank, and every dimension equal or `?` in the inferred
/// type. A refinement is checked at run time by the lowering.
bool areRefinementCompatible(mlir::TypeRange inferred,
                             mlir::TypeRange declared);

} // namespace sinkc::tfm

#define GET_OP_CLASSES
#include "sinkc/Dialect/Tfm/TfmOps.h.inc"

#endif // SINKC_DIALECT_TFM_TFMOPS_H
