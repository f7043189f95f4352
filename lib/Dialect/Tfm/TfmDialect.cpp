//===- TfmDialect.cpp - tfm dialect registration --------------------------===//

#include "sinkc/Dialect/Tfm/TfmDialect.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace sinkc::tfm;

#include "sinkc/Dialect/Tfm/TfmOpsDialect.cpp.inc"

void TfmDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "sinkc/Dialect/Tfm/TfmOps.cpp.inc"
      >();
}

Operation *TfmDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                           Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

namespace {

/// Moves static dimensions that inference now knows (typically after operands
/// folded to constants) into the declared result types. Users in the tfm
/// dialect re-infer from the refined type; any other user keeps seeing the
/// old type through a tensor.cast.
struct RefineResultTypes : public RewritePattern {
  RefineResultTypes(MLIRContext *context)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa_and_nonnull<TfmDialect>(op->getDialect()))
      return failure();
    auto inferable = dyn_cast<InferTypeOpInterface>(op);
    if (!inferable)
      return failure();
    SmallVector<Type> inferred;
    if (failed(inferable.inferReturnTypes(
            op->getContext(), op->getLoc(), op->getOperands(),
            op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
            op->getRegions(), inferred)))
      return failure();
    SmallVector<std::pair<OpResult, RankedTensorType>> refinements;
    for (auto [result, inferredType] : llvm::zip(op->getResults(), inferred)) {
      auto declared = dyn_cast<RankedTensorType>(result.getType());
      auto known = dyn_cast<RankedTensorType>(inferredType);
      if (!declared || !known || declared.getRank() != known.getRank())
        continue;
      SmallVector<int64_t> dims = llvm::to_vector(declared.getShape());
      bool changed = false;
      for (auto [i, d] : llvm::enumerate(known.getShape())) {
        if (dims[i] == ShapedType::kDynamic && d != ShapedType::kDynamic) {
          dims[i] = d;
          changed = true;
        }
      }
      if (changed)
        refinements.push_back({result, declared.clone(dims)});
    }
    if (refinements.empty())
      return failure();
    rewriter.setInsertionPointAfter(op);
    for (auto &refinement : refinements) {
      OpResult result = refinement.first;
      RankedTensorType refined = refinement.second;
      Type oldType = result.getType();
      rewriter.modifyOpInPlace(op, [&] { result.setType(refined); });
      Value cast;
      for (OpOperand &use : llvm::make_early_inc_range(result.getUses())) {
        if (isa_and_nonnull<TfmDialect>(use.getOwner()->getDialect()))
          continue;
        if (!cast)
          cast =
              tensor::CastOp::create(rewriter, op->getLoc(), oldType, result);
        if (use.getOwner() == cast.getDefiningOp())
          continue;
        rewriter.modifyOpInPlace(use.getOwner(), [&] { use.set(cast); });
      }
    }
    return success();
  }
};

} // namespace

void TfmDialect::getCanonicalizationPatterns(RewritePatternSet &results) const {
  results.add<RefineResultTypes>(getContext());
}
