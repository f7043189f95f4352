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

/// True when each declared type agrees with the inferred one: same element
/// type and rank, and every dimension equal or `?` on either side. A declared
/// static dimension where inference says `?` is a refinement (checked at run
/// time by the lowering); an inferred static dimension where the declared one
/// is `?` is information the refinement canonicalization moves into the type.
bool areRefinementCompatible(mlir::TypeRange inferred,
                             mlir::TypeRange declared);

} // namespace sinkc::tfm

#define GET_OP_CLASSES
#include "sinkc/Dialect/Tfm/TfmOps.h.inc"

#endif // SINKC_DIALECT_TFM_TFMOPS_H
