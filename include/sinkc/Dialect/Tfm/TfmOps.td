//===- TfmOps.td - tfm operation definitions ---------------*- tablegen -*-===//
//
// One op per ONNX operator that transformer exports use. Semantics are those
// of the ONNX operator of the same name (opset 13 and later); the importer
// maps older opsets onto them.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_DIALECT_TFM_TFMOPS_TD
#define SINKC_DIALECT_TFM_TFMOPS_TD

include "sinkc/Dialect/Tfm/TfmDialect.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

// bf16 is a storage type only (the dtype of most checkpoints' weights):
// constants, casts, data movement, comparisons and selects take it, and
// arithmetic does not, so that a model computes in f32 (or f16, f64) and
// never silently rounds an intermediate to 8 bits of mantissa.
def Tfm_Element : AnyTypeOf<[F16, BF16, F32, F64, I1, I8, I16, I32, I64]>;
def Tfm_Float : AnyTypeOf<[F16, F32, F64]>;
def Tfm_Tensor : RankedTensorOf<[F16, BF16, F32, F64, I1, I8, I16, I32, I64]>;
def Tfm_FloatTensor : RankedTensorOf<[F16, F32, F64]>;
def Tfm_NumericTensor : RankedTensorOf<[F16, F32, F64, I8, I16, I32, I64]>;
def Tfm_BoolTensor : RankedTensorOf<[I1]>;
def Tfm_IndexTensor : RankedTensorOf<[I32, I64]>;
def Tfm_I64Tensor : RankedTensorOf<[I64]>;

// ONNX axes, offsets and counts are signed; the builtin I64Attr hands them
// out as uint64_t, which turns -1 into 18446744073709551615 in messages and
// comparisons.
def Tfm_I64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                                "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

// Every tfm op is pure and infers its result types from its operands (and from
// constant operands where the shape depends on their values). The declared
// result type may refine the inferred one (`?` -> static); see the dialect
// description. An op with several results (split) derives from Tfm_OpBase
// and implements inferReturnTypes; the others are Tfm_Op.
class Tfm_OpBase<string mnemonic, list<Trait> traits = []>
    : Op<Tfm_Dialect, mnemonic,
         !listconcat(traits, [Pure, InferTypeOpAdaptorWithIsCompatible])> {
  code isCompatibleReturnTypesDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                            ::mlir::TypeRange declared) {
      return ::sinkc::tfm::areRefinementCompatible(inferred, declared);
    }
  }];
  let extraClassDefinition = isCompatibleReturnTypesDefinition;
}

// An op with one result, whose type the op's `inferResultType` (TfmOps.cpp)
// computes; inferReturnTypes is generated around it.
class Tfm_Op<string mnemonic, list<Trait> traits = []>
    : Tfm_OpBase<mnemonic, traits> {
  let extraClassDeclaration = [{
    /// The result type that ONNX shape inference gives for the operands, or
    /// failure after an error at `location` (when there is one).
    static ::mlir::FailureOr<::mlir::RankedTensorType>
    inferResultType(std::optional<::mlir::Location> location,
                    Adaptor adaptor);
  }];
  let extraClassDefinition = isCompatibleReturnTypesDefinition # [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> location,
        Adaptor adaptor,
        ::llvm::SmallVectorImpl<::mlir::Type> &inferredReturnTypes) {
      ::mlir::FailureOr<::mlir::RankedTensorType> type =
          inferResultType(location, adaptor);
      if (::mlir::failed(type))
        return ::mlir::failure();
      inferredReturnTypes.push_back(*type);
      return ::mlir::success();
    }
  }];
}

class Tfm_UnaryOp<string mnemonic, Type operandType, list<Trait> traits = []>
    : Tfm_Op<mnemonic, traits> {
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

class Tfm_FloatUnaryOp<string mnemonic, string formula>
    : Tfm_UnaryOp<mnemonic, Tfm_FloatTensor, [SameOperandsAndResultElementType]> {
  let summary = "elementwise " # formula;
  let description = "Computes `" # formula # "` element by element (ONNX `"
      # mnemonic # "`).";
}

// Binary ops with ONNX multidirectional (numpy) broadcasting.
class Tfm_BroadcastBinaryOp<string mnemonic, Type operandType, Type resultType,
                            list<Trait> traits = []>
    : Tfm_Op<mnemonic, traits> {
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs resultType:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($result)
  }];
  let hasFolder = 1;
}

class Tfm_ArithmeticOp<string mnemonic, string formula>
    : Tfm_BroadcastBinaryOp<mnemonic, Tfm_NumericTensor, Tfm_NumericTensor,
                            [SameOperandsElementType,
                             SameOperandsAndResultElementType]> {
  let summary = "elementwise " # formula # " with broadcasting";
  let description = "Computes `" # formula # "` with ONNX multidirectional "
      # "broadcasting (ONNX `" # mnemonic # "`).";
}

class Tfm_CompareOp<string mnemonic, string formula>
    : Tfm_BroadcastBinaryOp<mnemonic, Tfm_Tensor, Tfm_BoolTensor,
                            [SameOperandsElementType]> {
  let summary = "elementwise comparison " # formula;
  let description = "Computes `" # formula # "` with ONNX multidirectional "
      # "broadcasting; the result is i1.";
}

class Tfm_LogicalOp<string mnemonic, string formula>
    : Tfm_BroadcastBinaryOp<mnemonic, Tfm_BoolTensor, Tfm_BoolTensor> {
  let summary = "elementwise logical " # formula;
  let description = "Computes `" # formula # "` on i1 tensors with ONNX "
      # "multidirectional broadcasting.";
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def Tfm_ConstantOp : Tfm_Op<"constant", [ConstantLike]> {
  let summary = "a constant tensor (ONNX initializer, Constant node)";
  let description = [{
    Small constants are dense elements; weights are `dense_resource` blobs so
    that large models are not copied into the IR's attribute storage.

    ```mlir
    %0 = tfm.constant dense<[1, 2]> : tensor<2xi64>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

def Tfm_ConstantOfShapeOp : Tfm_Op<"constant_of_shape"> {
  let summary = "a tensor of the given shape filled with one value";
  let description = [{
    ONNX `ConstantOfShape`: `shape` is a 1-D int64 tensor; `value` is a
    one-element tensor whose element type is the result element type.
  }];
  let arguments = (ins Tfm_I64Tensor:$shape, ElementsAttr:$value);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = "$shape attr-dict `:` type($shape) `->` type($result)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

def Tfm_AddOp : Tfm_ArithmeticOp<"add", "lhs + rhs">;
def Tfm_SubOp : Tfm_ArithmeticOp<"sub", "lhs - rhs">;
def Tfm_MulOp : Tfm_ArithmeticOp<"mul", "lhs * rhs">;
def Tfm_DivOp : Tfm_ArithmeticOp<"div", "lhs / rhs">;
def Tfm_MaxOp : Tfm_ArithmeticOp<"max", "max(lhs, rhs)">;
def Tfm_MinOp : Tfm_ArithmeticOp<"min", "min(lhs, rhs)">;

def Tfm_PowOp : Tfm_BroadcastBinaryOp<"pow", Tfm_NumericTensor,
                                      Tfm_NumericTensor> {
  let summary = "elementwise power with broadcasting";
  let description = [{
    ONNX `Pow`: `lhs ^ rhs`; the result has the element type of `lhs`, the
    exponent may have another numeric type. An integer base with a
    floating-point exponent is computed in floating point and converted back
    (truncating toward zero).
  }];
}

def Tfm_EqualOp : Tfm_CompareOp<"equal", "lhs == rhs">;
def Tfm_GreaterOp : Tfm_CompareOp<"greater", "lhs > rhs">;
def Tfm_GreaterOrEqualOp : Tfm_CompareOp<"greater_or_equal", "lhs >= rhs">;
def Tfm_LessOp : Tfm_CompareOp<"less", "lhs < rhs">;
def Tfm_LessOrEqualOp : Tfm_CompareOp<"less_or_equal", "lhs <= rhs">;

def Tfm_AndOp : Tfm_LogicalOp<"and", "lhs && rhs">;
def Tfm_OrOp : Tfm_LogicalOp<"or", "lhs || rhs">;
def Tfm_XorOp : Tfm_LogicalOp<"xor", "lhs != rhs">;

def Tfm_NotOp : Tfm_UnaryOp<"not", Tfm_BoolTensor> {
  let summary = "elementwise logical negation";
  let description = "ONNX `Not` on an i1 tensor.";
  let hasFolder = 1;
}

def Tfm_WhereOp : Tfm_Op<"where"> {
  let summary = "elementwise select with broadcasting";
  let description = [{
    ONNX `Where`: `condition ? x : y` with multidirectional broadcasting of
    all three operands.
  }];
  let arguments = (ins Tfm_BoolTensor:$condition, Tfm_Tensor:$x, Tfm_Tensor:$y);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $x `,` $y attr-dict `:` `(` type($condition) `,` type($x)
    `,` type($y) `)` `->` type($result)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Tfm_NegOp : Tfm_UnaryOp<"neg", Tfm_NumericTensor,
                            [SameOperandsAndResultElementType]> {
  let summary = "elementwise negation";
  let description = "ONNX `Neg`.";
  let hasFolder = 1;
}

def Tfm_AbsOp : Tfm_UnaryOp<"abs", Tfm_NumericTensor,
                            [SameOperandsAndResultElementType]> {
  let summary = "elementwise absolute value";
  let description = "ONNX `Abs`.";
}

def Tfm_SqrtOp : Tfm_FloatUnaryOp<"sqrt", "sqrt(x)">;
def Tfm_ReciprocalOp : Tfm_FloatUnaryOp<"reciprocal", "1 / x">;
def Tfm_ReluOp : Tfm_FloatUnaryOp<"relu", "max(x, 0)">;
def Tfm_SigmoidOp : Tfm_FloatUnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def Tfm_TanhOp : Tfm_FloatUnaryOp<"tanh", "tanh(x)">;
def Tfm_ErfOp : Tfm_FloatUnaryOp<"erf", "erf(x)">;
def Tfm_ExpOp : Tfm_FloatUnaryOp<"exp", "exp(x)">;
def Tfm_LogOp : Tfm_FloatUnaryOp<"log", "log(x)">;
def Tfm_CosOp : Tfm_FloatUnaryOp<"cos", "cos(x)">;
def Tfm_SinOp : Tfm_FloatUnaryOp<"sin", "sin(x)">;
def Tfm_FloorOp : Tfm_FloatUnaryOp<"floor", "floor(x)">;
def Tfm_CeilOp : Tfm_FloatUnaryOp<"ceil", "ceil(x)">;

def Tfm_GeluOp : Tfm_Op<"gelu", [SameOperandsAndResultElementType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    ONNX `Gelu` (opset 20): `approximate = "none"` computes
    `0.5 x (1 + erf(x / sqrt(2)))`, `"tanh"` the tanh approximation.
  }];
  let arguments = (ins Tfm_FloatTensor:$input,
                   DefaultValuedStrAttr<StrAttr, "none">:$approximate);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Tfm_IdentityOp : Tfm_UnaryOp<"identity", Tfm_Tensor,
                                 [SameOperandsAndResultElementType]> {
  let summary = "returns its operand";
  let description = "ONNX `Identity`; folds away.";
  let hasFolder = 1;
}

def Tfm_CastOp : Tfm_Op<"cast"> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    ONNX `Cast`: the target element type is the result element type. Float to
    integer truncates toward zero; anything to i1 is `x != 0`.
  }];
  let arguments = (ins Tfm_Tensor:$input, TypeAttr:$to);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Reductions and scans
//===----------------------------------------------------------------------===//

class Tfm_ReduceOp<string mnemonic, string what> : Tfm_Op<mnemonic,
    [SameOperandsAndResultElementType]> {
  let summary = "reduction: " # what # " over axes";
  let description = [{
    ONNX `Reduce*`. `axes` lists the reduced axes (negative counts from the
    back); an empty list reduces all axes unless `noop_with_empty_axes` is set,
    in which case the op is the identity. The importer accepts axes as an
    attribute or as a constant input, as the operator's opset says:
    `ReduceSum` took axes as an input from opset 13, the other `Reduce*`
    operators from opset 18.
  }];
  let arguments = (ins Tfm_NumericTensor:$input,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$axes,
                   DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                   DefaultValuedAttr<BoolAttr, "false">:$noop_with_empty_axes);
  let results = (outs Tfm_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Tfm_ReduceMeanOp : Tfm_ReduceOp<"reduce_mean", "mean">;
def Tfm_ReduceSumOp : Tfm_ReduceOp<"reduce_sum", "sum">;
def Tfm_ReduceMaxOp : Tfm_ReduceOp<"reduce_max", "maximum">;

def Tfm_CumSumOp : Tfm_Op<"cumsum", [SameOperandsAndResultElementType]> {
  let summary = "cumulative sum along one axis";
  let description = [{
    ONNX `CumSum` with a constant axis; `exclusive` excludes the element
    itself, `reverse` sums from the end.
  }];
  let arguments = (ins Tfm_NumericTensor:$input, Tfm_I64Attr:$axis,
                   DefaultValuedAttr<BoolAttr, "false">:$exclusive,
                   DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Tfm_NumericTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Normalisation and softmax
//===----------------------------------------------------------------------===//

def Tfm_SoftmaxOp : Tfm_Op<"softmax", [SameOperandsAndResultElementType]> {
  let summary = "softmax along one axis";
  let description = [{
    ONNX `Softmax` (opset >= 13 semantics): `exp(x - max) / sum(exp(x - max))`
    along `axis`. In a decoder this is the attention probabilities
    `A[b, h, q, k]` that the sink instrumentation measures.
  }];
  let arguments = (ins Tfm_FloatTensor:$input,
                   DefaultValuedAttr<Tfm_I64Attr, "-1">:$axis);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Tfm_LayerNormalizationOp : Tfm_Op<"layer_normalization"> {
  let summary = "layer normalisation over the trailing axes";
  let description = [{
    ONNX `LayerNormalization` (first output only): normalises over the axes
    from `axis` to the last, `(x - mean) / sqrt(var + epsilon) * scale + bias`.
  }];
  let arguments = (ins Tfm_FloatTensor:$input, Tfm_FloatTensor:$scale,
                   Optional<Tfm_FloatTensor>:$bias,
                   DefaultValuedAttr<Tfm_I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Tfm_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

def Tfm_MatMulOp : Tfm_Op<"matmul", [SameOperandsAndResultElementType]> {
  let summary = "numpy-style matrix product";
  let description = [{
    ONNX `MatMul`: batched matrix product over the last two dimensions with
    broadcasting of the batch dimensions; 1-D operands are promoted and the
    added dimension removed from the result, as in numpy.matmul.
  }];
  let arguments = (ins Tfm_NumericTensor:$lhs, Tfm_NumericTensor:$rhs);
  let results = (outs Tfm_NumericTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` `(` type($lhs) `,` type($rhs) `)` `->` type($result)
  }];
}

def Tfm_GemmOp : Tfm_Op<"gemm", [SameOperandsAndResultElementType]> {
  let summary = "general matrix multiplication";
  let description = [{
    ONNX `Gemm`: `alpha * op(A) * op(B) + beta * C` where `op` transposes when
    `transA`/`transB` is set and `C` broadcasts unidirectionally to `[M, N]`.
  }];
  let arguments = (ins Tfm_NumericTensor:$a, Tfm_NumericTensor:$b,
                   Optional<Tfm_NumericTensor>:$c,
                   DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.0">:$beta,
                   DefaultValuedAttr<BoolAttr, "false">:$transA,
                   DefaultValuedAttr<BoolAttr, "false">:$transB);
  let results = (outs Tfm_NumericTensor:$result);
  let assemblyFormat = [{
    $a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Shapes and data movement
//===----------------------------------------------------------------------===//

def Tfm_ShapeOp : Tfm_Op<"shape"> {
  let summary = "the shape of a tensor as a 1-D int64 tensor";
  let description = [{
    ONNX `Shape` with the opset-15 `start`/`end` slice of the dimension list.
    Folds to a constant when the selected dimensions are static.
  }];
  let arguments = (ins Tfm_Tensor:$input,
                   DefaultValuedAttr<Tfm_I64Attr, "0">:$start,
                   OptionalAttr<Tfm_I64Attr>:$end);
  let results = (outs Tfm_I64Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Tfm_ReshapeOp : Tfm_Op<"reshape"> {
  let summary = "reshape to a shape given as a tensor";
  let description = [{
    ONNX `Reshape`: `0` copies the input dimension (unless `allowzero`), `-1`
    is inferred from the element count.
  }];
  let arguments = (ins Tfm_Tensor:$input, Tfm_I64Tensor:$shape,
                   DefaultValuedAttr<BoolAttr, "false">:$allowzero);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $shape attr-dict `:` `(` type($input) `,` type($shape) `)` `->` type($result)
  }];
  let hasFolder = 1;
}

def Tfm_TransposeOp : Tfm_Op<"transpose", [SameOperandsAndResultElementType]> {
  let summary = "permutes dimensions";
  let description = "ONNX `Transpose`: result dim i is input dim perm[i].";
  let arguments = (ins Tfm_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Tfm_SqueezeOp : Tfm_Op<"squeeze", [SameOperandsAndResultElementType]> {
  let summary = "removes size-1 dimensions";
  let description = [{
    ONNX `Squeeze`; an empty `axes` removes every static size-1 dimension.
  }];
  let arguments = (ins Tfm_Tensor:$input,
                   DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$axes);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Tfm_UnsqueezeOp : Tfm_Op<"unsqueeze", [SameOperandsAndResultElementType]> {
  let summary = "inserts size-1 dimensions";
  let description = [{
    ONNX `Unsqueeze`: `axes` are positions in the result (negative counts from
    the back of the result).
  }];
  let arguments = (ins Tfm_Tensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Tfm_FlattenOp : Tfm_Op<"flatten", [SameOperandsAndResultElementType]> {
  let summary = "flattens to 2-D around an axis";
  let description = "ONNX `Flatten`: `[prod(dims[:axis]), prod(dims[axis:])]`.";
  let arguments = (ins Tfm_Tensor:$input, DefaultValuedAttr<Tfm_I64Attr, "1">:$axis);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def Tfm_ConcatOp : Tfm_Op<"concat", [SameOperandsAndResultElementType]> {
  let summary = "concatenates tensors along one axis";
  let description = "ONNX `Concat`.";
  let arguments = (ins Variadic<Tfm_Tensor>:$inputs, Tfm_I64Attr:$axis);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` functional-type($inputs, $result)
  }];
  let hasFolder = 1;
}

def Tfm_SplitOp : Tfm_OpBase<"split", [SameOperandsAndResultElementType]> {
  let summary = "splits a tensor into pieces along one axis";
  let description = [{
    ONNX `Split` with constant `split` sizes (the importer computes them from
    the `split` input, the `split` attribute of opset < 13, or `num_outputs`).
  }];
  let arguments = (ins Tfm_Tensor:$input, Tfm_I64Attr:$axis,
                   DenseI64ArrayAttr:$split);
  let results = (outs Variadic<Tfm_Tensor>:$results);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($results)";
  let hasVerifier = 1;
}

def Tfm_SliceOp : Tfm_Op<"slice"> {
  let summary = "strided slice";
  let description = [{
    ONNX `Slice` (opset >= 10 form): 1-D `starts`, `ends`, `axes`, `steps` of
    the same length; out-of-range bounds are clamped as ONNX specifies.
  }];
  let arguments = (ins Tfm_Tensor:$input, Tfm_IndexTensor:$starts,
                   Tfm_IndexTensor:$ends, Tfm_IndexTensor:$axes,
                   Tfm_IndexTensor:$steps);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $starts `,` $ends `,` $axes `,` $steps attr-dict `:`
    functional-type(operands, results)
  }];
  let hasFolder = 1;
}

def Tfm_ExpandOp : Tfm_Op<"expand"> {
  let summary = "broadcasts to a shape given as a tensor";
  let description = "ONNX `Expand` (bidirectional broadcast with `shape`).";
  let arguments = (ins Tfm_Tensor:$input, Tfm_I64Tensor:$shape);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = [{
    $input `,` $shape attr-dict `:` `(` type($input) `,` type($shape) `)` `->` type($result)
  }];
  let hasFolder = 1;
}

def Tfm_RangeOp : Tfm_Op<"range"> {
  let summary = "arithmetic sequence";
  let description = [{
    ONNX `Range`: `max(ceil((limit - start) / delta), 0)` elements
    `start + i * delta`; the three operands are scalars of the result's
    element type.
  }];
  let arguments = (ins Tfm_NumericTensor:$start, Tfm_NumericTensor:$limit,
                   Tfm_NumericTensor:$delta);
  let results = (outs Tfm_NumericTensor:$result);
  let assemblyFormat = [{
    $start `,` $limit `,` $delta attr-dict `:` functional-type(operands, results)
  }];
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Tfm_TriluOp : Tfm_Op<"trilu", [SameOperandsAndResultElementType]> {
  let summary = "upper or lower triangle of the last two dimensions";
  let description = [{
    ONNX `Trilu`: keeps elements with `col - row >= k` (upper) or
    `col - row <= k` (lower), zeroes the rest; `k` is a constant attribute.
  }];
  let arguments = (ins Tfm_Tensor:$input, DefaultValuedAttr<Tfm_I64Attr, "0">:$k,
                   DefaultValuedAttr<BoolAttr, "true">:$upper);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
  let hasVerifier = 1;
}

def Tfm_GatherOp : Tfm_Op<"gather"> {
  let summary = "gathers slices along one axis";
  let description = [{
    ONNX `Gather`: the result shape is `data[:axis] + indices + data[axis+1:]`;
    negative indices count from the end. An embedding lookup is a gather on
    axis 0 of the embedding table.
  }];
  let arguments = (ins Tfm_Tensor:$data, Tfm_IndexTensor:$indices,
                   DefaultValuedAttr<Tfm_I64Attr, "0">:$axis);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` `(` type($data) `,` type($indices) `)` `->` type($result)
  }];
  let hasFolder = 1;
}

def Tfm_GatherNDOp : Tfm_Op<"gather_nd"> {
  let summary = "gathers slices addressed by index tuples";
  let description = [{
    ONNX `GatherND`: the last dimension of `indices` holds index tuples into
    the dimensions of `data` after the first `batch_dims`.
  }];
  let arguments = (ins Tfm_Tensor:$data, Tfm_I64Tensor:$indices,
                   DefaultValuedAttr<Tfm_I64Attr, "0">:$batch_dims);
  let results = (outs Tfm_Tensor:$result);
  let assemblyFormat = [{
    $data `,` $indices attr-dict `:` `(` type($data) `,` type($indices) `)` `->` type($result)
  }];
  let hasFolder = 1;
}

#endif // SINKC_DIALECT_TFM_TFMOPS_TD
