//===- FakeModels.cpp - Hand-written stand-ins for compiled models --------===//

#include "FakeModels.h"

#include "sinkrt/Abi.h"
#include "sinkrt/Tensor.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace fake {

alignas(64) const
    unsigned char kWeights[FAKE_WEIGHTS_SIZE] = {FAKE_WEIGHTS_BYTES};
const char kLmManifestEmbedded[] = FAKE_LM_MANIFEST("embedded");
const char kLmManifestExternal[] = FAKE_LM_MANIFEST("external");
const char kGenericManifest[] = FAKE_GENERIC_MANIFEST;
unsigned reportedMetrics = 0x7f;

namespace {

/// A descriptor the model fills or reads, as in docs/runtime-abi.md.
struct Descriptor {
  std::vector<int64_t> words;

  static Descriptor make(void *data, int64_t offset,
                         const std::vector<int64_t> &sizes,
                         const std::vector<int64_t> &strides) {
    Descriptor descriptor;
    auto pointer = reinterpret_cast<intptr_t>(data);
    descriptor.words = {pointer, pointer, offset};
    descriptor.words.insert(descriptor.words.end(), sizes.begin(), sizes.end());
    descriptor.words.insert(descriptor.words.end(), strides.begin(),
                            strides.end());
    return descriptor;
  }
};

int64_t word(void *descriptor, int index) {
  return static_cast<int64_t *>(descriptor)[index];
}

template <typename T> T *alignedData(void *descriptor) {
  return reinterpret_cast<T *>(word(descriptor, 1)) + word(descriptor, 2);
}

void fillOutput(void *descriptor, void *allocated, int64_t offset,
                const std::vector<int64_t> &sizes,
                const std::vector<int64_t> &strides) {
  Descriptor filled = Descriptor::make(allocated, offset, sizes, strides);
  std::memcpy(descriptor, filled.words.data(), filled.words.size() * 8);
}

/// A row-major input's element (b, t).
int64_t inputAt(void *descriptor, int64_t b, int64_t t) {
  return alignedData<int64_t>(
      descriptor)[b * word(descriptor, 5) + t * word(descriptor, 6)];
}

struct LogitsJob {
  const unsigned char *weights;
  void *tokens, *mask, *positions;
  int64_t batch, sequence, vocab;
  float *columns; // [v][b][t]
};

void computeLogitColumns(void *data, int64_t begin, int64_t end) {
  auto *job = static_cast<LogitsJob *>(data);
  for (int64_t v = begin; v < end; ++v)
    for (int64_t b = 0; b < job->batch; ++b)
      for (int64_t t = 0; t < job->sequence; ++t)
        job->columns[(v * job->batch + b) * job->sequence + t] =
            fakeLogit(v, inputAt(job->tokens, b, t), inputAt(job->mask, b, t),
                      inputAt(job->positions, b, t));
}

float syntheticMetric(int metric, int layer, int64_t position, int64_t token) {
  switch (metric) {
  case 2: // recv
    if (position == 0)
      return 0.5f;
    return token == 33 && layer == 6 ? 0.45f : 0.05f;
  case 3: // hidden_norm
    return position == 0 ? 50.0f + layer : 5.0f + 0.1f * position;
  case 4: // hidden_cos_bos
    if (position == 0)
      return 1.0f;
    if (token == 10)
      return layer >= 3 && layer <= 5 ? 0.95f : 0.2f;
    if (token == 45 && layer == 2)
      return -0.93f;
    return 0.1f;
  case 5: // mlp_norm
    return position == 0 ? 20.0f : 1.0f + 0.1f * layer;
  case 6: // mlp_cos_bos
    return token == 10 && layer == 2 ? 0.8f : 0.05f;
  }
  return 0.0f;
}

void reportProbes(void *ctx, void *tokens, int64_t batch, int64_t sequence,
                  const std::string &fault) {
  for (int layer = 0; layer < kLayers; ++layer) {
    for (int metric = 0; metric < 7; ++metric) {
      int64_t id = 100 + layer * 10 + metric;
      if (!(reportedMetrics & (1u << metric)))
        continue;
      if (fault == "skip-probe" && id == 100)
        continue;
      std::vector<float> values;
      Descriptor descriptor;
      if (metric == 0) {
        values.assign(static_cast<size_t>(batch), 0.5f + 0.01f * layer);
        descriptor = Descriptor::make(values.data(), 0, {batch}, {1});
      } else if (metric == 1) {
        for (int64_t b = 0; b < batch; ++b)
          for (int h = 0; h < kHeads; ++h)
            values.push_back(0.4f + 0.2f * h + 0.01f * layer);
        descriptor =
            Descriptor::make(values.data(), 0, {batch, kHeads}, {kHeads, 1});
      } else {
        int64_t reported =
            fault == "bad-shape" && metric == 2 ? sequence + 1 : sequence;
        // hidden_norm comes with every other element padding, so the
        // runtime has to honour a non-unit inner stride.
        int64_t spacing = metric == 3 ? 2 : 1;
        values.assign(static_cast<size_t>(batch * reported * spacing), -1.0f);
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t t = 0; t < reported; ++t)
            values[(b * reported + t) * spacing] = syntheticMetric(
                metric, layer, t,
                t < sequence ? inputAt(tokens, b, t) : int64_t(0));
        descriptor = Descriptor::make(values.data(), 0, {batch, reported},
                                      {reported * spacing, spacing});
      }
      int64_t rank = metric == 0 ? 1 : 2;
      sinkrt_probe(ctx, fault == "unknown-probe" && id == 100 ? 999 : id, rank,
                   descriptor.words.data());
      if (fault == "twice" && id == 100)
        sinkrt_probe(ctx, id, rank, descriptor.words.data());
    }
  }
}

} // namespace

float fakeLogit(int64_t v, int64_t token, int64_t mask, int64_t position) {
  float weight = (static_cast<float>(kWeights[v]) - 125.0f) / 50.0f;
  return weight * static_cast<float>(token % 7 + 1) +
         0.5f * static_cast<float>(mask) + 0.01f * static_cast<float>(position);
}

/// args: weights, input_ids, attention_mask, position_ids, logits, ctx.
/// FAKE_MODEL_FAULT selects a misbehaviour for error-path tests:
/// unknown-probe, skip-probe, twice, bad-shape (recv one token too long),
/// bad-output (logits with a vocabulary of 259), bad-weights (weights
/// pointer differs from the fake weights' content).
void fakeLmEntry(void **args) {
  const char *faultVariable = std::getenv("FAKE_MODEL_FAULT");
  std::string fault = faultVariable ? faultVariable : "";
  const auto *weights = static_cast<const unsigned char *>(args[0]);
  void *tokens = args[1], *mask = args[2], *positions = args[3];
  void *logits = args[4];
  void *ctx = args[5];
  int64_t batch = word(tokens, 3), sequence = word(tokens, 4);
  int64_t vocab = fault == "bad-output" ? kVocab - 1 : kVocab;
  bool weightsIntact =
      weights && std::memcmp(weights, kWeights, sizeof(kWeights)) == 0;

  LogitsJob job{weights, tokens,   mask,  positions,
                batch,   sequence, vocab, nullptr};
  // Stored [v][b][t] behind a 3-element offset: strides {T, 1, B*T}.
  constexpr int64_t offset = 3;
  auto *allocated = static_cast<float *>(
      std::malloc(sizeof(float) * (offset + vocab * batch * sequence)));
  job.columns = allocated + offset;
  sinkrt_parallel_for(ctx, vocab, computeLogitColumns, &job);
  if (!weightsIntact)
    for (int64_t i = 0; i < vocab * batch * sequence; ++i)
      job.columns[i] = -1000.0f;
  fillOutput(logits, allocated, offset, {batch, sequence, vocab},
             {sequence, 1, batch * sequence});
  reportProbes(ctx, tokens, batch, sequence, fault);
}

namespace {

template <typename T> T *allocateLike(void *input, int64_t &count) {
  count = word(input, 3);
  return static_cast<T *>(std::malloc(sizeof(T) * (count ? count : 1)));
}

template <typename T, typename Op>
void elementwise(void *input, void *output, Op op) {
  int64_t count;
  T *result = allocateLike<T>(input, count);
  const T *source = alignedData<T>(input);
  for (int64_t i = 0; i < count; ++i)
    result[i] = op(source[i * word(input, 4)]);
  fillOutput(output, result, 0, {count}, {1});
}

} // namespace

/// args: weights (null), inputs a..h, outputs 0..7, ctx.
void fakeGenericEntry(void **args) {
  void **inputs = args + 1;
  void **outputs = args + 9;
  // a [N, 3] f32 -> 2a, returned column-major: strides {1, N}.
  int64_t rows = word(inputs[0], 3), columns = word(inputs[0], 4);
  auto *twice = static_cast<float *>(
      std::malloc(sizeof(float) * (rows * columns ? rows * columns : 1)));
  const float *a = alignedData<float>(inputs[0]);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < columns; ++j)
      twice[j * rows + i] =
          2.0f * a[i * word(inputs[0], 5) + j * word(inputs[0], 6)];
  fillOutput(outputs[0], twice, 0, {rows, columns}, {1, rows});
  elementwise<double>(inputs[1], outputs[1], [](double x) { return x + 1; });
  elementwise<uint16_t>(inputs[2], outputs[2], [](uint16_t x) {
    return sinkrt::floatToHalf(2.0f * sinkrt::halfToFloat(x));
  });
  elementwise<int64_t>(inputs[3], outputs[3], [](int64_t x) { return x + 1; });
  elementwise<int32_t>(inputs[4], outputs[4], [](int32_t x) { return x - 1; });
  elementwise<int8_t>(inputs[5], outputs[5], [](int8_t x) {
    return static_cast<int8_t>(x == -128 ? 127 : -x);
  });
  elementwise<uint8_t>(inputs[6], outputs[6],
                       [](uint8_t x) { return static_cast<uint8_t>(x + 1); });
  elementwise<uint8_t>(inputs[7], outputs[7],
                       [](uint8_t x) { return static_cast<uint8_t>(!x); });
}

sinkrt::ModelBinding embeddedLm() {
  sinkrt::ModelBinding model;
  model.manifest = kLmManifestEmbedded;
  model.entry = fakeLmEntry;
  model.embeddedWeights = kWeights;
  model.executablePath = "/nonexistent/fake-lm";
  return model;
}

} // namespace fake
