//===- OnnxImporter.cpp - ONNX protobuf to the tfm dialect ----------------===//
//
// The importer validates everything it reads before using it: sizes, dims,
// element counts, attribute types, external-data locations and graph edges.
// Every failure is an llvm::Error whose message names the model file and the
// node (name, op_type, opset) or tensor at fault.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Import/OnnxImporter.h"
#include "sinkc/Dialect/Tfm/ShapeUtils.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <optional>

using namespace mlir;
using llvm::Error;
using llvm::Expected;

namespace sinkc {
namespace {

/// Element counts beyond this are refused: no real tensor is this large, and
/// it keeps every byte-size computation far from overflow.
constexpr int64_t kMaxElements = int64_t(1) << 40;
/// The oldest default-domain opset whose operator semantics we implement.
constexpr int64_t kMinOpset = 7;

Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Whether the static dimensions of `type` hold at most kMaxElements elements
/// (dynamic dimensions count as 1). Larger tensors would overflow the index
/// and allocation-size arithmetic of the generated code.
bool staticElementCountFits(RankedTensorType type) {
  int64_t count = 1;
  for (int64_t dim : type.getShape()) {
    if (ShapedType::isDynamic(dim) || dim == 0)
      continue;
    if (dim < 0 || dim > kMaxElements / count)
      return false;
    count *= dim;
  }
  return true;
}

std::string shapeString(RankedTensorType type) {
  std::string text;
  for (int64_t dim : type.getShape()) {
    if (!text.empty())
      text += "x";
    text += ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
  }
  return "[" + text + "]";
}

/// Byte size of one element of an ONNX data type we support, or 0.
int64_t onnxElementSize(int32_t dataType) {
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
    return 4;
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::INT64:
    return 8;
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::INT16:
    return 2;
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::BOOL:
    return 1;
  default:
    return 0;
  }
}

std::string onnxTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(dataType));
  return "data type " + std::to_string(dataType);
}

/// ONNX AttributeProto type names for messages.
std::string attributeTypeName(int type) {
  if (onnx::AttributeProto::AttributeType_IsValid(type))
    return onnx::AttributeProto::AttributeType_Name(
        static_cast<onnx::AttributeProto::AttributeType>(type));
  return "attribute type " + std::to_string(type);
}

/// What the importer accepts of each ONNX operator: the number of inputs and
/// the attribute names (over all opsets from kMinOpset on; opset-specific
/// forms are checked where the node is imported). Anything else on a node is
/// an error rather than silently ignored. Constant checks its own attributes.
struct OperatorSignature {
  const char *opType;
  int minInputs;
  int maxInputs; // -1: variadic
  const char *attributes[5];
};

constexpr OperatorSignature kSignatures[] = {
    {"Abs", 1, 1, {}},
    {"Add", 2, 2, {}},
    {"And", 2, 2, {}},
    {"Cast", 1, 1, {"to", "saturate"}},
    {"Ceil", 1, 1, {}},
    {"Concat", 1, -1, {"axis"}},
    {"Constant", 0, 0, {}},
    {"ConstantOfShape", 1, 1, {"value"}},
    {"Cos", 1, 1, {}},
    {"CumSum", 2, 2, {"exclusive", "reverse"}},
    {"Div", 2, 2, {}},
    {"Equal", 2, 2, {}},
    {"Erf", 1, 1, {}},
    {"Exp", 1, 1, {}},
    {"Expand", 2, 2, {}},
    {"Flatten", 1, 1, {"axis"}},
    {"Floor", 1, 1, {}},
    {"Gather", 2, 2, {"axis"}},
    {"GatherND", 2, 2, {"batch_dims"}},
    {"Gelu", 1, 1, {"approximate"}},
    {"Gemm", 2, 3, {"alpha", "beta", "transA", "transB"}},
    {"Greater", 2, 2, {}},
    {"GreaterOrEqual", 2, 2, {}},
    {"Identity", 1, 1, {}},
    {"LayerNormalization", 2, 3, {"axis", "epsilon", "stash_type"}},
    {"Less", 2, 2, {}},
    {"LessOrEqual", 2, 2, {}},
    {"Log", 1, 1, {}},
    {"MatMul", 2, 2, {}},
    {"Max", 1, -1, {}},
    {"Min", 1, -1, {}},
    {"Mul", 2, 2, {}},
    {"Neg", 1, 1, {}},
    {"Not", 1, 1, {}},
    {"Or", 2, 2, {}},
    {"Pow", 2, 2, {}},
    {"Range", 3, 3, {}},
    {"Reciprocal", 1, 1, {}},
    {"ReduceMax", 1, 2, {"axes", "keepdims", "noop_with_empty_axes"}},
    {"ReduceMean", 1, 2, {"axes", "keepdims", "noop_with_empty_axes"}},
    {"ReduceSum", 1, 2, {"axes", "keepdims", "noop_with_empty_axes"}},
    {"Relu", 1, 1, {}},
    {"Reshape", 2, 2, {"allowzero"}},
    {"Shape", 1, 1, {"start", "end"}},
    {"Sigmoid", 1, 1, {}},
    {"Sin", 1, 1, {}},
    {"Slice", 1, 5, {"starts", "ends", "axes"}},
    {"Softmax", 1, 1, {"axis"}},
    {"Split", 1, 2, {"axis", "split", "num_outputs"}},
    {"Sqrt", 1, 1, {}},
    {"Squeeze", 1, 2, {"axes"}},
    {"Sub", 2, 2, {}},
    {"Sum", 1, -1, {}},
    {"Tanh", 1, 1, {}},
    {"Transpose", 1, 1, {"perm"}},
    {"Trilu", 1, 2, {"upper"}},
    {"Unsqueeze", 1, 2, {"axes"}},
    {"Where", 3, 3, {}},
    {"Xor", 2, 2, {}},
};

const OperatorSignature *findSignature(StringRef opType) {
  for (const OperatorSignature &signature : kSignatures)
    if (opType == signature.opType)
      return &signature;
  return nullptr;
}

class Importer {
public:
  Importer(MLIRContext &context, StringRef path,
           const OnnxImportOptions &options)
      : context(context), builder(&context), path(path.str()),
        options(options) {}

  /// Imports the model file at `path`, or `contents` when given (then
  /// `path` only names the model in messages and locates external data).
  Expected<OwningOpRef<ModuleOp>>
  run(std::optional<StringRef> contents = std::nullopt);

private:
  //===--------------------------------------------------------------------===//
  // Errors
  //===--------------------------------------------------------------------===//

  Error fileError(const llvm::Twine &message) const {
    return makeError(path + ": " + message);
  }
  std::string describe(const onnx::NodeProto &node) const {
    StringRef domain = node.domain();
    if (domain.empty() || domain == "ai.onnx")
      return llvm::formatv("node '{0}' ({1}, opset {2})", nodeName(node),
                           node.op_type(), opset)
          .str();
    // Another domain has its own opset version (or is not imported at all).
    for (const auto &entry : model.opset_import())
      if (entry.domain() == domain)
        return llvm::formatv("node '{0}' ({1}, domain '{2}' opset {3})",
                             nodeName(node), node.op_type(), domain,
                             entry.version())
            .str();
    return llvm::formatv("node '{0}' ({1}, domain '{2}', not imported)",
                         nodeName(node), node.op_type(), domain)
        .str();
  }
  Error nodeError(const onnx::NodeProto &node,
                  const llvm::Twine &message) const {
    return makeError(path + ": " + describe(node) + ": " + message);
  }
  std::string nodeName(const onnx::NodeProto &node) const {
    if (!node.name().empty())
      return node.name();
    return node.op_type() + "_" + std::to_string(nodeIndex);
  }

  //===--------------------------------------------------------------------===//
  // Types and tensors
  //===--------------------------------------------------------------------===//

  Expected<Type> elementType(int32_t dataType, const llvm::Twine &what);
  Expected<RankedTensorType> tensorType(const onnx::TypeProto &type,
                                        const llvm::Twine &what);
  /// `blobName` names the dense_resource blob of a large float tensor
  /// (default: the tensor's own name).
  Expected<ElementsAttr> tensorAttr(const onnx::TensorProto &tensor,
                                    const llvm::Twine &what,
                                    StringRef blobName = {});
  Expected<std::unique_ptr<llvm::MemoryBuffer>>
  readExternalData(const onnx::TensorProto &tensor, int64_t byteSize,
                   const llvm::Twine &what);
  Expected<ElementsAttr>
  elementsFromBytes(RankedTensorType type, StringRef name, ArrayRef<char> bytes,
                    std::unique_ptr<llvm::MemoryBuffer> owner);

  //===--------------------------------------------------------------------===//
  // Graph
  //===--------------------------------------------------------------------===//

  Error checkModel();
  Error importInitializers();
  Error importNode(const onnx::NodeProto &node);
  Error checkSignature(const onnx::NodeProto &node);
  Error checkOutputsDefined(const onnx::NodeProto &node);

  //===--------------------------------------------------------------------===//
  // Node helpers
  //===--------------------------------------------------------------------===//

  Location nodeLoc(const onnx::NodeProto &node) {
    return NameLoc::get(builder.getStringAttr(nodeName(node)),
                        FileLineColLoc::get(&context, fileName, 0, 0));
  }
  const onnx::AttributeProto *findAttribute(const onnx::NodeProto &node,
                                            StringRef name) const;
  Expected<int64_t> intAttr(const onnx::NodeProto &node, StringRef name,
                            std::optional<int64_t> defaultValue);
  Expected<float> floatAttr(const onnx::NodeProto &node, StringRef name,
                            float defaultValue);
  Expected<std::string> stringAttr(const onnx::NodeProto &node, StringRef name,
                                   StringRef defaultValue);
  Expected<std::optional<SmallVector<int64_t>>>
  intsAttr(const onnx::NodeProto &node, StringRef name);

  /// The value of input `index`; an error if it is absent.
  Expected<Value> input(const onnx::NodeProto &node, int index);
  /// The value of an optional input; null if it is absent or empty.
  Expected<Value> optionalInput(const onnx::NodeProto &node, int index);
  /// The elements of an input that must be known at compile time.
  Expected<SmallVector<int64_t>> constantInput(const onnx::NodeProto &node,
                                               int index, StringRef what);
  Value constantI64(ArrayRef<int64_t> values, Location loc);

  /// Creates `OpTy` with inferred result types, refines them with the
  /// exporter's value_info, verifies it and binds the node's outputs.
  template <typename OpTy>
  Expected<Operation *> build(const onnx::NodeProto &node, ValueRange operands,
                              ArrayRef<NamedAttribute> attributes = {},
                              bool bindOutputs = true);
  Error refineResultType(const onnx::NodeProto &node, OpResult result,
                         StringRef name);
  Error bind(const onnx::NodeProto &node, StringRef name, Value value);

  template <typename OpTy> Error buildBinaryChain(const onnx::NodeProto &node);

  MLIRContext &context;
  OpBuilder builder;
  std::string path;
  std::string fileName;
  std::string modelDir;
  const OnnxImportOptions &options;
  onnx::ModelProto model;
  int64_t opset = 0;
  int nodeIndex = 0;
  llvm::StringMap<Value> values;
  llvm::StringMap<const onnx::TypeProto *> valueInfo;
  llvm::StringSet<> consumed;
};

//===----------------------------------------------------------------------===//
// Types and tensors
//===----------------------------------------------------------------------===//

Expected<Type> Importer::elementType(int32_t dataType,
                                     const llvm::Twine &what) {
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return builder.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return builder.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return builder.getF16Type();
  case onnx::TensorProto::INT64:
    return builder.getI64Type();
  case onnx::TensorProto::INT32:
    return builder.getI32Type();
  case onnx::TensorProto::INT16:
    return builder.getIntegerType(16);
  case onnx::TensorProto::INT8:
    return builder.getIntegerType(8);
  case onnx::TensorProto::BOOL:
    return builder.getI1Type();
  default:
    return fileError(what + ": unsupported dtype " + onnxTypeName(dataType) +
                     " (supported: FLOAT, DOUBLE, FLOAT16, INT64, INT32, "
                     "INT16, INT8, BOOL)");
  }
}

Expected<RankedTensorType> Importer::tensorType(const onnx::TypeProto &type,
                                                const llvm::Twine &what) {
  if (!type.has_tensor_type())
    return fileError(what + ": only tensor types are supported");
  const auto &tensor = type.tensor_type();
  auto element = elementType(tensor.elem_type(), what);
  if (!element)
    return element.takeError();
  if (!tensor.has_shape())
    return fileError(what + ": the rank is unknown (no shape in the model)");
  SmallVector<int64_t> dims;
  for (const auto &dim : tensor.shape().dim()) {
    if (dim.has_dim_value()) {
      if (dim.dim_value() < 0)
        return fileError(what + ": negative dimension " +
                         std::to_string(dim.dim_value()));
      if (dim.dim_value() > kMaxElements)
        return fileError(what + ": dimension " +
                         std::to_string(dim.dim_value()) + " is too large");
      dims.push_back(dim.dim_value());
    } else {
      dims.push_back(ShapedType::kDynamic);
    }
  }
  auto result = RankedTensorType::get(dims, *element);
  if (!staticElementCountFits(result))
    return fileError(what + ": shape " + shapeString(result) +
                     " has more than 2^40 elements");
  return result;
}

Expected<std::unique_ptr<llvm::MemoryBuffer>>
Importer::readExternalData(const onnx::TensorProto &tensor, int64_t byteSize,
                           const llvm::Twine &what) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &entry : tensor.external_data()) {
    auto parseNumber = [&](int64_t &out) -> Error {
      if (StringRef(entry.value()).getAsInteger(10, out) || out < 0)
        return fileError(what + ": external data " + entry.key() + " '" +
                         entry.value() + "' is not a non-negative integer");
      return Error::success();
    };
    if (entry.key() == "location") {
      location = entry.value();
    } else if (entry.key() == "offset") {
      if (Error e = parseNumber(offset))
        return std::move(e);
    } else if (entry.key() == "length") {
      if (Error e = parseNumber(length))
        return std::move(e);
    }
  }
  if (location.empty())
    return fileError(what + ": external data without a location");
  if (llvm::sys::path::is_absolute(location))
    return fileError(what + ": external data location '" + location +
                     "' is absolute; it must be relative to the model");
  SmallString<256> resolved(modelDir);
  llvm::sys::path::append(resolved, location);
  SmallString<256> realModelDir, realData;
  if (llvm::sys::fs::real_path(modelDir, realModelDir) ||
      llvm::sys::fs::real_path(resolved, realData))
    return fileError(what + ": cannot open external data file '" +
                     resolved.str() + "'");
  // The data must live inside the model's directory (no "../" escapes, no
  // symlinks out of it).
  StringRef dirPrefix = realModelDir.str();
  if (!StringRef(realData).starts_with(dirPrefix) ||
      realData.size() <= dirPrefix.size() ||
      !llvm::sys::path::is_separator(realData[dirPrefix.size()]))
    return fileError(what + ": external data location '" + location +
                     "' escapes the model directory");
  uint64_t fileSize = 0;
  if (llvm::sys::fs::file_size(realData, fileSize))
    return fileError(what + ": cannot read the size of external data file '" +
                     realData.str() + "'");
  if (length >= 0 && length != byteSize)
    return fileError(what + ": external data length " + std::to_string(length) +
                     " does not match the " + std::to_string(byteSize) +
                     " bytes of the tensor");
  if ((uint64_t)offset > fileSize || (uint64_t)byteSize > fileSize - offset)
    return fileError(llvm::formatv("{0}: external data [{1}, {2}) is outside "
                                   "'{3}' ({4} bytes)",
                                   what.str(), offset,
                                   (uint64_t)offset + (uint64_t)byteSize,
                                   location, fileSize)
                         .str());
  auto buffer = llvm::MemoryBuffer::getFileSlice(realData, byteSize, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer)
    return fileError(what + ": cannot read external data file '" +
                     realData.str() + "': " + buffer.getError().message());
  return std::move(*buffer);
}

/// Every weight blob is declared with this alignment, whether its bytes came
/// from the model file or from an external-data file, so that the printed IR
/// (which records the alignment of each blob) does not depend on where the
/// weights were stored or on the offsets inside a data file.
constexpr size_t kBlobAlignment = 64;

Expected<ElementsAttr>
Importer::elementsFromBytes(RankedTensorType type, StringRef name,
                            ArrayRef<char> bytes,
                            std::unique_ptr<llvm::MemoryBuffer> owner) {
  Type element = type.getElementType();
  int64_t count = type.getNumElements();
  if (element.isInteger(1)) {
    SmallVector<bool> flags(count);
    for (int64_t i = 0; i < count; ++i)
      flags[i] = bytes[i] != 0;
    return cast<ElementsAttr>(DenseElementsAttr::get(type, flags));
  }
  bool isFloat = isa<FloatType>(element);
  if (count > options.inlineElementLimit && isFloat) {
    std::string key = name.str();
    for (char &c : key)
      if (!llvm::isAlnum(c) && c != '_' && c != '.')
        c = '_';
    if (key.empty() || llvm::isDigit(key[0]))
      key = "w_" + key;
    if (owner &&
        reinterpret_cast<uintptr_t>(bytes.data()) % kBlobAlignment == 0) {
      // Keep the mapping alive as long as the blob: no copy of the weights.
      // (External data written with 64-byte aligned offsets maps aligned.)
      llvm::MemoryBuffer *raw = owner.release();
      AsmResourceBlob blob(
          bytes, kBlobAlignment, [raw](void *, size_t, size_t) { delete raw; },
          /*dataIsMutable=*/false);
      return cast<ElementsAttr>(
          DenseResourceElementsAttr::get(type, key, std::move(blob)));
    }
    return cast<ElementsAttr>(DenseResourceElementsAttr::get(
        type, key,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, kBlobAlignment)));
  }
  bool detectedSplat = false;
  if (!DenseElementsAttr::isValidRawBuffer(type, bytes, detectedSplat))
    return fileError("tensor '" + name + "': raw data does not match its type");
  return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, bytes));
}

Expected<ElementsAttr> Importer::tensorAttr(const onnx::TensorProto &tensor,
                                            const llvm::Twine &what,
                                            StringRef blobName) {
  std::string description = what.str();
  if (blobName.empty())
    blobName = tensor.name();
  auto element = elementType(tensor.data_type(), description);
  if (!element)
    return element.takeError();
  SmallVector<int64_t> dims;
  int64_t count = 1;
  for (int64_t dim : tensor.dims()) {
    if (dim < 0)
      return fileError(description + ": negative dimension " +
                       std::to_string(dim));
    if (dim != 0 && count > kMaxElements / dim)
      return fileError(description + ": element count overflows (dims too "
                                     "large)");
    count *= dim;
    dims.push_back(dim);
  }
  auto type = RankedTensorType::get(dims, *element);
  int64_t elementSize = onnxElementSize(tensor.data_type());
  int64_t byteSize = count * elementSize;

  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    auto buffer = readExternalData(tensor, byteSize, description);
    if (!buffer)
      return buffer.takeError();
    ArrayRef<char> bytes((*buffer)->getBufferStart(),
                         (*buffer)->getBufferSize());
    return elementsFromBytes(type, blobName, bytes, std::move(*buffer));
  }
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    if ((int64_t)raw.size() != byteSize)
      return fileError(llvm::formatv("{0}: raw_data has {1} bytes, the shape "
                                     "needs {2}",
                                     description, raw.size(), byteSize)
                           .str());
    return elementsFromBytes(type, blobName,
                             ArrayRef<char>(raw.data(), raw.size()), nullptr);
  }

  // Typed fields: check the count, then pack little-endian bytes. The count
  // is checked before anything is allocated: the dims alone may ask for up
  // to 2^40 elements.
  auto checkCount = [&](int64_t have, StringRef field) -> Error {
    if (have != count)
      return fileError(llvm::formatv("{0}: {1} has {2} values, the shape "
                                     "needs {3}",
                                     description, field, have, count)
                           .str());
    return Error::success();
  };
  std::vector<char> bytes;
  // An empty repeated field has no storage: its data() is null, and memcpy
  // from null is undefined even for 0 bytes (UBSan caught it on an empty
  // float tensor).
  auto copyValues = [&](const void *values) {
    bytes.resize(byteSize);
    if (byteSize != 0)
      std::memcpy(bytes.data(), values, byteSize);
  };
  switch (tensor.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (Error e = checkCount(tensor.float_data_size(), "float_data"))
      return std::move(e);
    copyValues(tensor.float_data().data());
    break;
  case onnx::TensorProto::DOUBLE:
    if (Error e = checkCount(tensor.double_data_size(), "double_data"))
      return std::move(e);
    copyValues(tensor.double_data().data());
    break;
  case onnx::TensorProto::INT64:
    if (Error e = checkCount(tensor.int64_data_size(), "int64_data"))
      return std::move(e);
    copyValues(tensor.int64_data().data());
    break;
  default: {
    // INT32, INT16, INT8, BOOL and FLOAT16 (as bits) live in int32_data.
    if (Error e = checkCount(tensor.int32_data_size(), "int32_data"))
      return std::move(e);
    // Narrower types are stored widened: a value that does not fit would be
    // silently truncated by the copy below.
    int64_t low = INT32_MIN, high = INT32_MAX;
    switch (tensor.data_type()) {
    case onnx::TensorProto::INT16:
      low = INT16_MIN, high = INT16_MAX;
      break;
    case onnx::TensorProto::INT8:
      low = INT8_MIN, high = INT8_MAX;
      break;
    case onnx::TensorProto::BOOL:
      low = 0, high = 1;
      break;
    case onnx::TensorProto::FLOAT16:
      low = 0, high = UINT16_MAX; // bit patterns
      break;
    default:
      break;
    }
    bytes.resize(byteSize);
    for (int64_t i = 0; i < count; ++i) {
      int32_t v = tensor.int32_data(i);
      if (v < low || v > high)
        return fileError(llvm::formatv("{0}: int32_data value {1} (element "
                                       "{2}) is out of range for {3}",
                                       description, v, i,
                                       onnxTypeName(tensor.data_type()))
                             .str());
      std::memcpy(bytes.data() + i * elementSize, &v, elementSize);
    }
    break;
  }
  }
  return elementsFromBytes(type, blobName, bytes, nullptr);
}

//===----------------------------------------------------------------------===//
// Node helpers
//===----------------------------------------------------------------------===//

const onnx::AttributeProto *Importer::findAttribute(const onnx::NodeProto &node,
                                                    StringRef name) const {
  for (const auto &attribute : node.attribute())
    if (attribute.name() == name)
      return &attribute;
  return nullptr;
}

Expected<int64_t> Importer::intAttr(const onnx::NodeProto &node, StringRef name,
                                    std::optional<int64_t> defaultValue) {
  const auto *attribute = findAttribute(node, name);
  if (!attribute) {
    if (defaultValue)
      return *defaultValue;
    return nodeError(node, "missing required attribute '" + name + "'");
  }
  if (attribute->type() != onnx::AttributeProto::INT)
    return nodeError(node, "attribute '" + name + "' must be INT, not " +
                               attributeTypeName(attribute->type()));
  return attribute->i();
}

Expected<float> Importer::floatAttr(const onnx::NodeProto &node, StringRef name,
                                    float defaultValue) {
  const auto *attribute = findAttribute(node, name);
  if (!attribute)
    return defaultValue;
  if (attribute->type() != onnx::AttributeProto::FLOAT)
    return nodeError(node, "attribute '" + name + "' must be FLOAT, not " +
                               attributeTypeName(attribute->type()));
  return attribute->f();
}

Expected<std::string> Importer::stringAttr(const onnx::NodeProto &node,
                                           StringRef name,
                                           StringRef defaultValue) {
  const auto *attribute = findAttribute(node, name);
  if (!attribute)
    return defaultValue.str();
  if (attribute->type() != onnx::AttributeProto::STRING)
    return nodeError(node, "attribute '" + name + "' must be STRING, not " +
                               attributeTypeName(attribute->type()));
  return attribute->s();
}

Expected<std::optional<SmallVector<int64_t>>>
Importer::intsAttr(const onnx::NodeProto &node, StringRef name) {
  const auto *attribute = findAttribute(node, name);
  if (!attribute)
    return std::optional<SmallVector<int64_t>>();
  if (attribute->type() != onnx::AttributeProto::INTS)
    return nodeError(node, "attribute '" + name + "' must be INTS, not " +
                               attributeTypeName(attribute->type()));
  return std::optional<SmallVector<int64_t>>(
      SmallVector<int64_t>(attribute->ints().begin(), attribute->ints().end()));
}

Expected<Value> Importer::optionalInput(const onnx::NodeProto &node,
                                        int index) {
  if (index >= node.input_size() || node.input(index).empty())
    return Value();
  auto it = values.find(node.input(index));
  if (it == values.end())
    return nodeError(node, "input '" + node.input(index) +
                               "' is not defined by any earlier node, "
                               "initializer or graph input (dangling edge or "
                               "graph not topologically sorted)");
  return it->second;
}

Expected<Value> Importer::input(const onnx::NodeProto &node, int index) {
  auto value = optionalInput(node, index);
  if (value && !*value)
    return nodeError(node, "missing required input #" + std::to_string(index));
  return value;
}

Expected<SmallVector<int64_t>>
Importer::constantInput(const onnx::NodeProto &node, int index,
                        StringRef what) {
  auto value = input(node, index);
  if (!value)
    return value.takeError();
  auto known = tfm::getPartialInts(*value);
  if (!known || llvm::is_contained(*known, tfm::kDynamic))
    return nodeError(node, "input '" + what +
                               "' must be a compile-time constant integer "
                               "tensor");
  return *known;
}

Value Importer::constantI64(ArrayRef<int64_t> values, Location loc) {
  auto type =
      RankedTensorType::get({(int64_t)values.size()}, builder.getI64Type());
  return tfm::ConstantOp::create(builder, loc,
                                 DenseElementsAttr::get(type, values));
}

Error Importer::bind(const onnx::NodeProto &node, StringRef name, Value value) {
  if (name.empty())
    return Error::success();
  if (!values.insert({name, value}).second)
    return nodeError(node, "output '" + name +
                               "' is already defined (duplicate value name)");
  return Error::success();
}

Error Importer::refineResultType(const onnx::NodeProto &node, OpResult result,
                                 StringRef name) {
  if (!options.useValueInfo)
    return Error::success();
  auto it = valueInfo.find(name);
  if (it == valueInfo.end() || !it->second->has_tensor_type() ||
      !it->second->tensor_type().has_shape())
    return Error::success();
  auto inferred = cast<RankedTensorType>(result.getType());
  const auto &shape = it->second->tensor_type().shape();
  if (shape.dim_size() != inferred.getRank())
    return nodeError(node,
                     llvm::formatv("value_info gives '{0}' rank {1} but "
                                   "the node computes rank {2}",
                                   name, shape.dim_size(), inferred.getRank())
                         .str());
  SmallVector<int64_t> dims = llvm::to_vector(inferred.getShape());
  for (int i = 0; i < shape.dim_size(); ++i) {
    if (!shape.dim(i).has_dim_value())
      continue;
    int64_t declared = shape.dim(i).dim_value();
    if (dims[i] == ShapedType::kDynamic) {
      if (declared >= 0 && declared <= kMaxElements)
        dims[i] = declared;
    } else if (dims[i] != declared) {
      return nodeError(node, llvm::formatv("value_info gives dimension {0} of "
                                           "'{1}' as {2} but the node "
                                           "computes {3}",
                                           i, name, declared, dims[i])
                                 .str());
    }
  }
  result.setType(inferred.clone(dims));
  return Error::success();
}

template <typename OpTy>
Expected<Operation *>
Importer::build(const onnx::NodeProto &node, ValueRange operands,
                ArrayRef<NamedAttribute> attributes, bool bindOutputs) {
  Location loc = nodeLoc(node);
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    if (!diagnostics.empty())
      diagnostics += "; ";
    diagnostics += diagnostic.str();
    return success();
  });
  DictionaryAttr dictionary = builder.getDictionaryAttr(attributes);
  typename OpTy::Properties properties;
  if (failed(OpTy::setPropertiesFromAttr(properties, dictionary,
                                         [&] { return emitError(loc); })))
    return nodeError(node, "invalid attributes: " + diagnostics);
  SmallVector<Type> resultTypes;
  if (failed(OpTy::inferReturnTypes(&context, loc, operands, dictionary,
                                    OpaqueProperties(&properties), {},
                                    resultTypes)))
    return nodeError(node,
                     diagnostics.empty() ? "invalid operands" : diagnostics);
  OperationState state(loc, OpTy::getOperationName());
  state.addOperands(operands);
  state.addAttributes(attributes);
  state.addTypes(resultTypes);
  Operation *op = builder.create(state);
  if (bindOutputs) {
    for (OpResult result : op->getResults()) {
      StringRef name = result.getResultNumber() < (unsigned)node.output_size()
                           ? StringRef(node.output(result.getResultNumber()))
                           : StringRef();
      if (Error e = refineResultType(node, result, name))
        return std::move(e);
    }
  }
  for (OpResult result : op->getResults()) {
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (type && !staticElementCountFits(type))
      return nodeError(node, "result #" +
                                 std::to_string(result.getResultNumber()) +
                                 " of shape " + shapeString(type) +
                                 " has more than 2^40 elements");
  }
  if (failed(verify(op)))
    return nodeError(node, diagnostics.empty() ? "invalid op" : diagnostics);
  if (bindOutputs) {
    for (OpResult result : op->getResults())
      if (result.getResultNumber() < (unsigned)node.output_size())
        if (Error e = bind(node, node.output(result.getResultNumber()), result))
          return std::move(e);
  }
  return op;
}

/// Variadic ONNX Max/Min/Sum become a left fold of binary ops.
template <typename OpTy>
Error Importer::buildBinaryChain(const onnx::NodeProto &node) {
  if (node.input_size() < 1)
    return nodeError(node, "needs at least one input");
  auto first = input(node, 0);
  if (!first)
    return first.takeError();
  Value accumulated = *first;
  for (int i = 1; i < node.input_size(); ++i) {
    auto next = input(node, i);
    if (!next)
      return next.takeError();
    bool last = i + 1 == node.input_size();
    auto op = build<OpTy>(node, {accumulated, *next}, {}, last);
    if (!op)
      return op.takeError();
    accumulated = (*op)->getResult(0);
  }
  if (node.input_size() == 1)
    return bind(node, node.output(0), accumulated);
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

Error Importer::checkOutputsDefined(const onnx::NodeProto &node) {
  for (const std::string &output : node.output())
    if (!output.empty() && consumed.contains(output) && !values.count(output))
      return nodeError(node, "output '" + output +
                                 "' is used but this operator does not "
                                 "produce it");
  return Error::success();
}

Error Importer::checkSignature(const onnx::NodeProto &node) {
  const OperatorSignature *signature = findSignature(node.op_type());
  if (!signature)
    return nodeError(node, "unsupported operator '" + node.op_type() + "'");
  int inputs = node.input_size();
  // Trailing empty names are absent optional inputs.
  while (inputs > 0 && node.input(inputs - 1).empty())
    --inputs;
  if (inputs < signature->minInputs ||
      (signature->maxInputs >= 0 && inputs > signature->maxInputs)) {
    std::string expected =
        signature->maxInputs < 0
            ? "at least " + std::to_string(signature->minInputs)
        : signature->minInputs == signature->maxInputs
            ? std::to_string(signature->minInputs)
            : std::to_string(signature->minInputs) + " to " +
                  std::to_string(signature->maxInputs);
    return nodeError(
        node,
        llvm::formatv("has {0} inputs, expected {1}", inputs, expected).str());
  }
  if (node.op_type() == "Constant")
    return Error::success();
  llvm::StringSet<> seen;
  for (const auto &attribute : node.attribute()) {
    if (!seen.insert(attribute.name()).second)
      return nodeError(node,
                       "attribute '" + attribute.name() + "' is given twice");
    bool known = llvm::any_of(signature->attributes, [&](const char *name) {
      return name && attribute.name() == name;
    });
    if (!known)
      return nodeError(node,
                       "unsupported attribute '" + attribute.name() + "'");
  }
  return Error::success();
}

Error Importer::importNode(const onnx::NodeProto &node) {
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return nodeError(node, "unsupported operator '" + node.op_type() +
                               "' of domain '" + node.domain() + "'");
  for (const auto &attribute : node.attribute())
    if (attribute.type() == onnx::AttributeProto::GRAPH ||
        attribute.type() == onnx::AttributeProto::GRAPHS || attribute.has_g() ||
        attribute.graphs_size())
      return nodeError(node, "nested graphs (attribute '" + attribute.name() +
                                 "') are not supported");
  if (node.output_size() < 1)
    return nodeError(node, "has no outputs");
  if (Error e = checkSignature(node))
    return e;

  StringRef op = node.op_type();
  Location loc = nodeLoc(node);
  auto namedInt = [&](StringRef name, int64_t v) {
    return builder.getNamedAttr(name, builder.getI64IntegerAttr(v));
  };
  auto namedBool = [&](StringRef name, bool v) {
    return builder.getNamedAttr(name, builder.getBoolAttr(v));
  };
  auto namedInts = [&](StringRef name, ArrayRef<int64_t> v) {
    return builder.getNamedAttr(name, builder.getDenseI64ArrayAttr(v));
  };

  // Elementwise ops with every input an operand and no attributes.
  auto simple = [&](auto tag, int arity) -> Error {
    using OpTy = decltype(tag);
    if (node.input_size() != arity)
      return nodeError(node, llvm::formatv("expects {0} inputs, has {1}", arity,
                                           node.input_size())
                                 .str());
    SmallVector<Value> operands;
    for (int i = 0; i < arity; ++i) {
      auto v = input(node, i);
      if (!v)
        return v.takeError();
      operands.push_back(*v);
    }
    auto built = build<OpTy>(node, operands);
    return built ? Error::success() : built.takeError();
  };

  if (op == "Add")
    return simple(tfm::AddOp(), 2);
  if (op == "Sub")
    return simple(tfm::SubOp(), 2);
  if (op == "Mul")
    return simple(tfm::MulOp(), 2);
  if (op == "Div")
    return simple(tfm::DivOp(), 2);
  if (op == "Pow")
    return simple(tfm::PowOp(), 2);
  if (op == "Equal")
    return simple(tfm::EqualOp(), 2);
  if (op == "Greater")
    return simple(tfm::GreaterOp(), 2);
  if (op == "GreaterOrEqual")
    return simple(tfm::GreaterOrEqualOp(), 2);
  if (op == "Less")
    return simple(tfm::LessOp(), 2);
  if (op == "LessOrEqual")
    return simple(tfm::LessOrEqualOp(), 2);
  if (op == "And")
    return simple(tfm::AndOp(), 2);
  if (op == "Or")
    return simple(tfm::OrOp(), 2);
  if (op == "Xor")
    return simple(tfm::XorOp(), 2);
  if (op == "Where")
    return simple(tfm::WhereOp(), 3);
  if (op == "Not")
    return simple(tfm::NotOp(), 1);
  if (op == "Neg")
    return simple(tfm::NegOp(), 1);
  if (op == "Abs")
    return simple(tfm::AbsOp(), 1);
  if (op == "Sqrt")
    return simple(tfm::SqrtOp(), 1);
  if (op == "Reciprocal")
    return simple(tfm::ReciprocalOp(), 1);
  if (op == "Relu")
    return simple(tfm::ReluOp(), 1);
  if (op == "Sigmoid")
    return simple(tfm::SigmoidOp(), 1);
  if (op == "Tanh")
    return simple(tfm::TanhOp(), 1);
  if (op == "Erf")
    return simple(tfm::ErfOp(), 1);
  if (op == "Exp")
    return simple(tfm::ExpOp(), 1);
  if (op == "Log")
    return simple(tfm::LogOp(), 1);
  if (op == "Cos")
    return simple(tfm::CosOp(), 1);
  if (op == "Sin")
    return simple(tfm::SinOp(), 1);
  if (op == "Floor")
    return simple(tfm::FloorOp(), 1);
  if (op == "Ceil")
    return simple(tfm::CeilOp(), 1);
  if (op == "Identity")
    return simple(tfm::IdentityOp(), 1);
  if (op == "MatMul")
    return simple(tfm::MatMulOp(), 2);
  if (op == "Max")
    return buildBinaryChain<tfm::MaxOp>(node);
  if (op == "Min")
    return buildBinaryChain<tfm::MinOp>(node);
  if (op == "Sum")
    return buildBinaryChain<tfm::AddOp>(node);

  if (op == "Constant") {
    const onnx::AttributeProto *attribute = nullptr;
    for (const auto &a : node.attribute()) {
      if (attribute)
        return nodeError(node, "must have exactly one value attribute");
      attribute = &a;
    }
    if (!attribute)
      return nodeError(node, "has no value attribute");
    Attribute value;
    StringRef name = attribute->name();
    if (name == "value" && attribute->type() == onnx::AttributeProto::TENSOR) {
      // Constant tensors are often unnamed; their blob is named after the
      // node's output.
      auto tensor =
          tensorAttr(attribute->t(), describe(node) + " value",
                     attribute->t().name().empty() ? StringRef(node.output(0))
                                                   : StringRef());
      if (!tensor)
        return tensor.takeError();
      value = *tensor;
    } else if (name == "value_float" &&
               attribute->type() == onnx::AttributeProto::FLOAT) {
      value = DenseElementsAttr::get(
          RankedTensorType::get({}, builder.getF32Type()), attribute->f());
    } else if (name == "value_floats" &&
               attribute->type() == onnx::AttributeProto::FLOATS) {
      SmallVector<float> v(attribute->floats().begin(),
                           attribute->floats().end());
      value = DenseElementsAttr::get(
          RankedTensorType::get({(int64_t)v.size()}, builder.getF32Type()),
          ArrayRef<float>(v));
    } else if (name == "value_int" &&
               attribute->type() == onnx::AttributeProto::INT) {
      value = DenseElementsAttr::get(
          RankedTensorType::get({}, builder.getI64Type()),
          (int64_t)attribute->i());
    } else if (name == "value_ints" &&
               attribute->type() == onnx::AttributeProto::INTS) {
      SmallVector<int64_t> v(attribute->ints().begin(),
                             attribute->ints().end());
      value = DenseElementsAttr::get(
          RankedTensorType::get({(int64_t)v.size()}, builder.getI64Type()),
          ArrayRef<int64_t>(v));
    } else {
      return nodeError(node, "unsupported value attribute '" + name + "' (" +
                                 attributeTypeName(attribute->type()) + ")");
    }
    auto built = build<tfm::ConstantOp>(node, {},
                                        {builder.getNamedAttr("value", value)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "ConstantOfShape") {
    auto shape = input(node, 0);
    if (!shape)
      return shape.takeError();
    Attribute value = DenseElementsAttr::get(
        RankedTensorType::get({1}, builder.getF32Type()), 0.0f);
    if (const auto *attribute = findAttribute(node, "value")) {
      if (attribute->type() != onnx::AttributeProto::TENSOR)
        return nodeError(node, "attribute 'value' must be a TENSOR");
      auto tensor = tensorAttr(attribute->t(), describe(node) + " value");
      if (!tensor)
        return tensor.takeError();
      if (tensor->getNumElements() != 1)
        return nodeError(node, "attribute 'value' must have one element");
      value = *tensor;
    }
    auto built = build<tfm::ConstantOfShapeOp>(
        node, {*shape}, {builder.getNamedAttr("value", value)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Cast") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    auto to = intAttr(node, "to", std::nullopt);
    if (!to)
      return to.takeError();
    auto element = elementType(*to, describe(node) + " attribute 'to'");
    if (!element)
      return element.takeError();
    auto built = build<tfm::CastOp>(
        node, {*v}, {builder.getNamedAttr("to", TypeAttr::get(*element))});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Gelu") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    auto approximate = stringAttr(node, "approximate", "none");
    if (!approximate)
      return approximate.takeError();
    if (*approximate != "none" && *approximate != "tanh")
      return nodeError(node, "unsupported approximate='" + *approximate + "'");
    auto built = build<tfm::GeluOp>(
        node, {*v},
        {builder.getNamedAttr("approximate",
                              builder.getStringAttr(*approximate))});
    return built ? Error::success() : built.takeError();
  }

  if (op == "ReduceMean" || op == "ReduceSum" || op == "ReduceMax") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    // Axes moved from an attribute to an input: ReduceSum at 13, the others
    // at 18.
    int64_t axesInputOpset = op == "ReduceSum" ? 13 : 18;
    SmallVector<int64_t> axes;
    if (opset >= axesInputOpset) {
      if (findAttribute(node, "axes"))
        return nodeError(node, "attribute 'axes' is not allowed at this "
                               "opset; axes are an input");
      auto valueOr = optionalInput(node, 1);
      if (!valueOr)
        return valueOr.takeError();
      if (*valueOr) {
        auto c = constantInput(node, 1, "axes");
        if (!c)
          return c.takeError();
        axes = *c;
      }
    } else {
      if (node.input_size() > 1)
        return nodeError(node, "axes must be an attribute before opset " +
                                   std::to_string(axesInputOpset));
      auto a = intsAttr(node, "axes");
      if (!a)
        return a.takeError();
      if (*a)
        axes = **a;
    }
    auto keepdims = intAttr(node, "keepdims", 1);
    if (!keepdims)
      return keepdims.takeError();
    auto noop = intAttr(node, "noop_with_empty_axes", 0);
    if (!noop)
      return noop.takeError();
    SmallVector<NamedAttribute> attrs = {
        namedInts("axes", axes), namedBool("keepdims", *keepdims != 0),
        namedBool("noop_with_empty_axes", *noop != 0)};
    Expected<Operation *> built =
        op == "ReduceMean"  ? build<tfm::ReduceMeanOp>(node, {*v}, attrs)
        : op == "ReduceSum" ? build<tfm::ReduceSumOp>(node, {*v}, attrs)
                            : build<tfm::ReduceMaxOp>(node, {*v}, attrs);
    return built ? Error::success() : built.takeError();
  }

  if (op == "CumSum") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    auto axis = constantInput(node, 1, "axis");
    if (!axis)
      return axis.takeError();
    if (axis->size() != 1)
      return nodeError(node, "axis must be a scalar");
    auto exclusive = intAttr(node, "exclusive", 0);
    auto reverse = intAttr(node, "reverse", 0);
    if (!exclusive)
      return exclusive.takeError();
    if (!reverse)
      return reverse.takeError();
    auto built = build<tfm::CumSumOp>(node, {*v},
                                      {namedInt("axis", (*axis)[0]),
                                       namedBool("exclusive", *exclusive != 0),
                                       namedBool("reverse", *reverse != 0)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Softmax") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    auto axis = intAttr(node, "axis", opset < 13 ? 1 : -1);
    if (!axis)
      return axis.takeError();
    if (opset < 13) {
      // Before opset 13 Softmax flattens the input to 2-D around `axis`; that
      // is the per-axis softmax only when `axis` is the last dimension.
      int64_t rank = cast<RankedTensorType>(v->getType()).getRank();
      auto normalized = tfm::normalizeAxis(*axis, rank);
      if (normalized && *normalized != rank - 1)
        return nodeError(node, "Softmax before opset 13 over axis " +
                                   std::to_string(*axis) + " of a rank-" +
                                   std::to_string(rank) +
                                   " input (2-D coercion of the trailing "
                                   "dimensions) is not supported; only the "
                                   "last axis is");
    }
    auto built = build<tfm::SoftmaxOp>(node, {*v}, {namedInt("axis", *axis)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "LayerNormalization") {
    auto x = input(node, 0);
    auto scale = input(node, 1);
    auto bias = optionalInput(node, 2);
    if (!x)
      return x.takeError();
    if (!scale)
      return scale.takeError();
    if (!bias)
      return bias.takeError();
    auto axis = intAttr(node, "axis", -1);
    auto epsilon = floatAttr(node, "epsilon", 1e-5f);
    auto stash = intAttr(node, "stash_type", 1);
    if (!axis)
      return axis.takeError();
    if (!epsilon)
      return epsilon.takeError();
    if (!stash)
      return stash.takeError();
    SmallVector<Value> operands = {*x, *scale};
    if (*bias)
      operands.push_back(*bias);
    auto built = build<tfm::LayerNormalizationOp>(
        node, operands,
        {namedInt("axis", *axis),
         builder.getNamedAttr("epsilon", builder.getF32FloatAttr(*epsilon))});
    if (!built)
      return built.takeError();
    // The optional Mean and InvStdDev outputs: the statistics over the
    // normalised axes (kept as unit dims), recomputed from tfm ops.
    auto used = [&](int i) {
      return node.output_size() > i && !node.output(i).empty() &&
             consumed.contains(node.output(i));
    };
    bool wantMean = used(1), wantInvStdDev = used(2);
    if (!wantMean && !wantInvStdDev)
      return Error::success();
    auto type = cast<RankedTensorType>(x->getType());
    int64_t first = *tfm::normalizeAxis(*axis, type.getRank());
    SmallVector<int64_t> axes;
    for (int64_t i = first; i < type.getRank(); ++i)
      axes.push_back(i);
    SmallVector<NamedAttribute> reduce = {
        namedInts("axes", axes), namedBool("keepdims", true),
        namedBool("noop_with_empty_axes", false)};
    auto unary = [&](auto tag, Value operand) -> Expected<Value> {
      auto op = build<decltype(tag)>(node, {operand}, {}, false);
      if (!op)
        return op.takeError();
      return (*op)->getResult(0);
    };
    auto binary = [&](auto tag, Value lhs, Value rhs) -> Expected<Value> {
      auto op = build<decltype(tag)>(node, {lhs, rhs}, {}, false);
      if (!op)
        return op.takeError();
      return (*op)->getResult(0);
    };
    auto mean = build<tfm::ReduceMeanOp>(node, {*x}, reduce, false);
    if (!mean)
      return mean.takeError();
    Value meanValue = (*mean)->getResult(0);
    if (wantMean)
      if (Error e = bind(node, node.output(1), meanValue))
        return e;
    if (!wantInvStdDev)
      return Error::success();
    auto centered = binary(tfm::SubOp(), *x, meanValue);
    if (!centered)
      return centered.takeError();
    auto squared = binary(tfm::MulOp(), *centered, *centered);
    if (!squared)
      return squared.takeError();
    auto variance = build<tfm::ReduceMeanOp>(node, {*squared}, reduce, false);
    if (!variance)
      return variance.takeError();
    auto scalarType = RankedTensorType::get({}, type.getElementType());
    Value epsilonValue = tfm::ConstantOp::create(
        builder, loc,
        DenseElementsAttr::get(scalarType,
                               ArrayRef<Attribute>{builder.getFloatAttr(
                                   type.getElementType(), *epsilon)}));
    auto shifted =
        binary(tfm::AddOp(), (*variance)->getResult(0), epsilonValue);
    if (!shifted)
      return shifted.takeError();
    auto root = unary(tfm::SqrtOp(), *shifted);
    if (!root)
      return root.takeError();
    auto inverse = unary(tfm::ReciprocalOp(), *root);
    if (!inverse)
      return inverse.takeError();
    return bind(node, node.output(2), *inverse);
  }

  if (op == "Gemm") {
    auto a = input(node, 0);
    auto b = input(node, 1);
    auto c = optionalInput(node, 2);
    if (!a)
      return a.takeError();
    if (!b)
      return b.takeError();
    if (!c)
      return c.takeError();
    auto alpha = floatAttr(node, "alpha", 1.0f);
    auto beta = floatAttr(node, "beta", 1.0f);
    auto transA = intAttr(node, "transA", 0);
    auto transB = intAttr(node, "transB", 0);
    if (!alpha)
      return alpha.takeError();
    if (!beta)
      return beta.takeError();
    if (!transA)
      return transA.takeError();
    if (!transB)
      return transB.takeError();
    SmallVector<Value> operands = {*a, *b};
    if (*c)
      operands.push_back(*c);
    auto built = build<tfm::GemmOp>(
        node, operands,
        {builder.getNamedAttr("alpha", builder.getF32FloatAttr(*alpha)),
         builder.getNamedAttr("beta", builder.getF32FloatAttr(*beta)),
         namedBool("transA", *transA != 0), namedBool("transB", *transB != 0)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Shape") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    auto start = intAttr(node, "start", 0);
    if (!start)
      return start.takeError();
    SmallVector<NamedAttribute> attrs = {namedInt("start", *start)};
    if (findAttribute(node, "end")) {
      auto end = intAttr(node, "end", std::nullopt);
      if (!end)
        return end.takeError();
      attrs.push_back(namedInt("end", *end));
    }
    auto built = build<tfm::ShapeOp>(node, {*v}, attrs);
    return built ? Error::success() : built.takeError();
  }

  if (op == "Reshape") {
    auto v = input(node, 0);
    auto shape = input(node, 1);
    if (!v)
      return v.takeError();
    if (!shape)
      return shape.takeError();
    auto allowzero = intAttr(node, "allowzero", 0);
    if (!allowzero)
      return allowzero.takeError();
    auto built = build<tfm::ReshapeOp>(node, {*v, *shape},
                                       {namedBool("allowzero", *allowzero)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Transpose") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    auto perm = intsAttr(node, "perm");
    if (!perm)
      return perm.takeError();
    SmallVector<int64_t> permutation;
    if (*perm) {
      permutation = **perm;
    } else {
      int64_t rank = cast<RankedTensorType>(v->getType()).getRank();
      for (int64_t i = rank - 1; i >= 0; --i)
        permutation.push_back(i);
    }
    auto built =
        build<tfm::TransposeOp>(node, {*v}, {namedInts("perm", permutation)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Squeeze" || op == "Unsqueeze") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    SmallVector<int64_t> axes;
    if (opset >= 13) {
      if (findAttribute(node, "axes"))
        return nodeError(node, "attribute 'axes' is not allowed from opset "
                               "13 on; axes are an input");
      auto present = optionalInput(node, 1);
      if (!present)
        return present.takeError();
      if (*present) {
        auto c = constantInput(node, 1, "axes");
        if (!c)
          return c.takeError();
        axes = *c;
      }
    } else {
      if (node.input_size() > 1)
        return nodeError(node, "axes must be an attribute before opset 13");
      auto a = intsAttr(node, "axes");
      if (!a)
        return a.takeError();
      if (*a)
        axes = **a;
    }
    if (op == "Unsqueeze" && axes.empty())
      return nodeError(node, "Unsqueeze needs axes");
    auto built =
        op == "Squeeze"
            ? build<tfm::SqueezeOp>(node, {*v}, {namedInts("axes", axes)})
            : build<tfm::UnsqueezeOp>(node, {*v}, {namedInts("axes", axes)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Flatten") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    auto axis = intAttr(node, "axis", 1);
    if (!axis)
      return axis.takeError();
    auto built = build<tfm::FlattenOp>(node, {*v}, {namedInt("axis", *axis)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Concat") {
    SmallVector<Value> operands;
    for (int i = 0; i < node.input_size(); ++i) {
      auto v = input(node, i);
      if (!v)
        return v.takeError();
      operands.push_back(*v);
    }
    auto axis = intAttr(node, "axis", std::nullopt);
    if (!axis)
      return axis.takeError();
    auto built =
        build<tfm::ConcatOp>(node, operands, {namedInt("axis", *axis)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Split") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    auto axisOr = intAttr(node, "axis", 0);
    if (!axisOr)
      return axisOr.takeError();
    auto type = cast<RankedTensorType>(v->getType());
    auto axis = tfm::normalizeAxis(*axisOr, type.getRank());
    if (!axis)
      return nodeError(node,
                       "axis " + std::to_string(*axisOr) + " is out of range");
    SmallVector<int64_t> split;
    if (opset < 18 && findAttribute(node, "num_outputs"))
      return nodeError(node, "attribute 'num_outputs' needs opset 18");
    if (opset >= 13) {
      if (findAttribute(node, "split"))
        return nodeError(node, "attribute 'split' is not allowed from opset "
                               "13 on; split sizes are an input");
      auto present = optionalInput(node, 1);
      if (!present)
        return present.takeError();
      if (*present) {
        if (findAttribute(node, "num_outputs"))
          return nodeError(node, "give either the 'split' input or the "
                                 "'num_outputs' attribute, not both");
        auto c = constantInput(node, 1, "split");
        if (!c)
          return c.takeError();
        split = *c;
      }
    } else {
      if (node.input_size() > 1)
        return nodeError(node, "split sizes must be an attribute before "
                               "opset 13");
      auto a = intsAttr(node, "split");
      if (!a)
        return a.takeError();
      if (*a)
        split = **a;
    }
    if (split.empty()) {
      int64_t pieces = node.output_size();
      if (opset >= 18) {
        auto n = intAttr(node, "num_outputs", std::nullopt);
        if (!n)
          return n.takeError();
        pieces = *n;
      }
      int64_t dim = type.getDimSize(*axis);
      if (dim == ShapedType::kDynamic)
        return nodeError(node, "splitting a dynamic dimension needs explicit "
                               "split sizes");
      if (pieces <= 0 || pieces > dim)
        return nodeError(node, "cannot split " + std::to_string(dim) +
                                   " into " + std::to_string(pieces));
      // Opset 18: chunks of ceil(dim / pieces), the last one smaller; earlier
      // opsets require an even split.
      int64_t chunk = (dim + pieces - 1) / pieces;
      if (opset < 18 && dim % pieces != 0)
        return nodeError(node, "dimension " + std::to_string(dim) +
                                   " does not split evenly into " +
                                   std::to_string(pieces));
      if (dim - chunk * (pieces - 1) < 0)
        return nodeError(node, llvm::formatv("cannot split {0} into {1} "
                                             "chunks of {2}",
                                             dim, pieces, chunk)
                                   .str());
      for (int64_t i = 0, left = dim; i < pieces; ++i, left -= chunk)
        split.push_back(std::min(chunk, left));
    }
    if ((int64_t)split.size() != node.output_size())
      return nodeError(node, llvm::formatv("{0} split sizes for {1} outputs",
                                           split.size(), node.output_size())
                                 .str());
    auto built = build<tfm::SplitOp>(
        node, {*v}, {namedInt("axis", *axisOr), namedInts("split", split)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Slice") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    int64_t rank = cast<RankedTensorType>(v->getType()).getRank();
    Value starts, ends, axes, steps;
    if (opset < 10) {
      if (node.input_size() > 1)
        return nodeError(node, "starts, ends and axes must be attributes "
                               "before opset 10");
      auto s = intsAttr(node, "starts");
      auto e = intsAttr(node, "ends");
      auto a = intsAttr(node, "axes");
      if (!s)
        return s.takeError();
      if (!e)
        return e.takeError();
      if (!a)
        return a.takeError();
      if (!*s || !*e)
        return nodeError(node, "needs starts and ends");
      starts = constantI64(**s, loc);
      ends = constantI64(**e, loc);
      if (*a)
        axes = constantI64(**a, loc);
    } else {
      for (StringRef name : {"starts", "ends", "axes"})
        if (findAttribute(node, name))
          return nodeError(node, "attribute '" + name +
                                     "' is not allowed from opset 10 on; it "
                                     "is an input");
      auto s = input(node, 1);
      auto e = input(node, 2);
      auto a = optionalInput(node, 3);
      auto st = optionalInput(node, 4);
      if (!s)
        return s.takeError();
      if (!e)
        return e.takeError();
      if (!a)
        return a.takeError();
      // Starts, ends and steps may be run-time values; the axes decide which
      // dimensions change and must be known.
      if (*a)
        if (auto known = constantInput(node, 3, "axes"); !known)
          return known.takeError();
      if (!st)
        return st.takeError();
      starts = *s;
      ends = *e;
      axes = *a;
      steps = *st;
    }
    auto lengthOf = [](Value x) {
      auto t = cast<RankedTensorType>(x.getType());
      return t.getRank() == 1 ? t.getDimSize(0) : ShapedType::kDynamic;
    };
    int64_t n = lengthOf(starts);
    if (n == ShapedType::kDynamic)
      return nodeError(node, "starts must be 1-D with a static length");
    if (!axes) {
      SmallVector<int64_t> all;
      for (int64_t i = 0; i < n; ++i)
        all.push_back(i);
      if (n > rank)
        return nodeError(node, "more starts than input dimensions");
      axes = constantI64(all, loc);
    }
    if (!steps)
      steps = constantI64(SmallVector<int64_t>(n, 1), loc);
    auto built = build<tfm::SliceOp>(node, {*v, starts, ends, axes, steps});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Expand") {
    auto v = input(node, 0);
    auto shape = input(node, 1);
    if (!v)
      return v.takeError();
    if (!shape)
      return shape.takeError();
    auto built = build<tfm::ExpandOp>(node, {*v, *shape});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Range")
    return simple(tfm::RangeOp(), 3);

  if (op == "Trilu") {
    auto v = input(node, 0);
    if (!v)
      return v.takeError();
    int64_t k = 0;
    auto present = optionalInput(node, 1);
    if (!present)
      return present.takeError();
    if (*present) {
      auto c = constantInput(node, 1, "k");
      if (!c)
        return c.takeError();
      if (c->size() != 1)
        return nodeError(node, "k must be a scalar");
      k = (*c)[0];
    }
    auto upper = intAttr(node, "upper", 1);
    if (!upper)
      return upper.takeError();
    auto built = build<tfm::TriluOp>(
        node, {*v}, {namedInt("k", k), namedBool("upper", *upper != 0)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "Gather") {
    auto data = input(node, 0);
    auto indices = input(node, 1);
    if (!data)
      return data.takeError();
    if (!indices)
      return indices.takeError();
    auto axis = intAttr(node, "axis", 0);
    if (!axis)
      return axis.takeError();
    auto built = build<tfm::GatherOp>(node, {*data, *indices},
                                      {namedInt("axis", *axis)});
    return built ? Error::success() : built.takeError();
  }

  if (op == "GatherND") {
    auto data = input(node, 0);
    auto indices = input(node, 1);
    if (!data)
      return data.takeError();
    if (!indices)
      return indices.takeError();
    auto batchDims = intAttr(node, "batch_dims", 0);
    if (!batchDims)
      return batchDims.takeError();
    auto built = build<tfm::GatherNDOp>(node, {*data, *indices},
                                        {namedInt("batch_dims", *batchDims)});
    return built ? Error::success() : built.takeError();
  }

  return nodeError(node, "unsupported operator '" + node.op_type() + "'");
}

//===----------------------------------------------------------------------===//
// Graph
//===----------------------------------------------------------------------===//

Error Importer::checkModel() {
  if (!model.has_graph())
    return fileError("not an ONNX model (no graph)");
  bool haveDefault = false;
  for (const auto &entry : model.opset_import()) {
    if (entry.domain().empty() || entry.domain() == "ai.onnx") {
      opset = entry.version();
      haveDefault = true;
    }
  }
  if (!haveDefault) {
    if (model.ir_version() >= 3)
      return fileError("the model imports no default-domain opset");
    opset = 1;
  }
  if (opset < kMinOpset)
    return fileError("opset " + std::to_string(opset) +
                     " is older than the oldest supported (" +
                     std::to_string(kMinOpset) + ")");
  if (model.functions_size() > 0)
    return fileError("model-local functions are not supported");
  return Error::success();
}

Error Importer::importInitializers() {
  for (const auto &tensor : model.graph().initializer()) {
    std::string what = "initializer '" + tensor.name() + "'";
    if (tensor.name().empty())
      return fileError("an initializer has no name");
    auto attr = tensorAttr(tensor, what);
    if (!attr)
      return attr.takeError();
    Location loc = NameLoc::get(builder.getStringAttr(tensor.name()),
                                FileLineColLoc::get(&context, fileName, 0, 0));
    Value value = tfm::ConstantOp::create(builder, loc, *attr);
    if (!values.insert({tensor.name(), value}).second)
      return fileError(what + " is defined twice");
  }
  for (const auto &tensor : model.graph().sparse_initializer())
    return fileError("sparse initializer '" + tensor.values().name() +
                     "' is not supported");
  return Error::success();
}

Expected<OwningOpRef<ModuleOp>>
Importer::run(std::optional<StringRef> contents) {
  fileName = llvm::sys::path::filename(path).str();
  SmallString<256> dir(path);
  llvm::sys::path::remove_filename(dir);
  modelDir = dir.empty() ? "." : dir.str().str();

  std::unique_ptr<llvm::MemoryBuffer> file;
  if (!contents) {
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer)
      return fileError("cannot read: " + buffer.getError().message());
    file = std::move(*buffer);
    contents = file->getBuffer();
  }
  if (contents->size() > (size_t)INT32_MAX)
    return fileError("larger than 2 GiB; store the weights as ONNX external "
                     "data");
  if (!model.ParseFromArray(contents->data(), (int)contents->size()))
    return fileError("not a valid ONNX model (protobuf parse failed: the file "
                     "is malformed or truncated)");
  file.reset();
  contents.reset();
  if (Error e = checkModel())
    return std::move(e);

  context.loadDialect<tfm::TfmDialect, func::FuncDialect>();
  const onnx::GraphProto &graph = model.graph();

  for (const auto &info : graph.value_info())
    valueInfo[info.name()] = &info.type();
  for (const auto &info : graph.output())
    valueInfo[info.name()] = &info.type();
  for (const auto &node : graph.node())
    for (const std::string &name : node.input())
      consumed.insert(name);
  for (const auto &info : graph.output())
    consumed.insert(info.name());

  Location moduleLoc = FileLineColLoc::get(&context, fileName, 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(moduleLoc);
  std::string modelName = llvm::sys::path::stem(fileName).str();
  module->getOperation()->setAttr("tfm.model_name",
                                  builder.getStringAttr(modelName));
  module->getOperation()->setAttr("tfm.opset",
                                  builder.getI64IntegerAttr(opset));
  std::string producer =
      StringRef(model.producer_name() + " " + model.producer_version())
          .trim()
          .str();
  if (!producer.empty())
    module->getOperation()->setAttr("tfm.producer",
                                    builder.getStringAttr(producer));

  // Graph inputs that are not initializers are the function's arguments.
  llvm::StringSet<> initializerNames;
  for (const auto &tensor : graph.initializer())
    initializerNames.insert(tensor.name());
  SmallVector<Type> argumentTypes;
  SmallVector<std::string> argumentNames;
  llvm::StringSet<> seenInputs;
  for (const auto &info : graph.input()) {
    if (initializerNames.contains(info.name()))
      continue;
    if (!seenInputs.insert(info.name()).second)
      return fileError("graph input '" + info.name() + "' is listed twice");
    auto type = tensorType(info.type(), "graph input '" + info.name() + "'");
    if (!type)
      return type.takeError();
    RankedTensorType inputType = *type;
    auto fixed = options.staticInputShapes.find(info.name());
    if (fixed != options.staticInputShapes.end()) {
      ArrayRef<int64_t> dims = fixed->second;
      if ((int64_t)dims.size() != inputType.getRank())
        return fileError("--static-shape gives " + std::to_string(dims.size()) +
                         " dimensions for input '" + info.name() +
                         "' of rank " + std::to_string(inputType.getRank()));
      for (auto [i, d] : llvm::enumerate(dims))
        if (!inputType.isDynamicDim(i) && inputType.getDimSize(i) != d)
          return fileError(llvm::formatv("--static-shape gives dimension {0} "
                                         "of input '{1}' as {2}, the model "
                                         "fixes it to {3}",
                                         i, info.name(), d,
                                         inputType.getDimSize(i))
                               .str());
      inputType = inputType.clone(dims);
    }
    argumentTypes.push_back(inputType);
    argumentNames.push_back(info.name());
  }
  for (const auto &entry : options.staticInputShapes)
    if (!llvm::is_contained(argumentNames, entry.getKey().str()))
      return fileError("--static-shape names '" + entry.getKey().str() +
                       "', which is not a graph input");

  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, moduleLoc, "main",
                                   builder.getFunctionType(argumentTypes, {}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  for (auto [i, name] : llvm::enumerate(argumentNames)) {
    func.setArgAttr(i, "tfm.name", builder.getStringAttr(name));
    values[name] = body->getArgument(i);
  }

  if (Error e = importInitializers())
    return std::move(e);

  nodeIndex = 0;
  for (const auto &node : graph.node()) {
    if (Error e = importNode(node))
      return std::move(e);
    if (Error e = checkOutputsDefined(node))
      return std::move(e);
    ++nodeIndex;
  }

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  if (graph.output_size() == 0)
    return fileError("the graph has no outputs");
  for (const auto &info : graph.output()) {
    auto it = values.find(info.name());
    if (it == values.end())
      return fileError("graph output '" + info.name() +
                       "' is not produced by any node");
    results.push_back(it->second);
    resultTypes.push_back(it->second.getType());
  }
  func::ReturnOp::create(builder, moduleLoc, results);
  func.setFunctionType(builder.getFunctionType(argumentTypes, resultTypes));
  for (auto [i, info] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "tfm.name", builder.getStringAttr(info.name()));

  std::string diagnostics;
  {
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
      diagnostics += diagnostic.str();
      return success();
    });
    if (failed(verify(*module)))
      return fileError("the imported module does not verify: " + diagnostics);
  }
  return module;
}

} // namespace

Expected<OwningOpRef<ModuleOp>>
importOnnxModel(MLIRContext &context, StringRef path,
                const OnnxImportOptions &options) {
  Importer importer(context, path, options);
  return importer.run();
}

Expected<OwningOpRef<ModuleOp>>
importOnnxModelFromBuffer(MLIRContext &context, StringRef contents,
                          StringRef path, const OnnxImportOptions &options) {
  Importer importer(context, path, options);
  return importer.run(contents);
}

Error parseStaticShapes(StringRef spec,
                        llvm::StringMap<SmallVector<int64_t>> &shapes) {
  SmallVector<StringRef> entries;
  spec.split(entries, ',', -1, /*KeepEmpty=*/false);
  for (StringRef entry : entries) {
    auto [name, dims] = entry.rsplit(':');
    if (name.empty() || dims.empty() || name == entry)
      return makeError("--static-shape entry '" + entry +
                       "' is not of the form name:DIMxDIM...");
    SmallVector<StringRef> parts;
    dims.split(parts, 'x');
    SmallVector<int64_t> values;
    for (StringRef part : parts) {
      int64_t value;
      if (part.getAsInteger(10, value) || value < 0 || value > kMaxElements)
        return makeError("--static-shape entry '" + entry + "': '" + part +
                         "' is not a valid dimension");
      values.push_back(value);
    }
    if (!shapes.insert({name, values}).second)
      return makeError("--static-shape gives input '" + name + "' twice");
  }
  return Error::success();
}

} // namespace sinkc
