//===- Manifest.cpp - The model manifest of the runtime ABI ---------------===//

#include "sinkrt/Manifest.h"
#include "sinkrt/Limits.h"

#include "sinkrt/Text.h"

#include <set>
#include <utility>

namespace sinkrt {

namespace {
constexpr std::pair<Metric, const char *> kMetricNames[] = {
#define SINKRT_METRIC(Enumerator, Name, Group, Rank, PerToken)                 \
  {Metric::Enumerator, Name},
#include "sinkrt/Metrics.def"
};

constexpr std::pair<CaptureState, const char *> kCaptureStateNames[] = {
#define SINKRT_CAPTURE_STATE(Enumerator, Name) {CaptureState::Enumerator, Name},
#include "sinkrt/CaptureStates.def"
};

constexpr std::pair<CaptureTokens, const char *> kCaptureTokensNames[] = {
    {CaptureTokens::Sinks, "sinks"},
    {CaptureTokens::SinksMatched, "sinks+matched"},
};

constexpr std::pair<TensorRole, const char *> kRoleNames[] = {
    {TensorRole::Tokens, "tokens"},
    {TensorRole::AttentionMask, "attention_mask"},
    {TensorRole::PositionIds, "position_ids"},
    {TensorRole::Logits, "logits"},
    {TensorRole::Data, "data"},
};
} // namespace

const char *metricName(Metric metric) {
  return lookupName(kMetricNames, metric);
}

std::optional<Metric> parseMetricName(std::string_view name) {
  return lookupValue(kMetricNames, name);
}

bool isPerTokenMetric(Metric metric) {
  switch (metric) {
#define SINKRT_METRIC(Enumerator, Name, Group, Rank, PerToken)                 \
  case Metric::Enumerator:                                                     \
    return PerToken;
#include "sinkrt/Metrics.def"
  }
  return false;
}

const std::vector<Metric> &perTokenMetrics() {
  static const std::vector<Metric> metrics = [] {
    std::vector<Metric> list;
    for (const auto &[metric, name] : kMetricNames)
      if (isPerTokenMetric(metric))
        list.push_back(metric);
    return list;
  }();
  return metrics;
}

const char *captureStateName(CaptureState state) {
  return lookupName(kCaptureStateNames, state);
}

std::optional<CaptureState> parseCaptureStateName(std::string_view name) {
  return lookupValue(kCaptureStateNames, name);
}

const char *captureTokensName(CaptureTokens tokens) {
  return lookupName(kCaptureTokensNames, tokens);
}

std::optional<CaptureTokens> parseCaptureTokensName(std::string_view name) {
  return lookupValue(kCaptureTokensNames, name);
}

const char *roleName(TensorRole role) { return lookupName(kRoleNames, role); }

bool Intervention::operator==(const Intervention &other) const {
  // The norm of an absent vector is NaN on both sides.
  bool sameNorm = steerVectorNorm == other.steerVectorNorm ||
                  (steerVectorNorm != steerVectorNorm &&
                   other.steerVectorNorm != other.steerVectorNorm);
  return spec == other.spec && steerVector == other.steerVector &&
         steerVectorHash == other.steerVectorHash && sameNorm;
}

std::string Intervention::describe() const {
  if (!present())
    return "none";
  if (steerVector.empty())
    return spec + " (reference: BOS's MLP output)";
  return formatString("%s (reference %s, norm %s, hash %016llx)", spec.c_str(),
                      steerVector.c_str(), formatFloat(steerVectorNorm).c_str(),
                      static_cast<unsigned long long>(steerVectorHash));
}

const TensorSpec *Manifest::findInput(TensorRole role) const {
  for (const TensorSpec &spec : inputs)
    if (spec.role == role)
      return &spec;
  return nullptr;
}

const TensorSpec *Manifest::findOutput(TensorRole role) const {
  for (const TensorSpec &spec : outputs)
    if (spec.role == role)
      return &spec;
  return nullptr;
}

namespace {

class ManifestParser {
public:
  Expected<Manifest> parse(std::string_view text);

private:
  Error lineError(const char *what) const {
    return failure("malformed model manifest, line %d: %s", lineNumber, what);
  }
  Error lineError(const std::string &what) const {
    return lineError(what.c_str());
  }

  Status parseModel(const std::vector<std::string_view> &fields);
  Status parseWeights(const std::vector<std::string_view> &fields);
  Status parseTensor(const std::vector<std::string_view> &fields, bool isInput);
  Status parseLanguageModel(const std::vector<std::string_view> &fields);
  Status parseInstrument(std::string_view line);
  Status parseProbe(const std::vector<std::string_view> &fields);
  Status parseIntervene(const std::vector<std::string_view> &fields);
  Status parseSteerVector(const std::vector<std::string_view> &fields);
  Status parseCaptures(const std::vector<std::string_view> &fields);
  Status parseCapture(const std::vector<std::string_view> &fields);
  Status validateWhole();

  Manifest manifest;
  int lineNumber = 0;
  bool sawModel = false, sawWeights = false, sawInstrument = false,
       sawSteerVector = false, sawCaptures = false;
};

Expected<Manifest> ManifestParser::parse(std::string_view text) {
  bool sawEnd = false;
  size_t position = 0;
  while (position < text.size()) {
    size_t newline = text.find('\n', position);
    std::string_view line = text.substr(
        position, newline == std::string_view::npos ? std::string_view::npos
                                                    : newline - position);
    position = newline == std::string_view::npos ? text.size() : newline + 1;
    ++lineNumber;
    if (sawEnd) {
      if (!line.empty())
        return lineError("text after the 'end' record");
      continue;
    }
    std::vector<std::string_view> fields = splitFields(line, ' ');
    for (std::string_view field : fields)
      if (field.empty())
        return lineError("empty field (fields are separated by single "
                         "spaces)");
    std::string_view kind = fields[0];
    if (lineNumber == 1) {
      if (kind != "sinkc-manifest" || fields.size() != 2)
        return lineError("the first line must be 'sinkc-manifest <version>'");
      if (fields[1] != std::to_string(kManifestVersion))
        return failure("unsupported model manifest version '%s' (this "
                       "runtime reads version %d)",
                       std::string(fields[1]).c_str(), kManifestVersion);
      continue;
    }
    Status status;
    if (kind == "model")
      status = parseModel(fields);
    else if (kind == "weights")
      status = parseWeights(fields);
    else if (kind == "input" || kind == "output")
      status = parseTensor(fields, kind == "input");
    else if (kind == "lm")
      status = parseLanguageModel(fields);
    else if (kind == "instrument")
      status = parseInstrument(line);
    else if (kind == "probe")
      status = parseProbe(fields);
    else if (kind == "intervene")
      status = parseIntervene(fields);
    else if (kind == "steer-vector")
      status = parseSteerVector(fields);
    else if (kind == "captures")
      status = parseCaptures(fields);
    else if (kind == "capture")
      status = parseCapture(fields);
    else if (kind == "end" && fields.size() == 1)
      sawEnd = true;
    else
      return lineError("unknown record '" + std::string(kind) + "'");
    if (!status)
      return status.takeError();
  }
  if (lineNumber == 0)
    return failure("the model manifest is empty");
  if (!sawEnd)
    return failure("malformed model manifest: no 'end' record (truncated?)");
  if (Status status = validateWhole(); !status)
    return status.takeError();
  return std::move(manifest);
}

Status ManifestParser::parseModel(const std::vector<std::string_view> &fields) {
  if (sawModel)
    return lineError("duplicate 'model' record");
  if (fields.size() != 2)
    return lineError("expected 'model <name>'");
  std::optional<std::string> name = percentDecode(fields[1]);
  if (!name)
    return lineError("bad percent escape in the model name");
  manifest.modelName = std::move(*name);
  sawModel = true;
  return Status::ok();
}

Status
ManifestParser::parseWeights(const std::vector<std::string_view> &fields) {
  if (sawWeights)
    return lineError("duplicate 'weights' record");
  if (fields.size() != 4)
    return lineError("expected 'weights <size> <hash> <embedded|external>'");
  std::optional<uint64_t> size = parseUInt64(fields[1]);
  std::optional<uint64_t> hash = parseHex64(fields[2]);
  if (!size)
    return lineError("bad weights size");
  if (!hash)
    return lineError("the weights hash must be 16 hex digits");
  if (fields[3] != "embedded" && fields[3] != "external")
    return lineError("weights storage must be 'embedded' or 'external'");
  manifest.weightsSize = *size;
  manifest.weightsHash = *hash;
  manifest.weightsEmbedded = fields[3] == "embedded";
  sawWeights = true;
  return Status::ok();
}

Status ManifestParser::parseTensor(const std::vector<std::string_view> &fields,
                                   bool isInput) {
  std::vector<TensorSpec> &list = isInput ? manifest.inputs : manifest.outputs;
  const char *kind = isInput ? "input" : "output";
  if (fields.size() < 6)
    return lineError(formatString(
        "expected '%s <index> <name> <dtype> <rank> <dim>... <role>'", kind));
  TensorSpec spec;
  std::optional<int64_t> index = parseInt64(fields[1]);
  if (!index || *index != static_cast<int64_t>(list.size()))
    return lineError(formatString("%s index must be %zu (indices count up "
                                  "from 0 in order)",
                                  kind, list.size()));
  spec.index = static_cast<int>(*index);
  std::optional<std::string> name = percentDecode(fields[2]);
  if (!name)
    return lineError("bad percent escape in a tensor name");
  spec.name = std::move(*name);
  std::optional<DType> dtype = parseDTypeName(fields[3]);
  if (!dtype)
    return lineError("unknown element type '" + std::string(fields[3]) + "'");
  spec.dtype = *dtype;
  std::optional<int64_t> rank = parseInt64(fields[4]);
  if (!rank || *rank < 0 || *rank > 32)
    return lineError("bad rank '" + std::string(fields[4]) + "'");
  if (fields.size() != static_cast<size_t>(6 + *rank))
    return lineError(formatString("rank %lld needs %lld dimensions and a role",
                                  static_cast<long long>(*rank),
                                  static_cast<long long>(*rank)));
  for (int64_t i = 0; i < *rank; ++i) {
    std::optional<int64_t> dim = parseInt64(fields[5 + i]);
    if (!dim || *dim < -1)
      return lineError("bad dimension '" + std::string(fields[5 + i]) + "'");
    spec.dims.push_back(*dim);
  }
  std::string_view roleText = fields.back();
  std::optional<TensorRole> role = lookupValue(kRoleNames, roleText);
  // Inputs take any role but logits; outputs are logits or data.
  bool allowed =
      role &&
      (*role == TensorRole::Data ||
       (isInput ? *role != TensorRole::Logits : *role == TensorRole::Logits));
  if (!allowed)
    return lineError(formatString("unknown %s role '%s'", kind,
                                  std::string(roleText).c_str()));
  spec.role = *role;
  if (spec.role != TensorRole::Data) {
    for (const TensorSpec &other : list)
      if (other.role == spec.role)
        return lineError(
            formatString("two %ss with role '%s'", kind, roleName(spec.role)));
  }
  if ((spec.role == TensorRole::Tokens ||
       spec.role == TensorRole::PositionIds) &&
      (spec.dims.size() != 2 ||
       (spec.dtype != DType::I64 && spec.dtype != DType::I32)))
    return lineError(formatString("the %s input must be an i64 or i32 "
                                  "[batch, sequence] tensor",
                                  roleName(spec.role)));
  if (spec.role == TensorRole::Tokens && spec.dtype != DType::I64)
    return lineError("the tokens input must be i64");
  if (spec.role == TensorRole::AttentionMask && spec.dims.size() != 2)
    return lineError("the attention_mask input must be [batch, sequence]");
  if (spec.role == TensorRole::Logits && spec.dims.size() != 3)
    return lineError("the logits output must be [batch, sequence, vocab]");
  list.push_back(std::move(spec));
  return Status::ok();
}

Status ManifestParser::parseLanguageModel(
    const std::vector<std::string_view> &fields) {
  if (manifest.languageModel)
    return lineError("duplicate 'lm' record");
  LanguageModelInfo info;
  bool sawVocab = false, sawLayers = false, sawHeads = false, sawBos = false,
       sawTokenizer = false;
  for (size_t i = 1; i < fields.size(); ++i) {
    size_t equals = fields[i].find('=');
    if (equals == std::string_view::npos)
      return lineError("expected key=value fields in the 'lm' record");
    std::string_view key = fields[i].substr(0, equals);
    std::string_view value = fields[i].substr(equals + 1);
    std::optional<int64_t> number = parseInt64(value);
    // layers and heads may be 0: a language model in which sinkc found no
    // attention still runs and predicts, it only has nothing to measure.
    auto needInRange = [&](bool &seen, int64_t least) -> Status {
      if (seen)
        return lineError("duplicate '" + std::string(key) + "'");
      seen = true;
      if (!number || *number < least || *number > kMaxTensorElements)
        return lineError("bad value for '" + std::string(key) + "'");
      return Status::ok();
    };
    Status status;
    if (key == "vocab") {
      status = needInRange(sawVocab, 1);
      info.vocab = number.value_or(0);
    } else if (key == "layers") {
      status = needInRange(sawLayers, 0);
      if (status && *number > 100000)
        status = lineError("implausible layer count");
      info.layers = static_cast<int>(number.value_or(0));
    } else if (key == "heads") {
      status = needInRange(sawHeads, 0);
      if (status && *number > 100000)
        status = lineError("implausible head count");
      info.heads = static_cast<int>(number.value_or(0));
    } else if (key == "bos") {
      if (sawBos)
        return lineError("duplicate 'bos'");
      sawBos = true;
      if (!number || *number < -1)
        return lineError("bad value for 'bos'");
      info.bos = *number;
    } else if (key == "tokenizer") {
      if (sawTokenizer)
        return lineError("duplicate 'tokenizer'");
      sawTokenizer = true;
      if (value != "bytes" && value != "none" && value != "json")
        return lineError("tokenizer must be 'bytes', 'json' or 'none'");
      info.tokenizer = std::string(value);
    } else {
      return lineError("unknown 'lm' field '" + std::string(key) + "'");
    }
    if (!status)
      return status;
  }
  if (!sawVocab || !sawLayers || !sawHeads || !sawBos || !sawTokenizer)
    return lineError("the 'lm' record needs vocab, layers, heads, bos and "
                     "tokenizer");
  if (info.bos >= info.vocab)
    return lineError("bos id is outside the vocabulary");
  if (info.isByteLevel() && info.vocab < 256)
    return lineError("a byte-level tokenizer needs a vocabulary of at least "
                     "256");
  manifest.languageModel = info;
  return Status::ok();
}

Status ManifestParser::parseInstrument(std::string_view line) {
  if (sawInstrument)
    return lineError("duplicate 'instrument' record");
  std::string_view spec = line.substr(std::string_view("instrument").size());
  if (spec.size() < 2)
    return lineError("expected 'instrument <spec>'");
  std::optional<std::string> decoded = percentDecode(spec.substr(1));
  if (!decoded)
    return lineError("bad percent escape in the instrument spec");
  manifest.instrumentSpec = std::move(*decoded);
  sawInstrument = true;
  return Status::ok();
}

Status ManifestParser::parseProbe(const std::vector<std::string_view> &fields) {
  if (fields.size() != 4)
    return lineError("expected 'probe <id> <layer> <metric>'");
  ProbeSpec probe;
  std::optional<int64_t> id = parseInt64(fields[1]);
  std::optional<int64_t> layer = parseInt64(fields[2]);
  std::optional<Metric> metric = parseMetricName(fields[3]);
  if (!id)
    return lineError("bad probe id");
  if (!layer || *layer < 0 || *layer > 100000)
    return lineError("bad probe layer");
  if (!metric)
    return lineError("unknown metric '" + std::string(fields[3]) + "'");
  probe.id = *id;
  probe.layer = static_cast<int>(*layer);
  probe.metric = *metric;
  for (const ProbeSpec &other : manifest.probes) {
    if (other.id == probe.id)
      return lineError("duplicate probe id " + std::to_string(probe.id));
    if (other.layer == probe.layer && other.metric == probe.metric)
      return lineError(formatString("two probes for %s of layer %d",
                                    metricName(probe.metric), probe.layer));
  }
  manifest.probes.push_back(probe);
  return Status::ok();
}

Status
ManifestParser::parseIntervene(const std::vector<std::string_view> &fields) {
  if (manifest.intervention.present())
    return lineError("duplicate 'intervene' record");
  if (fields.size() != 2)
    return lineError("expected 'intervene <spec>'");
  std::optional<std::string> spec = percentDecode(fields[1]);
  if (!spec)
    return lineError("bad percent escape in the intervention spec");
  manifest.intervention.spec = std::move(*spec);
  return Status::ok();
}

Status
ManifestParser::parseSteerVector(const std::vector<std::string_view> &fields) {
  if (sawSteerVector)
    return lineError("duplicate 'steer-vector' record");
  if (fields.size() != 4)
    return lineError("expected 'steer-vector <file> <hash> <norm>'");
  std::optional<std::string> file = percentDecode(fields[1]);
  std::optional<uint64_t> hash = parseHex64(fields[2]);
  std::optional<double> norm = parseFiniteDouble(fields[3]);
  if (!file || file->empty())
    return lineError("bad steer vector file name");
  if (!hash)
    return lineError("the steer vector hash must be 16 hex digits");
  if (!norm || !(*norm >= 0))
    return lineError("bad steer vector norm");
  Intervention &intervention = manifest.intervention;
  intervention.steerVector = std::move(*file);
  intervention.steerVectorHash = *hash;
  intervention.steerVectorNorm = static_cast<float>(*norm);
  sawSteerVector = true;
  return Status::ok();
}

Status
ManifestParser::parseCaptures(const std::vector<std::string_view> &fields) {
  if (sawCaptures)
    return lineError("duplicate 'captures' record");
  if (fields.size() != 3)
    return lineError("expected 'captures <sinks|sinks+matched> <spec>'");
  std::optional<CaptureTokens> tokens = parseCaptureTokensName(fields[1]);
  if (!tokens)
    return lineError("the captured tokens must be 'sinks' or "
                     "'sinks+matched'");
  std::optional<std::string> spec = percentDecode(fields[2]);
  if (!spec || spec->empty())
    return lineError("bad capture spec");
  manifest.captureTokens = *tokens;
  manifest.captureSpec = std::move(*spec);
  sawCaptures = true;
  return Status::ok();
}

Status
ManifestParser::parseCapture(const std::vector<std::string_view> &fields) {
  if (fields.size() != 5)
    return lineError("expected 'capture <id> <layer> <state> <width>'");
  StateCapture capture;
  std::optional<int64_t> id = parseInt64(fields[1]);
  std::optional<int64_t> layer = parseInt64(fields[2]);
  std::optional<CaptureState> state = parseCaptureStateName(fields[3]);
  std::optional<int64_t> width = parseInt64(fields[4]);
  if (!id || *id < 0)
    return lineError("bad capture id");
  if (!layer || *layer < 0 || *layer > 100000)
    return lineError("bad capture layer");
  if (!state)
    return lineError("unknown captured state '" + std::string(fields[3]) + "'");
  if (!width || *width < 1 || *width > kMaxTensorElements)
    return lineError("bad capture width");
  capture.id = *id;
  capture.layer = static_cast<int>(*layer);
  capture.state = *state;
  capture.width = *width;
  for (const StateCapture &other : manifest.captures) {
    if (other.id == capture.id)
      return lineError("duplicate capture id " + std::to_string(capture.id));
    if (other.layer == capture.layer && other.state == capture.state)
      return lineError(formatString("two captures of %s of layer %d",
                                    captureStateName(capture.state),
                                    capture.layer));
  }
  manifest.captures.push_back(capture);
  return Status::ok();
}

Status ManifestParser::validateWhole() {
  if (!sawModel)
    return failure("malformed model manifest: no 'model' record");
  if (!sawWeights)
    return failure("malformed model manifest: no 'weights' record");
  if (sawSteerVector && !manifest.intervention.present())
    return failure("malformed model manifest: a 'steer-vector' record "
                   "without an 'intervene' record");
  if (!manifest.captures.empty() && !sawCaptures)
    return failure("malformed model manifest: 'capture' records without a "
                   "'captures' record");
  // The captured rows are those of the classified sinks: no probes, no
  // classification.
  if (sawCaptures && manifest.probes.empty())
    return failure("malformed model manifest: captures need probes (the "
                   "captured tokens are the sinks the classification "
                   "finds)");
  if (manifest.probes.empty())
    return Status::ok();
  if (!manifest.languageModel)
    return failure("malformed model manifest: probes need the 'lm' record "
                   "(layer and head counts)");
  for (const ProbeSpec &probe : manifest.probes)
    if (probe.layer >= manifest.languageModel->layers)
      return failure("malformed model manifest: probe %lld is on layer %d "
                     "but the model has %d layers",
                     static_cast<long long>(probe.id), probe.layer,
                     manifest.languageModel->layers);
  for (const StateCapture &capture : manifest.captures)
    if (capture.layer >= manifest.languageModel->layers)
      return failure("malformed model manifest: capture %lld is on layer %d "
                     "but the model has %d layers",
                     static_cast<long long>(capture.id), capture.layer,
                     manifest.languageModel->layers);
  return Status::ok();
}

} // namespace

Expected<Manifest> parseManifest(std::string_view text) {
  return ManifestParser().parse(text);
}

std::string renderManifest(const Manifest &manifest) {
  std::string text =
      "sinkc-manifest " + std::to_string(kManifestVersion) + "\n";
  text += "model " + percentEncode(manifest.modelName) + "\n";
  text += formatString("weights %llu %016llx %s\n",
                       static_cast<unsigned long long>(manifest.weightsSize),
                       static_cast<unsigned long long>(manifest.weightsHash),
                       manifest.weightsEmbedded ? "embedded" : "external");
  auto renderTensors = [&](const char *kind,
                           const std::vector<TensorSpec> &tensors) {
    for (size_t i = 0; i < tensors.size(); ++i) {
      const TensorSpec &tensor = tensors[i];
      text += formatString("%s %zu ", kind, i) + percentEncode(tensor.name) +
              " " + dtypeName(tensor.dtype) + " " +
              std::to_string(tensor.dims.size());
      for (int64_t dim : tensor.dims)
        text += " " + std::to_string(dim);
      text += std::string(" ") + roleName(tensor.role) + "\n";
    }
  };
  renderTensors("input", manifest.inputs);
  renderTensors("output", manifest.outputs);
  if (const std::optional<LanguageModelInfo> &lm = manifest.languageModel)
    text +=
        formatString("lm vocab=%lld layers=%d heads=%d bos=%lld "
                     "tokenizer=%s\n",
                     static_cast<long long>(lm->vocab), lm->layers, lm->heads,
                     static_cast<long long>(lm->bos), lm->tokenizer.c_str());
  text += "instrument " + percentEncode(manifest.instrumentSpec) + "\n";
  for (const ProbeSpec &probe : manifest.probes)
    text += formatString("probe %lld %d %s\n", static_cast<long long>(probe.id),
                         probe.layer, metricName(probe.metric));
  // Only for a steered model: the manifests of all others stay as they were.
  if (const Intervention &intervention = manifest.intervention;
      intervention.present()) {
    text += "intervene " + percentEncode(intervention.spec) + "\n";
    if (!intervention.steerVector.empty())
      text += "steer-vector " + percentEncode(intervention.steerVector) +
              formatString(
                  " %016llx %.9g\n",
                  static_cast<unsigned long long>(intervention.steerVectorHash),
                  static_cast<double>(intervention.steerVectorNorm));
  }
  // Only for a model compiled with --capture.
  if (!manifest.captureSpec.empty()) {
    text += std::string("captures ") +
            captureTokensName(manifest.captureTokens) + " " +
            percentEncode(manifest.captureSpec) + "\n";
    for (const StateCapture &capture : manifest.captures)
      text += formatString("capture %lld %d %s %lld\n",
                           static_cast<long long>(capture.id), capture.layer,
                           captureStateName(capture.state),
                           static_cast<long long>(capture.width));
  }
  text += "end\n";
  return text;
}

} // namespace sinkrt
