//===- TfmDialect.td - The tfm dialect ---------------------*- tablegen -*-===//
//
// The `tfm` dialect: the tensor ops of transformer exports, one op per ONNX
// node, on builtin ranked tensors whose dynamic dimensions stay `?`.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_DIALECT_TFM_TFMDIALECT_TD
#define SINKC_DIALECT_TFM_TFMDIALECT_TD

include "mlir/IR/OpBase.td"

def Tfm_Dialect : Dialect {
  let name = "tfm";
  let summary = "Transformer tensor ops imported from ONNX";
  let description = [{
    The `tfm` dialect holds the ONNX operators that real exports of
    transformer language models use, with ONNX semantics (multidirectional
    broadcasting, negative axes counted from the back, int64 shape tensors).
    Every op keeps the ONNX node it came from as its location
    (`loc("node_name"("model.onnx":0:0))`), so errors and traces can name the
    user's node.

    Operands that ONNX moved between attributes and inputs across opsets
    (Squeeze/Unsqueeze/Reduce* axes, Split sizes, CumSum axis) are
    attributes here: the importer requires them to be constant and accepts
    both forms. Operands that are genuinely data-dependent in real exports
    (Reshape/Expand shapes, Slice bounds, Range bounds) stay operands, and
    folders turn them into constants when their producers are known.

    Result types carry as much static shape as is known. The inferred type
    of an op may be less static than its declared result type: a declared
    static dimension where inference says `?` is a refinement (from ONNX
    value_info, say) that lowering checks at run time. When folding makes an
    inferred type more static than the declared one, the dialect's
    canonicalization refines the declared type (and casts back for users
    outside the dialect).
  }];
  let cppNamespace = "::sinkc::tfm";
  // The canonicalization that refines result types inserts tensor.cast for
  // users outside the dialect, so the tensor dialect must be loaded.
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let hasConstantMaterializer = 1;
  let hasCanonicalizer = 1;
  let useDefaultAttributePrinterParser = 0;
  let useDefaultTypePrinterParser = 0;
}

#endif // SINKC_DIALECT_TFM_TFMDIALECT_TD
