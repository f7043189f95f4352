//===- NarrowGatherTables.cpp - gathered tables in the weights' type ------===//
//
// The embedding table is the largest single weight of a small model (545 MB
// of f32 for Qwen2.5-0.5B's [151936, 896]), yet a forward pass reads one
// row of it per token. Stored in f16 or bf16 it halves; the gather then
// widens only the rows it reads. Products are handled by
// sinkc-pack-matmul-weights, which packs their weights in the same type.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Support/FileMapping.h"
#include "sinkc/Support/Location.h"
#include "sinkc/Support/WeightStorage.h"
#include "sinkc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseMap.h"

namespace sinkc {
#define GEN_PASS_DEF_NARROWGATHERTABLES
#include "sinkc/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// Rounded tables are written in pieces of this size (a multiple of 4 and 2).
constexpr uint64_t kChunkBytes = 4 << 20;

bool isFloatTensor(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && isa<FloatType>(ranked.getElementType());
}

RankedTensorType withElement(Type type, Type element) {
  return cast<RankedTensorType>(type).clone(element);
}

/// The name a message gives a weight: its initializer's name (the
/// importer names the blob and the location after it).
std::string weightName(tfm::ConstantOp constant) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
    return resource.getRawHandle().getKey().str();
  StringRef name = onnxNodeName(constant.getLoc());
  return name.empty() ? "table" : name.str();
}

struct NarrowGatherTablesPass
    : public impl::NarrowGatherTablesBase<NarrowGatherTablesPass> {
  using NarrowGatherTablesBase::NarrowGatherTablesBase;

  void runOnOperation() override {
    target =
        weightStorageTypeOrError(getOperation(), getArgument(), weightsDType);
    if (!target)
      return signalPassFailure();
    SmallVector<tfm::GatherOp> gathers;
    getOperation().walk([&](tfm::GatherOp op) { gathers.push_back(op); });
    for (tfm::GatherOp gather : gathers)
      if (failed(narrow(gather)))
        return signalPassFailure();
    // The widening casts and the unrounded tables that nothing reads any
    // more must not reach the weights file.
    for (bool erased = true; erased;) {
      erased = false;
      for (Operation *&op : replaced)
        if (op && op->use_empty()) {
          op->erase();
          op = nullptr;
          erased = true;
        }
    }
  }

  LogicalResult narrow(tfm::GatherOp gather) {
    if (!isFloatTensor(gather.getType()))
      return success();
    // The table, looking through a widening cast of a constant (exact, so
    // it can follow the gather instead).
    Value table = gather.getData();
    if (auto cast = table.getDefiningOp<tfm::CastOp>()) {
      Value source = cast.getInput();
      if (isFloatTensor(source.getType()) &&
          source.getDefiningOp<tfm::ConstantOp>() &&
          getElementTypeOrSelf(source).getIntOrFloatBitWidth() <
              getElementTypeOrSelf(table).getIntOrFloatBitWidth())
        table = source;
    }
    auto constant = table.getDefiningOp<tfm::ConstantOp>();
    if (!constant)
      return success();
    Type element = getElementTypeOrSelf(table);
    auto tableType = cast<RankedTensorType>(table.getType());
    if (!target.isF32() && element != target && tableType.hasStaticShape() &&
        tableType.getNumElements() >= minElements) {
      FailureOr<Value> rounded = roundTable(constant);
      if (failed(rounded))
        return failure();
      if (*rounded)
        table = *rounded;
    }
    if (table == gather.getData())
      return success();
    OpBuilder b(gather);
    Location loc = gather.getLoc();
    Value gathered = tfm::GatherOp::create(
        b, loc, withElement(gather.getType(), getElementTypeOrSelf(table)),
        table, gather.getIndices(), gather.getAxis());
    Type resultElement = getElementTypeOrSelf(gather.getType());
    auto widened = tfm::CastOp::create(b, loc, gather.getType(), gathered,
                                       TypeAttr::get(resultElement));
    // The recognition's marks (an embedding is a block input) stay on the
    // value they marked.
    widened->setDiscardableAttrs(gather->getDiscardableAttrDictionary());
    for (Operation *op :
         {gather.getData().getDefiningOp(), constant.getOperation()})
      if (op && !llvm::is_contained(replaced, op))
        replaced.push_back(op);
    gather.getResult().replaceAllUsesWith(widened.getResult());
    gather.erase();
    return success();
  }

  /// A copy of `constant` rounded to the target type, made once per
  /// constant; null when its elements cannot be read (left as they are).
  /// Like the packed weights, a large copy goes to a scratch file a few MiB
  /// at a time and the source's pages are given back as they are read, so
  /// neither table is held in memory (docs/codegen.md, "Weights at scale").
  FailureOr<Value> roundTable(tfm::ConstantOp constant) {
    if (auto it = rounded.find(constant); it != rounded.end())
      return it->second;
    std::optional<FloatWeights> values = FloatWeights::get(constant.getValue());
    if (!values)
      return Value();
    int64_t width = target.getIntOrFloatBitWidth() / 8;
    uint64_t size = values->size() * width;
    std::optional<std::pair<int64_t, float>> overflow;
    auto fill = [&](uint64_t offset, MutableArrayRef<char> bytes) {
      int64_t first = offset / width, count = bytes.size() / width;
      int64_t bad =
          convertWeights(*values, first, 1, count, target, bytes.data());
      if (bad >= 0 && !overflow)
        overflow = {first + bad, (*values)[first + bad]};
      releaseFileBackedPages(values->raw(first, first + count));
    };
    std::optional<AsmResourceBlob> blob;
    if (size < kScratchThresholdBytes) {
      blob = HeapAsmResourceBlob::allocate(size, /*align=*/64);
      fill(0, blob->getMutableData());
    } else {
      if (!scratch) {
        auto created = ScratchFile::create();
        if (!created)
          return constant.emitError(llvm::toString(created.takeError()));
        scratch = std::move(*created);
      }
      auto mapping = scratch->append(size, kChunkBytes, fill);
      if (!mapping)
        return constant.emitError("rounding the weights: ")
               << llvm::toString(mapping.takeError());
      ArrayRef<char> bytes = (*mapping)->bytes();
      blob = blobFromMapping(std::move(*mapping), bytes, /*alignment=*/64);
    }
    if (overflow)
      return constant.emitError(weightRangeMessage(
          weightName(constant), target, overflow->second, overflow->first));
    auto type = withElement(constant.getType(), target);
    std::string name = weightName(constant);
    llvm::raw_string_ostream(name) << "_" << target;
    // Right after the original, so that it dominates every gather of it.
    OpBuilder b(constant->getContext());
    b.setInsertionPointAfter(constant);
    Value copy = tfm::ConstantOp::create(
        b, constant.getLoc(),
        DenseResourceElementsAttr::get(type, name, std::move(*blob)));
    rounded[constant] = copy;
    return copy;
  }

  Type target;
  llvm::DenseMap<Operation *, Value> rounded;
  SmallVector<Operation *> replaced;
  /// Where large rounded tables go (created on first use; shared, so the
  /// pass stays copyable as the pass manager's clones need).
  std::shared_ptr<ScratchFile> scratch;
};

} // namespace
} // namespace sinkc
