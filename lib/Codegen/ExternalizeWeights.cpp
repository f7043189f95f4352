//===- ExternalizeWeights.cpp - constants to a pointer-addressed blob -----===//
//
// Weights never go through LLVM as constants: a 27 MB model would become a
// 170 MB textual .ll and an LLVM ConstantDataArray. Instead every large
// constant becomes a view into one byte buffer that the runtime provides
// (embedded in the executable or mapped from a file).
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Codegen.h"
#include "sinkc/Codegen/Passes.h"
#include "sinkc/Support/FileMapping.h"
#include "sinkrt/WeightsHash.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_EXTERNALIZEWEIGHTS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

constexpr uint64_t kWeightAlignment = 64;
/// The weights file is written (and hashed) in pieces of this size, a
/// multiple of the page size.
constexpr size_t kPieceBytes = 8 << 20;

/// The packed row-major bytes of a constant that can live in the blob.
std::optional<ArrayRef<char>> blobBytes(ElementsAttr value,
                                        int64_t thresholdBytes) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  Type element = type.getElementType();
  // i1 is bit-packed in dense attributes; masks are small anyway.
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  int64_t bytes = type.getNumElements() * (element.getIntOrFloatBitWidth() / 8);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || (int64_t)blob->getData().size() != bytes)
      return std::nullopt;
    return blob->getData();
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense || dense.isSplat() || bytes <= thresholdBytes)
    return std::nullopt;
  ArrayRef<char> raw = dense.getRawData();
  if ((int64_t)raw.size() != bytes)
    return std::nullopt;
  return raw;
}

uint64_t walkBlob(const WeightsLayout &layout, llvm::raw_ostream *os) {
  sinkrt::WeightsHasher hash;
  auto append = [&](ArrayRef<char> bytes) {
    hash.update(bytes.data(), bytes.size());
    if (os)
      os->write(bytes.data(), bytes.size());
  };
  static const char zeros[64] = {};
  uint64_t at = 0;
  // Zeros up to `offset`.
  auto padTo = [&](uint64_t offset) {
    while (at < offset) {
      size_t n = std::min<uint64_t>(offset - at, sizeof(zeros));
      append(ArrayRef<char>(zeros, n));
      at += n;
    }
  };
  for (const auto &entry : layout.entries) {
    padTo(entry.offset);
    // Each weight is read once here, a piece at a time; mapped pieces go
    // back to the page cache at once, so not even the largest weight (a
    // 545 MB embedding) is resident as a whole.
    for (size_t done = 0; done < entry.data.size(); done += kPieceBytes) {
      ArrayRef<char> piece = entry.data.slice(
          done, std::min<size_t>(kPieceBytes, entry.data.size() - done));
      append(piece);
      releaseFileBackedPages(piece);
    }
    at += entry.data.size();
  }
  padTo(layout.size);
  return hash.finish();
}

struct ExternalizeWeightsPass
    : public impl::ExternalizeWeightsBase<ExternalizeWeightsPass> {
  using ExternalizeWeightsBase::ExternalizeWeightsBase;
  void runOnOperation() override {
    WeightsLayout layout;
    if (failed(externalizeWeights(getOperation(), entryName, thresholdBytes,
                                  &layout)))
      signalPassFailure();
  }
};

} // namespace

uint64_t WeightsLayout::write(llvm::raw_ostream &os) const {
  return walkBlob(*this, &os);
}

uint64_t WeightsLayout::hash() const { return walkBlob(*this, nullptr); }

LogicalResult externalizeWeights(ModuleOp module, StringRef entryName,
                                 int64_t thresholdBytes,
                                 WeightsLayout *layout) {
  auto func = module.lookupSymbol<func::FuncOp>(entryName);
  if (!func)
    return module.emitError("no entry function @") << entryName;
  MLIRContext *context = module.getContext();
  SmallVector<std::pair<arith::ConstantOp, ArrayRef<char>>> constants;
  func.walk([&](arith::ConstantOp constant) {
    auto value = dyn_cast<ElementsAttr>(constant.getValue());
    if (!value)
      return;
    if (auto bytes = blobBytes(value, thresholdBytes))
      constants.push_back({constant, *bytes});
  });

  auto blobType =
      MemRefType::get({ShapedType::kDynamic}, IntegerType::get(context, 8));
  if (failed(func.insertArgument(
          0, blobType,
          DictionaryAttr::get(
              context, {NamedAttribute(StringAttr::get(context, "tfm.name"),
                                       StringAttr::get(context, "weights"))}),
          func.getLoc())))
    return failure();
  Value base = func.getArgument(0);

  // Identical constants (a tied embedding, a repeated mask) share bytes.
  llvm::DenseMap<Attribute, uint64_t> offsets;
  OpBuilder builder(context);
  for (auto [constant, bytes] : constants) {
    Attribute key = constant.getValue();
    auto [it, inserted] = offsets.try_emplace(key, 0);
    if (inserted) {
      uint64_t offset = llvm::alignTo(layout->size, kWeightAlignment);
      layout->entries.push_back({offset, bytes});
      layout->size = offset + bytes.size();
      it->second = offset;
    }
    builder.setInsertionPoint(constant);
    Location loc = constant.getLoc();
    auto tensorType = cast<RankedTensorType>(constant.getType());
    auto memrefType =
        MemRefType::get(tensorType.getShape(), tensorType.getElementType());
    Value offset = arith::ConstantIndexOp::create(builder, loc, it->second);
    Value view =
        memref::ViewOp::create(builder, loc, memrefType, base, offset, {});
    Value tensor = bufferization::ToTensorOp::create(
        builder, loc, tensorType, view, /*restrict=*/true, /*writable=*/false);
    constant.replaceAllUsesWith(tensor);
    constant.erase();
  }
  layout->size = llvm::alignTo(layout->size, kWeightAlignment);
  return success();
}

} // namespace sinkc
