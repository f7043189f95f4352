//===- SinkDialect.cpp - sink dialect registration ------------------------===//

#include "sinkc/Dialect/Sink/SinkDialect.h"
#include "sinkc/Dialect/Sink/SinkOps.h"

using namespace mlir;
using namespace sinkc::sink;

#include "sinkc/Dialect/Sink/SinkOpsDialect.cpp.inc"

void SinkDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "sinkc/Dialect/Sink/SinkOps.cpp.inc"
      >();
}
