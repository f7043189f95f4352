//===- MaterializeFreshOutputs.cpp - one fresh buffer per output ----------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_MATERIALIZEFRESHOUTPUTS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

struct MaterializeFreshOutputsPass
    : public impl::MaterializeFreshOutputsBase<MaterializeFreshOutputsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isPrivate() || func.isExternal())
      return;
    func.walk([&](func::ReturnOp ret) {
      OpBuilder builder(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        auto type = dyn_cast<RankedTensorType>(operand.get().getType());
        if (!type)
          continue;
        Location loc = ret.getLoc();
        Value empty = tensor::EmptyOp::create(
            builder, loc, tensor::getMixedSizes(builder, loc, operand.get()),
            type.getElementType());
        Value copy = linalg::CopyOp::create(builder, loc, operand.get(), empty)
                         .getResult(0);
        operand.set(copy);
      }
    });
  }
};

} // namespace
} // namespace sinkc
