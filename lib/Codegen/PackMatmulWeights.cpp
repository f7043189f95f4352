//===- PackMatmulWeights.cpp - weights in the micro-kernel's layout -------===//
//
// A product against a constant B[K, N] (or the transpose of a constant
// [N, K]: Gemm with transB, tied embeddings) reads B once per row tile of A.
// The weights are known at compile time, so they are written once in the layout
// the micro-kernel streams: panels Bp[P][K][NR] (P = ceil(N / NR), the last
// panel zero-padded), contiguous in K inside a panel. The product stays a
// plain linalg op over the packed view:
//
//   C3[m, p, j] = sum_k A[m, k] * Bp[p, k, j]     C = C3 as [M, P * NR][:, :N]
//
// so any back end can compile it; sinkc-lower-packed-matmuls hands it to the
// runtime's kernel for the target (docs/codegen.md).
//
// The panels are stored as `weights-dtype` (f32, f16 or bf16; the product
// widens Bp's elements and computes in f32). The constant may be f32, f16 or
// bf16 itself, read through the elementwise widening that a checkpoint's
// Cast(to=FLOAT) became: a bf16 checkpoint packed as bf16 is copied exactly,
// and no f32 copy of it is ever made.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"
#include "sinkc/Support/FileMapping.h"
#include "sinkc/Support/Location.h"
#include "sinkc/Support/WeightStorage.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_PACKMATMULWEIGHTS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

/// Packed weights are produced in pieces of about this size.
constexpr uint64_t kPackChunkBytes = 4 << 20;
/// Bytes in a (4 KiB or larger) page, for giving source pages back.
constexpr int64_t kPageBytes = 4096;

/// Whether `op` only widens its one operand elementwise (a Cast(to=FLOAT) of
/// a narrower weight, lowered): its result holds the operand's values
/// exactly, so packing may read the operand instead.
bool isWidening(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 0 ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return false;
  Block &body = op.getRegion().front();
  auto extend = dyn_cast<arith::ExtFOp>(&body.front());
  return extend && extend.getIn() == body.getArgument(0) &&
         body.getOperations().size() == 2 &&
         body.getTerminator()->getOperand(0) == extend.getResult();
}

/// `value` without the widening generics that produce it, which are
/// appended to `chain`.
Value stripWidening(Value value, SmallVectorImpl<Operation *> &chain) {
  while (auto generic = value.getDefiningOp<linalg::GenericOp>()) {
    if (!isWidening(generic))
      break;
    chain.push_back(generic);
    value = generic.getDpsInputs()[0];
  }
  return value;
}

/// The name a message gives a weight: its initializer's (the importer
/// names the blob and the location after it).
std::string weightName(arith::ConstantOp constant) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
    return resource.getRawHandle().getKey().str();
  StringRef name = onnxNodeName(constant.getLoc());
  return name.empty() ? "?" : name.str();
}

/// Whether `value` is a linalg.fill of +0.0.
bool isZeroFill(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && isPositiveZeroFill(fill);
}

struct PackMatmulWeightsPass
    : public impl::PackMatmulWeightsBase<PackMatmulWeightsPass> {
  using PackMatmulWeightsBase::PackMatmulWeightsBase;

  /// Where large packed weights go (created on first use; shared, so the
  /// pass stays copyable as the pass manager's clones need).
  std::shared_ptr<ScratchFile> scratch;

  /// The element type of the panels.
  Type storage;

  void runOnOperation() override {
    if (panelWidth <= 0)
      return;
    storage =
        weightStorageTypeOrError(getOperation(), getArgument(), weightsDType);
    if (!storage)
      return signalPassFailure();
    unsigned counter = 0;
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation()->walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp matmul : matmuls)
      if (failed(pack(matmul, counter)))
        return signalPassFailure();
  }

  /// Bp[p, kk, j] = B[kk, p * width + j] (B^T's element when `transposed`)
  /// rounded to the storage type, zero past column n: the padding columns
  /// compute zeros that nobody reads, and every panel is a whole register
  /// tile wide. A large result is written to a scratch file a few panels at
  /// a time, and the pages of the source are given back as soon as they are
  /// read, so packing a model holds neither copy of its weights in memory.
  FailureOr<AsmResourceBlob> packPanels(const FloatWeights &values, int64_t k,
                                        int64_t n, int64_t width,
                                        bool transposed,
                                        arith::ConstantOp constant) {
    int64_t panels = llvm::divideCeil(n, width);
    int64_t elementBytes = storage.getIntOrFloatBitWidth() / 8;
    uint64_t panelBytes = k * width * elementBytes;
    // The first value the storage type cannot hold (source index, value).
    std::optional<std::pair<int64_t, float>> overflow;
    auto fill = [&](int64_t firstPanel, MutableArrayRef<char> bytes) {
      // All-zero bits are +0.0 in each storage type.
      std::fill(bytes.begin(), bytes.end(), 0);
      int64_t count = bytes.size() / panelBytes;
      for (int64_t panel = 0; panel < count; ++panel) {
        int64_t column = (firstPanel + panel) * width;
        int64_t columns = std::min(width, n - column);
        for (int64_t kk = 0; kk < k; ++kk) {
          int64_t first = transposed ? column * k + kk : kk * n + column;
          int64_t stride = transposed ? k : 1;
          int64_t bad = convertWeights(values, first, stride, columns, storage,
                                       bytes.data() + (panel * k + kk) * width *
                                                          elementBytes);
          if (bad >= 0 && !overflow)
            overflow = {first + bad * stride, values[first + bad * stride]};
        }
      }
      // The source elements of these panels are not read again: B^T's rows,
      // or B's columns in every row (from a page back, so that pages
      // straddling the previous chunk's end go too).
      int64_t begin = firstPanel * width;
      int64_t end = std::min(n, (firstPanel + count) * width);
      if (transposed) {
        releaseFileBackedPages(values.raw(begin * k, end * k));
      } else {
        int64_t slack = kPageBytes / values.elementBytes();
        for (int64_t kk = 0; kk < k; ++kk) {
          int64_t from = std::max<int64_t>(0, begin - slack);
          releaseFileBackedPages(values.raw(kk * n + from, kk * n + end));
        }
      }
    };
    auto finish = [&]() -> LogicalResult {
      releaseFileBackedPages(values.raw(0, values.size()));
      if (overflow)
        return constant.emitError(weightRangeMessage(
            weightName(constant), storage, overflow->second, overflow->first));
      return success();
    };
    uint64_t size = panels * panelBytes;
    if (size < kScratchThresholdBytes) {
      auto blob = HeapAsmResourceBlob::allocate(size, /*align=*/64);
      fill(0, blob.getMutableData());
      if (failed(finish()))
        return failure();
      return blob;
    }
    if (!scratch) {
      auto created = ScratchFile::create();
      if (!created)
        return constant.emitError(llvm::toString(created.takeError()));
      scratch = std::move(*created);
    }
    uint64_t chunk =
        std::max<uint64_t>(1, kPackChunkBytes / panelBytes) * panelBytes;
    auto mapping = scratch->append(
        size, chunk, [&](uint64_t offset, MutableArrayRef<char> bytes) {
          fill(offset / panelBytes, bytes);
        });
    if (!mapping)
      return constant.emitError("packing the weights: ")
             << llvm::toString(mapping.takeError());
    if (failed(finish()))
      return failure();
    ArrayRef<char> bytes = (*mapping)->bytes();
    return blobFromMapping(std::move(*mapping), bytes, /*alignment=*/64);
  }

  LogicalResult pack(linalg::MatmulOp matmul, unsigned &counter) {
    // Only the plain form: no transposed or broadcast indexing maps, no
    // casts inside the body, a result starting from zero.
    if (!matmul.hasPureTensorSemantics() ||
        matmul.getIndexingMapsArray() !=
            matmul.getDefaultIndexingMaps(matmul.getContext()) ||
        !isZeroFill(matmul.getOutputs()[0]))
      return success();
    Value lhs = matmul.getInputs()[0], rhs = matmul.getInputs()[1];
    auto lhsType = dyn_cast<RankedTensorType>(lhs.getType());
    auto rhsType = dyn_cast<RankedTensorType>(rhs.getType());
    auto resultType = dyn_cast<RankedTensorType>(matmul.getResultTypes()[0]);
    if (!lhsType || !rhsType || !resultType ||
        !lhsType.getElementType().isF32() ||
        !rhsType.getElementType().isF32() ||
        !resultType.getElementType().isF32() || !rhsType.hasStaticShape())
      return success();
    // The weight, or its transpose (a Gemm with transB, a tied embedding
    // used as the vocabulary projection): packing reads it transposed, so
    // the run no longer transposes a weight on every forward. Either may be
    // the widening of a narrower constant, which packing reads directly.
    SmallVector<Operation *> chain;
    Value source = stripWidening(rhs, chain);
    auto transpose = source.getDefiningOp<linalg::TransposeOp>();
    bool transposed = transpose && transpose.hasPureTensorSemantics() &&
                      transpose.getPermutation() == ArrayRef<int64_t>{1, 0};
    if (transposed) {
      chain.push_back(transpose);
      source = stripWidening(transpose.getInput(), chain);
    }
    auto constant = source.getDefiningOp<arith::ConstantOp>();
    if (!constant)
      return success();
    std::optional<FloatWeights> values = FloatWeights::get(constant.getValue());
    int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1);
    // A resource blob is only bytes: one that does not hold K x N elements
    // is left to the generic schedule rather than read past its end.
    if (!values || values->size() != k * n)
      return success();
    chain.push_back(constant);

    int64_t width = panelWidth;
    int64_t panels = llvm::divideCeil(n, width);
    FailureOr<AsmResourceBlob> blob =
        packPanels(*values, k, n, width, transposed, constant);
    if (failed(blob))
      return failure();

    OpBuilder b(matmul);
    Location loc = matmul.getLoc();
    auto packedType = RankedTensorType::get({panels, k, width}, storage);
    std::string name = "sinkc_packed_" + std::to_string(counter++);
    Value packedWeights = arith::ConstantOp::create(
        b, loc,
        cast<TypedAttr>(DenseResourceElementsAttr::get(packedType, name,
                                                       std::move(*blob))));

    // C3[m, p, j] = sum_k A[m, k] * Bp[p, k, j].
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, lhs, 0),
                                       b.getIndexAttr(panels),
                                       b.getIndexAttr(width)};
    Value init = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    init = linalg::FillOp::create(b, loc, zero, init).getResult(0);
    MLIRContext *ctx = b.getContext();
    AffineExpr m, p, kk, j;
    bindDims(ctx, m, p, kk, j);
    SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {m, kk}, ctx),
                                   AffineMap::get(4, 0, {p, kk, j}, ctx),
                                   AffineMap::get(4, 0, {m, p, j}, ctx)};
    SmallVector<utils::IteratorType> iterators = {
        utils::IteratorType::parallel, utils::IteratorType::parallel,
        utils::IteratorType::reduction, utils::IteratorType::parallel};
    auto product = linalg::GenericOp::create(
        b, loc, init.getType(), ValueRange{lhs, packedWeights},
        ValueRange{init}, maps, iterators,
        [](OpBuilder &nested, Location nestedLoc, ValueRange args) {
          Value weight = args[1];
          if (weight.getType() != args[0].getType())
            weight = arith::ExtFOp::create(nested, nestedLoc, args[0].getType(),
                                           weight);
          Value mul = arith::MulFOp::create(nested, nestedLoc, args[0], weight);
          Value add = arith::AddFOp::create(nested, nestedLoc, args[2], mul);
          linalg::YieldOp::create(nested, nestedLoc, add);
        });
    product->setAttr(kPackedMatmulMarker, b.getI64IntegerAttr(width));
    product->setLoc(loc);

    Value result = tensor::CollapseShapeOp::create(
        b, loc, product.getResult(0),
        SmallVector<ReassociationIndices>{{0}, {1, 2}});
    if (panels * width != n) {
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0),
                                           b.getIndexAttr(0)};
      SmallVector<OpFoldResult> resultSizes = {
          tensor::getMixedSize(b, loc, lhs, 0), b.getIndexAttr(n)};
      SmallVector<OpFoldResult> strides = {b.getIndexAttr(1),
                                           b.getIndexAttr(1)};
      result = tensor::ExtractSliceOp::create(b, loc, result, offsets,
                                              resultSizes, strides);
    }
    if (result.getType() != resultType)
      result = tensor::CastOp::create(b, loc, resultType, result);
    auto zeroFill = matmul.getOutputs()[0].getDefiningOp<linalg::FillOp>();
    matmul.getResult(0).replaceAllUsesWith(result);
    matmul.erase();
    // The product's old zero-filled output: bufferized, a dead fill still
    // writes its buffer, so it would be allocated and cleared on every
    // forward pass ([T, V] floats for the vocabulary projection).
    if (zeroFill && zeroFill->use_empty()) {
      auto empty = zeroFill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
      zeroFill.erase();
      if (empty && empty->use_empty())
        empty.erase();
    }
    // The unpacked weight must not reach the weights file as well (nor be
    // widened on every forward).
    for (Operation *op : chain) {
      if (!op->use_empty())
        break;
      op->erase();
    }
    return success();
  }
};

} // namespace
} // namespace sinkc
