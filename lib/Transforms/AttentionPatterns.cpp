//===- AttentionPatterns.cpp - Operands of exported attention -------------===//

#include "sinkc/Transforms/AttentionPatterns.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace sinkc {

using namespace mlir;

Value skipIdentities(Value value) {
  while (auto identity = value.getDefiningOp<tfm::IdentityOp>())
    value = identity.getInput();
  return value;
}

Value keysFromTransposed(OpBuilder &b, Location loc, Value kt) {
  auto type = cast<RankedTensorType>(kt.getType());
  SmallVector<int64_t> swap = {0, 1, 3, 2};
  Value source = kt;
  SmallVector<int64_t> perm = swap;
  if (auto transpose = skipIdentities(kt).getDefiningOp<tfm::TransposeOp>()) {
    ArrayRef<int64_t> inner = transpose.getPerm();
    // transpose(transpose(X, p), s) = transpose(X, p o s).
    source = transpose.getInput();
    for (int64_t i = 0; i < 4; ++i)
      perm[i] = inner[swap[i]];
  }
  if (llvm::equal(perm, ArrayRef<int64_t>{0, 1, 2, 3}))
    return source;
  ArrayRef<int64_t> shape = cast<RankedTensorType>(source.getType()).getShape();
  SmallVector<int64_t> dims;
  for (int64_t p : perm)
    dims.push_back(shape[p]);
  return tfm::TransposeOp::create(
      b, loc, RankedTensorType::get(dims, type.getElementType()), source,
      b.getDenseI64ArrayAttr(perm));
}

Value unrepeatHeads(Value value) {
  auto reshape = skipIdentities(value).getDefiningOp<tfm::ReshapeOp>();
  if (!reshape)
    return value;
  auto expand =
      skipIdentities(reshape.getInput()).getDefiningOp<tfm::ExpandOp>();
  if (!expand)
    return value;
  auto unsqueeze =
      skipIdentities(expand.getInput()).getDefiningOp<tfm::UnsqueezeOp>();
  if (!unsqueeze || unsqueeze.getAxes().size() != 1 ||
      unsqueeze.getAxes()[0] != 2)
    return value;
  Value base = unsqueeze.getInput();
  auto baseType = cast<RankedTensorType>(base.getType());
  auto expandedType = cast<RankedTensorType>(expand.getType());
  auto resultType = cast<RankedTensorType>(reshape.getType());
  if (baseType.getRank() != 4 || expandedType.getRank() != 5 ||
      resultType.getRank() != 4)
    return value;
  int64_t hkv = baseType.getDimSize(1), n = expandedType.getDimSize(2);
  if (ShapedType::isDynamic(hkv) || ShapedType::isDynamic(n) ||
      expandedType.getDimSize(1) != hkv ||
      resultType.getDimSize(1) != hkv * n ||
      baseType.getDimSize(3) != resultType.getDimSize(3) ||
      ShapedType::isDynamic(baseType.getDimSize(3)))
    return value;
  return base;
}

namespace {

/// Ops between the scores product and the softmax that the exporters use to
/// scale, mask or soft-cap the scores, elementwise.
bool isScoresChainOp(Operation *op) {
  return isa<tfm::AddOp, tfm::SubOp, tfm::MulOp, tfm::DivOp, tfm::WhereOp,
             tfm::CastOp, tfm::IdentityOp, tfm::TanhOp>(op);
}

bool isFloatRank4(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 4 && isa<FloatType>(type.getElementType());
}

} // namespace

tfm::MatMulOp findScoresProduct(tfm::SoftmaxOp softmax) {
  // The masks are built from ranges, comparisons and constants, never from a
  // rank-4 product, so the one product found is the scores'.
  SmallVector<Value> worklist = {softmax.getInput()};
  llvm::SmallPtrSet<Operation *, 16> visited;
  tfm::MatMulOp found;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val().getDefiningOp();
    if (!op || !visited.insert(op).second)
      continue;
    if (auto matmul = dyn_cast<tfm::MatMulOp>(op)) {
      if (!isFloatRank4(matmul.getResult()) || !isFloatRank4(matmul.getLhs()) ||
          !isFloatRank4(matmul.getRhs()))
        continue;
      if (found && found != matmul)
        return {};
      found = matmul;
      continue;
    }
    if (isScoresChainOp(op))
      llvm::append_range(worklist, op->getOperands());
  }
  return found;
}

tfm::MatMulOp findValuesProduct(tfm::SoftmaxOp softmax) {
  SmallVector<Value> worklist = {softmax.getResult()};
  tfm::MatMulOp found;
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (isa<tfm::CastOp, tfm::IdentityOp>(user)) {
        worklist.push_back(user->getResult(0));
        continue;
      }
      auto matmul = dyn_cast<tfm::MatMulOp>(user);
      if (!matmul || use.getOperandNumber() != 0)
        continue;
      if (found && found != matmul)
        return {};
      found = matmul;
    }
  }
  return found;
}

} // namespace sinkc
