//===- CopiesToLinalg.cpp - memref.copy to linalg.copy ---------------------===//

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
      OpBuilder builder(copy);
      linalg::CopyOp::create(builder, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};

} // namespace
} // namespace sinkc
