//===- Link.cpp - linking the model object with the runtime ---------------===//

#include "sinkc/Codegen/Codegen.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

namespace sinkc {

using llvm::StringRef;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The C++ driver to link with: explicit, else clang++ of our LLVM, else any
/// clang++ on PATH.
static llvm::Expected<std::string> findLinkerDriver(StringRef requested) {
  if (!requested.empty())
    return requested.str();
  for (StringRef candidate : {"clang++-22", "clang++"}) {
    if (auto path =
            llvm::sys::findProgramByName(candidate, {"/usr/lib/llvm-22/bin"}))
      return *path;
    if (auto path = llvm::sys::findProgramByName(candidate))
      return *path;
  }
  return makeError("no clang++ found to link the executable (use "
                   "--linker=PATH)");
}

llvm::Error linkExecutable(llvm::ArrayRef<std::string> objects,
                           llvm::StringRef output, const LinkOptions &options) {
  auto driver = findLinkerDriver(options.linkerDriver);
  if (!driver)
    return driver.takeError();
  if (!llvm::sys::fs::exists(options.runtimeLibrary))
    return makeError("runtime library '" + options.runtimeLibrary +
                     "' not found (use --runtime-lib=PATH)");
  std::vector<std::string> args = {*driver};
  if (!options.targetTriple.empty())
    args.push_back("--target=" + options.targetTriple);
  for (const std::string &object : objects)
    args.push_back(object);
  args.push_back(options.runtimeLibrary);
  args.push_back("-o");
  args.push_back(output.str());
  args.push_back("-fuse-ld=lld");
#ifdef SINKC_SANITIZED_BUILD
  // A sanitizer build's libsinkrt.a is instrumented with ASan and UBSan, so
  // the executable needs their runtimes, which cannot be linked statically.
  args.push_back("-fsanitize=address,undefined");
#else
  if (options.staticLink)
    args.push_back("-static");
#endif
  args.push_back("-pthread");
  args.push_back("-lm");
  args.push_back("-Wl,-z,noexecstack");

  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string errorMessage;
  int status = llvm::sys::ExecuteAndWait(*driver, argRefs, std::nullopt, {},
                                         /*SecondsToWait=*/0,
                                         /*MemoryLimit=*/0, &errorMessage);
  if (status != 0) {
    std::string command;
    for (const std::string &arg : args)
      command += arg + " ";
    return makeError("link failed (" +
                     (errorMessage.empty()
                          ? "exit status " + std::to_string(status)
                          : errorMessage) +
                     "): " + command);
  }
  return llvm::Error::success();
}

} // namespace sinkc
