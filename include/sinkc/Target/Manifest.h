//===- Manifest.h - the model manifest of docs/runtime-abi.md ---*- C++ -*-===//

#ifndef SINKC_TARGET_MANIFEST_H
#define SINKC_TARGET_MANIFEST_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace sinkc {

struct ManifestTensor {
  std::string name;
  std::string dtype;         ///< f32 f64 f16 i64 i32 i8 u8 bool
  std::vector<int64_t> dims; ///< -1 for dynamic
  std::string role;          ///< tokens attention_mask position_ids logits data
};

struct ManifestProbe {
  int64_t id;
  int64_t layer;
  std::string metric;
};

struct ManifestInfo {
  std::string modelName;
  uint64_t weightsSize = 0;
  uint64_t weightsHash = 0;
  bool weightsEmbedded = true;
  std::vector<ManifestTensor> inputs;
  std::vector<ManifestTensor> outputs;
  /// Language-model facts; present when there is a tokens input and a logits
  /// output.
  bool isLanguageModel = false;
  int64_t vocab = 0;
  int64_t layers = 0;
  int64_t heads = 0;
  int64_t bos = -1;
  std::string tokenizer = "none";
  std::string instrument = "none";
  std::vector<ManifestProbe> probes;
  /// The canonical --intervene spec; empty: no intervention (and no
  /// `intervene` record).
  std::string intervention;
  /// The --steer-vector file as given, the hash of its float32 values and
  /// their l2 norm; empty: the reference is BOS's MLP output.
  std::string steerVector;
  uint64_t steerVectorHash = 0;
  double steerVectorNorm = 0;
};

/// Fills inputs, outputs and the language-model facts from the signature of
/// the imported (tfm) entry function; roles come from the ONNX names.
llvm::Error describeSignature(mlir::func::FuncOp entry, ManifestInfo &info);

std::string renderManifest(const ManifestInfo &info);

} // namespace sinkc

#endif // SINKC_TARGET_MANIFEST_H
