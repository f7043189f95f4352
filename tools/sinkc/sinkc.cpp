//===- sinkc.cpp - the sinkc compiler driver ------------------------------===//
//
// sinkc MODEL.onnx -o OUT [--emit=tfm-raw|tfm|linalg|llvm|llvm-ir|obj|exe]
//
// Stages: import (tfm-raw) -> fold, simplify, instrument (tfm) -> lower to
// linalg on tensors (linalg) -> bufferize and lower to the LLVM dialect (llvm)
// -> LLVM IR with the runtime entry point (llvm-ir) -> object (obj) ->
// executable linked with libsinkrt (exe, the default).
//
//===----------------------------------------------------------------------===//

#include "sinkc/Codegen/Codegen.h"
#include "sinkc/Codegen/Passes.h"
#include "sinkc/Conversion/Passes.h"
#include "sinkc/Dialect/Sink/SinkDialect.h"
#include "sinkc/Dialect/Tfm/TfmDialect.h"
#include "sinkc/Dialect/Tfm/TfmOps.h"
#include "sinkc/Import/OnnxImporter.h"
#include "sinkc/Support/Location.h"
#include "sinkc/Target/Manifest.h"
#include "sinkc/Target/Target.h"
#include "sinkc/Transforms/Capture.h"
#include "sinkc/Transforms/Instrumentation.h"
#include "sinkc/Transforms/Intervention.h"
#include "sinkc/Transforms/Passes.h"
#include "sinkrt/TensorIO.h"
#include "sinkrt/WeightsHash.h"
#include "sinktok/Tokenizer.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <cmath>
#include <cstdio>
#include <set>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class EmitKind { TfmRaw, Tfm, Linalg, LLVMDialect, LLVMIR, Object, Exe };
enum class WeightsMode { Auto, Embed, External };

cl::OptionCategory sinkcCategory("sinkc options");

cl::opt<std::string> inputPath(cl::Positional, cl::desc("<model.onnx>"),
                               cl::Required, cl::cat(sinkcCategory));
cl::opt<std::string> outputPath("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("path"), cl::init("-"),
                                cl::cat(sinkcCategory));
cl::opt<EmitKind> emitKind(
    "emit", cl::desc("Stop after this stage and write its output"),
    cl::values(
        clEnumValN(EmitKind::TfmRaw, "tfm-raw",
                   "the tfm module exactly as imported, one op per ONNX node"),
        clEnumValN(EmitKind::Tfm, "tfm",
                   "the tfm module after folding and simplification"),
        clEnumValN(EmitKind::Linalg, "linalg", "linalg on tensors"),
        clEnumValN(EmitKind::LLVMDialect, "llvm", "the LLVM dialect"),
        clEnumValN(EmitKind::LLVMIR, "llvm-ir",
                   "LLVM IR with the runtime entry point, optimised"),
        clEnumValN(EmitKind::Object, "obj", "the model's object file"),
        clEnumValN(EmitKind::Exe, "exe",
                   "an executable linked with the runtime (default)")),
    cl::init(EmitKind::Exe), cl::cat(sinkcCategory));
cl::opt<std::string> staticShapes(
    "static-shape",
    cl::desc("Fix input shapes, e.g. input_ids:1x24 (comma separated)"),
    cl::value_desc("name:DxD,..."), cl::cat(sinkcCategory));
cl::opt<bool> noValueInfo(
    "no-value-info",
    cl::desc("Ignore the shapes the exporter recorded in value_info"),
    cl::init(false), cl::cat(sinkcCategory));
cl::opt<WeightsMode> weightsMode(
    "weights", cl::desc("Where the executable keeps the weights"),
    cl::values(clEnumValN(WeightsMode::Auto, "auto",
                          "embedded up to --embed-limit, external above"),
               clEnumValN(WeightsMode::Embed, "embed", "inside the executable"),
               clEnumValN(WeightsMode::External, "external",
                          "in OUT.weights, mapped at run time")),
    cl::init(WeightsMode::Auto), cl::cat(sinkcCategory));
cl::opt<uint64_t> embedLimit(
    "embed-limit",
    cl::desc("Largest weights size (bytes) that --weights=auto embeds"),
    cl::init(uint64_t(512) << 20), cl::cat(sinkcCategory));
cl::opt<std::string> targetTriple("target",
                                  cl::desc("Target triple (default: the host)"),
                                  cl::value_desc("triple"),
                                  cl::cat(sinkcCategory));
cl::opt<std::string> targetCpu(
    "cpu",
    cl::desc("Target CPU, e.g. cortex-a53, cortex-a72, neoverse-n1 (default: "
             "the host CPU for host builds, the target's baseline with its "
             "vector unit otherwise; docs/codegen.md)"),
    cl::cat(sinkcCategory));
cl::alias targetCpuAlias("mcpu", cl::desc("Alias for --cpu"),
                         cl::aliasopt(targetCpu), cl::cat(sinkcCategory));
cl::opt<std::string> matmulKernelName(
    "matmul-kernel",
    cl::desc("Runtime kernel for products against weights: auto (the "
             "target's best: avx512, avx2 or portable), avx512, avx2, "
             "portable, or none (the generic contraction schedule)"),
    cl::init("auto"), cl::cat(sinkcCategory));
cl::opt<std::string> weightsDType(
    "weights-dtype",
    cl::desc("Storage of the executable's weights: f32, f16 or bf16 (the "
             "products' packed panels and the embedding tables; small "
             "weights such as norms and biases stay as the model has them). "
             "The model computes in f32 either way: f16 and bf16 halve the "
             "weights file and the memory they take (docs/codegen.md)"),
    cl::init("f32"), cl::cat(sinkcCategory));
cl::opt<std::string> logitsPositions(
    "logits",
    cl::desc("Positions whose logits the executable computes: all (the "
             "model's semantics) or last (for analysis runs: the vocabulary "
             "projection of the last position only; logits [B, 1, V])"),
    cl::init("all"), cl::cat(sinkcCategory));
cl::opt<std::string> runtimeLibrary(
    "runtime-lib",
    cl::desc("libsinkrt.a to link (default: ../lib/libsinkrt.a next to "
             "sinkc, ../lib/TRIPLE/libsinkrt.a for --target)"),
    cl::value_desc("path"), cl::cat(sinkcCategory));
cl::opt<std::string> linkerDriver(
    "linker", cl::desc("C++ compiler driver used to link (default: clang++)"),
    cl::value_desc("path"), cl::cat(sinkcCategory));
cl::opt<std::string> sysroot(
    "sysroot",
    cl::desc("Root of the target's C and C++ libraries for --target (default "
             "/, where Debian's cross packages put them)"),
    cl::value_desc("dir"), cl::cat(sinkcCategory));
cl::opt<bool> dynamicLink("no-static",
                          cl::desc("Link dynamically (default: -static)"),
                          cl::init(false), cl::cat(sinkcCategory));
cl::opt<int64_t> bosId(
    "bos-id",
    cl::desc("Token id of the beginning-of-sequence token (for --prompt and "
             "the sink analysis)"),
    cl::init(-1), cl::cat(sinkcCategory));
cl::opt<unsigned> llvmOptLevel(
    "llvm-opt",
    cl::desc("LLVM optimisation level for the generated code, 0-3 (default "
             "2: the kernels are already tiled and vectorized in MLIR; -O3 "
             "doubles compile time for no measured run-time gain)"),
    cl::init(2), cl::cat(sinkcCategory));
cl::opt<bool> debugLines(
    "g",
    cl::desc("Emit DWARF line tables whose line numbers are ONNX node indices "
             "(1-based, graph order), so that profilers attribute time to "
             "nodes; writes OUT.nodes.tsv mapping lines to node names"),
    cl::init(false), cl::cat(sinkcCategory));
cl::opt<std::string> tokenizer(
    "tokenizer",
    cl::desc("Tokenizer of the executable's --prompt and --prompts-file: "
             "'bytes' (token = byte value), 'none', or the path of a Hugging "
             "Face tokenizer.json, which is checked and embedded "
             "(docs/tokenizers.md)"),
    cl::value_desc("bytes|none|FILE.json"), cl::init("none"),
    cl::cat(sinkcCategory));
cl::opt<std::string> instrumentSpec(
    "instrument",
    cl::desc("Measure attention sinks in the chosen layers and metrics, "
             "e.g. layers=all,metrics=attn,mlp,hidden or "
             "layers=2-5,7,metrics=attn; metrics=kv adds the key and value "
             "norms, metrics=mlpstates the cosines of the MLP's internal "
             "states with BOS's (docs/instrumentation.md)"),
    cl::value_desc("spec"), cl::cat(sinkcCategory));
cl::opt<std::string> captureSpec(
    "capture",
    cl::desc("Write chosen states of the sink tokens, and of as many "
             "non-sink positions with the same token ids (matched "
             "controls), next to the trace as F.captures.npz, e.g. "
             "layers=2-3,states=hidden,mlp_input,mlp_out,tokens=sinks+matched "
             "(needs --instrument; docs/captures.md)"),
    cl::value_desc("spec"), cl::cat(sinkcCategory));
cl::opt<std::string> interveneSpec(
    "intervene",
    cl::desc("Steer the model: mlp-norm-cap:layer=L,norm=N[,cos=C]"
             "[,skip-first=S] rescales block L's MLP outputs whose cosine "
             "with BOS's MLP output (or --steer-vector) is above C (default "
             "0.98) to norm N, at every position from S (default 3) on "
             "(docs/interventions.md)"),
    cl::value_desc("spec"), cl::cat(sinkcCategory));
cl::opt<std::string> steerVectorPath(
    "steer-vector",
    cl::desc("Reference direction of --intervene instead of BOS's MLP "
             "output: a float32 or float64 .npy vector of d_model values"),
    cl::value_desc("F.npy"), cl::cat(sinkcCategory));
cl::opt<bool> noRecognize(
    "no-recognize",
    cl::desc("Do not look for the decoder blocks (the manifest's layer and "
             "head counts then come from the softmax ops)"),
    cl::init(false), cl::cat(sinkcCategory));

cl::opt<bool> fuseAttention(
    "fuse-attention",
    cl::desc("Compute the attention blocks whose mask is proven causal (or "
             "packed-sequence) with the runtime's tiled kernel in O(T) "
             "memory (sinkc-fuse-attention); =false materialises every "
             "[B, H, T, T] score tensor"),
    cl::init(true), cl::cat(sinkcCategory));

/// Whether --target names the machine sinkc runs on (the tokenizer library
/// exists only for the host).
bool isHostTriple(const std::string &triple) {
  llvm::Triple requested(llvm::Triple::normalize(triple));
  llvm::Triple host(llvm::sys::getProcessTriple());
  return requested.getArch() == host.getArch() &&
         requested.getOS() == host.getOS();
}

int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "sinkc") << message << "\n";
  return 1;
}

/// The --steer-vector file, checked: a float32 or float64 .npy vector of
/// finite values, not all zero (a direction). Its length is checked against
/// the model's hidden size once the model is read.
llvm::Expected<std::vector<float>> readSteerVector(const std::string &path) {
  std::string what = "--steer-vector '" + path + "'";
  auto error = [&](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   what + message);
  };
  sinkrt::Expected<std::vector<unsigned char>> bytes = sinkrt::readFile(path);
  if (!bytes)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--steer-vector: " +
                                       bytes.getError().message);
  sinkrt::Expected<sinkrt::HostTensor> tensor =
      sinkrt::parseNpy(bytes->data(), bytes->size());
  if (!tensor)
    return error(": " + tensor.getError().message);
  if (tensor->dtype != sinkrt::DType::F32 &&
      tensor->dtype != sinkrt::DType::F64)
    return error(" holds " + llvm::Twine(sinkrt::dtypeName(tensor->dtype)) +
                 " values; expected float32 or float64");
  if (tensor->shape.size() != 1 || tensor->shape[0] == 0)
    return error(" has shape " + sinkrt::shapeToString(tensor->shape) +
                 "; expected a vector of d_model values, shape [d_model]");
  std::vector<float> values(tensor->shape[0]);
  double squares = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    double value = tensor->dtype == sinkrt::DType::F32
                       ? tensor->as<float>()[i]
                       : tensor->as<double>()[i];
    values[i] = static_cast<float>(value);
    if (!std::isfinite(values[i])) {
      char text[32];
      std::snprintf(text, sizeof text, "%g", value);
      return error(" has the value " + llvm::Twine(text) + " at index " +
                   llvm::Twine(i) + ", which is not a finite float32");
    }
    squares += static_cast<double>(values[i]) * values[i];
  }
  if (squares == 0)
    return error(" is the zero vector, which has no direction");
  return values;
}

/// Writes `print` to the -o output.
template <typename PrintFn> int writeOutput(PrintFn print) {
  std::string errorMessage;
  auto output = openOutputFile(outputPath, &errorMessage);
  if (!output)
    return fail(errorMessage);
  print(output->os());
  output->os().flush();
  if (output->os().has_error())
    return fail("error writing '" + outputPath + "'");
  output->keep();
  return 0;
}

/// A temporary file removed when this goes out of scope.
/// A fresh temporary file `path`, removed when `remover` goes.
llvm::Error makeTemp(StringRef prefix, StringRef suffix, SmallString<128> &path,
                     llvm::FileRemover &remover) {
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile(prefix, suffix, path))
    return llvm::createStringError(ec, "cannot create a temporary file");
  remover.setFile(path);
  return llvm::Error::success();
}

/// ../lib next to sinkc: libsinkrt.a and <triple>/libsinkrt.a.
std::string runtimeDirectory(const char *argv0) {
  std::string self =
      llvm::sys::fs::getMainExecutable(argv0, (void *)&runtimeDirectory);
  SmallString<256> path(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(path, "..", "lib");
  return path.str().str();
}

/// Points the driver's diagnostic subject at the option a pass carries out
/// while it runs: "--instrument: layer 7 is beyond ..." reads like the
/// option's own checks, which run before any pass (--instrument,
/// --intervene and --capture).
class OptionPassDiagnostics : public PassInstrumentation {
public:
  OptionPassDiagnostics(std::string &subject, std::string inputSubject)
      : subject(subject), inputSubject(std::move(inputSubject)) {}

  void runBeforePass(Pass *pass, Operation *) override {
    StringRef argument = pass->getArgument();
    subject = argument == "sinkc-instrument-sinks"         ? "--instrument: "
              : argument == "sinkc-intervene-mlp-norm-cap" ? "--intervene: "
              : argument == "sinkc-capture-states"         ? "--capture: "
                                                           : inputSubject;
  }
  void runAfterPass(Pass *, Operation *) override { subject = inputSubject; }
  void runAfterPassFailed(Pass *, Operation *) override {
    subject = inputSubject;
  }

private:
  std::string &subject;
  std::string inputSubject;
};

/// Number of decoder layers and query heads from the softmax ops: the
/// fallback when the recognition does not find the decoder blocks.
void describeAttention(ModuleOp module, sinkrt::LanguageModelInfo &info) {
  int64_t layers = 0, heads = 0;
  module.walk([&](sinkc::tfm::SoftmaxOp softmax) {
    ++layers;
    auto type = softmax.getInput().getType();
    if (type.getRank() == 4 && !type.isDynamicDim(1))
      heads = type.getDimSize(1);
  });
  info.layers = layers;
  info.heads = heads;
}

/// Gives every op a location whose line is the index of its ONNX node (in
/// order of first appearance) and writes the index -> node table.
llvm::Error numberNodeLocations(ModuleOp module, StringRef tablePath) {
  MLIRContext *context = module.getContext();
  llvm::StringMap<unsigned> lines;
  std::string table = "line\tnode\top\n";
  module.walk([&](Operation *op) {
    auto nameLoc = dyn_cast<NameLoc>(op->getLoc());
    if (!nameLoc)
      return;
    StringRef file = "model";
    if (auto inner = dyn_cast<FileLineColLoc>(nameLoc.getChildLoc()))
      file = inner.getFilename();
    auto [it, inserted] =
        lines.try_emplace(nameLoc.getName().strref(), lines.size() + 1);
    if (inserted)
      table += std::to_string(it->second) + "\t" + nameLoc.getName().str() +
               "\t" + op->getName().getStringRef().str() + "\n";
    op->setLoc(NameLoc::get(nameLoc.getName(),
                            FileLineColLoc::get(context, file, it->second, 0)));
  });
  std::string error;
  auto output = openOutputFile(tablePath, &error);
  if (!output)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), error);
  output->os() << table;
  output->keep();
  return llvm::Error::success();
}

llvm::Error writeExternalWeights(const sinkc::WeightsLayout &layout,
                                 StringRef path, uint64_t &hash) {
  std::error_code ec;
  llvm::ToolOutputFile output(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return llvm::createStringError(ec, "cannot write '" + path + "'");
  // The header holds the payload's hash: the payload is written (and hashed)
  // first and the header after it, so the weights are read once.
  output.os().write_zeros(sinkrt::kWeightsFilePayloadOffset);
  hash = layout.write(output.os());
  auto header = sinkrt::makeWeightsFileHeader(layout.size, hash);
  output.os().seek(0);
  output.os().write(reinterpret_cast<const char *>(header.data()),
                    header.size());
  output.os().flush();
  if (output.os().has_error())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "error writing '" + path + "'");
  output.keep();
  return llvm::Error::success();
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAllPasses();
  sinkc::registerSinkcConversionPasses();
  sinkc::registerSinkcCodegenPasses();
  sinkc::registerSinkcTransformsPasses();
  // The MLIR debugging flags (--mlir-print-debuginfo,
  // --mlir-print-ir-after-all, ...) stay available but out of --help.
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  // LLVM's loop strength reduction is superlinear in the size of a function,
  // and a model is one large function: on the trained Llama it took a third
  // of the compile time (20.6 -> 12.8 s without it), on a 16-layer model half
  // of the code generator's time, for no measured run-time difference (the
  // hot loops are tiled and vectorized in MLIR already). Off by default;
  // --disable-lsr=false turns it back on.
  if (auto *disableLSR = static_cast<cl::opt<bool> *>(
          cl::getRegisteredOptions().lookup("disable-lsr")))
    disableLSR->setInitialValue(true);
  cl::HideUnrelatedOptions(sinkcCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "sinkc: ONNX to instrumented native "
                              "executables\n");

  if (llvmOptLevel > 3)
    return fail("--llvm-opt must be 0, 1, 2 or 3");
  // A tokenizer.json is read and checked before the long compilation.
  std::optional<sinktok::Tokenizer> tokenizerJson;
  std::string tokenizerText;
  if (tokenizer != "none" && tokenizer != "bytes") {
    if (!targetTriple.empty() && !isHostTriple(targetTriple))
      return fail("--tokenizer=" + tokenizer +
                  " cannot be used with --target=" + targetTriple +
                  ": the tokenizer library needs ICU and PCRE2, which are "
                  "not available for cross targets; tokenize on the host "
                  "(sinkc-tokenize FILE.json TEXT) and run with --tokens, or "
                  "use --tokenizer=bytes");
    auto buffer = llvm::MemoryBuffer::getFile(tokenizer, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer)
      return fail("cannot read --tokenizer file '" + tokenizer +
                  "': " + buffer.getError().message() +
                  " (expected bytes, none or a tokenizer.json)");
    tokenizerText = (*buffer)->getBuffer().str();
    // The runtime reads the embedded copy as a C string.
    if (tokenizerText.find('\0') != std::string::npos)
      return fail(tokenizer + ": not a tokenizer.json (contains a NUL byte)");
    sinkrt::Expected<sinktok::Tokenizer> loaded =
        sinktok::Tokenizer::fromJson(tokenizerText, tokenizer);
    if (!loaded)
      return fail(loaded.getError().message);
    tokenizerJson.emplace(std::move(*loaded));
  }
  if (weightsDType != "f32" && weightsDType != "f16" && weightsDType != "bf16")
    return fail("--weights-dtype must be f32, f16 or bf16, not '" +
                weightsDType + "'");
  if (logitsPositions != "all" && logitsPositions != "last")
    return fail("--logits must be 'all' or 'last', not '" + logitsPositions +
                "'");
  bool binaryOutput = emitKind == EmitKind::Object || emitKind == EmitKind::Exe;
  if (binaryOutput && outputPath == "-")
    return fail("--emit=obj and --emit=exe need an output path (-o)");
  sinkc::LinkOptions linkOptions;
  linkOptions.linkerDriver = linkerDriver;
  linkOptions.runtimeLibrary = runtimeLibrary;
  linkOptions.runtimeDirectory = runtimeDirectory(argv[0]);
  linkOptions.targetTriple = targetTriple;
  linkOptions.sysroot = sysroot;
  linkOptions.staticLink = !dynamicLink;
  linkOptions.strip = !debugLines;
  // A missing runtime or cross library is known now; do not let the user
  // wait for the whole compilation to learn it.
  if (emitKind == EmitKind::Exe)
    if (auto runtime = sinkc::findRuntimeLibrary(linkOptions); !runtime)
      return fail(llvm::toString(runtime.takeError()));

  sinkc::OnnxImportOptions importOptions;
  importOptions.useValueInfo = !noValueInfo;
  if (llvm::Error e = sinkc::parseStaticShapes(staticShapes,
                                               importOptions.staticInputShapes))
    return fail(llvm::toString(std::move(e)));

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registry.insert<sinkc::tfm::TfmDialect, sinkc::sink::SinkDialect>();
  MLIRContext context(registry);
  auto applyCLOptions = [&](PassManager &pm) {
    return applyPassManagerCLOptions(pm);
  };
  context.loadDialect<sinkc::tfm::TfmDialect, func::FuncDialect,
                      LLVM::LLVMDialect>();
  // Diagnostics from the passes: one line each, naming the ONNX node, and
  // each message once (a failing op is often reported by several patterns).
  std::set<std::string> reported;
  bool errorReported = false;
  // Diagnostics name the input file, except those of a pass that carries out
  // an option, which name the option as its own checks do.
  const std::string inputSubject = inputPath + ": ";
  std::string diagnosticSubject = inputSubject;
  ScopedDiagnosticHandler diagnostics(&context, [&](Diagnostic &diagnostic) {
    errorReported |= diagnostic.getSeverity() == DiagnosticSeverity::Error;
    // The node's name leads the line unless the message names it already
    // (a weight's messages name the initializer, which is not a node).
    std::string where;
    std::string message = diagnostic.str();
    if (StringRef name = sinkc::onnxNodeName(diagnostic.getLocation());
        !name.empty() &&
        message.find("'" + name.str() + "'") == std::string::npos)
      where = "ONNX node '" + name.str() + "': ";
    const char *severity =
        diagnostic.getSeverity() == DiagnosticSeverity::Error     ? "error"
        : diagnostic.getSeverity() == DiagnosticSeverity::Warning ? "warning"
                                                                  : "note";
    std::string line =
        std::string(severity) + ": " + diagnosticSubject + where + message;
    if (reported.insert(line).second)
      llvm::errs() << "sinkc: " << line << "\n";
    return success();
  });

  // A stage that failed has said why in a diagnostic; the stage's own
  // message is for the rare failure that reported nothing, so that every
  // error is one line.
  auto failStage = [&](const llvm::Twine &message) {
    return errorReported ? 1 : fail(message);
  };

  auto imported = sinkc::importOnnxModel(context, inputPath, importOptions);
  if (!imported)
    return fail(llvm::toString(imported.takeError()));
  OwningOpRef<ModuleOp> module = std::move(*imported);
  auto print = [&](llvm::raw_ostream &os) {
    (*module)->print(os);
    os << "\n";
  };
  if (emitKind == EmitKind::TfmRaw)
    return writeOutput(print);

  // Option errors first, before any pass runs.
  std::optional<sinkc::InstrumentSpec> instrument;
  if (instrumentSpec.getNumOccurrences()) {
    auto parsed = sinkc::parseInstrumentSpec(instrumentSpec);
    if (!parsed)
      return fail("--instrument: " + llvm::toString(parsed.takeError()));
    if (noRecognize)
      return fail("--instrument needs the recognition (drop --no-recognize)");
    instrument = *parsed;
  }
  std::optional<sinkc::CaptureSpec> capture;
  if (captureSpec.getNumOccurrences()) {
    auto parsed = sinkc::parseCaptureSpec(captureSpec);
    if (!parsed)
      return fail("--capture: " + llvm::toString(parsed.takeError()));
    // The runtime keeps the rows of the tokens the classification flags:
    // without measurements there is nothing to select them by.
    if (!instrument)
      return fail("--capture needs --instrument: the captured tokens are the "
                  "sinks that its classification finds");
    capture = *parsed;
  }
  std::optional<sinkc::MlpNormCapSpec> intervention;
  std::vector<float> steerVector;
  if (interveneSpec.getNumOccurrences()) {
    auto parsed = sinkc::parseInterventionSpec(interveneSpec);
    if (!parsed)
      return fail("--intervene: " + llvm::toString(parsed.takeError()));
    if (noRecognize)
      return fail("--intervene needs the recognition (drop --no-recognize)");
    intervention = *parsed;
  }
  if (steerVectorPath.getNumOccurrences()) {
    if (!intervention)
      return fail("--steer-vector is the reference direction of --intervene, "
                  "which is not given");
    auto values = readSteerVector(steerVectorPath);
    if (!values)
      return fail(llvm::toString(values.takeError()));
    steerVector = std::move(*values);
  }
  // Simplification; recognition, which marks the decoder blocks; the
  // intervention, which moves the MLP output mark onto the capped value so
  // that the instrumentation measures what the block adds to the residual
  // stream; the instrumentation, which inserts the sink ops; --logits. The
  // registered sinkc-prepare-tfm pipeline, as sinkc-opt replays it; the
  // manifest reads their results back from the module (layer and head
  // counts, probes).
  {
    sinkc::TfmPipelineOptions options;
    options.logits = logitsPositions;
    if (instrument) {
      options.instrumentLayers = instrument->layersText;
      options.instrumentMetrics = instrument->metricsText;
    }
    if (capture) {
      // The parsed layers and states, which the pass parses again.
      options.captureLayers = capture->layerList();
      options.captureStates = llvm::join(capture->states, ",");
    }
    options.intervention = intervention;
    options.steerVector = steerVector;
    options.steerVectorName = "--steer-vector '" + steerVectorPath + "'";
    PassManager pm(&context);
    (void)applyCLOptions(pm);
    pm.addInstrumentation(std::make_unique<OptionPassDiagnostics>(
        diagnosticSubject, inputSubject));
    sinkc::buildTfmPipeline(pm, options);
    if (failed(pm.run(*module)))
      return failStage(inputPath +
                       ": simplification, recognition, "
                       "instrumentation or --logits=" +
                       logitsPositions + " failed");
  }
  std::optional<sinkc::TransformerStructure> structure;
  if (instrument)
    structure = sinkc::readRecognizedStructure(*module);
  if (emitKind == EmitKind::Tfm)
    return writeOutput(print);
  if (!instrument && !noRecognize) {
    // Only the layer and head counts are needed, and a model that is not
    // recognized still compiles: an analysis, not a pass of the pipeline.
    // The marks go again so that plain compilation is the same with and
    // without recognition.
    auto recognized =
        sinkc::recognizeTransformer(*module, sinkc::kEntryFunctionName);
    if (recognized)
      structure = *recognized;
    else
      llvm::consumeError(recognized.takeError());
    sinkc::clearRecognitionMarks(*module, sinkc::kEntryFunctionName);
  }

  auto entry = module->lookupSymbol<func::FuncOp>(sinkc::kEntryFunctionName);
  sinkrt::Manifest manifest;
  manifest.modelName =
      llvm::sys::path::stem(llvm::sys::path::filename(inputPath)).str();
  if (llvm::Error e = sinkc::describeSignature(entry, manifest))
    return fail(inputPath + ": " + llvm::toString(std::move(e)));
  sinkrt::LanguageModelInfo *lm =
      manifest.languageModel ? &*manifest.languageModel : nullptr;
  if (lm && structure) {
    lm->layers = structure->layers;
    lm->heads = structure->heads;
  } else if (lm) {
    describeAttention(*module, *lm);
  }
  if (instrument) {
    if (!lm)
      return fail("--instrument needs a language model: an 'input_ids' "
                  "input and a 'logits' output");
    manifest.instrumentSpec = instrumentSpec;
    manifest.probes = sinkc::collectProbes(*module);
  }
  if (capture) {
    manifest.captureSpec = capture->str();
    manifest.captureTokens = capture->tokens;
    manifest.captures = sinkc::collectCaptures(*module);
  }
  if (lm) {
    lm->bos = bosId;
    lm->tokenizer = tokenizer;
  }
  if (intervention) {
    sinkrt::Intervention &recorded = manifest.intervention;
    recorded.spec = intervention->str();
    if (!steerVector.empty()) {
      recorded.steerVector = steerVectorPath;
      // The values as compiled in (float32), so that the trace identifies
      // the direction whatever the file's element type was.
      recorded.steerVectorHash = sinkrt::hashWeights(
          steerVector.data(), steerVector.size() * sizeof(float));
      double squares = 0;
      for (float value : steerVector)
        squares += static_cast<double>(value) * value;
      recorded.steerVectorNorm = static_cast<float>(std::sqrt(squares));
    }
  }
  if (tokenizerJson) {
    if (!lm)
      return fail("--tokenizer=" + tokenizer +
                  " needs a language model (a tokens input and a logits "
                  "output)");
    lm->tokenizer = "json";
    // BOS for the sink analysis: what the tokenizer puts first, unless
    // --bos-id says otherwise.
    if (bosId < 0 && !tokenizerJson->leadingSpecialIds().empty())
      lm->bos = tokenizerJson->leadingSpecialIds().front();
    if (tokenizerJson->vocabSize() > lm->vocab)
      return fail(tokenizer + " has ids up to " +
                  std::to_string(tokenizerJson->vocabSize() - 1) +
                  ", outside the model's vocabulary of " +
                  std::to_string(lm->vocab));
  }
  if (lm && lm->bos >= lm->vocab)
    return fail("--bos-id " + std::to_string(lm->bos) +
                " is not below the vocabulary size " +
                std::to_string(lm->vocab));
  if (tokenizer == "bytes" && lm && (lm->vocab < 256 || bosId < 0))
    return fail("--tokenizer=bytes needs a vocabulary of at least 256 ids "
                "and a --bos-id");

  if (debugLines && outputPath != "-")
    if (llvm::Error e = numberNodeLocations(*module, outputPath + ".nodes.tsv"))
      return fail(llvm::toString(std::move(e)));
  // The target is needed from here on: the weights are packed for its
  // matrix kernel.
  sinkc::TargetOptions targetOptions;
  targetOptions.triple = targetTriple;
  targetOptions.cpu = targetCpu;
  targetOptions.optLevel = llvmOptLevel;
  auto machine = sinkc::createTargetMachine(targetOptions);
  if (!machine)
    return fail(llvm::toString(machine.takeError()));
  sinkc::MatmulKernel matmulKernel = sinkc::selectMatmulKernel(**machine);
  if (matmulKernelName != "auto") {
    std::optional<sinkc::MatmulKernel> chosen =
        sinkc::lookupMatmulKernel(matmulKernelName);
    if (!chosen)
      return fail("--matmul-kernel: unknown kernel '" + matmulKernelName +
                  "' (auto, avx512, avx2, portable or none)");
    if (chosen->id > 0 &&
        (*machine)->getTargetTriple().getArch() != llvm::Triple::x86_64)
      return fail("--matmul-kernel=" + matmulKernelName +
                  " is an x86-64 kernel, but the target is " +
                  (*machine)->getTargetTriple().str());
    matmulKernel = *chosen;
  }
  // Half-precision products read their weights from the kernel's panels;
  // without a kernel they would stay f32 while the option promises half.
  if (weightsDType != "f32" && matmulKernel.id < 0)
    return fail("--weights-dtype=" + weightsDType +
                " stores the products' weights in the matrix kernel's "
                "panels, and --matmul-kernel=none has none");
  {
    PassManager pm(&context);
    (void)applyCLOptions(pm);
    sinkc::buildLinalgPipeline(pm, matmulKernel, fuseAttention, weightsDType);
    if (failed(pm.run(*module)))
      return failStage("lowering to linalg failed");
  }
  if (emitKind == EmitKind::Linalg)
    return writeOutput(print);

  // The ABI: weights blob first, then the graph inputs, then the runtime
  // context; results come back through the C interface. The registered
  // sinkc-lower-to-llvm pipeline is the same passes with
  // sinkc-externalize-weights first; here the blob's bytes are needed too.
  sinkc::WeightsLayout weights;
  if (failed(sinkc::externalizeWeights(*module, sinkc::kEntryFunctionName,
                                       sinkc::kWeightsThresholdBytes,
                                       &weights)))
    return failStage("moving the weights out of the IR failed");
  {
    PassManager pm(&context);
    (void)applyCLOptions(pm);
    if (failed(sinkc::buildModelToLLVMPipeline(
            pm, matmulKernel, sinkc::selectContractionTile(**machine))))
      return fail("cannot build the LLVM lowering pipeline");
    if (debugLines)
      pm.addPass(LLVM::createDIScopeForLLVMFuncOpPass());
    if (failed(pm.run(*module)))
      return failStage("lowering to the LLVM dialect failed");
  }
  if (emitKind == EmitKind::LLVMDialect)
    return writeOutput(print);
  {
    PassManager pm(&context);
    (void)applyCLOptions(pm);
    pm.addPass(sinkc::createStripAbiAttributes());
    if (failed(pm.run(*module)))
      return failStage("stripping the ABI attributes failed");
  }

  bool embed = weightsMode == WeightsMode::Embed ||
               (weightsMode == WeightsMode::Auto && weights.size <= embedLimit);
  manifest.weightsSize = weights.size;
  manifest.weightsEmbedded = embed;
  SmallString<128> blobPath;
  llvm::FileRemover blobRemover;
  if (embed && binaryOutput) {
    if (llvm::Error e = makeTemp("sinkc-weights", "bin", blobPath, blobRemover))
      return fail(llvm::toString(std::move(e)));
    std::error_code ec;
    llvm::raw_fd_ostream os(blobPath, ec);
    if (ec)
      return fail("cannot write '" + blobPath.str().str() +
                  "': " + ec.message());
    manifest.weightsHash = weights.write(os);
    os.close();
    if (os.has_error())
      return fail("error writing '" + blobPath.str().str() + "'");
  } else if (!embed && binaryOutput) {
    std::string weightsPath = outputPath + ".weights";
    if (emitKind == EmitKind::Object)
      weightsPath =
          (llvm::sys::path::parent_path(outputPath) +
           (llvm::sys::path::parent_path(outputPath).empty() ? "" : "/") +
           llvm::sys::path::stem(outputPath) + ".weights")
              .str();
    if (llvm::Error e =
            writeExternalWeights(weights, weightsPath, manifest.weightsHash))
      return fail(llvm::toString(std::move(e)));
  } else {
    manifest.weightsHash = weights.hash();
  }

  llvm::LLVMContext llvmContext;
  auto llvmModule =
      sinkc::translateToLLVMIR(*module, llvmContext, **machine, llvmOptLevel);
  if (!llvmModule)
    return fail(llvm::toString(llvmModule.takeError()));
  sinkc::EntrySignature signature;
  for (const auto &input : manifest.inputs)
    signature.inputRanks.push_back(input.dims.size());
  for (const auto &output : manifest.outputs)
    signature.outputRanks.push_back(output.dims.size());
  signature.weightsSize = weights.size;
  if (llvm::Error e = sinkc::addRuntimeInterface(
          **llvmModule, signature, sinkrt::renderManifest(manifest)))
    return fail(llvm::toString(std::move(e)));
  if (emitKind == EmitKind::LLVMIR)
    return writeOutput(
        [&](llvm::raw_ostream &os) { (*llvmModule)->print(os, nullptr); });
  if (embed)
    sinkc::addEmbeddedWeights(**llvmModule, blobPath);
  if (tokenizerJson) {
    // The runtime declares sinkc_tokenizer_json weak (TextTokenizer.h).
    llvm::Constant *text = llvm::ConstantDataArray::getString(
        (*llvmModule)->getContext(), tokenizerText, /*AddNull=*/true);
    new llvm::GlobalVariable(**llvmModule, text->getType(),
                             /*isConstant=*/true,
                             llvm::GlobalValue::ExternalLinkage, text,
                             "sinkc_tokenizer_json");
    linkOptions.linkTokenizer = true;
  }

  SmallString<128> objectTemp;
  llvm::FileRemover objectRemover;
  std::string objectPath = outputPath;
  if (emitKind == EmitKind::Exe) {
    if (llvm::Error e = makeTemp("sinkc-model", "o", objectTemp, objectRemover))
      return fail(llvm::toString(std::move(e)));
    objectPath = objectTemp.str().str();
  }
  if (llvm::Error e = sinkc::emitObject(**llvmModule, **machine, objectPath))
    return fail(llvm::toString(std::move(e)));
  if (emitKind == EmitKind::Object)
    return 0;

  if (llvm::Error e =
          sinkc::linkExecutable({objectPath}, outputPath, linkOptions))
    return fail(llvm::toString(std::move(e)));
  return 0;
}
