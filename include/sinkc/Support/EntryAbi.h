//===- EntryAbi.h - the names of the model's entry point --------*- C++ -*-===//
//
// Shared by the importer's output, the pipelines that prepare the entry ABI
// and the LLVM-level entry point (docs/runtime-abi.md).
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_SUPPORT_ENTRYABI_H
#define SINKC_SUPPORT_ENTRYABI_H

#include "llvm/ADT/StringRef.h"

namespace sinkc {

/// Name of the model function the importer creates.
inline constexpr llvm::StringLiteral kEntryFunctionName = "main";
/// Its name in the object: `main` belongs to the runtime.
inline constexpr llvm::StringLiteral kModelSymbolName = "sinkc_model";

} // namespace sinkc

#endif // SINKC_SUPPORT_ENTRYABI_H
