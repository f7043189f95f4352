//===- PrepareEntryAbi.cpp - the model function as the runtime calls it ---===//
//
// The runtime calls the model through `_mlir_ciface_sinkc_model` with the
// weights blob, the graph inputs and its own context (docs/runtime-abi.md).
// sinkc-externalize-weights has added the blob as the leading argument; this
// pass adds the context as the trailing one, marked kRuntimeContextMarker so
// that the passes which call the runtime find it by the mark, asks for the C
// interface, and renames the function, since `main` belongs to the runtime.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/IR/SymbolTable.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_PREPAREENTRYABI
#include "sinkc/Codegen/Passes.h.inc"

namespace {

struct PrepareEntryAbiPass
    : public impl::PrepareEntryAbiBase<PrepareEntryAbiPass> {
  using PrepareEntryAbiBase::PrepareEntryAbiBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto entry = module.lookupSymbol<func::FuncOp>(entryName);
    if (!entry) {
      module.emitError("no entry function @") << entryName;
      return signalPassFailure();
    }
    if (findRuntimeContext(entry)) {
      entry.emitError("already has a runtime-context argument");
      return signalPassFailure();
    }
    auto marker = DictionaryAttr::get(
        context,
        {NamedAttribute(StringAttr::get(context, kRuntimeContextMarker),
                        UnitAttr::get(context))});
    if (failed(entry.insertArgument(entry.getNumArguments(),
                                    LLVM::LLVMPointerType::get(context), marker,
                                    entry.getLoc()))) {
      entry.emitError("cannot add the runtime-context argument");
      return signalPassFailure();
    }
    entry->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                   UnitAttr::get(context));
    if (failed(SymbolTable::replaceAllSymbolUses(
            entry, StringAttr::get(context, symbolName), module))) {
      entry.emitError("cannot rename the entry function to @") << symbolName;
      return signalPassFailure();
    }
    entry.setSymName(symbolName);
  }
};

} // namespace
} // namespace sinkc
