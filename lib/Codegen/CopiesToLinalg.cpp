//===- CopiesToLinalg.cpp - memref.copy to linalg.copy --------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_COPIESTOLINALG
#include "sinkc/Codegen/Passes.h.inc"

namespace {

struct CopiesToLinalgPass
    : public impl::CopiesToLinalgBase<CopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      // linalg.copy accepts unranked operands but convert-linalg-to-loops
      // then drops the copy without a trace; refuse rather than miscompile.
      if (!isa<MemRefType>(copy.getSource().getType()) ||
          !isa<MemRefType>(copy.getTarget().getType())) {
        copy.emitError("cannot lower a copy of unranked memrefs without "
                       "runner utils");
        return signalPassFailure();
      }
      OpBuilder builder(copy);
      linalg::CopyOp::create(builder, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};

} // namespace
} // namespace sinkc
