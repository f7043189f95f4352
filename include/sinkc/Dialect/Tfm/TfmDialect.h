//===- TfmDialect.h - The tfm dialect ---------------------------*- C++ -*-===//

#ifndef SINKC_DIALECT_TFM_TFMDIALECT_H
#define SINKC_DIALECT_TFM_TFMDIALECT_H

#include "mlir/IR/Dialect.h"

#include "sinkc/Dialect/Tfm/TfmOpsDialect.h.inc"

#endif // SINKC_DIALECT_TFM_TFMDIALECT_H
