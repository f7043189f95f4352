//===- Passes.h - sinkc transformation passes -------------------*- C++ -*-===//

#ifndef SINKC_TRANSFORMS_PASSES_H
#define SINKC_TRANSFORMS_PASSES_H

#include "sinkc/Dialect/Sink/SinkDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace sinkc {

#define GEN_PASS_DECL
#include "sinkc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sinkc/Transforms/Passes.h.inc"

} // namespace sinkc

#endif // SINKC_TRANSFORMS_PASSES_H
