//===- OutlineParallelLoops.cpp - loops onto the runtime's thread pool ----===//
//
// Captured values cross into the outlined body through a struct of their
// LLVM representations. The IR is still memref/scf here, so the two sides
// meet through unrealized_conversion_cast ops that the LLVM conversion later
// resolves (memref -> descriptor struct and back).
//
//===----------------------------------------------------------------------===//

#include "OutliningUtils.h"
#include "sinkc/Codegen/Passes.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/FunctionCallUtils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace sinkc {
#define GEN_PASS_DEF_OUTLINEPARALLELLOOPS
#include "sinkc/Codegen/Passes.h.inc"

namespace {

struct OutlineParallelLoopsPass
    : public impl::OutlineParallelLoopsBase<OutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    LLVMTypeConverter typeConverter(context);

    unsigned counter = 0;
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      // Without a context the loops stay serial; their markers go below.
      Value runtimeContext = findRuntimeContext(func);
      if (!runtimeContext)
        continue;
      SmallVector<scf::ForOp> loops;
      func.walk([&](scf::ForOp loop) {
        if (loop->hasAttr(kParallelMarker))
          loops.push_back(loop);
      });
      for (scf::ForOp loop : loops) {
        // Stays serial inside another marked loop: the runtime never nests
        // parallel_for, and the captures struct of an inner call would be
        // one stack slot shared by all workers.
        if (insideParallelLoop(loop))
          continue;
        if (failed(
                outline(func, loop, runtimeContext, typeConverter, counter++)))
          return signalPassFailure();
      }
    }
    // Everywhere, the outlined bodies included (where the loops that stayed
    // serial inside a parallel one went).
    module.walk([](scf::ForOp loop) { loop->removeAttr(kParallelMarker); });
  }

  LogicalResult outline(func::FuncOp func, scf::ForOp loop,
                        Value runtimeContext,
                        const LLVMTypeConverter &typeConverter,
                        unsigned index) {
    MLIRContext *context = &getContext();
    ModuleOp module = getOperation();
    Location loc = loop.getLoc();
    OpBuilder builder(context);
    auto ptrType = LLVM::LLVMPointerType::get(context);
    auto i64 = builder.getI64Type();
    if (loop.getNumResults() != 0)
      return success(); // loop-carried values: not a parallel loop

    // Values the body (and the bounds) use from outside, constants aside.
    SetVector<Value> used;
    getUsedValuesDefinedAbove(loop.getRegion(), used);
    for (Value bound : {loop.getLowerBound(), loop.getStep()})
      used.insert(bound);
    SmallVector<Value> captured;
    SmallVector<Type> fieldTypes;
    for (Value value : used) {
      if (isCheapToClone(value))
        continue;
      Type converted = typeConverter.convertType(value.getType());
      if (!converted)
        return loop.emitError("cannot pass a value of type ")
               << value.getType() << " to a parallel loop body";
      captured.push_back(value);
      fieldTypes.push_back(converted);
    }
    auto structType = LLVM::LLVMStructType::getLiteral(context, fieldTypes);

    // The body: for i in [begin, end): iv = lb + i * step; <loop body>.
    builder.setInsertionPoint(func);
    std::string name = (func.getSymName() + "_parallel_" + Twine(index)).str();
    auto bodyType = LLVM::LLVMFunctionType::get(
        LLVM::LLVMVoidType::get(context), {ptrType, i64, i64});
    auto body = LLVM::LLVMFuncOp::create(builder, loc, name, bodyType,
                                         LLVM::Linkage::Internal);
    Block *entry = body.addEntryBlock(builder);
    builder.setInsertionPointToStart(entry);
    IRMapping mapping;
    for (auto [i, value] : llvm::enumerate(captured)) {
      Value field = LLVM::GEPOp::create(builder, loc, ptrType, structType,
                                        entry->getArgument(0),
                                        ArrayRef<LLVM::GEPArg>{0, (int32_t)i});
      Value loaded = LLVM::LoadOp::create(builder, loc, fieldTypes[i], field);
      Value restored = UnrealizedConversionCastOp::create(
                           builder, loc, value.getType(), loaded)
                           .getResult(0);
      mapping.map(value, restored);
    }
    for (Value value : used)
      if (isCheapToClone(value))
        mapping.map(value, builder.clone(*value.getDefiningOp())->getResult(0));
    auto toIndex = [&](Value v) {
      return arith::IndexCastOp::create(builder, loc, builder.getIndexType(),
                                        v);
    };
    Value begin = toIndex(entry->getArgument(1));
    Value end = toIndex(entry->getArgument(2));
    Value one = arith::ConstantIndexOp::create(builder, loc, 1);
    Value lowerBound = mapping.lookupOrDefault(loop.getLowerBound());
    Value step = mapping.lookupOrDefault(loop.getStep());
    auto inner = scf::ForOp::create(builder, loc, begin, end, one);
    builder.setInsertionPointToStart(inner.getBody());
    Value iv = arith::AddIOp::create(
        builder, loc, lowerBound,
        arith::MulIOp::create(builder, loc, inner.getInductionVar(), step));
    mapping.map(loop.getInductionVar(), iv);
    for (Operation &op : loop.getBody()->without_terminator())
      builder.clone(op, mapping);
    builder.setInsertionPointToEnd(entry);
    LLVM::ReturnOp::create(builder, loc, ValueRange{});

    // The call site: pack the captures, hand the range to the runtime.
    builder.setInsertionPointToStart(&func.getBody().front());
    Value count1 = LLVM::ConstantOp::create(builder, loc, i64, 1);
    Value buffer =
        LLVM::AllocaOp::create(builder, loc, ptrType, structType, count1);
    builder.setInsertionPoint(loop);
    for (auto [i, value] : llvm::enumerate(captured)) {
      Value converted =
          UnrealizedConversionCastOp::create(builder, loc, fieldTypes[i], value)
              .getResult(0);
      Value field =
          LLVM::GEPOp::create(builder, loc, ptrType, structType, buffer,
                              ArrayRef<LLVM::GEPArg>{0, (int32_t)i});
      LLVM::StoreOp::create(builder, loc, converted, field);
    }
    // Trip count: ceil((ub - lb) / step), at least 0.
    Value span = arith::SubIOp::create(builder, loc, loop.getUpperBound(),
                                       loop.getLowerBound());
    Value trips =
        arith::CeilDivSIOp::create(builder, loc, span, loop.getStep());
    trips = arith::MaxSIOp::create(
        builder, loc, trips, arith::ConstantIndexOp::create(builder, loc, 0));
    Value trips64 = arith::IndexCastOp::create(builder, loc, i64, trips);
    Value function = LLVM::AddressOfOp::create(builder, loc, ptrType, name);
    auto parallelFor = LLVM::lookupOrCreateFn(
        builder, module, "sinkrt_parallel_for",
        {ptrType, i64, ptrType, ptrType}, LLVM::LLVMVoidType::get(context));
    if (failed(parallelFor))
      return loop.emitError("cannot declare sinkrt_parallel_for");
    LLVM::CallOp::create(builder, loc, *parallelFor,
                         ValueRange{runtimeContext, trips64, function, buffer});
    loop.erase();
    return success();
  }
};

} // namespace
} // namespace sinkc
