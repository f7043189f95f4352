//===- ShapeUtils.h - ONNX shape rules shared by tfm ------------*- C++ -*-===//
//
// The shape arithmetic of ONNX (broadcasting, axis normalisation, Slice
// clamping, Reshape's 0 and -1) in one place, used by type inference, folders
// and the lowering so the three cannot disagree.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_DIALECT_TFM_SHAPEUTILS_H
#define SINKC_DIALECT_TFM_SHAPEUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "sinkc/Support/Shape.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>
#include <string>
#include <utility>

namespace sinkc::tfm {

constexpr int64_t kDynamic = mlir::ShapedType::kDynamic;

/// ONNX multidirectional broadcasting of two shapes. A `?` against a static
/// dimension d > 1 gives d (the `?` must be d or 1 at run time); `?` against
/// `?` gives `?`. Fails on two different static sizes that are both not 1.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// ONNX unidirectional broadcasting: whether `from` broadcasts to `to`
/// (rank(from) <= rank(to); each aligned dimension of `from` is 1 or equal to
/// that of `to`). Dynamic dimensions are assumed compatible (checked at run
/// time).
bool broadcastsTo(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to);

/// Normalises an ONNX axis in [-rank, rank) to [0, rank); nullopt if outside.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// The `axis` of a tfm op over the dimensions of its input (softmax,
/// layer_normalization, cumsum, split) in [0, rank); the op's verifier has
/// checked that it is in range.
template <typename OpTy> int64_t getInputAxis(OpTy op) {
  return *normalizeAxis(op.getAxis(), op.getInput().getType().getRank());
}

/// The values of a constant integer tensor, if `value` is defined by a
/// constant.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value value);

/// The elements of a small 1-D (or 0-D) integer tensor where they are known
/// statically: constants, and shape-of dimensions that are static, looking
/// through the shape sub-graph ops (shape, concat, gather, slice, squeeze,
/// unsqueeze, reshape, cast). Unknown elements are kDynamic. Nullopt if not
/// even the length is known.
std::optional<llvm::SmallVector<int64_t>> getPartialInts(mlir::Value value);

/// Result shape of ONNX Reshape given the input shape and the (partially
/// known) requested shape. Returns nullopt on an invalid request.
std::optional<llvm::SmallVector<int64_t>>
inferReshape(llvm::ArrayRef<int64_t> inputShape,
             llvm::ArrayRef<int64_t> requested, bool allowZero);

/// Number of elements ONNX Slice selects from a dimension of size `dim`
/// (static) with the given start, end, step, after clamping.
int64_t sliceLength(int64_t dim, int64_t start, int64_t end, int64_t step);

/// Clamped start index of ONNX Slice (for folding and lowering).
int64_t sliceStart(int64_t dim, int64_t start, int64_t step);

/// The dimensions [first, second) of a rank-`rank` shape that ONNX Shape
/// (tfm.shape) selects with `start` and `end` (default: rank): negative values
/// count from the back, then both clamp to [0, rank]; an empty range has
/// first == second.
std::pair<int64_t, int64_t> shapeDimRange(int64_t rank, int64_t start,
                                          std::optional<int64_t> end);

/// Shapes in messages: the compiler's one formatter (sinkc/Support/Shape.h).
using sinkc::shapeToString;

} // namespace sinkc::tfm

#endif // SINKC_DIALECT_TFM_SHAPEUTILS_H
