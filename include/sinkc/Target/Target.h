//===- Target.h - from the LLVM dialect to an executable --------*- C++ -*-===//
//
// The target half of sinkc, after the pipelines of sinkc/Codegen: LLVM IR
// translation and optimisation for a TargetMachine, the packed entry point
// of docs/runtime-abi.md, object emission in process, and the final link
// with the runtime library (the manifest is sinkc/Target/Manifest.h).
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_TARGET_TARGET_H
#define SINKC_TARGET_TARGET_H

#include "sinkc/Support/EntryAbi.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace sinkc {

struct TargetOptions {
  /// Target triple; empty means the host.
  std::string triple;
  /// CPU name; empty means the host CPU when compiling for the host, and the
  /// generic CPU otherwise.
  std::string cpu;
  /// Subtarget features ("+avx2,..."); empty means the host's when compiling
  /// for the host.
  std::string features;
  /// Code generation optimisation level, 0-3.
  unsigned optLevel = 3;
};

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetOptions &options);

/// Translates the LLVM-dialect module and optimises it at `optLevel` (0-3)
/// for `machine`.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &context,
                  llvm::TargetMachine &machine, unsigned optLevel = 3);

/// The shapes of the entry function's memref arguments and results, as the
/// packed entry point needs them (ranks; element types only for messages).
struct EntrySignature {
  std::vector<int64_t> inputRanks;  ///< graph inputs, after the weights
  std::vector<int64_t> outputRanks; ///< graph outputs
  uint64_t weightsSize = 0;
};

/// Adds `sinkc_entry(void **args)` (docs/runtime-abi.md) calling the
/// C-interface wrapper of the entry function, and the `sinkc_manifest`
/// string.
llvm::Error addRuntimeInterface(llvm::Module &module,
                                const EntrySignature &signature,
                                llvm::StringRef manifest);

/// Makes the object define `sinkc_weights` with the contents of the file at
/// `blobPath` (module-level `.incbin`, assembled in process).
void addEmbeddedWeights(llvm::Module &module, llvm::StringRef blobPath);

llvm::Error emitObject(llvm::Module &module, llvm::TargetMachine &machine,
                       llvm::StringRef path);

struct LinkOptions {
  std::string linkerDriver; ///< clang++ to drive the link; empty: search
  /// libsinkrt.a to link; empty: the one for the target under
  /// `runtimeDirectory`.
  std::string runtimeLibrary;
  /// Where the runtimes are: libsinkrt.a for the host, <triple>/libsinkrt.a
  /// for each cross target (build/lib).
  std::string runtimeDirectory;
  std::string targetTriple; ///< empty for the host
  /// Root of the target's libraries for a cross link (clang's --sysroot):
  /// empty means /, where Debian's cross packages install them.
  std::string sysroot;
  bool staticLink = true;
  bool strip = true; ///< drop the symbol table and debug information
  /// Also link the tokenizer library (libsinktok.a next to the runtime, with
  /// PCRE2 and ICU) for a model that embeds a tokenizer.json. Host only.
  bool linkTokenizer = false;
};

/// The runtime library the link will use, after checking that it and, for a
/// cross target, the target's C and C++ libraries are installed: the errors
/// are one line naming what to build or which Debian packages to install.
/// sinkc calls it before compiling so that a missing library fails fast.
llvm::Expected<std::string> findRuntimeLibrary(const LinkOptions &options);

/// Links the objects with the runtime into an executable at `output`.
llvm::Error linkExecutable(llvm::ArrayRef<std::string> objects,
                           llvm::StringRef output, const LinkOptions &options);

} // namespace sinkc

#endif // SINKC_TARGET_TARGET_H
