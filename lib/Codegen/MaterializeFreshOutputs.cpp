//===- MaterializeFreshOutputs.cpp - one fresh buffer per output ----------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_MATERIALIZEFRESHOUTPUTS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

/// Whether `value` bufferizes to an allocation of its own, dense and from
/// its first element: the result of a linalg op whose destination is a
/// `tensor.empty` (filled or not), seen through reshapes. Such a result
/// needs no copy; the runtime takes the buffer over as it is, which for the
/// [T, vocabulary] logits of a long prompt saves gigabytes.
bool isFreshDenseResult(Value value) {
  value = valueBeforeReshapes(value);
  auto linalgOp = value.getDefiningOp<linalg::LinalgOp>();
  if (!linalgOp)
    return false;
  Value init =
      linalgOp.getDpsInitOperand(cast<OpResult>(value).getResultNumber())
          ->get();
  while (auto fill = init.getDefiningOp<linalg::FillOp>())
    init = fill.getOutputs()[0];
  return init.getDefiningOp<tensor::EmptyOp>() != nullptr;
}

struct MaterializeFreshOutputsPass
    : public impl::MaterializeFreshOutputsBase<MaterializeFreshOutputsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isPrivate() || func.isExternal())
      return;
    func.walk([&](func::ReturnOp ret) {
      OpBuilder builder(ret);
      llvm::SmallPtrSet<Value, 4> returned;
      for (OpOperand &operand : ret->getOpOperands()) {
        auto type = dyn_cast<RankedTensorType>(operand.get().getType());
        if (!type)
          continue;
        // The second return of one value needs its own buffer.
        if (returned.insert(operand.get()).second &&
            isFreshDenseResult(operand.get()))
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
