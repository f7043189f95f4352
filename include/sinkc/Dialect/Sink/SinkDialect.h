//===- SinkDialect.h - The sink dialect -------------------------*- C++ -*-===//

#ifndef SINKC_DIALECT_SINK_SINKDIALECT_H
#define SINKC_DIALECT_SINK_SINKDIALECT_H

#include "mlir/IR/Dialect.h"

#include "sinkc/Dialect/Sink/SinkOpsDialect.h.inc"

#endif // SINKC_DIALECT_SINK_SINKDIALECT_H
