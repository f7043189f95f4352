//===- LowerPackedMatmuls.cpp - packed products to the runtime's kernel ---===//
//
// The products that sinkc-pack-matmul-weights wrote over packed weights
// become calls of the runtime's micro-kernel for the target (IREE's
// "ukernel" approach): a register tile that LLVM allocates without spills,
// K blocked for L1 and panels grouped for L2, on the thread pool. The
// choice of kernel is the compiler's (from the target's features); the
// runtime only checks that the CPU has the instructions. Weights packed as
// f16 or bf16 go to the kernel's entry point for that storage type, which
// widens them to f32 inside the kernel.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Passes.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_LOWERPACKEDMATMULS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

/// The runtime function for weights of `element` type (f32, f16 or bf16;
/// A and C are f32 either way), or an empty name.
llvm::StringRef kernelFunction(Type element) {
  if (element.isF32())
    return "sinkrt_matmul_f32_packed";
  if (element.isF16())
    return "sinkrt_matmul_f16_packed";
  if (element.isBF16())
    return "sinkrt_matmul_bf16_packed";
  return {};
}

/// `func.func private @sinkrt_matmul_<weights>_packed(!llvm.ptr, i64, i64,
/// memref<*xf32>, memref<*x<weights>>, memref<*xf32>)`.
func::FuncOp getOrDeclareKernel(ModuleOp module, Type weights) {
  StringRef name = kernelFunction(weights);
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Type unranked = UnrankedMemRefType::get(b.getF32Type(), 0);
  auto type = b.getFunctionType({LLVM::LLVMPointerType::get(ctx),
                                 b.getI64Type(), b.getI64Type(), unranked,
                                 UnrankedMemRefType::get(weights, 0), unranked},
                                {});
  auto function = func::FuncOp::create(b, module.getLoc(), name, type);
  function.setPrivate();
  return function;
}

/// The zero fill of `buffer` right before `op`, which the kernel makes
/// unnecessary (it can overwrite instead of accumulate).
linalg::FillOp zeroFillBefore(Operation *op, Value buffer) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(op->getPrevNode());
  return fill && fill.getOutputs()[0] == buffer && isPositiveZeroFill(fill)
             ? fill
             : nullptr;
}

struct LowerPackedMatmulsPass
    : public impl::LowerPackedMatmulsBase<LowerPackedMatmulsPass> {
  using LowerPackedMatmulsBase::LowerPackedMatmulsBase;

  void runOnOperation() override {
    if (kernel < 0)
      return;
    ModuleOp module = getOperation();
    for (auto function : llvm::to_vector(module.getOps<func::FuncOp>())) {
      SmallVector<linalg::GenericOp> products;
      function.walk([&](linalg::GenericOp op) {
        if (op->hasAttr(kPackedMatmulMarker))
          products.push_back(op);
      });
      if (products.empty())
        continue;
      Value context = findRuntimeContext(function);
      for (linalg::GenericOp product : products)
        if (failed(lower(product, context, module)))
          return signalPassFailure();
    }
  }

  LogicalResult lower(linalg::GenericOp product, Value context,
                      ModuleOp module) {
    if (!product.hasPureBufferSemantics())
      return product.emitOpError(
          "sinkc.packed_matmul must be bufferized before it is lowered");
    auto width = dyn_cast<IntegerAttr>(product->getAttr(kPackedMatmulMarker));
    Value lhs = product.getDpsInputs()[0], rhs = product.getDpsInputs()[1];
    Value out = product.getDpsInits()[0];
    auto rhsType = cast<MemRefType>(rhs.getType());
    if (!width || rhsType.getRank() != 3 ||
        rhsType.getDimSize(2) != width.getInt())
      return product.emitOpError("sinkc.packed_matmul does not match its "
                                 "packed operand");
    Type weights = rhsType.getElementType();
    if (kernelFunction(weights).empty() ||
        !cast<MemRefType>(lhs.getType()).getElementType().isF32() ||
        !cast<MemRefType>(out.getType()).getElementType().isF32())
      return product.emitOpError("sinkc.packed_matmul needs f32 activations "
                                 "and results and f32, f16 or bf16 weights");
    if (width.getInt() != panelWidth)
      return product.emitOpError("weights packed in panels of ")
             << width.getInt() << " columns, but kernel "
             << static_cast<int64_t>(kernel) << " reads panels of "
             << static_cast<int64_t>(panelWidth);
    OpBuilder b(product);
    Location loc = product.getLoc();
    if (!context)
      context = LLVM::ZeroOp::create(
          b, loc, LLVM::LLVMPointerType::get(b.getContext()));
    int64_t accumulate = 1;
    if (linalg::FillOp fill = zeroFillBefore(product, out)) {
      fill.erase();
      accumulate = 0;
    }
    SmallVector<Value> operands = {
        context, arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(kernel)),
        arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(accumulate))};
    for (Value buffer : {lhs, rhs, out})
      operands.push_back(memref::CastOp::create(
          b, loc,
          UnrankedMemRefType::get(
              cast<MemRefType>(buffer.getType()).getElementType(), 0),
          buffer));
    func::CallOp::create(b, loc, getOrDeclareKernel(module, weights), operands);
    product.erase();
    return success();
  }
};

} // namespace
} // namespace sinkc
