//===- OutlineLoopNests.cpp - one function per loop nest ------------------===//
//
// LLVM's loop passes (LoopRotate above all) and the code generator cost more
// than linearly in the size of a function. A whole model lowered into one
// function made compile time grow with the square of the depth; outlining
// every outermost loop nest leaves the model function a straight line of
// allocations and calls, and every loop nest a small function of its own.
//
//===----------------------------------------------------------------------===//

#include "OutliningUtils.h"
#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_OUTLINELOOPNESTS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

/// The number of operations in `loop`, itself included.
int64_t countOps(scf::ForOp loop) {
  int64_t count = 0;
  loop->walk([&](Operation *) { ++count; });
  return count;
}

struct OutlineLoopNestsPass
    : public impl::OutlineLoopNestsBase<OutlineLoopNestsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (func.isExternal())
        continue;
      SmallVector<scf::ForOp> nests;
      func.walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
        if (countOps(loop) >= minOps)
          nests.push_back(loop);
        // Outermost nests only: what they contain moves with them.
        return WalkResult::skip();
      });
      unsigned index = 0;
      Operation *insertAfter = func;
      for (scf::ForOp loop : nests)
        insertAfter = outline(func, loop, symbols, index, insertAfter);
    }
  }

  /// Returns the new function, inserted after `insertAfter`.
  Operation *outline(func::FuncOp func, scf::ForOp loop, SymbolTable &symbols,
                     unsigned &index, Operation *insertAfter) {
    MLIRContext *context = &getContext();
    Location loc = loop.getLoc();

    // Everything the nest reads from outside becomes an argument, except
    // constants, which are cloned in.
    SetVector<Value> used;
    getUsedValuesDefinedAbove(loop->getRegions(), used);
    for (Value operand : loop->getOperands())
      used.insert(operand);
    SmallVector<Value> arguments;
    for (Value value : used)
      if (!isCheapToClone(value))
        arguments.push_back(value);

    OpBuilder builder(context);
    builder.setInsertionPointAfter(insertAfter);
    auto type = builder.getFunctionType(ValueRange(arguments).getTypes(),
                                        loop.getResultTypes());
    std::string name;
    do {
      name = (func.getSymName() + "_loop_" + Twine(index++)).str();
    } while (symbols.lookup(name));
    auto callee = func::FuncOp::create(builder, loc, name, type);
    callee.setPrivate();
    // An internal function with one call site would be inlined right back.
    // (`passthrough` is the one spelling that func-to-llvm carries over.)
    callee->setAttr("passthrough",
                    builder.getArrayAttr({builder.getStringAttr("noinline")}));
    callee->setAttr("llvm.linkage",
                    LLVM::LinkageAttr::get(context, LLVM::Linkage::Internal));
    symbols.insert(callee);

    Block *entry = callee.addEntryBlock();
    builder.setInsertionPointToStart(entry);
    IRMapping mapping;
    for (auto [value, argument] : llvm::zip(arguments, entry->getArguments()))
      mapping.map(value, argument);
    for (Value value : used)
      if (isCheapToClone(value))
        mapping.map(value, builder.clone(*value.getDefiningOp())->getResult(0));
    Operation *clone = builder.clone(*loop, mapping);
    func::ReturnOp::create(builder, loc, clone->getResults());

    builder.setInsertionPoint(loop);
    auto call = func::CallOp::create(builder, loc, callee, arguments);
    loop->replaceAllUsesWith(call.getResults());
    loop.erase();
    return callee;
  }
};

} // namespace
} // namespace sinkc
