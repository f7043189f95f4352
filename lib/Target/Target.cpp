//===- Target.cpp - LLVM IR translation and object emission ---------------===//
//
// Everything after the LLVM dialect happens in process: translation to LLVM
// IR, the -O3 pipeline, and object emission through a TargetMachine.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Target/Target.h"
#include "sinkc/Support/Error.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

namespace sinkc {

/// What a cross target gets when --cpu does not say: the code that runs on
/// the boards the triple names, with their vector unit, and the ABI of
/// Debian's libraries for that triple (which the runtime is linked against).
static void applyCrossDefaults(llvm::Triple &triple, std::string &cpu,
                               std::string &features,
                               llvm::TargetOptions &targetOptions) {
  switch (triple.getArch()) {
  case llvm::Triple::arm:
  case llvm::Triple::thumb:
    // Plain "arm" is ARMv4T in LLVM: no FPU, which a hard-float ABI cannot
    // call. Debian's armhf is ARMv7-A; the boards it runs on (Cortex-A7, A9,
    // A15, A53/A72 in 32-bit mode) have NEON, so use it.
    if (triple.getSubArch() == llvm::Triple::NoSubArch)
      triple.setArchName(triple.getArch() == llvm::Triple::thumb ? "thumbv7"
                                                                 : "armv7");
    if (cpu.empty() && features.empty())
      features = "+vfp3,+d32,+neon";
    break;
  case llvm::Triple::riscv64:
    // RV64GC with the double-float ABI (lp64d), as Debian's riscv64 port and
    // every Linux board; without this LLVM emits RV64I soft-float code that
    // lld refuses to link with the C library. The vector extension is not
    // on by default: most boards lack it (--cpu picks one that has it).
    if (features.empty())
      features = "+m,+a,+f,+d,+c,+zicsr,+zifencei";
    targetOptions.MCOptions.ABIName = "lp64d";
    break;
  default:
    // AArch64's generic CPU is ARMv8-A with NEON already.
    break;
  }
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetOptions &options) {
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
  llvm::InitializeAllAsmParsers();

  bool host = options.triple.empty();
  llvm::Triple triple(host ? llvm::sys::getProcessTriple()
                           : llvm::Triple::normalize(options.triple));
  std::string cpu = options.cpu;
  std::string features = options.features;
  llvm::TargetOptions targetOptions;
  applyCrossDefaults(triple, cpu, features, targetOptions);
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return makeError("unknown target '" + triple.str() + "': " + error);
  if (host && cpu.empty())
    cpu = llvm::sys::getHostCPUName().str();
  if (host && features.empty()) {
    llvm::SubtargetFeatures hostFeatures;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      hostFeatures.AddFeature(feature.first(), feature.second);
    features = hostFeatures.getString();
  }
  if (cpu.empty())
    cpu = "generic";
  // LLVM only warns about an unknown CPU and then generates baseline code;
  // for a board that is a silent slowdown, so refuse it.
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(triple, "", ""));
  if (subtarget && !subtarget->isCPUStringValid(cpu))
    return makeError("unknown CPU '" + cpu + "' for target '" + triple.str() +
                     "' (llc-22 -mtriple=" + triple.str() +
                     " -mcpu=help lists them)");
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOpt::getLevel(std::min(options.optLevel, 3u))
          .value_or(llvm::CodeGenOptLevel::Aggressive)));
  if (!machine)
    return makeError("cannot create a target machine for '" + triple.str() +
                     "'");
  return machine;
}

llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                  llvm::TargetMachine &machine, unsigned optLevel) {
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context);
  if (!llvmModule)
    return makeError("translation to LLVM IR failed");
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());
  auto optimize = mlir::makeOptimizingTransformer(optLevel,
                                                  /*sizeLevel=*/0, &machine);
  if (llvm::Error e = optimize(llvmModule.get()))
    return std::move(e);
  return llvmModule;
}

llvm::Error emitObject(llvm::Module &module, llvm::TargetMachine &machine,
                       llvm::StringRef path) {
  std::error_code ec;
  llvm::ToolOutputFile output(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return makeError("cannot write '" + path + "': " + ec.message());
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, output.os(), nullptr,
                                  llvm::CodeGenFileType::ObjectFile))
    return makeError("the target cannot emit object files");
  codegen.run(module);
  output.os().flush();
  if (output.os().has_error())
    return makeError("error writing '" + path + "'");
  output.keep();
  return llvm::Error::success();
}

} // namespace sinkc
