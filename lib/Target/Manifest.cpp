//===- Manifest.cpp - the model manifest of docs/runtime-abi.md -----------===//

#include "sinkc/Target/Manifest.h"
#include "sinkc/Support/Error.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace sinkc {

static std::string percentEncode(StringRef name) {
  std::string out;
  for (unsigned char c : name) {
    if (c <= ' ' || c == '%' || c >= 0x7f) {
      static const char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += c;
    }
  }
  return out;
}

static FailureOr<std::string> dtypeName(Type type) {
  if (type.isF32())
    return std::string("f32");
  if (type.isF64())
    return std::string("f64");
  if (type.isF16())
    return std::string("f16");
  if (type.isInteger(64))
    return std::string("i64");
  if (type.isInteger(32))
    return std::string("i32");
  if (type.isInteger(8))
    return std::string("i8");
  if (type.isInteger(1))
    return std::string("bool");
  return failure();
}

llvm::Error describeSignature(func::FuncOp entry, ManifestInfo &info) {
  auto describe = [&](Type type, StringAttr name, bool isInput,
                      ManifestTensor &out) -> llvm::Error {
    auto tensor = dyn_cast<RankedTensorType>(type);
    std::string label = name ? name.str() : "?";
    if (!tensor)
      return makeError("graph " + llvm::Twine(isInput ? "input" : "output") +
                       " '" + label + "' is not a ranked tensor");
    auto dtype = dtypeName(tensor.getElementType());
    if (failed(dtype))
      return makeError("graph " + llvm::Twine(isInput ? "input" : "output") +
                       " '" + label +
                       "' has an element type the runtime cannot exchange");
    out.name = label;
    out.dtype = *dtype;
    for (int64_t d : tensor.getShape())
      out.dims.push_back(d == ShapedType::kDynamic ? -1 : d);
    out.role = "data";
    bool int64Matrix =
        tensor.getRank() == 2 && tensor.getElementType().isInteger(64);
    if (isInput && int64Matrix) {
      if (label == "input_ids")
        out.role = "tokens";
      else if (label == "attention_mask")
        out.role = "attention_mask";
      else if (label == "position_ids")
        out.role = "position_ids";
    }
    if (!isInput && label == "logits" && tensor.getRank() == 3 &&
        isa<FloatType>(tensor.getElementType()))
      out.role = "logits";
    return llvm::Error::success();
  };
  FunctionType type = entry.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    ManifestTensor tensor;
    if (llvm::Error e = describe(
            type.getInput(i), entry.getArgAttrOfType<StringAttr>(i, "tfm.name"),
            true, tensor))
      return e;
    info.inputs.push_back(tensor);
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    ManifestTensor tensor;
    if (llvm::Error e =
            describe(type.getResult(i),
                     entry.getResultAttrOfType<StringAttr>(i, "tfm.name"),
                     false, tensor))
      return e;
    info.outputs.push_back(tensor);
  }
  bool hasTokens = llvm::any_of(
      info.inputs, [](const ManifestTensor &t) { return t.role == "tokens"; });
  auto logits = llvm::find_if(
      info.outputs, [](const ManifestTensor &t) { return t.role == "logits"; });
  info.isLanguageModel = hasTokens && logits != info.outputs.end();
  if (info.isLanguageModel) {
    info.vocab = logits->dims.back();
    if (info.vocab < 0)
      return makeError("the vocabulary size (last dimension of 'logits') is "
                       "not static");
  }
  return llvm::Error::success();
}

std::string renderManifest(const ManifestInfo &info) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "sinkc-manifest 1\n";
  os << "model " << percentEncode(info.modelName) << "\n";
  os << "weights " << info.weightsSize << " "
     << llvm::format_hex_no_prefix(info.weightsHash, 16) << " "
     << (info.weightsEmbedded ? "embedded" : "external") << "\n";
  auto tensorLine = [&](StringRef kind, size_t index,
                        const ManifestTensor &tensor) {
    os << kind << " " << index << " " << percentEncode(tensor.name) << " "
       << tensor.dtype << " " << tensor.dims.size();
    for (int64_t d : tensor.dims)
      os << " " << d;
    os << " " << tensor.role << "\n";
  };
  for (auto [i, tensor] : llvm::enumerate(info.inputs))
    tensorLine("input", i, tensor);
  for (auto [i, tensor] : llvm::enumerate(info.outputs))
    tensorLine("output", i, tensor);
  if (info.isLanguageModel)
    os << "lm vocab=" << info.vocab << " layers=" << info.layers
       << " heads=" << info.heads << " bos=" << info.bos
       << " tokenizer=" << info.tokenizer << "\n";
  os << "instrument " << info.instrument << "\n";
  for (const ManifestProbe &probe : info.probes)
    os << "probe " << probe.id << " " << probe.layer << " " << probe.metric
       << "\n";
  // Only for a steered model: the manifests of all others stay as they were.
  if (!info.intervention.empty()) {
    os << "intervene " << percentEncode(info.intervention) << "\n";
    if (!info.steerVector.empty())
      os << "steer-vector " << percentEncode(info.steerVector) << " "
         << llvm::format_hex_no_prefix(info.steerVectorHash, 16) << " "
         << llvm::format("%.9g", info.steerVectorNorm) << "\n";
  }
  os << "end\n";
  return text;
}

} // namespace sinkc
