//===- EntryPoint.cpp - the packed entry point and the manifest -----------===//
//
// The runtime calls every model through one signature, `sinkc_entry(void
// **args)`, whatever its inputs and outputs (docs/runtime-abi.md). This file
// writes that function in LLVM IR around the C-interface wrapper that MLIR
// generates for the entry function (`_mlir_ciface_main`).
//
//===----------------------------------------------------------------------===//

#include "sinkc/Target/Target.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

namespace sinkc {

namespace {
/// MLIR's strided memref descriptor of rank `rank` as an LLVM struct; its
/// layout (and so where each field sits) comes from the target's data
/// layout: on a 32-bit target the two pointers share the first 8 bytes.
llvm::StructType *descriptorType(llvm::LLVMContext &context, int64_t rank) {
  auto *ptrType = llvm::PointerType::getUnqual(context);
  auto *i64 = llvm::Type::getInt64Ty(context);
  auto *array = llvm::ArrayType::get(i64, rank);
  return llvm::StructType::get(context, {ptrType, ptrType, i64, array, array});
}
} // namespace

llvm::Error addRuntimeInterface(llvm::Module &module,
                                const EntrySignature &signature,
                                llvm::StringRef manifest) {
  llvm::LLVMContext &context = module.getContext();
  std::string wrapperName = ("_mlir_ciface_" + kModelSymbolName).str();
  llvm::Function *wrapper = module.getFunction(wrapperName);
  if (!wrapper)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the module has no " + wrapperName);
  size_t numInputs = signature.inputRanks.size();
  size_t numOutputs = signature.outputRanks.size();
  // Result pointer, weights descriptor, inputs, runtime context.
  if (wrapper->arg_size() != 1 + 1 + numInputs + 1)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "unexpected signature of " + wrapperName + ": " +
            std::to_string(wrapper->arg_size()) + " parameters");

  auto *ptrType = llvm::PointerType::getUnqual(context);
  auto *i64 = llvm::Type::getInt64Ty(context);
  auto *entryType =
      llvm::FunctionType::get(llvm::Type::getVoidTy(context), {ptrType}, false);
  auto *entry = llvm::Function::Create(
      entryType, llvm::GlobalValue::ExternalLinkage, "sinkc_entry", module);
  llvm::Argument *args = entry->getArg(0);
  args->setName("args");
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", entry));

  auto loadArg = [&](size_t index) {
    llvm::Value *slot = b.CreateConstInBoundsGEP1_64(ptrType, args, index);
    return b.CreateLoad(ptrType, slot);
  };

  // The wrapper returns its results through a pointer to a struct of their
  // descriptors.
  llvm::SmallVector<llvm::Type *> resultTypes;
  for (int64_t rank : signature.outputRanks)
    resultTypes.push_back(descriptorType(context, rank));
  auto *resultsType = llvm::StructType::get(context, resultTypes);
  llvm::Value *results = b.CreateAlloca(resultsType, nullptr, "results");

  // memref<?xi8> over the weights: {ptr, ptr, 0, [size], [1]}.
  llvm::Value *weights = loadArg(0);
  llvm::StructType *weightsType = descriptorType(context, 1);
  llvm::Value *weightsDescriptor =
      b.CreateAlloca(weightsType, nullptr, "weights");
  auto storeField = [&](std::initializer_list<unsigned> path,
                        llvm::Value *value) {
    llvm::SmallVector<llvm::Value *> indices = {b.getInt32(0)};
    for (unsigned index : path)
      indices.push_back(b.getInt32(index));
    b.CreateStore(value,
                  b.CreateInBoundsGEP(weightsType, weightsDescriptor, indices));
  };
  storeField({0}, weights);
  storeField({1}, weights);
  storeField({2}, llvm::ConstantInt::get(i64, 0));
  storeField({3, 0}, llvm::ConstantInt::get(i64, signature.weightsSize));
  storeField({4, 0}, llvm::ConstantInt::get(i64, 1));

  llvm::SmallVector<llvm::Value *> callArgs = {results, weightsDescriptor};
  for (size_t i = 0; i < numInputs; ++i)
    callArgs.push_back(loadArg(1 + i));
  callArgs.push_back(loadArg(1 + numInputs + numOutputs));
  b.CreateCall(wrapper->getFunctionType(), wrapper, callArgs);

  // Each descriptor to the runtime's storage, in the same layout.
  const llvm::DataLayout &layout = module.getDataLayout();
  for (size_t i = 0; i < numOutputs; ++i) {
    llvm::Value *destination = loadArg(1 + numInputs + i);
    llvm::Value *source = b.CreateStructGEP(resultsType, results, i);
    b.CreateMemCpy(destination, llvm::MaybeAlign(8), source,
                   llvm::MaybeAlign(8),
                   layout.getTypeAllocSize(resultTypes[i]).getFixedValue());
  }
  b.CreateRetVoid();

  llvm::Constant *text =
      llvm::ConstantDataArray::getString(context, manifest, /*AddNull=*/true);
  auto *global = new llvm::GlobalVariable(
      module, text->getType(), /*isConstant=*/true,
      llvm::GlobalValue::ExternalLinkage, text, "sinkc_manifest");
  global->setAlignment(llvm::Align(8));
  return llvm::Error::success();
}

void addEmbeddedWeights(llvm::Module &module, llvm::StringRef blobPath) {
  std::string escaped;
  for (char c : blobPath) {
    if (c == '"' || c == '\\')
      escaped += '\\';
    escaped += c;
  }
  // The integrated assembler reads the file while emitting the object, so
  // the weights never become LLVM constants. %progbits, not @progbits: '@'
  // starts a comment in ARM assembly.
  module.appendModuleInlineAsm(
      ".section .rodata.sinkc_weights,\"a\",%progbits\n"
      ".balign 64\n"
      ".globl sinkc_weights\n"
      "sinkc_weights:\n"
      ".incbin \"" +
      escaped +
      "\"\n"
      ".byte 0\n"
      ".text\n");
}

} // namespace sinkc
