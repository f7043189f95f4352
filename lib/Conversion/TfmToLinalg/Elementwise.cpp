//===- Elementwise.cpp - tfm elementwise ops to linalg.generic ------------===//
//
// Every elementwise tfm op (unary, broadcasting binary, where, cast) becomes
// one all-parallel linalg.generic over the result, reading each operand
// through its broadcast indexing map. The scalar body per op lives here.
//
//===----------------------------------------------------------------------===//

#include "LoweringUtils.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"

namespace sinkc::lowering {
namespace {

using namespace sinkc::tfm;

bool isFloat(Type type) { return isa<FloatType>(type); }

Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

/// Converts a scalar between element types with ONNX Cast semantics.
Value convertScalar(OpBuilder &b, Location loc, Value value, Type to) {
  Type from = value.getType();
  if (from == to)
    return value;
  if (to.isInteger(1)) {
    if (isFloat(from))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   floatConstant(b, loc, from, 0.0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value,
                                 scalarConstant(b, loc, from, 0));
  }
  if (from.isInteger(1)) {
    if (isFloat(to))
      return arith::UIToFPOp::create(b, loc, to, value);
    return arith::ExtUIOp::create(b, loc, to, value);
  }
  if (isFloat(from) && isFloat(to)) {
    unsigned fromWidth = from.getIntOrFloatBitWidth();
    unsigned toWidth = to.getIntOrFloatBitWidth();
    // f16 <-> bf16: neither holds the other, and f32 holds both exactly.
    if (fromWidth == toWidth)
      value = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    if (fromWidth < toWidth)
      return arith::ExtFOp::create(b, loc, to, value);
    return arith::TruncFOp::create(b, loc, to, value);
  }
  if (isFloat(from))
    return arith::FPToSIOp::create(b, loc, to, value);
  if (isFloat(to))
    return arith::SIToFPOp::create(b, loc, to, value);
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtSIOp::create(b, loc, to, value);
  return arith::TruncIOp::create(b, loc, to, value);
}

/// base ^ exponent for integers by binary exponentiation, unrolled over the
/// exponent's bits so that the body stays a straight line (no math.ipowi:
/// the LLVM lowering has no pattern for it). Wraps around on overflow like
/// the integer multiply. A negative exponent gives 1 / base^-e truncated
/// toward zero: 1 for base 1, +-1 for base -1, 0 otherwise.
Value integerPower(OpBuilder &b, Location loc, Value base, Value exponent) {
  Type type = base.getType();
  unsigned width = type.getIntOrFloatBitWidth();
  Value zero = scalarConstant(b, loc, type, 0);
  Value one = scalarConstant(b, loc, type, 1);
  Value result = one;
  Value square = base;
  for (unsigned bit = 0; bit + 1 < width; ++bit) {
    Value shifted = arith::ShRUIOp::create(b, loc, exponent,
                                           scalarConstant(b, loc, type, bit));
    Value set = arith::TruncIOp::create(b, loc, b.getI1Type(), shifted);
    result = arith::SelectOp::create(
        b, loc, set, arith::MulIOp::create(b, loc, result, square), result);
    if (bit + 2 < width)
      square = arith::MulIOp::create(b, loc, square, square);
  }
  Value minusOne = scalarConstant(b, loc, type, -1);
  Value oddExponent = arith::TruncIOp::create(b, loc, b.getI1Type(), exponent);
  Value baseIsOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, base, one);
  Value baseIsMinusOne =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, base, minusOne);
  Value negativePower = arith::SelectOp::create(
      b, loc, baseIsOne, one,
      arith::SelectOp::create(
          b, loc, baseIsMinusOne,
          arith::SelectOp::create(b, loc, oddExponent, minusOne, one), zero));
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, exponent, zero);
  return arith::SelectOp::create(b, loc, negative, negativePower, result);
}

/// The scalar computation of one elementwise tfm op (but those that are one
/// math op: populateElementwisePatterns names it).
Value computeScalar(Operation *op, OpBuilder &b, Location loc, ValueRange args,
                    Type resultElement) {
  Value x = args.empty() ? Value() : args[0];
  Type type = x ? x.getType() : Type();
  bool fp = type && isFloat(type);
  auto one = [&] { return floatConstant(b, loc, type, 1.0); };

  if (isa<AddOp>(op))
    return createFloatOrIntOp<arith::AddFOp, arith::AddIOp>(b, loc, args[0],
                                                            args[1]);
  if (isa<SubOp>(op))
    return createFloatOrIntOp<arith::SubFOp, arith::SubIOp>(b, loc, args[0],
                                                            args[1]);
  if (isa<MulOp>(op))
    return createFloatOrIntOp<arith::MulFOp, arith::MulIOp>(b, loc, args[0],
                                                            args[1]);
  if (isa<DivOp>(op)) {
    if (fp)
      return arith::DivFOp::create(b, loc, args[0], args[1]);
    // Integer division truncates toward zero (C, ONNX Runtime). A zero
    // divisor or INT_MIN / -1 would trap the process (SIGFPE): stop with a
    // message naming the node instead.
    unsigned width = type.getIntOrFloatBitWidth();
    Value nonZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, args[1],
                              scalarConstant(b, loc, type, 0));
    Value overflow = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::eq, args[0],
            arith::ConstantOp::create(
                b, loc,
                b.getIntegerAttr(type, APInt::getSignedMinValue(width)))),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, args[1],
                              scalarConstant(b, loc, type, -1)));
    Value ok = arith::AndIOp::create(
        b, loc, nonZero,
        arith::XOrIOp::create(b, loc, overflow,
                              scalarConstant(b, loc, b.getI1Type(), 1)));
    checkTrue(b, loc, ok, op, "integer division by zero or overflow");
    return arith::DivSIOp::create(b, loc, args[0], args[1]);
  }
  if (isa<MaxOp>(op))
    return createFloatOrIntOp<arith::MaximumFOp, arith::MaxSIOp>(
        b, loc, args[0], args[1]);
  if (isa<MinOp>(op))
    return createFloatOrIntOp<arith::MinimumFOp, arith::MinSIOp>(
        b, loc, args[0], args[1]);
  if (isa<PowOp>(op)) {
    Value base = args[0], exponent = args[1];
    if (!fp && isFloat(exponent.getType())) {
      // ONNX: an integer base with a floating-point exponent is computed in
      // floating point and converted back (truncating toward zero).
      Type f64 = b.getF64Type();
      Value power = math::PowFOp::create(
          b, loc, arith::SIToFPOp::create(b, loc, f64, base),
          convertScalar(b, loc, exponent, f64));
      return arith::FPToSIOp::create(b, loc, type, power);
    }
    if (!fp)
      return integerPower(b, loc, base, convertScalar(b, loc, exponent, type));
    if (isFloat(exponent.getType()))
      return math::PowFOp::create(b, loc, base,
                                  convertScalar(b, loc, exponent, type));
    return math::FPowIOp::create(
        b, loc, base, convertScalar(b, loc, exponent, b.getI32Type()));
  }

  auto compare = [&](arith::CmpFPredicate fpred,
                     arith::CmpIPredicate ipred) -> Value {
    if (fp)
      return arith::CmpFOp::create(b, loc, fpred, args[0], args[1]);
    return arith::CmpIOp::create(b, loc, ipred, args[0], args[1]);
  };
  if (isa<EqualOp>(op))
    return compare(arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq);
  if (isa<GreaterOp>(op))
    return compare(arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt);
  if (isa<GreaterOrEqualOp>(op))
    return compare(arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge);
  if (isa<LessOp>(op))
    return compare(arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
  if (isa<LessOrEqualOp>(op))
    return compare(arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle);
  if (isa<AndOp>(op))
    return arith::AndIOp::create(b, loc, args[0], args[1]);
  if (isa<OrOp>(op))
    return arith::OrIOp::create(b, loc, args[0], args[1]);
  if (isa<XorOp>(op))
    return arith::XOrIOp::create(b, loc, args[0], args[1]);
  if (isa<NotOp>(op))
    return arith::XOrIOp::create(b, loc, x, scalarConstant(b, loc, type, 1));
  if (isa<WhereOp>(op))
    return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);

  if (isa<NegOp>(op))
    return fp ? Value(arith::NegFOp::create(b, loc, x))
              : Value(arith::SubIOp::create(
                    b, loc, scalarConstant(b, loc, type, 0), x));
  if (isa<AbsOp>(op))
    return createFloatOrIntOp<math::AbsFOp, math::AbsIOp>(b, loc, x);
  if (isa<ReciprocalOp>(op))
    return arith::DivFOp::create(b, loc, one(), x);
  if (isa<ReluOp>(op))
    return arith::MaximumFOp::create(b, loc, x,
                                     floatConstant(b, loc, type, 0.0));
  if (isa<SigmoidOp>(op)) {
    Value negExp =
        math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
    return arith::DivFOp::create(b, loc, one(),
                                 arith::AddFOp::create(b, loc, one(), negExp));
  }
  if (auto gelu = dyn_cast<GeluOp>(op)) {
    Value half = floatConstant(b, loc, type, 0.5);
    Value inner;
    if (gelu.getApproximate() == "tanh") {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      Value cube =
          arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
      Value poly = arith::AddFOp::create(
          b, loc, x,
          arith::MulFOp::create(b, loc, floatConstant(b, loc, type, 0.044715),
                                cube));
      inner = math::TanhOp::create(
          b, loc,
          arith::MulFOp::create(
              b, loc, floatConstant(b, loc, type, 0.7978845608028654), poly));
    } else {
      // 0.5 x (1 + erf(x / sqrt(2)))
      inner = math::ErfOp::create(
          b, loc,
          arith::MulFOp::create(
              b, loc, x, floatConstant(b, loc, type, 0.7071067811865476)));
    }
    return arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, half, x),
                                 arith::AddFOp::create(b, loc, one(), inner));
  }
  if (isa<CastOp>(op))
    return convertScalar(b, loc, x, resultElement);
  llvm_unreachable("not an elementwise tfm op");
}

/// Lowers any elementwise tfm op to a broadcasting linalg.generic whose body
/// is `MathOpTy` on the operand, or what computeScalar builds when there is
/// no MathOpTy.
template <typename OpTy, typename MathOpTy = void>
Value lowerElementwise(OpTy op, typename OpTy::Adaptor adaptor,
                       ConversionPatternRewriter &rewriter) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  ValueRange operands = adaptor.getOperands();
  SmallVector<OpFoldResult> dims =
      broadcastDims(rewriter, loc, operands, resultType, op);
  Value init = createEmpty(rewriter, loc, resultType, dims);
  SmallVector<AffineMap> maps;
  for (Value operand : operands)
    maps.push_back(
        broadcastMap(rewriter.getContext(),
                     cast<RankedTensorType>(operand.getType()).getShape(),
                     resultType.getShape()));
  maps.push_back(rewriter.getMultiDimIdentityMap(resultType.getRank()));
  Type resultElement = resultType.getElementType();
  Operation *origin = op;
  return buildParallelGeneric(
      rewriter, loc, operands, maps, init,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        if constexpr (std::is_void_v<MathOpTy>)
          return computeScalar(origin, b, nestedLoc, args.drop_back(),
                               resultElement);
        else
          return MathOpTy::create(b, nestedLoc, args[0]);
      });
}

/// x ^ 2 and x ^ 0.5 (RMSNorm, variance) as a multiply and a square root.
FailureOr<Value>
lowerPowWithConstantExponent(PowOp op, PowOp::Adaptor adaptor,
                             ConversionPatternRewriter &rewriter) {
  auto resultType = op.getResult().getType();
  if (!isa<FloatType>(resultType.getElementType()) ||
      !op.getRhs().getType().hasStaticShape() ||
      op.getRhs().getType().getNumElements() != 1 ||
      resultType != op.getLhs().getType())
    return failure();
  DenseFPElementsAttr exponent;
  if (!matchPattern(op.getRhs(), m_Constant(&exponent)))
    return failure();
  double e = (*exponent.getValues<APFloat>().begin()).convertToDouble();
  if (e != 2.0 && e != 0.5 && e != 1.0)
    return failure();
  Location loc = op.getLoc();
  Value input = adaptor.getLhs();
  if (e == 1.0)
    return input;
  Value init =
      createEmpty(rewriter, loc, resultType, getDims(rewriter, loc, input));
  AffineMap identity = rewriter.getMultiDimIdentityMap(resultType.getRank());
  return buildParallelGeneric(
      rewriter, loc, {input}, {identity, identity}, init,
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) -> Value {
        if (e == 2.0)
          return arith::MulFOp::create(b, nestedLoc, args[0], args[0]);
        return math::SqrtOp::create(b, nestedLoc, args[0]);
      });
}

Value lowerIdentity(IdentityOp op, IdentityOp::Adaptor adaptor,
                    ConversionPatternRewriter &rewriter) {
  return castTo(rewriter, op.getLoc(), adaptor.getInput(),
                op.getResult().getType());
}

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<FunctionLowering<lowerPowWithConstantExponent>>(
      patterns.getContext(), /*benefit=*/2);
  addLowerings<
      lowerIdentity, lowerElementwise<AddOp>, lowerElementwise<SubOp>,
      lowerElementwise<MulOp>, lowerElementwise<DivOp>, lowerElementwise<MaxOp>,
      lowerElementwise<MinOp>, lowerElementwise<PowOp>,
      lowerElementwise<EqualOp>, lowerElementwise<GreaterOp>,
      lowerElementwise<GreaterOrEqualOp>, lowerElementwise<LessOp>,
      lowerElementwise<LessOrEqualOp>, lowerElementwise<AndOp>,
      lowerElementwise<OrOp>, lowerElementwise<XorOp>, lowerElementwise<NotOp>,
      lowerElementwise<WhereOp>, lowerElementwise<NegOp>,
      lowerElementwise<AbsOp>, lowerElementwise<SqrtOp, math::SqrtOp>,
      lowerElementwise<ReciprocalOp>, lowerElementwise<ReluOp>,
      lowerElementwise<SigmoidOp>, lowerElementwise<TanhOp, math::TanhOp>,
      lowerElementwise<ErfOp, math::ErfOp>,
      lowerElementwise<ExpOp, math::ExpOp>,
      lowerElementwise<LogOp, math::LogOp>,
      lowerElementwise<CosOp, math::CosOp>,
      lowerElementwise<SinOp, math::SinOp>,
      lowerElementwise<FloorOp, math::FloorOp>,
      lowerElementwise<CeilOp, math::CeilOp>, lowerElementwise<GeluOp>,
      lowerElementwise<CastOp>>(patterns);
}

} // namespace sinkc::lowering
