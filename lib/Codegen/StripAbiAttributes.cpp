//===- StripAbiAttributes.cpp - drop annotations LLVM IR has no use for ---===//
//
// The tfm.* and sinkc.* argument and result attributes carry the model's
// interface through the pipeline (the manifest reads names and shapes from
// them, the runtime calls find the context by its mark) and stay visible in
// `--emit=llvm`. Translation to LLVM IR would warn about each of them, so
// they go last, before translation; `llvm.*` attributes are kept.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_STRIPABIATTRIBUTES
#include "sinkc/Codegen/Passes.h.inc"

namespace {

struct StripAbiAttributesPass
    : public impl::StripAbiAttributesBase<StripAbiAttributesPass> {
  void runOnOperation() override {
    getOperation().walk([](LLVM::LLVMFuncOp function) {
      auto interface = cast<FunctionOpInterface>(function.getOperation());
      for (unsigned i = 0; i < function.getNumArguments(); ++i)
        for (NamedAttribute attr : llvm::to_vector(interface.getArgAttrs(i)))
          if (!attr.getName().strref().starts_with("llvm."))
            interface.removeArgAttr(i, attr.getName());
      function.removeResAttrsAttr();
    });
  }
};

} // namespace
} // namespace sinkc
