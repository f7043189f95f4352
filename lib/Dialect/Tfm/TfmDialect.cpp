//===- TfmDialect.cpp - tfm dialect registration ---------------------------===//

#include "sinkc/Dialect/Tfm/TfmDialect.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

using namespace mlir;
using namespace sinkc::tfm;

#include "sinkc/Dialect/Tfm/TfmOpsDialect.cpp.inc"

void TfmDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "sinkc/Dialect/Tfm/TfmOps.cpp.inc"
      >();
}

Operation *TfmDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}
