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
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"
#include "sinkc/Support/FileMapping.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_PACKMATMULWEIGHTS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

/// Packed weights are produced in pieces of about this size.
constexpr uint64_t kPackChunkBytes = 4 << 20;
/// Floats in a (4 KiB or larger) page, for giving source pages back.
constexpr int64_t kPageFloats = 4096 / sizeof(float);

/// The values of an f32 constant, dense or a resource blob.
std::optional<ArrayRef<float>> constantValues(Attribute value,
                                              std::vector<float> &storage) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || !resource.getElementType().isF32())
      return std::nullopt;
    ArrayRef<char> bytes = blob->getData();
    return ArrayRef<float>(reinterpret_cast<const float *>(bytes.data()),
                           bytes.size() / sizeof(float));
  }
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense || !dense.getElementType().isF32())
    return std::nullopt;
  storage.assign(dense.getValues<float>().begin(),
                 dense.getValues<float>().end());
  return ArrayRef<float>(storage);
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

  void runOnOperation() override {
    if (panelWidth <= 0)
      return;
    unsigned counter = 0;
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation()->walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp matmul : matmuls)
      if (failed(pack(matmul, counter)))
        return signalPassFailure();
  }

  /// Bp[p, kk, j] = B[kk, p * width + j] (B^T's element when `transposed`),
  /// zero past column n: the padding columns compute zeros that nobody
  /// reads, and every panel is a whole register tile wide. A large result is
  /// written to a scratch file a few panels at a time, and the pages of the
  /// source are given back as soon as they are read, so packing a model holds
  /// neither copy of its weights in memory.
  FailureOr<AsmResourceBlob> packPanels(ArrayRef<float> values, int64_t k,
                                        int64_t n, int64_t width,
                                        bool transposed, Operation *op) {
    int64_t panels = llvm::divideCeil(n, width);
    uint64_t panelBytes = k * width * sizeof(float);
    auto fill = [&](int64_t firstPanel, MutableArrayRef<char> bytes) {
      MutableArrayRef<float> packed(reinterpret_cast<float *>(bytes.data()),
                                    bytes.size() / sizeof(float));
      std::fill(packed.begin(), packed.end(), 0.0f);
      int64_t count = bytes.size() / panelBytes;
      for (int64_t panel = 0; panel < count; ++panel) {
        int64_t column = (firstPanel + panel) * width;
        for (int64_t kk = 0; kk < k; ++kk)
          for (int64_t j = 0; j < width && column + j < n; ++j)
            packed[(panel * k + kk) * width + j] =
                transposed ? values[(column + j) * k + kk]
                           : values[kk * n + column + j];
      }
      // The source elements of these panels are not read again: B^T's rows,
      // or B's columns in every row (from a page back, so that pages
      // straddling the previous chunk's end go too).
      auto release = [](ArrayRef<float> read) {
        releaseFileBackedPages(
            ArrayRef<char>(reinterpret_cast<const char *>(read.data()),
                           read.size() * sizeof(float)));
      };
      int64_t begin = firstPanel * width;
      int64_t end = std::min(n, (firstPanel + count) * width);
      if (transposed) {
        release(values.slice(begin * k, (end - begin) * k));
      } else {
        int64_t slack = kPageFloats;
        for (int64_t kk = 0; kk < k; ++kk) {
          int64_t from = std::max<int64_t>(0, begin - slack);
          release(values.slice(kk * n + from, end - from));
        }
      }
    };
    uint64_t size = panels * panelBytes;
    auto releaseSource = [&] {
      releaseFileBackedPages(
          ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                         values.size() * sizeof(float)));
    };
    if (size < kScratchThresholdBytes) {
      auto blob = HeapAsmResourceBlob::allocate(size, /*align=*/64);
      fill(0, blob.getMutableData());
      releaseSource();
      return blob;
    }
    if (!scratch) {
      auto created = ScratchFile::create();
      if (!created)
        return op->emitError(llvm::toString(created.takeError()));
      scratch = std::move(*created);
    }
    uint64_t chunk =
        std::max<uint64_t>(1, kPackChunkBytes / panelBytes) * panelBytes;
    auto mapping = scratch->append(
        size, chunk, [&](uint64_t offset, MutableArrayRef<char> bytes) {
          fill(offset / panelBytes, bytes);
        });
    if (!mapping)
      return op->emitError("packing the weights: ")
             << llvm::toString(mapping.takeError());
    releaseSource();
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
    // the run no longer transposes a weight on every forward.
    auto transpose = rhs.getDefiningOp<linalg::TransposeOp>();
    bool transposed = transpose && transpose.hasPureTensorSemantics() &&
                      transpose.getPermutation() == ArrayRef<int64_t>{1, 0};
    auto constant = (transposed ? transpose.getInput() : rhs)
                        .getDefiningOp<arith::ConstantOp>();
    if (!constant)
      return success();
    std::vector<float> storage;
    std::optional<ArrayRef<float>> values =
        constantValues(constant.getValue(), storage);
    int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1);
    // A resource blob is only bytes: one that does not hold K x N floats is
    // left to the generic schedule rather than read past its end.
    if (!values || isa<SplatElementsAttr>(constant.getValue()) ||
        static_cast<int64_t>(values->size()) != k * n)
      return success();

    int64_t width = panelWidth;
    int64_t panels = llvm::divideCeil(n, width);
    FailureOr<AsmResourceBlob> blob =
        packPanels(*values, k, n, width, transposed, matmul);
    if (failed(blob))
      return failure();

    OpBuilder b(matmul);
    Location loc = matmul.getLoc();
    auto packedType = RankedTensorType::get({panels, k, width}, b.getF32Type());
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
          Value mul =
              arith::MulFOp::create(nested, nestedLoc, args[0], args[1]);
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
    matmul.getResult(0).replaceAllUsesWith(result);
    matmul.erase();
    // The unpacked weight must not reach the weights file as well.
    if (transposed && transpose->use_empty())
      transpose.erase();
    if (constant->use_empty())
      constant.erase();
    return success();
  }
};

} // namespace
} // namespace sinkc
