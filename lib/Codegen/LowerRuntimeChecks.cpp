//===- LowerRuntimeChecks.cpp - cf.assert to stderr + _exit(1) ------------===//
//
// A failed check writes its message to stderr, flushes stdio (the runtime's
// summary lines of earlier prompts) and ends the process with _exit(1), not
// exit(1): the check may fail in a parallel loop body on a worker thread,
// where exit's static destructors would tear down the thread pool under
// the running loop, and LeakSanitizer (at exit) would report every buffer
// that was live when the model stopped.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_LOWERRUNTIMECHECKS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

struct LowerRuntimeChecksPass
    : public impl::LowerRuntimeChecksBase<LowerRuntimeChecksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    SmallVector<cf::AssertOp> asserts;
    module.walk([&](cf::AssertOp op) { asserts.push_back(op); });
    if (asserts.empty())
      return;

    OpBuilder builder(context);
    builder.setInsertionPointToStart(module.getBody());
    auto i32 = builder.getI32Type();
    auto i64 = builder.getI64Type();
    auto ptr = LLVM::LLVMPointerType::get(context);
    auto write =
        LLVM::lookupOrCreateFn(builder, module, "write", {i32, ptr, i64}, i64);
    auto flush = LLVM::lookupOrCreateFn(builder, module, "fflush", {ptr}, i32);
    auto exit = LLVM::lookupOrCreateFn(builder, module, "_exit", {i32},
                                       LLVM::LLVMVoidType::get(context));
    if (failed(write) || failed(flush) || failed(exit)) {
      module.emitError("cannot declare write/fflush/_exit for the run-time "
                       "checks");
      return signalPassFailure();
    }

    unsigned counter = 0;
    for (cf::AssertOp op : asserts) {
      Location loc = op.getLoc();
      Block *before = op->getBlock();
      Block *after = before->splitBlock(op->getIterator());
      Region *region = before->getParent();
      Block *failure = builder.createBlock(region, Region::iterator(after));

      std::string message = op.getMsg().str() + "\n";
      std::string name = "sinkc_check_message_" + std::to_string(counter++);
      builder.setInsertionPointToStart(failure);
      Value text = LLVM::createGlobalString(loc, builder, name, message,
                                            LLVM::Linkage::Internal);
      Value stderrFd = LLVM::ConstantOp::create(builder, loc, i32, 2);
      Value length =
          LLVM::ConstantOp::create(builder, loc, i64, (int64_t)message.size());
      LLVM::CallOp::create(builder, loc, *write,
                           ValueRange{stderrFd, text, length});
      Value allStreams = LLVM::ZeroOp::create(builder, loc, ptr);
      LLVM::CallOp::create(builder, loc, *flush, ValueRange{allStreams});
      Value status = LLVM::ConstantOp::create(builder, loc, i32, 1);
      LLVM::CallOp::create(builder, loc, *exit, ValueRange{status});
      LLVM::UnreachableOp::create(builder, loc);

      builder.setInsertionPointToEnd(before);
      cf::CondBranchOp::create(builder, loc, op.getArg(), after, ValueRange{},
                               failure, ValueRange{});
      op.erase();
    }
  }
};

} // namespace
} // namespace sinkc
