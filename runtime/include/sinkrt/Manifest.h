//===- Manifest.h - The model manifest of the runtime ABI -------*- C++ -*-===//
//
// The text manifest (`sinkc_manifest`) that the compiler embeds in every
// model object: written by the compiler and read by the runtime through the
// one definition here; see docs/runtime-abi.md for the format.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_MANIFEST_H
#define SINKRT_MANIFEST_H

#include "sinkrt/Status.h"
#include "sinkrt/Tensor.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkrt {

/// The measurements a probe can deliver. The numbering is the trace
/// schema's `Metric` enum.
enum class Metric {
#define SINKRT_METRIC(Enumerator, Name, Group, Rank, PerToken) Enumerator,
#include "sinkrt/Metrics.def"
};
inline constexpr int kMetricCount = 0
#define SINKRT_METRIC(Enumerator, Name, Group, Rank, PerToken) +1
#include "sinkrt/Metrics.def"
    ;

/// Manifest spelling: bos_mass, head_bos_mass, recv, ...
const char *metricName(Metric metric);
std::optional<Metric> parseMetricName(std::string_view name);
/// Per-token metrics have shape [B, T]; bos_mass is [B], head_bos_mass
/// [B, H].
bool isPerTokenMetric(Metric metric);
/// The per-token metrics in the enum's order.
const std::vector<Metric> &perTokenMetrics();

enum class TensorRole { Tokens, AttentionMask, PositionIds, Logits, Data };
const char *roleName(TensorRole role);

struct TensorSpec {
  int index = 0;
  std::string name;
  DType dtype = DType::F32;
  /// -1 marks a dynamic dimension.
  std::vector<int64_t> dims;
  TensorRole role = TensorRole::Data;
};

struct LanguageModelInfo {
  int64_t vocab = 0;
  int layers = 0;
  int heads = 0;
  /// -1 when the model has no BOS token.
  int64_t bos = -1;
  /// "bytes", "json" or "none".
  std::string tokenizer = "none";
  bool isByteLevel() const { return tokenizer == "bytes"; }
  /// A Hugging Face tokenizer.json is embedded (sinkc --tokenizer=FILE).
  bool hasTokenizerJson() const { return tokenizer == "json"; }
};

/// The steering intervention compiled into the model (sinkc --intervene,
/// docs/interventions.md): the manifest's `intervene` and `steer-vector`
/// records, copied into the trace's model.
struct Intervention {
  /// The canonical spec, e.g. mlp-norm-cap:layer=2,cos=0.98,norm=1,
  /// skip-first=3; empty: the model computes what its weights say.
  std::string spec;
  /// The --steer-vector file as given to sinkc; empty: the reference
  /// direction is BOS's own MLP output.
  std::string steerVector;
  /// FNV-1a 64 (hashWeights) of the vector's float32 values as compiled in,
  /// and their l2 norm.
  uint64_t steerVectorHash = 0;
  float steerVectorNorm = std::numeric_limits<float>::quiet_NaN();

  bool present() const { return !spec.empty(); }
  bool operator==(const Intervention &other) const;
  /// "none", the spec, or the spec followed by the steer vector, e.g.
  /// "mlp-norm-cap:layer=2,... (reference v.npy, norm 1.5, hash 0123...)".
  std::string describe() const;
};

struct ProbeSpec {
  int64_t id = 0;
  int layer = 0;
  Metric metric = Metric::BosMass;
};

/// The per-token states a model compiled with --capture hands over
/// (sinkrt_capture), in the order of sinkrt/CaptureStates.def.
enum class CaptureState {
#define SINKRT_CAPTURE_STATE(Enumerator, Name) Enumerator,
#include "sinkrt/CaptureStates.def"
};

/// Manifest spelling: hidden, mlp_input, mlp_out.
const char *captureStateName(CaptureState state);
std::optional<CaptureState> parseCaptureStateName(std::string_view name);

/// Which tokens' rows the captures file keeps (docs/captures.md): the
/// classified sinks, or the sinks and their matched controls.
enum class CaptureTokens { Sinks, SinksMatched };

/// Manifest spelling: sinks, sinks+matched.
const char *captureTokensName(CaptureTokens tokens);
std::optional<CaptureTokens> parseCaptureTokensName(std::string_view name);

/// One `capture <id> <layer> <state> <width>` record: the state of one
/// decoder block, [B, T, width] f32, that the model reports as capture `id`.
struct StateCapture {
  int64_t id = 0;
  int layer = 0;
  CaptureState state = CaptureState::Hidden;
  int64_t width = 0;
};

struct Manifest {
  std::string modelName;
  uint64_t weightsSize = 0;
  uint64_t weightsHash = 0;
  bool weightsEmbedded = true;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  std::optional<LanguageModelInfo> languageModel;
  /// The --instrument spec the model was compiled with, "none" if it was
  /// not instrumented.
  std::string instrumentSpec = "none";
  std::vector<ProbeSpec> probes;
  Intervention intervention;
  /// The canonical --capture spec (`captures` record); empty: the model
  /// captures nothing.
  std::string captureSpec;
  CaptureTokens captureTokens = CaptureTokens::SinksMatched;
  std::vector<StateCapture> captures;

  /// The input or output with this role, if any.
  const TensorSpec *findInput(TensorRole role) const;
  const TensorSpec *findOutput(TensorRole role) const;
};

inline constexpr int kManifestVersion = 1;

/// Parses and validates the whole manifest; errors name the line.
Expected<Manifest> parseManifest(std::string_view text);

/// The manifest's text, as the compiler embeds it: names and the instrument
/// spec percent-encoded, tensor indices from the positions in the lists.
/// parseManifest(renderManifest(m)) gives m back for every manifest that
/// parseManifest accepts.
std::string renderManifest(const Manifest &manifest);

} // namespace sinkrt

#endif // SINKRT_MANIFEST_H
