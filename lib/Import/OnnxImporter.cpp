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
#include "sinkc/Support/Error.h"
#include "sinkc/Support/FileMapping.h"
#include "sinkrt/Limits.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/Sequence.h"
#include "llvm/ADT/SmallVectorExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"
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
constexpr int64_t kMaxElements = sinkrt::kMaxTensorElements;
/// The oldest default-domain opset whose operator semantics we implement.
constexpr int64_t kMinOpset = 7;

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

// The element types of kDataTypes.
template <typename FloatT> Type getFloatType(MLIRContext *context) {
  return FloatT::get(context);
}
template <unsigned Width> Type getIntegerType(MLIRContext *context) {
  return IntegerType::get(context, Width);
}

/// The ONNX data types that sinkc supports and their element types, in the
/// order messages list them. In raw data an element takes the bytes of its
/// type's bit width (BOOL: one).
constexpr std::pair<onnx::TensorProto::DataType, Type (*)(MLIRContext *)>
    kDataTypes[] = {
        {onnx::TensorProto::FLOAT, getFloatType<Float32Type>},
        {onnx::TensorProto::DOUBLE, getFloatType<Float64Type>},
        {onnx::TensorProto::FLOAT16, getFloatType<Float16Type>},
        {onnx::TensorProto::BFLOAT16, getFloatType<BFloat16Type>},
        {onnx::TensorProto::INT64, getIntegerType<64>},
        {onnx::TensorProto::INT32, getIntegerType<32>},
        {onnx::TensorProto::INT16, getIntegerType<16>},
        {onnx::TensorProto::INT8, getIntegerType<8>},
        {onnx::TensorProto::BOOL, getIntegerType<1>},
};

/// Byte size of one element of `type` (one of kDataTypes) in raw data.
int64_t rawElementSize(Type type) {
  return llvm::divideCeil(type.getIntOrFloatBitWidth(), 8);
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

/// Where an operand that ONNX moved from an attribute to an input is read
/// from: the attribute (the older opsets) or input #1 (the newer ones). The
/// operator table picks the form per opset range.
enum class OperandForm { Attribute, Input };

/// An operand that ONNX moved from an attribute to input #1: the opset that
/// moved it, and the errors for a node written in the other form.
struct OperandMove {
  int64_t opset;
  /// The error when a node of an earlier opset passes the operand as an
  /// input.
  const char *inputNotYet;
  /// Completes "attribute 'NAME' is not allowed " when a node of this opset
  /// or a later one passes the operand as an attribute.
  const char *attributeNoLonger;
};
constexpr OperandMove kSliceBoundsMovedAt10{
    10, "starts, ends and axes must be attributes before opset 10",
    "from opset 10 on; it is an input"};
constexpr OperandMove kAxesMovedAt13{
    13, "axes must be an attribute before opset 13",
    "from opset 13 on; axes are an input"};
constexpr OperandMove kSplitMovedAt13{
    13, "split sizes must be an attribute before opset 13",
    "from opset 13 on; split sizes are an input"};
constexpr OperandMove kAxesMovedAt18{
    18, "axes must be an attribute before opset 18",
    "from opset 18 on; axes are an input"};

/// An INT attribute that an op takes over as it is; without a default value
/// it is required.
struct IntAttribute {
  const char *name;
  std::optional<int64_t> defaultValue;
};
constexpr IntAttribute kAxisRequired{"axis", std::nullopt};
constexpr IntAttribute kAxis0{"axis", 0};
constexpr IntAttribute kAxis1{"axis", 1};
constexpr IntAttribute kAxisLast{"axis", -1};
constexpr IntAttribute kBatchDims0{"batch_dims", 0};

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
  /// The error for an op that the tfm dialect refuses because it computes
  /// on bf16, which is a storage type only; success otherwise.
  Error rejectBFloat16Arithmetic(const onnx::NodeProto &node,
                                 ValueRange operands) const {
    for (Value operand : operands)
      if (auto type = dyn_cast<ShapedType>(operand.getType());
          type && type.getElementType().isBF16())
        return nodeError(
            node, "computes in bfloat16, which sinkc does not support: "
                  "bfloat16 tensors may be stored, cast, moved, compared and "
                  "selected, and arithmetic runs in float32 (Cast them to "
                  "FLOAT first, as exports of bfloat16 checkpoints do)");
    return Error::success();
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
  /// The tensor's bytes inside the mapping of its data file (each data
  /// file is mapped once, whole).
  struct MappedBytes {
    std::shared_ptr<FileMapping> mapping;
    ArrayRef<char> bytes;
  };
  Expected<MappedBytes> readExternalData(const onnx::TensorProto &tensor,
                                         int64_t byteSize,
                                         const llvm::Twine &what);
  /// `mapping`, when given, holds `bytes` (external data): a large float
  /// tensor then stays in the file instead of being copied.
  Expected<ElementsAttr>
  elementsFromBytes(RankedTensorType type, StringRef name, ArrayRef<char> bytes,
                    std::shared_ptr<FileMapping> mapping);

  //===--------------------------------------------------------------------===//
  // Graph
  //===--------------------------------------------------------------------===//

  Error checkModel();
  Error importInitializers();
  Error importNode(const onnx::NodeProto &node);
  Error checkOutputsDefined(const onnx::NodeProto &node);

  //===--------------------------------------------------------------------===//
  // The operator table
  //===--------------------------------------------------------------------===//

  /// Imports one node. `inputs` holds one value per input up to the last
  /// present one; absent optional inputs are null. The dispatcher has checked
  /// the input count and the attribute names against the table entry.
  using Handler = Error (Importer::*)(const onnx::NodeProto &node,
                                      ArrayRef<Value> inputs);

  /// OpImporter::maxInputs of an operator without an upper bound.
  static constexpr int kVariadic = -1;
  static constexpr const char *kAnyAttribute = "*";

  /// What the importer accepts of one ONNX operator over a range of opsets,
  /// and the handler that imports it. Each (operator, opset) has exactly one
  /// entry; an operator whose form changed between opsets (an attribute that
  /// became an input) has one entry per form. Anything a node carries beyond
  /// its entry is an error rather than silently ignored.
  struct OpImporter {
    const char *opType;
    int minInputs;
    int maxInputs; // kVariadic: no upper bound
    Handler handler;
    /// Attribute names; {kAnyAttribute}: the handler checks them itself.
    const char *attributes[5] = {};
    /// The entry covers the opsets from this one to the next entry of the
    /// operator (or all later ones).
    int64_t sinceOpset = kMinOpset;
    /// For an operator with an attribute form and an input form: the move
    /// between them.
    const OperandMove *moved = nullptr;

    /// For the attribute form: the error when a node passes the operand as
    /// an input, as a later form does.
    constexpr const char *inputNotYet() const {
      return moved && sinceOpset < moved->opset ? moved->inputNotYet : nullptr;
    }
    /// For an input form: completes "attribute 'NAME' is not allowed " when
    /// a node passes the operand as an attribute, as an earlier form does.
    constexpr const char *attributeNoLonger() const {
      return moved && sinceOpset >= moved->opset ? moved->attributeNoLonger
                                                 : nullptr;
    }
  };
  static const OpImporter kOps[];
  /// Whether kOps is sorted by operator name, each operator's entries are in
  /// opset order from kMinOpset or later, and an attribute form ends where
  /// its operand moved (checked at compile time).
  static constexpr bool opTableIsWellFormed();

  /// The entry for the node's operator at the model's opset; an error when
  /// there is none or when the node does not fit it.
  Expected<const OpImporter *> findEntry(const onnx::NodeProto &node);
  Error checkInputCount(const onnx::NodeProto &node, const OpImporter &entry,
                        int inputs);
  Error checkAttributes(const onnx::NodeProto &node, const OpImporter &entry);
  /// The values of the first `count` inputs; the first `required` of them
  /// must be present, the others are null when absent.
  Expected<SmallVector<Value>> collectInputs(const onnx::NodeProto &node,
                                             int count, int required);

  //===--------------------------------------------------------------------===//
  // Handlers (one per operator or family)
  //===--------------------------------------------------------------------===//

  template <typename OpTy>
  Error importOperands(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  template <typename OpTy>
  Error importFold(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  template <typename OpTy, const IntAttribute &Attribute>
  Error importIntAttribute(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  template <typename OpTy, OperandForm Form>
  Error importReduce(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  template <typename OpTy, OperandForm Form>
  Error importSqueeze(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  template <OperandForm Form, bool NumOutputs>
  Error importSplit(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error importConstant(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error importConstantOfShape(const onnx::NodeProto &node,
                              ArrayRef<Value> inputs);
  Error importCast(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error importGelu(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error importCumSum(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error importSoftmaxCoerced(const onnx::NodeProto &node,
                             ArrayRef<Value> inputs);
  Error importLayerNormalization(const onnx::NodeProto &node,
                                 ArrayRef<Value> inputs);
  Error importGemm(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error importShape(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error importReshape(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error importTranspose(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error importSliceAttributes(const onnx::NodeProto &node,
                              ArrayRef<Value> inputs);
  Error importSliceInputs(const onnx::NodeProto &node, ArrayRef<Value> inputs);
  Error buildSlice(const onnx::NodeProto &node, Value data, Value starts,
                   Value ends, Value axes, Value steps);
  Error importTrilu(const onnx::NodeProto &node, ArrayRef<Value> inputs);

  //===--------------------------------------------------------------------===//
  // Node helpers
  //===--------------------------------------------------------------------===//

  Location nodeLoc(const onnx::NodeProto &node) {
    return nameLoc(nodeName(node));
  }
  /// The location of everything the importer creates: the node's (or the
  /// initializer's) name in the model file.
  Location nameLoc(StringRef name) {
    return NameLoc::get(builder.getStringAttr(name),
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

  /// Reads a node's attributes into variables, one call per attribute; the
  /// first error stops the reading and is the result of takeError(), so a
  /// handler checks once for all its attributes.
  class AttributeReader {
  public:
    AttributeReader(Importer &importer, const onnx::NodeProto &node)
        : importer(importer), node(node) {}
    AttributeReader &get(StringRef name, int64_t &out,
                         std::optional<int64_t> defaultValue) {
      if (!error)
        store(importer.intAttr(node, name, defaultValue), out);
      return *this;
    }
    /// An INT attribute used as a flag: nonzero is true.
    AttributeReader &get(StringRef name, bool &out, bool defaultValue) {
      int64_t value = 0;
      if (!error && store(importer.intAttr(node, name, defaultValue), value))
        out = value != 0;
      return *this;
    }
    AttributeReader &get(StringRef name, float &out, float defaultValue) {
      if (!error)
        store(importer.floatAttr(node, name, defaultValue), out);
      return *this;
    }
    AttributeReader &get(StringRef name, std::string &out,
                         StringRef defaultValue) {
      if (!error)
        store(importer.stringAttr(node, name, defaultValue), out);
      return *this;
    }
    AttributeReader &get(StringRef name,
                         std::optional<SmallVector<int64_t>> &out) {
      if (!error)
        store(importer.intsAttr(node, name), out);
      return *this;
    }
    /// The integer list `name` that ONNX moved to input #1 (`inputs[1]`),
    /// read from where `form` says; empty when absent.
    AttributeReader &getMoved(StringRef name, OperandForm form,
                              ArrayRef<Value> inputs,
                              SmallVector<int64_t> &out) {
      if (!error)
        store(importer.movedInts(node, inputs, form, name), out);
      return *this;
    }
    Error takeError() { return error ? std::move(*error) : Error::success(); }

  private:
    template <typename T, typename U> bool store(Expected<T> value, U &out) {
      if (!value) {
        error.emplace(value.takeError());
        return false;
      }
      out = std::move(*value);
      return true;
    }
    Importer &importer;
    const onnx::NodeProto &node;
    std::optional<Error> error;
  };
  AttributeReader attributes(const onnx::NodeProto &node) {
    return AttributeReader(*this, node);
  }

  /// The value of input `index`; an error if it is absent.
  Expected<Value> input(const onnx::NodeProto &node, int index);
  /// The value of an optional input; null if it is absent or empty.
  Expected<Value> optionalInput(const onnx::NodeProto &node, int index);
  /// The elements of an input that must be known at compile time.
  Expected<SmallVector<int64_t>> constantInput(const onnx::NodeProto &node,
                                               Value value, StringRef what);
  /// The integer list `name` that ONNX moved from an attribute to input #1,
  /// read from where `form` says; empty when absent.
  Expected<SmallVector<int64_t>> movedInts(const onnx::NodeProto &node,
                                           ArrayRef<Value> inputs,
                                           OperandForm form, StringRef name);
  Value constantI64(ArrayRef<int64_t> values, Location loc);
  NamedAttribute namedInt(StringRef name, int64_t value) {
    return builder.getNamedAttr(name, builder.getI64IntegerAttr(value));
  }
  NamedAttribute namedBool(StringRef name, bool value) {
    return builder.getNamedAttr(name, builder.getBoolAttr(value));
  }
  NamedAttribute namedInts(StringRef name, ArrayRef<int64_t> values) {
    return builder.getNamedAttr(name, builder.getDenseI64ArrayAttr(values));
  }

  /// Creates `OpTy` with inferred result types, refines them with the
  /// exporter's value_info, verifies it and binds the node's outputs.
  template <typename OpTy>
  Expected<Operation *> build(const onnx::NodeProto &node, ValueRange operands,
                              ArrayRef<NamedAttribute> attributes = {},
                              bool bindOutputs = true);
  /// Builds an op that computes an intermediate value of the node (its
  /// outputs are not bound) and returns its result.
  template <typename OpTy>
  Expected<Value> buildValue(const onnx::NodeProto &node, ValueRange operands,
                             ArrayRef<NamedAttribute> attributes = {}) {
    auto op = build<OpTy>(node, operands, attributes, /*bindOutputs=*/false);
    if (!op)
      return op.takeError();
    return (*op)->getResult(0);
  }
  Error refineResultType(const onnx::NodeProto &node, OpResult result,
                         StringRef name);
  Error bind(const onnx::NodeProto &node, StringRef name, Value value);

  MLIRContext &context;
  OpBuilder builder;
  std::string path;
  std::string fileName;
  std::string modelDir;
  /// The mapped external data files, by real path.
  llvm::StringMap<std::shared_ptr<FileMapping>> dataFiles;
  /// Where misaligned external tensors are realigned (created on first use).
  std::unique_ptr<ScratchFile> scratch;
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
  for (auto [supported, get] : kDataTypes)
    if (dataType == supported)
      return get(&context);
  std::string names =
      llvm::join(llvm::map_range(kDataTypes,
                                 [](const auto &entry) {
                                   return onnxTypeName(entry.first);
                                 }),
                 ", ");
  return fileError(what + ": unsupported dtype " + onnxTypeName(dataType) +
                   " (supported: " + names + ")");
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
    return fileError(what + ": shape " + tfm::shapeToString(result.getShape()) +
                     " has more than 2^40 elements");
  return result;
}

Expected<Importer::MappedBytes>
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
  if (llvm::sys::fs::is_directory(realData))
    return fileError(
        what + ": cannot read external data file '" + realData.str() +
        "': " + std::make_error_code(std::errc::is_a_directory).message());
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
  std::shared_ptr<FileMapping> &mapping = dataFiles[realData];
  if (!mapping) {
    auto mapped = FileMapping::map(realData, 0, fileSize);
    if (!mapped)
      return fileError(what + ": " + llvm::toString(mapped.takeError()));
    mapping = std::move(*mapped);
  }
  return MappedBytes{mapping, mapping->bytes().slice(offset, byteSize)};
}

/// Every weight blob is declared with this alignment, whether its bytes came
/// from the model file or from an external-data file, so that the printed IR
/// (which records the alignment of each blob) does not depend on where the
/// weights were stored or on the offsets inside a data file.
constexpr size_t kBlobAlignment = 64;
/// The unit in which misaligned external data is copied.
constexpr uint64_t kCopyChunkBytes = 8 << 20;

Expected<ElementsAttr>
Importer::elementsFromBytes(RankedTensorType type, StringRef name,
                            ArrayRef<char> bytes,
                            std::shared_ptr<FileMapping> mapping) {
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
    if (mapping) {
      // A weight stays where it is: mapped, not copied. (External data
      // written with 64-byte aligned offsets maps aligned.) One that is not
      // aligned is realigned through the scratch file, a chunk at a time.
      if (reinterpret_cast<uintptr_t>(bytes.data()) % kBlobAlignment != 0) {
        if (!scratch) {
          auto created = ScratchFile::create();
          if (!created)
            return fileError("tensor '" + name +
                             "': " + llvm::toString(created.takeError()));
          scratch = std::move(*created);
        }
        auto copy = scratch->append(
            bytes.size(), kCopyChunkBytes,
            [&](uint64_t offset, MutableArrayRef<char> chunk) {
              ArrayRef<char> source = bytes.slice(offset, chunk.size());
              std::memcpy(chunk.data(), source.data(), chunk.size());
              releaseFileBackedPages(source);
            });
        if (!copy)
          return fileError("tensor '" + name +
                           "': " + llvm::toString(copy.takeError()));
        mapping = std::move(*copy);
        bytes = mapping->bytes();
      }
      return cast<ElementsAttr>(DenseResourceElementsAttr::get(
          type, key, blobFromMapping(mapping, bytes, kBlobAlignment)));
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
  int64_t elementSize = rawElementSize(*element);
  int64_t byteSize = count * elementSize;

  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    auto data = readExternalData(tensor, byteSize, description);
    if (!data)
      return data.takeError();
    return elementsFromBytes(type, blobName, data->bytes,
                             std::move(data->mapping));
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
    // INT32, INT16, INT8, BOOL, FLOAT16 and BFLOAT16 (as bits) live in
    // int32_data.
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
    case onnx::TensorProto::BFLOAT16:
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
Importer::constantInput(const onnx::NodeProto &node, Value value,
                        StringRef what) {
  auto known = tfm::getPartialInts(value);
  if (!known || llvm::is_contained(*known, tfm::kDynamic))
    return nodeError(node, "input '" + what +
                               "' must be a compile-time constant integer "
                               "tensor");
  return *known;
}

Expected<SmallVector<int64_t>> Importer::movedInts(const onnx::NodeProto &node,
                                                   ArrayRef<Value> inputs,
                                                   OperandForm form,
                                                   StringRef name) {
  if (form == OperandForm::Input) {
    if (inputs.size() < 2 || !inputs[1])
      return SmallVector<int64_t>();
    return constantInput(node, inputs[1], name);
  }
  std::optional<SmallVector<int64_t>> values;
  if (Error e = attributes(node).get(name, values).takeError())
    return std::move(e);
  return values.value_or(SmallVector<int64_t>());
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
                                    resultTypes))) {
    if (Error e = rejectBFloat16Arithmetic(node, operands))
      return std::move(e);
    return nodeError(node,
                     diagnostics.empty() ? "invalid operands" : diagnostics);
  }
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
      return nodeError(node,
                       "result #" + std::to_string(result.getResultNumber()) +
                           " of shape " + tfm::shapeToString(type.getShape()) +
                           " has more than 2^40 elements");
  }
  if (failed(verify(op))) {
    if (Error e = rejectBFloat16Arithmetic(node, op->getOperands()))
      return std::move(e);
    return nodeError(node, diagnostics.empty() ? "invalid op" : diagnostics);
  }
  if (bindOutputs) {
    for (OpResult result : op->getResults())
      if (result.getResultNumber() < (unsigned)node.output_size())
        if (Error e = bind(node, node.output(result.getResultNumber()), result))
          return std::move(e);
  }
  return op;
}

//===----------------------------------------------------------------------===//
// The operator table
//===----------------------------------------------------------------------===//

// One entry per operator and opset form: input counts, attribute names,
// handler; the first opset of a form and the operand move between the forms
// when the form changed. Kept in the order of the operator names.
// test/conformance/run_conformance.py reads the operator names from this
// table.
// clang-format off
constexpr Importer::OpImporter Importer::kOps[] = {
    {"Abs", 1, 1, &Importer::importOperands<tfm::AbsOp>},
    {"Add", 2, 2, &Importer::importOperands<tfm::AddOp>},
    {"And", 2, 2, &Importer::importOperands<tfm::AndOp>},
    {"Cast", 1, 1, &Importer::importCast, {"to", "saturate"}},
    {"Ceil", 1, 1, &Importer::importOperands<tfm::CeilOp>},
    {"Concat", 1, kVariadic, &Importer::importIntAttribute<tfm::ConcatOp, kAxisRequired>, {"axis"}},
    {"Constant", 0, 0, &Importer::importConstant, {kAnyAttribute}},
    {"ConstantOfShape", 1, 1, &Importer::importConstantOfShape, {"value"}},
    {"Cos", 1, 1, &Importer::importOperands<tfm::CosOp>},
    {"CumSum", 2, 2, &Importer::importCumSum, {"exclusive", "reverse"}},
    {"Div", 2, 2, &Importer::importOperands<tfm::DivOp>},
    {"Equal", 2, 2, &Importer::importOperands<tfm::EqualOp>},
    {"Erf", 1, 1, &Importer::importOperands<tfm::ErfOp>},
    {"Exp", 1, 1, &Importer::importOperands<tfm::ExpOp>},
    {"Expand", 2, 2, &Importer::importOperands<tfm::ExpandOp>},
    {"Flatten", 1, 1, &Importer::importIntAttribute<tfm::FlattenOp, kAxis1>, {"axis"}},
    {"Floor", 1, 1, &Importer::importOperands<tfm::FloorOp>},
    {"Gather", 2, 2, &Importer::importIntAttribute<tfm::GatherOp, kAxis0>, {"axis"}},
    {"GatherND", 2, 2, &Importer::importIntAttribute<tfm::GatherNDOp, kBatchDims0>, {"batch_dims"}},
    {"Gelu", 1, 1, &Importer::importGelu, {"approximate"}},
    {"Gemm", 2, 3, &Importer::importGemm, {"alpha", "beta", "transA", "transB"}},
    {"Greater", 2, 2, &Importer::importOperands<tfm::GreaterOp>},
    {"GreaterOrEqual", 2, 2, &Importer::importOperands<tfm::GreaterOrEqualOp>},
    {"Identity", 1, 1, &Importer::importOperands<tfm::IdentityOp>},
    {"LayerNormalization", 2, 3, &Importer::importLayerNormalization,
     {"axis", "epsilon", "stash_type"}},
    {"Less", 2, 2, &Importer::importOperands<tfm::LessOp>},
    {"LessOrEqual", 2, 2, &Importer::importOperands<tfm::LessOrEqualOp>},
    {"Log", 1, 1, &Importer::importOperands<tfm::LogOp>},
    {"MatMul", 2, 2, &Importer::importOperands<tfm::MatMulOp>},
    {"Max", 1, kVariadic, &Importer::importFold<tfm::MaxOp>},
    {"Min", 1, kVariadic, &Importer::importFold<tfm::MinOp>},
    {"Mul", 2, 2, &Importer::importOperands<tfm::MulOp>},
    {"Neg", 1, 1, &Importer::importOperands<tfm::NegOp>},
    {"Not", 1, 1, &Importer::importOperands<tfm::NotOp>},
    {"Or", 2, 2, &Importer::importOperands<tfm::OrOp>},
    {"Pow", 2, 2, &Importer::importOperands<tfm::PowOp>},
    {"Range", 3, 3, &Importer::importOperands<tfm::RangeOp>},
    {"Reciprocal", 1, 1, &Importer::importOperands<tfm::ReciprocalOp>},
    {"ReduceMax", 1, 1, &Importer::importReduce<tfm::ReduceMaxOp, OperandForm::Attribute>,
     {"axes", "keepdims", "noop_with_empty_axes"}, kMinOpset, &kAxesMovedAt18},
    {"ReduceMax", 1, 2, &Importer::importReduce<tfm::ReduceMaxOp, OperandForm::Input>,
     {"keepdims", "noop_with_empty_axes"}, 18, &kAxesMovedAt18},
    {"ReduceMean", 1, 1, &Importer::importReduce<tfm::ReduceMeanOp, OperandForm::Attribute>,
     {"axes", "keepdims", "noop_with_empty_axes"}, kMinOpset, &kAxesMovedAt18},
    {"ReduceMean", 1, 2, &Importer::importReduce<tfm::ReduceMeanOp, OperandForm::Input>,
     {"keepdims", "noop_with_empty_axes"}, 18, &kAxesMovedAt18},
    {"ReduceSum", 1, 1, &Importer::importReduce<tfm::ReduceSumOp, OperandForm::Attribute>,
     {"axes", "keepdims", "noop_with_empty_axes"}, kMinOpset, &kAxesMovedAt13},
    {"ReduceSum", 1, 2, &Importer::importReduce<tfm::ReduceSumOp, OperandForm::Input>,
     {"keepdims", "noop_with_empty_axes"}, 13, &kAxesMovedAt13},
    {"Relu", 1, 1, &Importer::importOperands<tfm::ReluOp>},
    {"Reshape", 2, 2, &Importer::importReshape, {"allowzero"}},
    {"Shape", 1, 1, &Importer::importShape, {"start", "end"}},
    {"Sigmoid", 1, 1, &Importer::importOperands<tfm::SigmoidOp>},
    {"Sin", 1, 1, &Importer::importOperands<tfm::SinOp>},
    {"Slice", 1, 1, &Importer::importSliceAttributes,
     {"starts", "ends", "axes"}, kMinOpset, &kSliceBoundsMovedAt10},
    {"Slice", 3, 5, &Importer::importSliceInputs, {}, 10, &kSliceBoundsMovedAt10},
    {"Softmax", 1, 1, &Importer::importSoftmaxCoerced, {"axis"}},
    {"Softmax", 1, 1, &Importer::importIntAttribute<tfm::SoftmaxOp, kAxisLast>, {"axis"}, 13},
    {"Split", 1, 1, &Importer::importSplit<OperandForm::Attribute, false>,
     {"axis", "split"}, kMinOpset, &kSplitMovedAt13},
    {"Split", 1, 2, &Importer::importSplit<OperandForm::Input, false>,
     {"axis"}, 13, &kSplitMovedAt13},
    {"Split", 1, 2, &Importer::importSplit<OperandForm::Input, true>,
     {"axis", "num_outputs"}, 18, &kSplitMovedAt13},
    {"Sqrt", 1, 1, &Importer::importOperands<tfm::SqrtOp>},
    {"Squeeze", 1, 1, &Importer::importSqueeze<tfm::SqueezeOp, OperandForm::Attribute>,
     {"axes"}, kMinOpset, &kAxesMovedAt13},
    {"Squeeze", 1, 2, &Importer::importSqueeze<tfm::SqueezeOp, OperandForm::Input>,
     {}, 13, &kAxesMovedAt13},
    {"Sub", 2, 2, &Importer::importOperands<tfm::SubOp>},
    {"Sum", 1, kVariadic, &Importer::importFold<tfm::AddOp>},
    {"Tanh", 1, 1, &Importer::importOperands<tfm::TanhOp>},
    {"Transpose", 1, 1, &Importer::importTranspose, {"perm"}},
    {"Trilu", 1, 2, &Importer::importTrilu, {"upper"}},
    {"Unsqueeze", 1, 1, &Importer::importSqueeze<tfm::UnsqueezeOp, OperandForm::Attribute>,
     {"axes"}, kMinOpset, &kAxesMovedAt13},
    {"Unsqueeze", 1, 2, &Importer::importSqueeze<tfm::UnsqueezeOp, OperandForm::Input>,
     {}, 13, &kAxesMovedAt13},
    {"Where", 3, 3, &Importer::importOperands<tfm::WhereOp>},
    {"Xor", 2, 2, &Importer::importOperands<tfm::XorOp>},
};
// clang-format on

constexpr bool Importer::opTableIsWellFormed() {
  auto compare = [](const char *a, const char *b) {
    for (; *a && *a == *b; ++a, ++b)
      ;
    return (unsigned char)*a - (unsigned char)*b;
  };
  size_t size = sizeof(kOps) / sizeof(kOps[0]);
  for (size_t i = 0; i < size; ++i) {
    const OpImporter &entry = kOps[i];
    if (entry.maxInputs != kVariadic && entry.maxInputs < entry.minInputs)
      return false;
    bool first = i == 0 || compare(kOps[i - 1].opType, entry.opType) != 0;
    if (first && entry.sinceOpset < kMinOpset)
      return false;
    if (!first && entry.sinceOpset <= kOps[i - 1].sinceOpset)
      return false;
    if (i > 0 && compare(kOps[i - 1].opType, entry.opType) > 0)
      return false;
    bool last = i + 1 == size || compare(entry.opType, kOps[i + 1].opType) != 0;
    if (entry.inputNotYet() &&
        (last || kOps[i + 1].sinceOpset != entry.moved->opset))
      return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

Error Importer::checkOutputsDefined(const onnx::NodeProto &node) {
  for (const std::string &output : node.output())
    if (!output.empty() && consumed.contains(output) && !values.count(output))
      return nodeError(node, "output '" + output +
                                 "' is used but this operator does not "
                                 "produce it");
  return Error::success();
}

Expected<const Importer::OpImporter *>
Importer::findEntry(const onnx::NodeProto &node) {
  static_assert(opTableIsWellFormed(),
                "kOps: one entry per operator and opset, sorted by name");
  // The entries of an operator are in opset order: the last one that has
  // begun covers the model's opset.
  const OpImporter *first = nullptr, *covering = nullptr;
  for (const OpImporter &entry : kOps) {
    if (node.op_type() != entry.opType)
      continue;
    if (!first)
      first = &entry;
    if (entry.sinceOpset <= opset)
      covering = &entry;
  }
  if (covering)
    return covering;
  if (!first)
    return nodeError(node, "unsupported operator '" + node.op_type() + "'");
  // The model's opset is older than the operator.
  return nodeError(node, "operator '" + node.op_type() + "' needs opset " +
                             std::to_string(first->sinceOpset));
}

Error Importer::checkInputCount(const onnx::NodeProto &node,
                                const OpImporter &entry, int inputs) {
  bool variadic = entry.maxInputs == kVariadic;
  if (inputs >= entry.minInputs && (variadic || inputs <= entry.maxInputs))
    return Error::success();
  // More inputs than this opset's form takes, as a later form of the
  // operator does: the operand is still an attribute here.
  if (entry.inputNotYet() && inputs > entry.maxInputs &&
      llvm::any_of(kOps, [&](const OpImporter &other) {
        return node.op_type() == other.opType && other.maxInputs >= inputs;
      }))
    return nodeError(node, entry.inputNotYet());
  std::string expected = variadic
                             ? "at least " + std::to_string(entry.minInputs)
                         : entry.minInputs == entry.maxInputs
                             ? std::to_string(entry.minInputs)
                             : std::to_string(entry.minInputs) + " to " +
                                   std::to_string(entry.maxInputs);
  return nodeError(
      node,
      llvm::formatv("has {0} inputs, expected {1}", inputs, expected).str());
}

Error Importer::checkAttributes(const onnx::NodeProto &node,
                                const OpImporter &entry) {
  if (entry.attributes[0] == kAnyAttribute)
    return Error::success();
  auto allows = [](const OpImporter &other, StringRef attribute) {
    return llvm::any_of(other.attributes, [&](const char *name) {
      return name && attribute == name;
    });
  };
  llvm::StringSet<> seen;
  for (const auto &attribute : node.attribute()) {
    StringRef name = attribute.name();
    if (!seen.insert(name).second)
      return nodeError(node, "attribute '" + name + "' is given twice");
    if (allows(entry, name))
      continue;
    // An attribute of another opset's form of the operator.
    for (const OpImporter &other : kOps) {
      if (&other == &entry || node.op_type() != other.opType ||
          !allows(other, name))
        continue;
      if (other.sinceOpset > opset)
        return nodeError(node, "attribute '" + name + "' needs opset " +
                                   std::to_string(other.sinceOpset));
      if (entry.attributeNoLonger())
        return nodeError(node, "attribute '" + name + "' is not allowed " +
                                   entry.attributeNoLonger());
    }
    return nodeError(node, "unsupported attribute '" + name + "'");
  }
  return Error::success();
}

Expected<SmallVector<Value>>
Importer::collectInputs(const onnx::NodeProto &node, int count, int required) {
  SmallVector<Value> inputs;
  for (int i = 0; i < count; ++i) {
    auto value = i < required ? input(node, i) : optionalInput(node, i);
    if (!value)
      return value.takeError();
    inputs.push_back(*value);
  }
  return inputs;
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
  auto entry = findEntry(node);
  if (!entry)
    return entry.takeError();
  // Trailing empty names are absent optional inputs.
  int count = node.input_size();
  while (count > 0 && node.input(count - 1).empty())
    --count;
  // Attributes first: an attribute of an earlier opset's form explains a
  // missing input better than the count does (Slice at opset 10 with
  // 'starts').
  if (Error e = checkAttributes(node, **entry))
    return e;
  if (Error e = checkInputCount(node, **entry, count))
    return e;
  // Every input of a variadic operator is required.
  int required = (*entry)->maxInputs == kVariadic ? count : (*entry)->minInputs;
  auto inputs = collectInputs(node, count, required);
  if (!inputs)
    return inputs.takeError();
  return (this->*(*entry)->handler)(node, *inputs);
}

//===----------------------------------------------------------------------===//
// Handlers
//===----------------------------------------------------------------------===//

/// The inputs that are present (absent optional inputs dropped).
SmallVector<Value> presentInputs(ArrayRef<Value> inputs) {
  return llvm::filter_to_vector(
      inputs, [](Value input) { return static_cast<bool>(input); });
}

/// Ops whose operands are the node's inputs and that have no attributes.
template <typename OpTy>
Error Importer::importOperands(const onnx::NodeProto &node,
                               ArrayRef<Value> inputs) {
  return build<OpTy>(node, inputs).takeError();
}

/// Variadic ONNX Max/Min/Sum become a left fold of binary ops.
template <typename OpTy>
Error Importer::importFold(const onnx::NodeProto &node,
                           ArrayRef<Value> inputs) {
  Value accumulated = inputs.front();
  for (size_t i = 1; i < inputs.size(); ++i) {
    bool last = i + 1 == inputs.size();
    auto op = build<OpTy>(node, {accumulated, inputs[i]}, {}, last);
    if (!op)
      return op.takeError();
    accumulated = (*op)->getResult(0);
  }
  if (inputs.size() == 1)
    return bind(node, node.output(0), accumulated);
  return Error::success();
}

/// Ops whose operands are the node's inputs and that take one INT attribute.
template <typename OpTy, const IntAttribute &Attribute>
Error Importer::importIntAttribute(const onnx::NodeProto &node,
                                   ArrayRef<Value> inputs) {
  int64_t value;
  if (Error e = attributes(node)
                    .get(Attribute.name, value, Attribute.defaultValue)
                    .takeError())
    return e;
  return build<OpTy>(node, inputs, {namedInt(Attribute.name, value)})
      .takeError();
}

template <typename OpTy, OperandForm Form>
Error Importer::importReduce(const onnx::NodeProto &node,
                             ArrayRef<Value> inputs) {
  SmallVector<int64_t> axes;
  bool keepdims, noop;
  if (Error e = attributes(node)
                    .getMoved("axes", Form, inputs, axes)
                    .get("keepdims", keepdims, true)
                    .get("noop_with_empty_axes", noop, false)
                    .takeError())
    return e;
  return build<OpTy>(node, inputs[0],
                     {namedInts("axes", axes), namedBool("keepdims", keepdims),
                      namedBool("noop_with_empty_axes", noop)})
      .takeError();
}

template <typename OpTy, OperandForm Form>
Error Importer::importSqueeze(const onnx::NodeProto &node,
                              ArrayRef<Value> inputs) {
  SmallVector<int64_t> axes;
  if (Error e =
          attributes(node).getMoved("axes", Form, inputs, axes).takeError())
    return e;
  if (std::is_same_v<OpTy, tfm::UnsqueezeOp> && axes.empty())
    return nodeError(node, "Unsqueeze needs axes");
  return build<OpTy>(node, inputs[0], {namedInts("axes", axes)}).takeError();
}

/// Split sizes come from the attribute (Form = Attribute) or input #1; without
/// them the split is even over the outputs, or (NumOutputs, opset 18) into
/// `num_outputs` chunks of ceil(dim / num_outputs), the last one smaller.
template <OperandForm Form, bool NumOutputs>
Error Importer::importSplit(const onnx::NodeProto &node,
                            ArrayRef<Value> inputs) {
  int64_t axisAttr;
  if (Error e = attributes(node).get("axis", axisAttr, 0).takeError())
    return e;
  auto type = cast<RankedTensorType>(inputs[0].getType());
  auto axis = tfm::normalizeAxis(axisAttr, type.getRank());
  if (!axis)
    return nodeError(node,
                     "axis " + std::to_string(axisAttr) + " is out of range");
  bool sizesGiven = inputs.size() > 1 && inputs[1];
  if (NumOutputs && sizesGiven && findAttribute(node, "num_outputs"))
    return nodeError(node, "give either the 'split' input or the "
                           "'num_outputs' attribute, not both");
  auto split = movedInts(node, inputs, Form, "split");
  if (!split)
    return split.takeError();
  if (split->empty()) {
    int64_t pieces = node.output_size();
    if (NumOutputs)
      if (Error e = attributes(node)
                        .get("num_outputs", pieces, std::nullopt)
                        .takeError())
        return e;
    int64_t dim = type.getDimSize(*axis);
    if (dim == ShapedType::kDynamic)
      return nodeError(node, "splitting a dynamic dimension needs explicit "
                             "split sizes");
    if (pieces <= 0 || pieces > dim)
      return nodeError(node, "cannot split " + std::to_string(dim) + " into " +
                                 std::to_string(pieces));
    int64_t chunk = (dim + pieces - 1) / pieces;
    if (!NumOutputs && dim % pieces != 0)
      return nodeError(node, "dimension " + std::to_string(dim) +
                                 " does not split evenly into " +
                                 std::to_string(pieces));
    if (dim - chunk * (pieces - 1) < 0)
      return nodeError(node, llvm::formatv("cannot split {0} into {1} "
                                           "chunks of {2}",
                                           dim, pieces, chunk)
                                 .str());
    for (int64_t i = 0, left = dim; i < pieces; ++i, left -= chunk)
      split->push_back(std::min(chunk, left));
  }
  if ((int64_t)split->size() != node.output_size())
    return nodeError(node, llvm::formatv("{0} split sizes for {1} outputs",
                                         split->size(), node.output_size())
                               .str());
  return build<tfm::SplitOp>(
             node, inputs[0],
             {namedInt("axis", axisAttr), namedInts("split", *split)})
      .takeError();
}

Error Importer::importConstant(const onnx::NodeProto &node, ArrayRef<Value>) {
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
    value =
        DenseElementsAttr::get(RankedTensorType::get({}, builder.getI64Type()),
                               (int64_t)attribute->i());
  } else if (name == "value_ints" &&
             attribute->type() == onnx::AttributeProto::INTS) {
    SmallVector<int64_t> v(attribute->ints().begin(), attribute->ints().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)v.size()}, builder.getI64Type()),
        ArrayRef<int64_t>(v));
  } else {
    return nodeError(node, "unsupported value attribute '" + name + "' (" +
                               attributeTypeName(attribute->type()) + ")");
  }
  return build<tfm::ConstantOp>(node, {},
                                {builder.getNamedAttr("value", value)})
      .takeError();
}

Error Importer::importConstantOfShape(const onnx::NodeProto &node,
                                      ArrayRef<Value> inputs) {
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
  return build<tfm::ConstantOfShapeOp>(node, inputs,
                                       {builder.getNamedAttr("value", value)})
      .takeError();
}

Error Importer::importCast(const onnx::NodeProto &node,
                           ArrayRef<Value> inputs) {
  int64_t to;
  if (Error e = attributes(node).get("to", to, std::nullopt).takeError())
    return e;
  auto element = elementType(to, describe(node) + " attribute 'to'");
  if (!element)
    return element.takeError();
  return build<tfm::CastOp>(
             node, inputs,
             {builder.getNamedAttr("to", TypeAttr::get(*element))})
      .takeError();
}

Error Importer::importGelu(const onnx::NodeProto &node,
                           ArrayRef<Value> inputs) {
  std::string approximate;
  if (Error e =
          attributes(node).get("approximate", approximate, "none").takeError())
    return e;
  if (approximate != "none" && approximate != "tanh")
    return nodeError(node, "unsupported approximate='" + approximate + "'");
  return build<tfm::GeluOp>(
             node, inputs,
             {builder.getNamedAttr("approximate",
                                   builder.getStringAttr(approximate))})
      .takeError();
}

Error Importer::importCumSum(const onnx::NodeProto &node,
                             ArrayRef<Value> inputs) {
  auto axis = constantInput(node, inputs[1], "axis");
  if (!axis)
    return axis.takeError();
  if (axis->size() != 1)
    return nodeError(node, "axis must be a scalar");
  bool exclusive, reverse;
  if (Error e = attributes(node)
                    .get("exclusive", exclusive, false)
                    .get("reverse", reverse, false)
                    .takeError())
    return e;
  return build<tfm::CumSumOp>(node, inputs[0],
                              {namedInt("axis", (*axis)[0]),
                               namedBool("exclusive", exclusive),
                               namedBool("reverse", reverse)})
      .takeError();
}

/// Before opset 13 Softmax flattens the input to 2-D around `axis` (default
/// 1); that is the per-axis softmax only when `axis` is the last dimension.
Error Importer::importSoftmaxCoerced(const onnx::NodeProto &node,
                                     ArrayRef<Value> inputs) {
  int64_t axis;
  if (Error e = attributes(node).get("axis", axis, 1).takeError())
    return e;
  int64_t rank = cast<RankedTensorType>(inputs[0].getType()).getRank();
  auto normalized = tfm::normalizeAxis(axis, rank);
  if (normalized && *normalized != rank - 1)
    return nodeError(node, "Softmax before opset 13 over axis " +
                               std::to_string(axis) + " of a rank-" +
                               std::to_string(rank) +
                               " input (2-D coercion of the trailing "
                               "dimensions) is not supported; only the "
                               "last axis is");
  return build<tfm::SoftmaxOp>(node, inputs, {namedInt("axis", axis)})
      .takeError();
}

Error Importer::importLayerNormalization(const onnx::NodeProto &node,
                                         ArrayRef<Value> inputs) {
  int64_t axis, stash;
  float epsilon;
  if (Error e = attributes(node)
                    .get("axis", axis, -1)
                    .get("epsilon", epsilon, 1e-5f)
                    .get("stash_type", stash, 1)
                    .takeError())
    return e;
  auto built = build<tfm::LayerNormalizationOp>(
      node, presentInputs(inputs),
      {namedInt("axis", axis),
       builder.getNamedAttr("epsilon", builder.getF32FloatAttr(epsilon))});
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
  Value x = inputs[0];
  auto type = cast<RankedTensorType>(x.getType());
  int64_t first = *tfm::normalizeAxis(axis, type.getRank());
  SmallVector<int64_t> axes;
  for (int64_t i = first; i < type.getRank(); ++i)
    axes.push_back(i);
  SmallVector<NamedAttribute> reduce = {
      namedInts("axes", axes), namedBool("keepdims", true),
      namedBool("noop_with_empty_axes", false)};
  auto mean = buildValue<tfm::ReduceMeanOp>(node, x, reduce);
  if (!mean)
    return mean.takeError();
  if (wantMean)
    if (Error e = bind(node, node.output(1), *mean))
      return e;
  if (!wantInvStdDev)
    return Error::success();
  auto centered = buildValue<tfm::SubOp>(node, {x, *mean});
  if (!centered)
    return centered.takeError();
  auto squared = buildValue<tfm::MulOp>(node, {*centered, *centered});
  if (!squared)
    return squared.takeError();
  auto variance = buildValue<tfm::ReduceMeanOp>(node, *squared, reduce);
  if (!variance)
    return variance.takeError();
  auto scalarType = RankedTensorType::get({}, type.getElementType());
  Value epsilonValue = tfm::ConstantOp::create(
      builder, nodeLoc(node),
      DenseElementsAttr::get(scalarType,
                             ArrayRef<Attribute>{builder.getFloatAttr(
                                 type.getElementType(), epsilon)}));
  auto shifted = buildValue<tfm::AddOp>(node, {*variance, epsilonValue});
  if (!shifted)
    return shifted.takeError();
  auto root = buildValue<tfm::SqrtOp>(node, *shifted);
  if (!root)
    return root.takeError();
  auto inverse = buildValue<tfm::ReciprocalOp>(node, *root);
  if (!inverse)
    return inverse.takeError();
  return bind(node, node.output(2), *inverse);
}

Error Importer::importGemm(const onnx::NodeProto &node,
                           ArrayRef<Value> inputs) {
  float alpha, beta;
  bool transA, transB;
  if (Error e = attributes(node)
                    .get("alpha", alpha, 1.0f)
                    .get("beta", beta, 1.0f)
                    .get("transA", transA, false)
                    .get("transB", transB, false)
                    .takeError())
    return e;
  return build<tfm::GemmOp>(
             node, presentInputs(inputs),
             {builder.getNamedAttr("alpha", builder.getF32FloatAttr(alpha)),
              builder.getNamedAttr("beta", builder.getF32FloatAttr(beta)),
              namedBool("transA", transA), namedBool("transB", transB)})
      .takeError();
}

Error Importer::importShape(const onnx::NodeProto &node,
                            ArrayRef<Value> inputs) {
  int64_t start, end;
  if (Error e = attributes(node).get("start", start, 0).takeError())
    return e;
  SmallVector<NamedAttribute> attrs = {namedInt("start", start)};
  if (findAttribute(node, "end")) {
    if (Error e = attributes(node).get("end", end, std::nullopt).takeError())
      return e;
    attrs.push_back(namedInt("end", end));
  }
  return build<tfm::ShapeOp>(node, inputs, attrs).takeError();
}

Error Importer::importReshape(const onnx::NodeProto &node,
                              ArrayRef<Value> inputs) {
  bool allowzero;
  if (Error e = attributes(node).get("allowzero", allowzero, false).takeError())
    return e;
  return build<tfm::ReshapeOp>(node, inputs,
                               {namedBool("allowzero", allowzero)})
      .takeError();
}

Error Importer::importTranspose(const onnx::NodeProto &node,
                                ArrayRef<Value> inputs) {
  std::optional<SmallVector<int64_t>> perm;
  if (Error e = attributes(node).get("perm", perm).takeError())
    return e;
  if (!perm) {
    int64_t rank = cast<RankedTensorType>(inputs[0].getType()).getRank();
    perm.emplace();
    for (int64_t i = rank - 1; i >= 0; --i)
      perm->push_back(i);
  }
  return build<tfm::TransposeOp>(node, inputs, {namedInts("perm", *perm)})
      .takeError();
}

/// Slice before opset 10: starts, ends and axes are attributes; they become
/// constant operands.
Error Importer::importSliceAttributes(const onnx::NodeProto &node,
                                      ArrayRef<Value> inputs) {
  std::optional<SmallVector<int64_t>> starts, ends, axes;
  if (Error e = attributes(node)
                    .get("starts", starts)
                    .get("ends", ends)
                    .get("axes", axes)
                    .takeError())
    return e;
  if (!starts || !ends)
    return nodeError(node, "needs starts and ends");
  Location loc = nodeLoc(node);
  return buildSlice(node, inputs[0], constantI64(*starts, loc),
                    constantI64(*ends, loc),
                    axes ? constantI64(*axes, loc) : Value(), Value());
}

/// Slice from opset 10 on: starts, ends, axes and steps are inputs. Starts,
/// ends and steps may be run-time values; the axes decide which dimensions
/// change and must be known.
Error Importer::importSliceInputs(const onnx::NodeProto &node,
                                  ArrayRef<Value> inputs) {
  Value axes = inputs.size() > 3 ? inputs[3] : Value();
  Value steps = inputs.size() > 4 ? inputs[4] : Value();
  if (axes)
    if (auto known = constantInput(node, axes, "axes"); !known)
      return known.takeError();
  return buildSlice(node, inputs[0], inputs[1], inputs[2], axes, steps);
}

/// Builds tfm.slice with absent axes (0..n-1) and steps (1) materialised.
Error Importer::buildSlice(const onnx::NodeProto &node, Value data,
                           Value starts, Value ends, Value axes, Value steps) {
  Location loc = nodeLoc(node);
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  auto startsType = cast<RankedTensorType>(starts.getType());
  int64_t n = startsType.getRank() == 1 ? startsType.getDimSize(0)
                                        : ShapedType::kDynamic;
  if (n == ShapedType::kDynamic)
    return nodeError(node, "starts must be 1-D with a static length");
  if (!axes) {
    if (n > rank)
      return nodeError(node, "more starts than input dimensions");
    axes = constantI64(llvm::to_vector(llvm::seq<int64_t>(0, n)), loc);
  }
  if (!steps)
    steps = constantI64(SmallVector<int64_t>(n, 1), loc);
  return build<tfm::SliceOp>(node, {data, starts, ends, axes, steps})
      .takeError();
}

Error Importer::importTrilu(const onnx::NodeProto &node,
                            ArrayRef<Value> inputs) {
  int64_t k = 0;
  if (inputs.size() > 1 && inputs[1]) {
    auto known = constantInput(node, inputs[1], "k");
    if (!known)
      return known.takeError();
    if (known->size() != 1)
      return nodeError(node, "k must be a scalar");
    k = (*known)[0];
  }
  bool upper;
  if (Error e = attributes(node).get("upper", upper, true).takeError())
    return e;
  return build<tfm::TriluOp>(node, inputs[0],
                             {namedInt("k", k), namedBool("upper", upper)})
      .takeError();
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
    Value value =
        tfm::ConstantOp::create(builder, nameLoc(tensor.name()), *attr);
    if (!values.insert({tensor.name(), value}).second)
      return fileError(what + " is defined twice");
  }
  if (model.graph().sparse_initializer_size() > 0)
    return fileError("sparse initializer '" +
                     model.graph().sparse_initializer(0).values().name() +
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
