//===- FuseResidualAdds.cpp - residual adds as the products' accumulators -===//
//
// A decoder block ends its attention and its MLP with x + W(...): a product
// against packed weights, then an elementwise add of the residual stream.
// The runtime's matrix kernel can add its result to what its destination
// holds (sinkrt_matmul_*_packed's `accumulate`), so the add is one pass over
// [T, D] that need not exist: this pass makes the residual the product's
// destination (seen as the product's [M, P, NR] panels through reshapes) in
// place of the zero fill, and uses the product's result for the add's.
// Bufferization then writes the product onto the residual's buffer (in
// place where the residual dies there, as it does in a decoder block).
//
// Only when nothing else reads the product (an instrumented MLP output keeps
// its add) and the packed columns are exactly the add's last dimension (no
// zero padding to slice off). The sums change order only across the kernel's
// K blocks: a K block's products are summed in registers and then added to
// the destination, so for K up to one block (1024 rows with the AVX-512
// tile, 512 with the AVX2 one) every bit is as before.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_FUSERESIDUALADDS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

/// Whether `op` is out = in0 + in1 over f32 tensors of one shape (identity
/// maps, all loops parallel).
bool isPlainAdd(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0 || !op.hasPureTensorSemantics())
    return false;
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isIdentity())
      return false;
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 2)
    return false;
  auto add = dyn_cast<arith::AddFOp>(body.front());
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!add || !yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != add.getResult() || !add.getType().isF32())
    return false;
  Value lhs = add.getLhs(), rhs = add.getRhs();
  Value in0 = body.getArgument(0), in1 = body.getArgument(1);
  return (lhs == in0 && rhs == in1) || (lhs == in1 && rhs == in0);
}

/// The packed product that `value` is, through reshapes that nothing else
/// reads: its init must be a zero fill of an empty tensor, and its panels
/// [M, P, NR] must hold exactly the value's last dimension.
linalg::GenericOp soleProductBehind(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() < 2 || type.isDynamicDim(type.getRank() - 1))
    return nullptr;
  Value source = valueBeforeReshapes(value, /*soleUses=*/true);
  auto product = source ? source.getDefiningOp<linalg::GenericOp>() : nullptr;
  if (!product || !product->hasAttr(kPackedMatmulMarker) ||
      product->getNumResults() != 1)
    return nullptr;
  auto fill = product.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
  auto panels = cast<RankedTensorType>(product.getResult(0).getType());
  if (!fill || !isPositiveZeroFill(fill) || panels.getRank() != 3 ||
      panels.isDynamicDim(1) || panels.isDynamicDim(2) ||
      panels.getDimSize(1) * panels.getDimSize(2) !=
          type.getDimSize(type.getRank() - 1))
    return nullptr;
  return product;
}

/// `residual` [..., N] as the product's [M, P, NR] destination: the leading
/// dimensions collapsed into M, N expanded into panels.
Value asPanels(OpBuilder &b, Location loc, Value residual,
               RankedTensorType panels) {
  auto type = cast<RankedTensorType>(residual.getType());
  int64_t rank = type.getRank();
  SmallVector<ReassociationIndices> rows(2);
  for (int64_t d = 0; d + 1 < rank; ++d)
    rows[0].push_back(d);
  rows[1].push_back(rank - 1);
  Value matrix = tensor::CollapseShapeOp::create(b, loc, residual, rows);
  SmallVector<OpFoldResult> shape = {tensor::getMixedSize(b, loc, matrix, 0),
                                     b.getIndexAttr(panels.getDimSize(1)),
                                     b.getIndexAttr(panels.getDimSize(2))};
  return tensor::ExpandShapeOp::create(
      b, loc, panels, matrix, SmallVector<ReassociationIndices>{{0}, {1, 2}},
      shape);
}

struct FuseResidualAddsPass
    : public impl::FuseResidualAddsBase<FuseResidualAddsPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> adds;
    getOperation().walk([&](linalg::GenericOp op) {
      if (isPlainAdd(op))
        adds.push_back(op);
    });
    for (linalg::GenericOp add : adds) {
      for (int64_t side = 0; side < 2; ++side) {
        Value fromProduct = add.getDpsInputs()[side];
        Value residual = add.getDpsInputs()[1 - side];
        linalg::GenericOp product = soleProductBehind(fromProduct);
        if (!product || residual.getType() != add.getResult(0).getType() ||
            fromProduct.getType() != add.getResult(0).getType())
          continue;
        // The residual must exist before the product reads its destination.
        Operation *definer = residual.getDefiningOp();
        if (definer && (definer->getBlock() != product->getBlock() ||
                        !definer->isBeforeInBlock(product)))
          continue;
        if (!definer &&
            cast<BlockArgument>(residual).getOwner() != product->getBlock())
          continue;
        OpBuilder b(product);
        auto panels = cast<RankedTensorType>(product.getResult(0).getType());
        Value init = asPanels(b, product.getLoc(), residual, panels);
        auto fill = product.getDpsInits()[0].getDefiningOp<linalg::FillOp>();
        product.getDpsInitsMutable()[0].set(init);
        if (fill->use_empty())
          fill->erase();
        add.getResult(0).replaceAllUsesWith(fromProduct);
        add->erase();
        break;
      }
    }
  }
};

} // namespace
} // namespace sinkc
