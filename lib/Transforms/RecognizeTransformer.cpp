//===- RecognizeTransformer.cpp - the sinkc-recognize-transformer pass ----===//
//
// Finds the decoder blocks of an imported transformer from the structure of
// its graph and marks, per block, the block input, the attention
// probabilities, the attention output and the MLP output. The algorithm is
// described in docs/instrumentation.md; in short:
//
//  1. Attention probabilities are the softmaxes whose result (through casts)
//     is the left operand of a matmul: probabilities times values.
//  2. A stream add is an elementwise add of two float tensors of the result's
//     shape (no broadcasting). The first stream add that skips over an
//     attention softmax (one operand is computed from the other, through an
//     attention) is the first residual add; its skipped operand is x_0.
//  3. From x_0 the residual stream follows the stream adds that use the
//     current stream value; the other operand of each is a branch.
//  4. A branch that is itself a stream add of two off-stream values (GPT-NeoX:
//     attn + mlp) is split. A branch piece whose computation (back to the
//     stream) contains an attention softmax is an attention output and starts
//     a block; any other piece is that block's MLP output.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Support/Error.h"
#include "sinkc/Support/Location.h"
#include "sinkc/Transforms/Instrumentation.h"
#include "sinkc/Transforms/PassSupport.h"
#include "sinkc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

namespace sinkc {
#define GEN_PASS_DEF_CLEARRECOGNITIONMARKS
#define GEN_PASS_DEF_RECOGNIZETRANSFORMER
#include "sinkc/Transforms/Passes.h.inc"

using namespace mlir;

namespace {

/// One decoder block as found.
struct DecoderBlock {
  Value input;
  tfm::SoftmaxOp probs;
  Value attentionOutput;
  Value mlpOutput;
};

/// Ops that pass a value through unchanged as far as the structure goes.
bool isTransparent(Operation *op) {
  return isa<tfm::CastOp, tfm::IdentityOp>(op);
}

/// A softmax whose result, through casts, is the left operand of a matmul:
/// the attention probabilities multiplied with the values.
bool isAttentionSoftmax(tfm::SoftmaxOp softmax) {
  SmallVector<Value> worklist = {softmax.getResult()};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (auto matmul = dyn_cast<tfm::MatMulOp>(user))
        if (use.getOperandNumber() == 0)
          return true;
      if (isTransparent(user))
        worklist.push_back(user->getResult(0));
    }
  }
  return false;
}

bool compatibleDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// An elementwise add of two float tensors of the result's shape: what a
/// residual connection (and a merge of parallel branches) looks like. Bias
/// and position-embedding adds broadcast and are not stream adds.
bool isStreamAdd(Operation *op) {
  auto add = dyn_cast_or_null<tfm::AddOp>(op);
  if (!add)
    return false;
  auto result = dyn_cast<RankedTensorType>(add.getType());
  if (!result || result.getRank() < 2 ||
      !isa<FloatType>(result.getElementType()))
    return false;
  for (Value operand : {add.getLhs(), add.getRhs()}) {
    auto type = cast<RankedTensorType>(operand.getType());
    if (type.getRank() != result.getRank())
      return false;
    for (auto [a, b] : llvm::zip(type.getShape(), result.getShape()))
      if (!compatibleDims(a, b) || (a == 1 && b != 1))
        return false;
  }
  // The hidden dimension is known in every real export.
  return !result.isDynamicDim(result.getRank() - 1);
}

/// A reshape that keeps the hidden (last) dimension: the same residual stream
/// in another token layout.
bool isReshape(Operation *op) {
  if (!isa<tfm::ReshapeOp, tfm::FlattenOp, tfm::SqueezeOp, tfm::UnsqueezeOp>(
          op))
    return false;
  auto input = cast<RankedTensorType>(op->getOperand(0).getType());
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  return result.getRank() >= 2 && !input.isDynamicDim(input.getRank() - 1) &&
         input.getShape().back() == result.getShape().back();
}

/// Backward data-flow queries on the single block of the model function.
/// Shape-only uses (tfm.shape) are not dependences: the causal mask and the
/// positions are computed from the shape of the hidden states, not from their
/// values.
class DataFlow {
public:
  /// True when `value` is computed from `source`.
  bool dependsOn(Value value, Value source) {
    Operation *sourceOp = source.getDefiningOp();
    llvm::DenseSet<Operation *> visited;
    SmallVector<Value> worklist = {value};
    while (!worklist.empty()) {
      Value current = worklist.pop_back_val();
      if (current == source)
        return true;
      Operation *op = current.getDefiningOp();
      if (!op || !visited.insert(op).second)
        continue;
      // Block order is a topological order: nothing defined before the
      // source can depend on it.
      if (sourceOp && (op == sourceOp || op->isBeforeInBlock(sourceOp)))
        continue;
      if (isa<tfm::ShapeOp>(op))
        continue;
      for (Value operand : op->getOperands())
        worklist.push_back(operand);
    }
    return false;
  }

  /// The attention softmaxes in the computation of `value`, searching back
  /// until a value of `boundary` (the residual stream).
  SmallVector<tfm::SoftmaxOp>
  attentionSoftmaxesIn(Value value, const llvm::DenseSet<Value> &boundary,
                       const llvm::DenseSet<Operation *> &attention) {
    SmallVector<tfm::SoftmaxOp> found;
    llvm::DenseSet<Operation *> visited;
    SmallVector<Value> worklist = {value};
    while (!worklist.empty()) {
      Value current = worklist.pop_back_val();
      if (boundary.contains(current))
        continue;
      Operation *op = current.getDefiningOp();
      if (!op || !visited.insert(op).second || isa<tfm::ShapeOp>(op))
        continue;
      if (attention.contains(op))
        found.push_back(cast<tfm::SoftmaxOp>(op));
      for (Value operand : op->getOperands())
        worklist.push_back(operand);
    }
    return found;
  }
};

/// The recognition proper; `notes` collects what was found, for the
/// diagnostic when something is missing.
class Recognizer {
public:
  explicit Recognizer(func::FuncOp function) : function(function) {}

  FailureOr<SmallVector<DecoderBlock>> run();
  std::string takeMessage() { return message; }

private:
  LogicalResult fail(const Twine &what) {
    message = what.str();
    return failure();
  }
  FailureOr<Value> findFirstBlockInput();
  void splitBranch(Value branch, SmallVectorImpl<Value> &pieces);

  func::FuncOp function;
  DataFlow flow;
  SmallVector<tfm::SoftmaxOp> attentionSoftmaxes;
  llvm::DenseSet<Operation *> attentionSet;
  llvm::DenseSet<Value> stream;
  std::string message;
};

FailureOr<Value> Recognizer::findFirstBlockInput() {
  Operation *firstAttention = attentionSoftmaxes.front();
  for (Operation &op : function.getBody().front()) {
    if (op.isBeforeInBlock(firstAttention) || !isStreamAdd(&op))
      continue;
    for (auto [skipped, branch] :
         {std::pair(op.getOperand(0), op.getOperand(1)),
          std::pair(op.getOperand(1), op.getOperand(0))}) {
      if (!flow.dependsOn(branch, skipped))
        continue;
      llvm::DenseSet<Value> boundary = {skipped};
      if (!flow.attentionSoftmaxesIn(branch, boundary, attentionSet).empty())
        return skipped;
    }
  }
  return failure();
}

void Recognizer::splitBranch(Value branch, SmallVectorImpl<Value> &pieces) {
  Operation *op = branch.getDefiningOp();
  if (op && isStreamAdd(op) && !stream.contains(op->getOperand(0)) &&
      !stream.contains(op->getOperand(1))) {
    SmallVector<Value> split;
    splitBranch(op->getOperand(0), split);
    splitBranch(op->getOperand(1), split);
    // Only a merge of attention and MLP is split; a sum inside an MLP (or
    // inside an attention) stays one piece.
    int attentionPieces = 0;
    for (Value piece : split)
      if (!flow.attentionSoftmaxesIn(piece, stream, attentionSet).empty())
        ++attentionPieces;
    if (attentionPieces == 1 && split.size() > 1) {
      pieces.append(split);
      return;
    }
  }
  pieces.push_back(branch);
}

FailureOr<SmallVector<DecoderBlock>> Recognizer::run() {
  if (!function.getBody().hasOneBlock())
    return fail("the model function has " +
                Twine(function.getBody().getBlocks().size()) +
                " blocks; expected one");
  int64_t softmaxes = 0;
  function.walk([&](tfm::SoftmaxOp softmax) {
    ++softmaxes;
    if (isAttentionSoftmax(softmax)) {
      attentionSoftmaxes.push_back(softmax);
      attentionSet.insert(softmax);
    }
  });
  if (attentionSoftmaxes.empty())
    return fail("found " + Twine(softmaxes) +
                " softmax ops but none whose result is multiplied with "
                "values (attention probabilities); is this a transformer?");
  std::string found = "found " + std::to_string(attentionSoftmaxes.size()) +
                      " attention softmaxes";

  FailureOr<Value> firstInput = findFirstBlockInput();
  if (failed(firstInput))
    return fail(found +
                ", but no residual connection around the first one (an "
                "elementwise add of a value and a computation from it "
                "through the attention); post-norm or non-residual blocks "
                "are not supported");

  // Follow the residual stream: each step is the one stream add that uses the
  // current stream value.
  struct StreamStep {
    Value before;
    SmallVector<Value> pieces;
  };
  SmallVector<StreamStep> steps;
  Value current = *firstInput;
  Value blockStart = current;
  stream.insert(current);
  // The residual adds that use `value` as the stream: (add, branch).
  auto residualAdds = [&](Value value) {
    SmallVector<Operation *> adds;
    for (Operation *user : value.getUsers())
      if (isStreamAdd(user) && !llvm::is_contained(adds, user))
        adds.push_back(user);
    SmallVector<std::pair<Operation *, Value>> residual;
    for (Operation *add : adds) {
      Value other =
          add->getOperand(0) == value ? add->getOperand(1) : add->getOperand(0);
      // Sequential: the branch reads the current stream value. Parallel
      // (x + attn) + mlp: the MLP reads the stream value before the
      // attention add.
      if (flow.dependsOn(other, value) ||
          (blockStart != value && flow.dependsOn(other, blockStart)))
        residual.emplace_back(add, other);
    }
    return residual;
  };
  while (true) {
    SmallVector<std::pair<Operation *, Value>> residual = residualAdds(current);
    if (residual.empty()) {
      // The stream may continue through a reshape: OPT flattens the tokens
      // to [B*T, D] around its MLP and restores [B, T, D] afterwards.
      SmallVector<Value> continued;
      for (Operation *user : current.getUsers())
        if (isReshape(user) && !residualAdds(user->getResult(0)).empty() &&
            !llvm::is_contained(continued, user->getResult(0)))
          continued.push_back(user->getResult(0));
      if (continued.size() != 1)
        break;
      current = continued.front();
      stream.insert(current);
      continue;
    }
    if (residual.size() > 1)
      return fail(
          found + "; the residual stream value " + describeValue(current) +
          " feeds " + Twine(residual.size()) + " residual adds (" +
          describeValue(residual[0].first->getResult(0)) + ", " +
          describeValue(residual[1].first->getResult(0)) + "); expected one");
    auto [add, branch] = residual.front();
    StreamStep step{current, {}};
    Value next = add->getResult(0);
    stream.insert(next);
    splitBranch(branch, step.pieces);
    // A new block starts at a step whose branch contains an attention.
    if (llvm::any_of(step.pieces, [&](Value piece) {
          return !flow.attentionSoftmaxesIn(piece, stream, attentionSet)
                      .empty();
        }))
      blockStart = current;
    steps.push_back(step);
    current = next;
  }

  SmallVector<DecoderBlock> blocks;
  llvm::DenseSet<Operation *> covered;
  for (StreamStep &step : steps) {
    SmallVector<Value> mlpPieces;
    for (Value piece : step.pieces) {
      SmallVector<tfm::SoftmaxOp> inPiece =
          flow.attentionSoftmaxesIn(piece, stream, attentionSet);
      if (inPiece.empty()) {
        mlpPieces.push_back(piece);
        continue;
      }
      if (inPiece.size() > 1)
        return fail(found + "; the branch " + describeValue(piece) +
                    " added to the residual stream contains " +
                    Twine(inPiece.size()) +
                    " attention softmaxes; expected one per block");
      blocks.push_back({step.before, inPiece.front(), piece, Value()});
      covered.insert(inPiece.front());
    }
    for (Value piece : mlpPieces) {
      if (blocks.empty())
        return fail(found + "; the residual stream adds " +
                    describeValue(piece) + " before the first attention block");
      DecoderBlock &block = blocks.back();
      if (block.mlpOutput)
        return fail(found + "; block " + Twine(blocks.size() - 1) +
                    " adds two values besides its attention to the "
                    "residual stream (" +
                    describeValue(block.mlpOutput) + " and " +
                    describeValue(piece) + "); expected one MLP output");
      block.mlpOutput = piece;
    }
  }
  found += ", a residual stream of " + std::to_string(steps.size()) +
           " adds from " + describeValue(*firstInput) + " and " +
           std::to_string(blocks.size()) + " attention blocks on it";
  for (auto [index, block] : llvm::enumerate(blocks))
    if (!block.mlpOutput)
      return fail(found + "; block " + Twine(index) + " (attention " +
                  describeValue(block.probs.getResult()) +
                  ") has no MLP output added to the residual stream");
  for (tfm::SoftmaxOp softmax : attentionSoftmaxes)
    if (!covered.contains(softmax))
      return fail(found + "; the attention " +
                  describeValue(softmax.getResult()) +
                  " is not in a branch of the residual stream");
  int64_t heads = ShapedType::kDynamic;
  for (auto [index, block] : llvm::enumerate(blocks)) {
    auto type = cast<RankedTensorType>(block.probs.getType());
    if (type.getRank() != 4)
      return fail(found + "; the attention probabilities of block " +
                  Twine(index) + " have rank " + Twine(type.getRank()) +
                  "; expected [batch, heads, queries, keys]");
    if (type.isDynamicDim(1))
      return fail(found + "; the number of heads of block " + Twine(index) +
                  " (dimension 1 of its attention probabilities) is not "
                  "static");
    if (index > 0 && type.getDimSize(1) != heads)
      return fail(found + "; block " + Twine(index) + " has " +
                  Twine(type.getDimSize(1)) + " heads, block 0 has " +
                  Twine(heads));
    heads = type.getDimSize(1);
    // The MLP output may be flattened to [B*T, D]; the instrumentation
    // reshapes it to the block input's [B, T, D].
    auto input = cast<RankedTensorType>(block.input.getType());
    auto mlp = cast<RankedTensorType>(block.mlpOutput.getType());
    if (input.getRank() != 3)
      return fail(found + "; the block input of block " + Twine(index) + " (" +
                  describeValue(block.input) +
                  ") is not [batch, sequence, hidden]");
    if ((mlp.getRank() != 3 && mlp.getRank() != 2) ||
        mlp.getShape().back() != input.getShape().back())
      return fail(found + "; the MLP output of block " + Twine(index) + " (" +
                  describeValue(block.mlpOutput) +
                  ") is not [batch, sequence, hidden] or [tokens, hidden]");
  }
  return blocks;
}

/// Sets the role marks on the op defining `value` (or on the function
/// argument).
LogicalResult mark(func::FuncOp function, Value value, int64_t layer,
                   StringRef role, std::string &message) {
  Builder b(function.getContext());
  NamedAttribute marks[] = {
      b.getNamedAttr(kLayerAttrName, b.getI64IntegerAttr(layer)),
      b.getNamedAttr(kRoleAttrName, b.getStringAttr(role))};
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    for (NamedAttribute attr : marks)
      function.setArgAttr(arg.getArgNumber(), attr.getName(), attr.getValue());
    return success();
  }
  Operation *op = value.getDefiningOp();
  if (op->getNumResults() != 1) {
    message = "the " + role.str() + " of block " + std::to_string(layer) +
              " is one of several results of " + describeValue(value);
    return failure();
  }
  if (auto previous = op->getAttrOfType<StringAttr>(kRoleAttrName)) {
    message = describeValue(value) + " would be both the " +
              previous.getValue().str() + " and the " + role.str() +
              " of block " + std::to_string(layer);
    return failure();
  }
  for (NamedAttribute attr : marks)
    op->setAttr(attr.getName(), attr.getValue());
  return success();
}

void clearMarks(ModuleOp module, func::FuncOp function) {
  module->removeAttr(kLayersAttrName);
  module->removeAttr(kHeadsAttrName);
  function.walk([](Operation *op) {
    op->removeAttr(kLayerAttrName);
    op->removeAttr(kRoleAttrName);
  });
  for (unsigned i = 0; i < function.getNumArguments(); ++i) {
    function.removeArgAttr(i, kLayerAttrName);
    function.removeArgAttr(i, kRoleAttrName);
  }
}

} // namespace

std::optional<TransformerStructure> readRecognizedStructure(ModuleOp module) {
  auto layers = module->getAttrOfType<IntegerAttr>(kLayersAttrName);
  auto heads = module->getAttrOfType<IntegerAttr>(kHeadsAttrName);
  if (!layers || !heads)
    return std::nullopt;
  return TransformerStructure{layers.getInt(), heads.getInt()};
}

llvm::Expected<int64_t> recognizedLayerCount(ModuleOp module,
                                             ArrayRef<int64_t> layers) {
  auto layersAttr = module->getAttrOfType<IntegerAttr>(kLayersAttrName);
  if (!layersAttr)
    return makeError("the module has no recognized decoder blocks (no '" +
                     kLayersAttrName +
                     "' attribute); run sinkc-recognize-transformer first");
  int64_t numLayers = layersAttr.getInt();
  for (int64_t layer : layers)
    if (layer >= numLayers)
      return makeError("layer " + Twine(layer) + " is beyond the model's " +
                       Twine(numLayers) + " layers (0-" + Twine(numLayers - 1) +
                       ")");
  return numLayers;
}

void clearRecognitionMarks(ModuleOp module, StringRef entryName) {
  if (auto function = module.lookupSymbol<func::FuncOp>(entryName))
    clearMarks(module, function);
}

llvm::Expected<TransformerStructure> recognizeTransformer(ModuleOp module,
                                                          StringRef entryName) {
  auto function = module.lookupSymbol<func::FuncOp>(entryName);
  if (!function || function.isExternal())
    return makeError("no model function '" + entryName + "' to analyse");
  clearMarks(module, function);
  Recognizer recognizer(function);
  FailureOr<SmallVector<DecoderBlock>> blocks = recognizer.run();
  if (failed(blocks))
    return makeError("cannot recognize the decoder blocks: " +
                     recognizer.takeMessage());
  std::string message;
  for (auto [layer, block] : llvm::enumerate(*blocks)) {
    if (failed(mark(function, block.input, layer, kRoleBlockInput, message)) ||
        failed(
            mark(function, block.probs, layer, kRoleAttentionProbs, message)) ||
        failed(mark(function, block.attentionOutput, layer,
                    kRoleAttentionOutput, message)) ||
        failed(
            mark(function, block.mlpOutput, layer, kRoleMlpOutput, message))) {
      clearMarks(module, function);
      return makeError("cannot recognize the decoder blocks: " + message);
    }
  }
  TransformerStructure structure;
  structure.layers = blocks->size();
  structure.heads =
      cast<RankedTensorType>(blocks->front().probs.getType()).getDimSize(1);
  Builder b(module.getContext());
  module->setAttr(kLayersAttrName, b.getI64IntegerAttr(structure.layers));
  module->setAttr(kHeadsAttrName, b.getI64IntegerAttr(structure.heads));
  return structure;
}

namespace {

struct RecognizeTransformer
    : public impl::RecognizeTransformerBase<RecognizeTransformer> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(emitErrorOn(
            getOperation(),
            recognizeTransformer(getOperation(), entryName).takeError())))
      signalPassFailure();
  }
};

struct ClearRecognitionMarks
    : public impl::ClearRecognitionMarksBase<ClearRecognitionMarks> {
  using Base::Base;

  void runOnOperation() override {
    clearRecognitionMarks(getOperation(), entryName);
  }
};

} // namespace
} // namespace sinkc
