//===- Manifest.cpp - the model manifest of docs/runtime-abi.md -----------===//

#include "sinkc/Target/Manifest.h"
#include "sinkc/Support/Error.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace sinkc {

static FailureOr<sinkrt::DType> exchangeType(Type type) {
  if (type.isF32())
    return sinkrt::DType::F32;
  if (type.isF64())
    return sinkrt::DType::F64;
  if (type.isF16())
    return sinkrt::DType::F16;
  if (type.isInteger(64))
    return sinkrt::DType::I64;
  if (type.isInteger(32))
    return sinkrt::DType::I32;
  if (type.isInteger(8))
    return sinkrt::DType::I8;
  if (type.isInteger(1))
    return sinkrt::DType::Bool;
  return failure();
}

llvm::Error describeSignature(func::FuncOp entry, sinkrt::Manifest &manifest) {
  using sinkrt::TensorRole;
  auto describe = [&](Type type, StringAttr name, bool isInput,
                      sinkrt::TensorSpec &out) -> llvm::Error {
    auto tensor = dyn_cast<RankedTensorType>(type);
    std::string label = name ? name.str() : "?";
    if (!tensor)
      return makeError("graph " + llvm::Twine(isInput ? "input" : "output") +
                       " '" + label + "' is not a ranked tensor");
    auto dtype = exchangeType(tensor.getElementType());
    if (failed(dtype))
      return makeError("graph " + llvm::Twine(isInput ? "input" : "output") +
                       " '" + label +
                       "' has an element type the runtime cannot exchange");
    out.name = label;
    out.dtype = *dtype;
    for (int64_t d : tensor.getShape())
      out.dims.push_back(d == ShapedType::kDynamic ? -1 : d);
    out.role = TensorRole::Data;
    bool int64Matrix =
        tensor.getRank() == 2 && tensor.getElementType().isInteger(64);
    if (isInput && int64Matrix) {
      if (label == "input_ids")
        out.role = TensorRole::Tokens;
      else if (label == "attention_mask")
        out.role = TensorRole::AttentionMask;
      else if (label == "position_ids")
        out.role = TensorRole::PositionIds;
    }
    if (!isInput && label == "logits" && tensor.getRank() == 3 &&
        isa<FloatType>(tensor.getElementType()))
      out.role = TensorRole::Logits;
    return llvm::Error::success();
  };
  FunctionType type = entry.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    sinkrt::TensorSpec tensor;
    tensor.index = i;
    if (llvm::Error e = describe(
            type.getInput(i), entry.getArgAttrOfType<StringAttr>(i, "tfm.name"),
            true, tensor))
      return e;
    manifest.inputs.push_back(tensor);
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    sinkrt::TensorSpec tensor;
    tensor.index = i;
    if (llvm::Error e =
            describe(type.getResult(i),
                     entry.getResultAttrOfType<StringAttr>(i, "tfm.name"),
                     false, tensor))
      return e;
    manifest.outputs.push_back(tensor);
  }
  const sinkrt::TensorSpec *logits = manifest.findOutput(TensorRole::Logits);
  if (!manifest.findInput(TensorRole::Tokens) || !logits)
    return llvm::Error::success();
  sinkrt::LanguageModelInfo &lm = manifest.languageModel.emplace();
  lm.vocab = logits->dims.back();
  if (lm.vocab < 0)
    return makeError("the vocabulary size (last dimension of 'logits') is "
                     "not static");
  return llvm::Error::success();
}

} // namespace sinkc
