//===- Link.cpp - linking the model object with the runtime ---------------===//
//
// The link runs clang++ with lld. For the host it links build/lib/libsinkrt.a
// against the host's libraries; for a cross target it links the runtime built
// for that triple (build/lib/<triple>/libsinkrt.a, runtime/CMakeLists.txt)
// against Debian's cross libraries in /usr/<triple> and
// /usr/lib/gcc-cross/<triple>, which clang finds by itself for the Debian
// spelling of the triple.
//
//===----------------------------------------------------------------------===//

#include "sinkc/Support/Error.h"
#include "sinkc/Target/Target.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

namespace sinkc {

using llvm::StringRef;

namespace {
/// A target with a cross runtime: its Debian multiarch triple and the Debian
/// architecture that names its cross library packages.
struct CrossTarget {
  StringRef triple;
  StringRef debianArch;
};
} // namespace

static constexpr CrossTarget kCrossTargets[] = {
    {"aarch64-linux-gnu", "arm64"},
    {"arm-linux-gnueabihf", "armhf"},
    {"riscv64-linux-gnu", "riscv64"},
};

/// The cross target `triple` runs on, whatever its vendor and sub-architecture
/// spelling (aarch64-unknown-linux-gnu, armv7-linux-gnueabihf, ...); null for
/// the host and for targets without a runtime.
static const CrossTarget *findCrossTarget(const llvm::Triple &triple) {
  if (!triple.isOSLinux())
    return nullptr;
  StringRef name;
  switch (triple.getArch()) {
  case llvm::Triple::aarch64:
    name = "aarch64-linux-gnu";
    break;
  case llvm::Triple::arm:
  case llvm::Triple::thumb:
    if (triple.getEnvironment() == llvm::Triple::GNUEABIHF)
      name = "arm-linux-gnueabihf";
    break;
  case llvm::Triple::riscv64:
    name = "riscv64-linux-gnu";
    break;
  default:
    break;
  }
  for (const CrossTarget &target : kCrossTargets)
    if (target.triple == name)
      return &target;
  return nullptr;
}

static bool isHost(const llvm::Triple &triple) {
  llvm::Triple host(llvm::sys::getProcessTriple());
  return triple.getArch() == host.getArch() && triple.getOS() == host.getOS() &&
         triple.getEnvironment() == host.getEnvironment();
}

/// Whether Debian's cross C library (libc6-dev-<arch>-cross) and GCC runtime
/// with libstdc++ (libstdc++-12-dev-<arch>-cross) are installed: clang needs
/// both for a static C++ link (crt1.o, libc.a, crtbegin.o, libgcc.a, ...).
static bool haveCrossLibraries(StringRef sysroot, StringRef triple) {
  if (!llvm::sys::fs::exists(sysroot + "/usr/" + triple + "/lib/libc.a"))
    return false;
  std::error_code ec;
  std::string gccDir = (sysroot + "/usr/lib/gcc-cross/" + triple).str();
  for (llvm::sys::fs::directory_iterator it(gccDir, ec), end; !ec && it != end;
       it.increment(ec))
    if (llvm::sys::fs::exists(it->path() + "/libstdc++.a") &&
        llvm::sys::fs::exists(it->path() + "/crtbegin.o"))
      return true;
  return false;
}

static std::string supportedTargets() {
  std::string list;
  for (const CrossTarget &target : kCrossTargets)
    list += (list.empty() ? "" : ", ") + target.triple.str();
  return list;
}

llvm::Expected<std::string> findRuntimeLibrary(const LinkOptions &options) {
  const CrossTarget *cross = nullptr;
  if (!options.targetTriple.empty()) {
    llvm::Triple triple(llvm::Triple::normalize(options.targetTriple));
    cross = findCrossTarget(triple);
    if (!cross && !isHost(triple) && options.runtimeLibrary.empty())
      return makeError("no runtime for target '" + options.targetTriple +
                       "': sinkc links executables for the host and for " +
                       supportedTargets() +
                       " (--emit=obj writes the object for any target)");
  }
  // Checked even with --runtime-lib: without them the link fails with a
  // screen of lld errors about crt files.
  if (cross && !haveCrossLibraries(options.sysroot, cross->triple)) {
    std::string where =
        options.sysroot.empty() ? "" : " under --sysroot=" + options.sysroot;
    return makeError("the C and C++ libraries for " + cross->triple +
                     " are not installed" + where + ": apt-get install " +
                     "libc6-dev-" + cross->debianArch +
                     "-cross libstdc++-12-dev-" + cross->debianArch +
                     "-cross (scripts/install-deps.sh installs them)");
  }
  if (!options.runtimeLibrary.empty()) {
    if (!llvm::sys::fs::exists(options.runtimeLibrary))
      return makeError("runtime library '" + options.runtimeLibrary +
                       "' not found");
    return options.runtimeLibrary;
  }
  llvm::SmallString<256> path(options.runtimeDirectory);
  if (cross)
    llvm::sys::path::append(path, cross->triple);
  llvm::sys::path::append(path, "libsinkrt.a");
  if (!llvm::sys::fs::exists(path)) {
    if (cross)
      return makeError("no runtime for " + cross->triple + " at '" + path +
                       "': rebuild sinkc (scripts/build.sh) now that its "
                       "libraries are installed, or use --runtime-lib=PATH");
    return makeError("runtime library '" + path +
                     "' not found (use --runtime-lib=PATH)");
  }
  return std::string(path);
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
  auto runtime = findRuntimeLibrary(options);
  if (!runtime)
    return runtime.takeError();
  std::vector<std::string> args = {*driver};
  const CrossTarget *cross = nullptr;
  if (!options.targetTriple.empty()) {
    // clang finds Debian's cross libraries only under the Debian spelling of
    // the triple (it looks for /usr/lib/gcc-cross/<triple>).
    cross = findCrossTarget(
        llvm::Triple(llvm::Triple::normalize(options.targetTriple)));
    args.push_back("--target=" +
                   (cross ? cross->triple.str() : options.targetTriple));
  }
  if (!options.sysroot.empty())
    args.push_back("--sysroot=" + options.sysroot);
  for (const std::string &object : objects)
    args.push_back(object);
  if (options.linkTokenizer) {
    if (cross)
      return makeError("a tokenizer.json cannot be linked for " +
                       cross->triple.str() +
                       ": the tokenizer library needs ICU and PCRE2, which "
                       "are not installed for cross targets");
    llvm::SmallString<256> tokenizerLibrary(
        llvm::sys::path::parent_path(*runtime));
    llvm::sys::path::append(tokenizerLibrary, "libsinktok.a");
    if (!llvm::sys::fs::exists(tokenizerLibrary))
      return makeError("tokenizer library '" + tokenizerLibrary +
                       "' not found (build the sinktok target)");
    args.push_back(std::string(tokenizerLibrary));
    // The runtime refers to the tokenizer's entry point only weakly, which
    // does not pull an archive member in.
    args.push_back("-Wl,--undefined=sinkrt_load_tokenizer");
  }
  args.push_back(*runtime);
  args.push_back("-o");
  args.push_back(output.str());
  args.push_back("-fuse-ld=lld");
#ifdef SINKC_SANITIZED_BUILD
  // A sanitizer build's host libsinkrt.a is instrumented with ASan and UBSan,
  // so the executable needs their runtimes, which cannot be linked
  // statically. The cross runtimes are built without them.
  constexpr bool sanitizedRuntime = true;
#else
  constexpr bool sanitizedRuntime = false;
#endif
  if (sanitizedRuntime && !cross)
    args.push_back("-fsanitize=address,undefined");
  else if (options.staticLink)
    args.push_back("-static");
  // The runtime is compiled with -ffunction-sections; what a model does not
  // call (and most of libstdc++'s locale machinery) stays out.
  args.push_back("-Wl,--gc-sections");
  if (options.strip)
    args.push_back("-s");
  if (options.linkTokenizer) {
    // Debian's static archives under -static; ICU's data is one large
    // archive member (about 30 MB of the executable).
    args.push_back("-lpcre2-8");
    args.push_back("-licuuc");
    args.push_back("-licudata");
  }
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
