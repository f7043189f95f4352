//===- SinkToLinalg.cpp - the sinkc-lower-sink-to-linalg pass -------------===//
//
// Lowers the sink measurements to linalg reductions on tensors, the
// intervention sink.mlp_norm_cap to reductions and a rescaling, sink.emit
// to calls of the runtime's sinkrt_probe and sink.capture to calls of
// sinkrt_capture (docs/runtime-abi.md).
//
// Cost per decoder block (B batch, H heads, T tokens, D hidden):
//   recv                       one read of the probabilities' causal
//                              triangle: B*H*T*T loads, B*H*T*(T+1)/2 adds
//   bos_mass, head_bos_mass    column 0 only: B*H*T loads (shared)
//   hidden_*, mlp_*            B*T*D per reduction; the sums of squares are
//                              shared between a norm and a cosine after cse
//   key_norm, value_norm       one read of the keys or values, B*Hkv*T*d
//                              (through a head transpose, not computing it)
//   mlp_norm_cap               three reads of the MLP output (sums of squares,
//                              dots with the reference, the rescaling) and
//                              one write, B*T*D each
//   mlp_<state>_cos_bos        f32: one read of the state, B*T*F, by the
//                              runtime's sinkrt_cosines_with_first; f16/f64:
//                              as hidden_cos_bos, B*T*F per reduction
//   capture                    nothing here: the runtime copies the B*T*F
//                              state it is handed (no copy on this side)
//
//===----------------------------------------------------------------------===//

#include "RuntimeCalls.h"
#include "sinkc/Conversion/Passes.h"
#include "sinkc/Dialect/Sink/SinkOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/TypeSwitch.h"

namespace sinkc {
#define GEN_PASS_DEF_LOWERSINKTOLINALG
#include "sinkc/Conversion/Passes.h.inc"

using namespace mlir;

namespace {

constexpr utils::IteratorType kParallel = utils::IteratorType::parallel;
constexpr utils::IteratorType kReduction = utils::IteratorType::reduction;

/// The body of a linalg.generic: the value it yields for the block arguments.
using GenericBody = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Builds the reductions of one measurement at the builder's position.
class MetricBuilder {
public:
  MetricBuilder(OpBuilder &b, Location loc)
      : b(b), loc(loc), f32(b.getF32Type()) {}

  /// Size of dimension `dim` of `tensor` as an index value.
  Value dimSize(Value tensor, int64_t dim) {
    auto type = cast<RankedTensorType>(tensor.getType());
    if (!type.isDynamicDim(dim))
      return arith::ConstantIndexOp::create(b, loc, type.getDimSize(dim));
    return tensor::DimOp::create(b, loc, tensor, dim);
  }

  /// An empty f32 tensor for an elementwise result.
  Value empty(ArrayRef<int64_t> shape, ArrayRef<Value> sizes) {
    SmallVector<Value> dynamic;
    for (auto [d, size] : llvm::zip(shape, sizes))
      if (ShapedType::isDynamic(d))
        dynamic.push_back(size);
    return tensor::EmptyOp::create(b, loc, shape, f32, dynamic);
  }

  /// A zero-filled f32 tensor of the given sizes (static where known).
  Value zeros(ArrayRef<int64_t> shape, ArrayRef<Value> sizes) {
    Value init = empty(shape, sizes);
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    return linalg::FillOp::create(b, loc, zero, init).getResult(0);
  }

  Value toF32(OpBuilder &nested, Location at, Value value) {
    Type type = value.getType();
    if (type == f32)
      return value;
    if (type.getIntOrFloatBitWidth() < 32)
      return arith::ExtFOp::create(nested, at, f32, value);
    return arith::TruncFOp::create(nested, at, f32, value);
  }

  Value indexToF32(Value index) {
    Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
    return arith::SIToFPOp::create(b, loc, f32, i64);
  }

  /// sum[b, h] = sum over q of probs[b, h, q, 0], or the column sums'
  /// column 0 (sink.attention's [B, H, T] column sums).
  Value columnZeroSums(Value probs) {
    auto type = cast<RankedTensorType>(probs.getType());
    MLIRContext *ctx = b.getContext();
    AffineExpr d0, d1, d2;
    bindDims(ctx, d0, d1, d2);
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    if (type.getRank() == 3) {
      Value init = empty({type.getDimSize(0), type.getDimSize(1)},
                         {dimSize(probs, 0), dimSize(probs, 1)});
      return generic(
          probs, init,
          {AffineMap::get(2, 0, {d0, d1, zero}, ctx),
           AffineMap::get(2, 0, {d0, d1}, ctx)},
          {kParallel, kParallel},
          [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    }
    auto in = AffineMap::get(3, 0, {d0, d1, d2, zero}, ctx);
    auto out = AffineMap::get(3, 0, {d0, d1}, ctx);
    Value init = zeros({type.getDimSize(0), type.getDimSize(1)},
                       {dimSize(probs, 0), dimSize(probs, 1)});
    return sum(probs, init, {in, out}, {kParallel, kParallel, kReduction},
               [&](OpBuilder &nested, Location at, ValueRange args) {
                 return toF32(nested, at, args[0]);
               });
  }

  /// head_bos_mass[b, h] = columnZeroSums[b, h] / T.
  Value headBosMass(Value probs) {
    auto type = cast<RankedTensorType>(probs.getType());
    Value sums = columnZeroSums(probs);
    Value queries = indexToF32(dimSize(probs, 2));
    return scale(sums, {type.getDimSize(0), type.getDimSize(1)},
                 {dimSize(probs, 0), dimSize(probs, 1)}, queries);
  }

  /// bos_mass[b] = sum over h of columnZeroSums[b, h] / (H * T).
  Value bosMass(Value probs) {
    auto type = cast<RankedTensorType>(probs.getType());
    Value sums = columnZeroSums(probs);
    MLIRContext *ctx = b.getContext();
    AffineExpr d0, d1;
    bindDims(ctx, d0, d1);
    Value init = zeros({type.getDimSize(0)}, {dimSize(probs, 0)});
    Value total = sum(
        sums, init,
        {AffineMap::get(2, 0, {d0, d1}, ctx), AffineMap::get(2, 0, {d0}, ctx)},
        {kParallel, kReduction},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    Value count =
        arith::MulIOp::create(b, loc, dimSize(probs, 1), dimSize(probs, 2));
    return scale(total, {type.getDimSize(0)}, {dimSize(probs, 0)},
                 indexToF32(count));
  }

  /// recv[b, k] = sum over h, q >= k of probs[b, h, q, k] / (H * (T - k)).
  Value recv(Value probs) {
    auto type = cast<RankedTensorType>(probs.getType());
    MLIRContext *ctx = b.getContext();
    bool given = type.getRank() == 3; // sink.attention's column sums
    Value batch = dimSize(probs, 0), heads = dimSize(probs, 1),
          queries = dimSize(probs, 2),
          keys = given ? queries : dimSize(probs, 3);
    int64_t staticKeys = type.getDimSize(given ? 2 : 3);
    // Column sums per head over the causal triangle. Iteration order (b, h,
    // q, k) with k innermost reads the probabilities row by row, contiguous
    // and vectorisable.
    AffineExpr d0, d1, d2, d3;
    bindDims(ctx, d0, d1, d2, d3);
    Value columnInit =
        given ? Value()
              : zeros({type.getDimSize(0), type.getDimSize(1), staticKeys},
                      {batch, heads, keys});
    Value columns =
        given ? probs
              : sum(probs, columnInit,
                    {AffineMap::getMultiDimIdentityMap(4, ctx),
                     AffineMap::get(4, 0, {d0, d1, d3}, ctx)},
                    {kParallel, kParallel, kReduction, kParallel},
                    [&](OpBuilder &nested, Location at, ValueRange args) {
                      Value q = linalg::IndexOp::create(nested, at, 2);
                      Value k = linalg::IndexOp::create(nested, at, 3);
                      Value visible = arith::CmpIOp::create(
                          nested, at, arith::CmpIPredicate::uge, q, k);
                      Value zero = arith::ConstantOp::create(
                          nested, at, nested.getF32FloatAttr(0.0f));
                      return arith::SelectOp::create(nested, at, visible,
                                                     toF32(nested, at, args[0]),
                                                     zero);
                    });
    // Sum over heads, then divide by H * (T - k).
    Value sumInit = zeros({type.getDimSize(0), staticKeys}, {batch, keys});
    Value sums =
        sum(columns, sumInit,
            {AffineMap::get(3, 0, {d0, d2, d1}, ctx),
             AffineMap::get(3, 0, {d0, d1}, ctx)},
            {kParallel, kParallel, kReduction},
            [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    Value headsF32 = indexToF32(heads);
    Value queriesI64 =
        arith::IndexCastOp::create(b, loc, b.getI64Type(), queries);
    Value result = empty({type.getDimSize(0), staticKeys}, {batch, keys});
    auto identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    return generic(sums, result, {identity, identity}, {kParallel, kParallel},
                   [&](OpBuilder &nested, Location at, ValueRange args) {
                     Value k = arith::IndexCastOp::create(
                         nested, at, nested.getI64Type(),
                         linalg::IndexOp::create(nested, at, 1));
                     Value seen = arith::SIToFPOp::create(
                         nested, at, f32,
                         arith::SubIOp::create(nested, at, queriesI64, k));
                     Value count =
                         arith::MulFOp::create(nested, at, headsF32, seen);
                     return arith::DivFOp::create(nested, at, args[0], count);
                   });
  }

  /// dot[b, t] = sum over d of x[b, t, d] * y[b, t', d], where t' is 0
  /// when `againstFirst` and t otherwise (then with y == x: the sum of
  /// squares of every row).
  Value rowDots(Value x, Value y, bool againstFirst) {
    auto type = cast<RankedTensorType>(x.getType());
    MLIRContext *ctx = b.getContext();
    AffineExpr d0, d1, d2;
    bindDims(ctx, d0, d1, d2);
    AffineExpr second = againstFirst ? getAffineConstantExpr(0, ctx) : d1;
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {d0, d1, d2}, ctx),
                                   AffineMap::get(3, 0, {d0, second, d2}, ctx),
                                   AffineMap::get(3, 0, {d0, d1}, ctx)};
    Value init = zeros({type.getDimSize(0), type.getDimSize(1)},
                       {dimSize(x, 0), dimSize(x, 1)});
    return sum(
        ValueRange{x, y}, init, maps, {kParallel, kParallel, kReduction},
        [&](OpBuilder &nested, Location at, ValueRange args) {
          return arith::MulFOp::create(nested, at, toF32(nested, at, args[0]),
                                       toF32(nested, at, args[1]));
        },
        /*reassociable=*/true);
  }

  Value sumOfSquares(Value x) { return rowDots(x, x, /*againstFirst=*/false); }

  /// ||x[b, t]||_2.
  Value norm(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    Value squares = sumOfSquares(x);
    Value result = empty({type.getDimSize(0), type.getDimSize(1)},
                         {dimSize(x, 0), dimSize(x, 1)});
    auto identity = AffineMap::getMultiDimIdentityMap(2, b.getContext());
    return generic(squares, result, {identity, identity},
                   {kParallel, kParallel},
                   [](OpBuilder &nested, Location at, ValueRange args) {
                     return math::SqrtOp::create(nested, at, args[0]);
                   });
  }

  /// mean over h of ||x[b, h, t, :]||_2 for keys or values [B, H, T, d].
  /// A transposed x (the heads of a [B, T, H, d] projection) is read through
  /// the transpose's input, so that the transpose, which the attention call
  /// reads as a strided view, is not computed for the norm alone.
  Value headMeanNorm(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    MLIRContext *ctx = b.getContext();
    AffineExpr d0, d1, d2, d3;
    bindDims(ctx, d0, d1, d2, d3);
    Value source = x;
    AffineMap sourceMap = AffineMap::getMultiDimIdentityMap(4, ctx);
    SmallVector<Value> sizes;
    if (auto transpose = x.getDefiningOp<linalg::TransposeOp>()) {
      // x[i0, ..., i3] = input[j] with j[permutation[k]] = i_k.
      ArrayRef<int64_t> permutation = transpose.getPermutation();
      SmallVector<AffineExpr> results(4);
      for (auto [k, p] : llvm::enumerate(permutation))
        results[p] = getAffineDimExpr(k, ctx);
      source = transpose.getInput();
      sourceMap = AffineMap::get(4, 0, results, ctx);
      for (int64_t k = 0; k < 3; ++k)
        sizes.push_back(dimSize(source, permutation[k]));
    } else {
      for (int64_t k = 0; k < 3; ++k)
        sizes.push_back(dimSize(x, k));
    }
    Value batch = sizes[0], heads = sizes[1], tokens = sizes[2];
    // Sums of squares over the head dimension, the innermost and contiguous
    // one.
    Value squaresInit =
        zeros({type.getDimSize(0), type.getDimSize(1), type.getDimSize(2)},
              {batch, heads, tokens});
    Value squares = sum(
        source, squaresInit,
        {sourceMap, AffineMap::get(4, 0, {d0, d1, d2}, ctx)},
        {kParallel, kParallel, kParallel, kReduction},
        [&](OpBuilder &nested, Location at, ValueRange args) {
          Value value = toF32(nested, at, args[0]);
          return arith::MulFOp::create(nested, at, value, value);
        },
        /*reassociable=*/true);
    // Norms summed over heads, iterating (b, t, h), then divided by H.
    Value sumInit =
        zeros({type.getDimSize(0), type.getDimSize(2)}, {batch, tokens});
    Value sums = sum(squares, sumInit,
                     {AffineMap::get(3, 0, {d0, d2, d1}, ctx),
                      AffineMap::get(3, 0, {d0, d1}, ctx)},
                     {kParallel, kParallel, kReduction},
                     [](OpBuilder &nested, Location at, ValueRange args) {
                       return math::SqrtOp::create(nested, at, args[0]);
                     });
    return scale(sums, {type.getDimSize(0), type.getDimSize(2)},
                 {batch, tokens}, indexToF32(heads));
  }

  /// cos(v[b, t], x[b, 0]).
  Value cosineWithFirst(Value v, Value x) {
    auto type = cast<RankedTensorType>(v.getType());
    Value dots = rowDots(v, x, /*againstFirst=*/true);
    Value squaresV = sumOfSquares(v);
    Value squaresX = v == x ? squaresV : sumOfSquares(x);
    Value result = empty({type.getDimSize(0), type.getDimSize(1)},
                         {dimSize(v, 0), dimSize(v, 1)});
    MLIRContext *ctx = b.getContext();
    AffineExpr d0, d1;
    bindDims(ctx, d0, d1);
    AffineExpr zero = getAffineConstantExpr(0, ctx);
    auto identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    return generic(
        ValueRange{dots, squaresV, squaresX}, result,
        {identity, identity, AffineMap::get(2, 0, {d0, zero}, ctx), identity},
        {kParallel, kParallel},
        [](OpBuilder &nested, Location at, ValueRange args) {
          Value normV = math::SqrtOp::create(nested, at, args[1]);
          Value normX = math::SqrtOp::create(nested, at, args[2]);
          Value denominator = arith::MulFOp::create(nested, at, normV, normX);
          return arith::DivFOp::create(nested, at, args[0], denominator);
        });
  }

  /// sink.mlp_norm_cap: m[b, t] * norm / ||m[b, t]|| where t >= skip and
  /// cos(m[b, t], r) > threshold, else m[b, t] (times exactly 1); r is
  /// `reference` [D] or, without one, m[b, 0].
  Value normCap(Value m, Value reference, float threshold, float norm,
                int64_t skip) {
    auto type = cast<RankedTensorType>(m.getType());
    MLIRContext *ctx = b.getContext();
    AffineExpr d0, d1, d2;
    bindDims(ctx, d0, d1, d2);
    ArrayRef<int64_t> shape = type.getShape();
    SmallVector<Value> sizes = {dimSize(m, 0), dimSize(m, 1)};
    Value squares = sumOfSquares(m);
    Value dots, referenceSquares;
    AffineMap referenceSquaresMap;
    if (reference) {
      dots = sum(
          ValueRange{m, reference}, zeros(shape.take_front(2), sizes),
          {AffineMap::get(3, 0, {d0, d1, d2}, ctx),
           AffineMap::get(3, 0, {d2}, ctx),
           AffineMap::get(3, 0, {d0, d1}, ctx)},
          {kParallel, kParallel, kReduction},
          [&](OpBuilder &nested, Location at, ValueRange args) {
            return arith::MulFOp::create(nested, at, toF32(nested, at, args[0]),
                                         toF32(nested, at, args[1]));
          },
          /*reassociable=*/true);
      // A rank-0 sum of the reference's squares, read by every (b, t).
      AffineExpr r0;
      bindDims(ctx, r0);
      referenceSquares = sum(
          reference, zeros({}, {}),
          {AffineMap::get(1, 0, {r0}, ctx), AffineMap::get(1, 0, {}, ctx)},
          {kReduction},
          [&](OpBuilder &nested, Location at, ValueRange args) {
            Value value = toF32(nested, at, args[0]);
            return arith::MulFOp::create(nested, at, value, value);
          },
          /*reassociable=*/true);
      referenceSquaresMap = AffineMap::get(2, 0, {}, ctx);
    } else {
      dots = rowDots(m, m, /*againstFirst=*/true);
      referenceSquares = squares;
      referenceSquaresMap =
          AffineMap::get(2, 0, {d0, getAffineConstantExpr(0, ctx)}, ctx);
    }
    // The factor of every row: norm / ||m[b, t]|| where the rule fires, else
    // 1. An ordered comparison: a NaN cosine (a zero vector) never fires.
    auto identity2 = AffineMap::getMultiDimIdentityMap(2, ctx);
    Value factors = generic(
        ValueRange{dots, squares, referenceSquares},
        empty(shape.take_front(2), sizes),
        {identity2, identity2, referenceSquaresMap, identity2},
        {kParallel, kParallel},
        [&](OpBuilder &nested, Location at, ValueRange args) {
          Value normM = math::SqrtOp::create(nested, at, args[1]);
          Value normR = math::SqrtOp::create(nested, at, args[2]);
          Value cosine = arith::DivFOp::create(
              nested, at, args[0],
              arith::MulFOp::create(nested, at, normM, normR));
          Value aligned = arith::CmpFOp::create(
              nested, at, arith::CmpFPredicate::OGT, cosine,
              arith::ConstantOp::create(nested, at,
                                        nested.getF32FloatAttr(threshold)));
          Value late = arith::CmpIOp::create(
              nested, at, arith::CmpIPredicate::uge,
              linalg::IndexOp::create(nested, at, 1),
              arith::ConstantIndexOp::create(nested, at, skip));
          Value fires = arith::AndIOp::create(nested, at, late, aligned);
          Value scale = arith::DivFOp::create(
              nested, at,
              arith::ConstantOp::create(nested, at,
                                        nested.getF32FloatAttr(norm)),
              normM);
          Value one = arith::ConstantOp::create(nested, at,
                                                nested.getF32FloatAttr(1.0f));
          return arith::SelectOp::create(nested, at, fires, scale, one);
        });
    // The rescaled output, in m's element type.
    Type element = type.getElementType();
    SmallVector<Value> dynamic;
    for (int64_t dim = 0; dim < type.getRank(); ++dim)
      if (type.isDynamicDim(dim))
        dynamic.push_back(dimSize(m, dim));
    Value init = tensor::EmptyOp::create(b, loc, shape, element, dynamic);
    auto identity3 = AffineMap::getMultiDimIdentityMap(3, ctx);
    return generic(ValueRange{m, factors}, init,
                   {identity3, AffineMap::get(3, 0, {d0, d1}, ctx), identity3},
                   {kParallel, kParallel, kParallel},
                   [&](OpBuilder &nested, Location at, ValueRange args) {
                     Value factor = args[1];
                     unsigned width = element.getIntOrFloatBitWidth();
                     if (width < 32)
                       factor =
                           arith::TruncFOp::create(nested, at, element, factor);
                     else if (width > 32)
                       factor =
                           arith::ExtFOp::create(nested, at, element, factor);
                     return arith::MulFOp::create(nested, at, args[0], factor);
                   });
  }

private:
  /// A linalg.generic over `iterators` that reads `inputs` and writes `init`
  /// through `maps` (the inputs', then the init's) and yields what `body`
  /// computes from the block arguments (the inputs' elements, then the
  /// init's).
  Value generic(ValueRange inputs, Value init, ArrayRef<AffineMap> maps,
                ArrayRef<utils::IteratorType> iterators, GenericBody body) {
    return linalg::GenericOp::create(
               b, loc, init.getType(), inputs, init, maps, iterators,
               [&](OpBuilder &nested, Location at, ValueRange args) {
                 linalg::YieldOp::create(nested, at, body(nested, at, args));
               })
        .getResult(0);
  }

  /// Adds what `term` computes from the elements of `inputs` to `init` (the
  /// accumulator: zeros) over the reduction iterators. A `reassociable` sum
  /// is summed in vector lanes (a strict left-to-right sum is one add
  /// latency per element); the order is still fixed by the code, the same
  /// for every thread count.
  Value sum(ValueRange inputs, Value init, ArrayRef<AffineMap> maps,
            ArrayRef<utils::IteratorType> iterators, GenericBody term,
            bool reassociable = false) {
    return generic(
        inputs, init, maps, iterators,
        [&](OpBuilder &nested, Location at, ValueRange args) {
          Value accumulator = args.back();
          Value value = term(nested, at, args.drop_back());
          if (reassociable)
            return arith::AddFOp::create(nested, at, accumulator, value,
                                         arith::FastMathFlags::reassoc);
          return arith::AddFOp::create(nested, at, accumulator, value);
        });
  }

  /// value / divisor, elementwise.
  Value scale(Value value, ArrayRef<int64_t> shape, ArrayRef<Value> sizes,
              Value divisor) {
    Value result = empty(shape, sizes);
    auto identity =
        AffineMap::getMultiDimIdentityMap(shape.size(), b.getContext());
    SmallVector<utils::IteratorType> iterators(shape.size(), kParallel);
    return generic(value, result, {identity, identity}, iterators,
                   [&](OpBuilder &nested, Location at, ValueRange args) {
                     return arith::DivFOp::create(nested, at, args[0], divisor);
                   });
  }

  OpBuilder &b;
  Location loc;
  Type f32;
};

/// The measurement of `op` (or the intervention) as linalg on tensors.
FailureOr<Value> lowerMetric(OpBuilder &b, Operation *op) {
  MetricBuilder builder(b, op->getLoc());
  return llvm::TypeSwitch<Operation *, FailureOr<Value>>(op)
      .Case([&](sink::BosMassOp m) { return builder.bosMass(m.getProbs()); })
      .Case([&](sink::HeadBosMassOp m) {
        return builder.headBosMass(m.getProbs());
      })
      .Case([&](sink::RecvOp m) { return builder.recv(m.getProbs()); })
      .Case([&](sink::BosMassFromSumsOp m) {
        return builder.bosMass(m.getSums());
      })
      .Case([&](sink::HeadBosMassFromSumsOp m) {
        return builder.headBosMass(m.getSums());
      })
      .Case([&](sink::RecvFromSumsOp m) { return builder.recv(m.getSums()); })
      .Case([&](sink::HiddenNormOp m) { return builder.norm(m.getHidden()); })
      .Case([&](sink::HiddenCosBosOp m) {
        return builder.cosineWithFirst(m.getHidden(), m.getHidden());
      })
      .Case([&](sink::MlpNormOp m) { return builder.norm(m.getMlp()); })
      .Case([&](sink::MlpCosBosOp m) {
        return builder.cosineWithFirst(m.getMlp(), m.getHidden());
      })
      .Case(
          [&](sink::KeyNormOp m) { return builder.headMeanNorm(m.getInput()); })
      .Case([&](sink::ValueNormOp m) {
        return builder.headMeanNorm(m.getInput());
      })
      .Case([&](sink::MlpNormCapOp m) {
        return builder.normCap(m.getMlp(), m.getReference(),
                               m.getCosThreshold().convertToFloat(),
                               m.getNorm().convertToFloat(), m.getSkipFirst());
      })
      .Case([&](sink::MlpStateCosBosOp m) {
        return builder.cosineWithFirst(m.getInput(), m.getInput());
      })
      .Default([](Operation *) { return failure(); });
}

/// `sinkrt_probe(!llvm.ptr, i64, memref<*xf32>)`.
FunctionType probeFunctionType(MLIRContext *ctx) {
  Builder b(ctx);
  return b.getFunctionType(
      {LLVM::LLVMPointerType::get(ctx), b.getI64Type(),
       UnrankedMemRefType::get(b.getF32Type(), /*memorySpace=*/0)},
      {});
}
constexpr RuntimeFunction kProbeFunction{"sinkrt_probe", probeFunctionType};

void buildProbeCall(OpBuilder &b, sink::EmitOp emit, func::FuncOp probe,
                    Value context) {
  Location loc = emit.getLoc();
  Value unranked = toUnrankedReadOnly(b, loc, emit.getValue());
  Value id =
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(emit.getProbe()));
  func::CallOp::create(b, loc, probe, ValueRange{context, id, unranked});
}

/// `sinkrt_capture(!llvm.ptr, i64, memref<*xf32>)`: the probe's signature,
/// a capture id instead of a probe id.
constexpr RuntimeFunction kCaptureFunction{"sinkrt_capture", probeFunctionType};

void buildCaptureCall(OpBuilder &b, sink::CaptureOp capture,
                      func::FuncOp function, Value context) {
  Location loc = capture.getLoc();
  Value unranked = toUnrankedReadOnly(b, loc, capture.getValue());
  Value id = arith::ConstantOp::create(
      b, loc, b.getI64IntegerAttr(capture.getCapture()));
  func::CallOp::create(b, loc, function, ValueRange{context, id, unranked});
}

/// `sinkrt_cosines_with_first(!llvm.ptr, memref<*xf32>, memref<*xf32>)`
/// (each unranked memref is a rank and a descriptor pointer in C).
FunctionType cosinesFunctionType(MLIRContext *ctx) {
  Builder b(ctx);
  Type unranked = UnrankedMemRefType::get(b.getF32Type(), /*memorySpace=*/0);
  return b.getFunctionType(
      {LLVM::LLVMPointerType::get(ctx), unranked, unranked}, {});
}
constexpr RuntimeFunction kCosinesFunction{"sinkrt_cosines_with_first",
                                           cosinesFunctionType};

/// sink.mlp_state_cos_bos of an f32 state as a call of the runtime's
/// one-pass kernel. As two linalg reductions (dots with row 0, sums of
/// squares) it read each state twice, four of the six states per layer as
/// wide as the MLP; a two-result reduction does not vectorise once
/// bufferized (its accumulators are memrefs).
LogicalResult lowerStateCosinesToRuntime(ModuleOp module) {
  SmallVector<sink::MlpStateCosBosOp> ops;
  module.walk([&](sink::MlpStateCosBosOp op) {
    if (op.getInput().getType().getElementType().isF32())
      ops.push_back(op);
  });
  if (ops.empty())
    return success();
  func::FuncOp callee = getOrDeclareRuntimeFunction(module, kCosinesFunction);
  for (sink::MlpStateCosBosOp op : ops) {
    FailureOr<Value> context = runtimeContextFor(op);
    if (failed(context))
      return failure();
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value input = op.getInput();
    auto resultType = cast<RankedTensorType>(op.getResult().getType());
    MetricBuilder sizes(b, loc);
    Value output = allocateBuffer(
        b, loc, resultType, {sizes.dimSize(input, 0), sizes.dimSize(input, 1)});
    func::CallOp::create(b, loc, callee,
                         ValueRange{*context, toUnrankedReadOnly(b, loc, input),
                                    toUnranked(b, loc, output)});
    op.getResult().replaceAllUsesWith(bufferization::ToTensorOp::create(
        b, loc, resultType, output, /*restrict=*/true, /*writable=*/true));
    op.erase();
  }
  return success();
}

struct LowerSinkToLinalg
    : public impl::LowerSinkToLinalgBase<LowerSinkToLinalg> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(lowerStateCosinesToRuntime(module)))
      return signalPassFailure();
    SmallVector<Operation *> metrics;
    module.walk([&](Operation *op) {
      // sink.attention is sinkc-lower-attention-to-runtime's.
      if (isa_and_nonnull<sink::SinkDialect>(op->getDialect()) &&
          !isa<sink::EmitOp, sink::CaptureOp, sink::AttentionOp>(op))
        metrics.push_back(op);
    });
    for (Operation *op : metrics) {
      OpBuilder b(op);
      FailureOr<Value> lowered = lowerMetric(b, op);
      if (failed(lowered)) {
        op->emitOpError("has no lowering");
        return signalPassFailure();
      }
      Value replacement = *lowered;
      if (replacement.getType() != op->getResult(0).getType())
        replacement = tensor::CastOp::create(
            b, op->getLoc(), op->getResult(0).getType(), replacement);
      op->getResult(0).replaceAllUsesWith(replacement);
      SmallVector<Value> operands(op->getOperands());
      op->erase();
      // A transpose that only a metric read (and read through) is dead.
      for (Value operand : operands)
        if (auto transpose = operand.getDefiningOp<linalg::TransposeOp>())
          if (transpose->use_empty())
            transpose->erase();
    }
    if (failed(lowerToRuntimeCalls<sink::EmitOp>(module, kProbeFunction,
                                                 buildProbeCall)) ||
        failed(lowerToRuntimeCalls<sink::CaptureOp>(module, kCaptureFunction,
                                                    buildCaptureCall)))
      signalPassFailure();
  }
};

} // namespace
} // namespace sinkc
