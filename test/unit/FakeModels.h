//===- FakeModels.h - Hand-written stand-ins for compiled models -*- C++
//-*-===//
//
// The runtime is tested without the compiler: these models implement the
// generated side of docs/runtime-abi.md by hand. They are linked into the
// unit-test binary (bound through sinkrt::ModelBinding) and, through
// FakeModelMain.cpp, into real executables with libsinkrt.a.
//
// fake-lm: a byte-level "language model" with 8 layers, 2 heads, vocabulary
// 260 (BOS 256). Its logits are a closed form of weights, tokens, mask and
// positions (fakeLogit), computed under sinkrt_parallel_for and returned
// transposed with an offset, so the runtime must honour strides. Its probes
// report synthetic metrics with known sinks:
//   - position 0 (BOS): hidden_cos_bos 1 and recv 0.5 everywhere: primary;
//   - '\n' (10): hidden_cos_bos 0.95 in layers 3-5: secondary, cosine,
//     created at 3, lifetime 3; its MLP output aligns with BOS in layer 2;
//   - '!' (33): recv 0.45 in layer 6: secondary, attention, lifetime 1;
//   - '-' (45): hidden_cos_bos -0.93 in layer 2 (|cos| counts): secondary;
//   - everything else: recv 0.05, cosine 0.1: none.
// Setting FAKE_MODEL_FAULT makes it misbehave (see fakeLmEntry).
//
// fake-generic: no tokens, eight inputs of all ABI element types, outputs
// computed element-wise (fakeGenericEntry), for --input-pb/--output-dir.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_TEST_FAKEMODELS_H
#define SINKRT_TEST_FAKEMODELS_H

#include "sinkrt/Runner.h"

#include <cstddef>
#include <cstdint>

#include "FakeWeights.inc"

#define FAKE_LM_PROBES_FOR_LAYER(l)                                            \
  "probe 1" #l "0 " #l " bos_mass\n"                                           \
  "probe 1" #l "1 " #l " head_bos_mass\n"                                      \
  "probe 1" #l "2 " #l " recv\n"                                               \
  "probe 1" #l "3 " #l " hidden_norm\n"                                        \
  "probe 1" #l "4 " #l " hidden_cos_bos\n"                                     \
  "probe 1" #l "5 " #l " mlp_norm\n"                                           \
  "probe 1" #l "6 " #l " mlp_cos_bos\n"

#define FAKE_LM_MANIFEST(storage)                                              \
  "sinkc-manifest 1\n"                                                         \
  "model fake%20lm\n"                                                          \
  "weights 1029 " FAKE_WEIGHTS_HASH " " storage "\n"                           \
  "input 0 input_ids i64 2 -1 -1 tokens\n"                                     \
  "input 1 attention_mask i64 2 -1 -1 attention_mask\n"                        \
  "input 2 position_ids i64 2 -1 -1 position_ids\n"                            \
  "output 0 logits f32 3 -1 -1 260 logits\n"                                   \
  "lm vocab=260 layers=8 heads=2 bos=256 tokenizer=bytes\n"                    \
  "instrument layers=all metrics=attn,mlp,hidden\n" FAKE_LM_PROBES_FOR_LAYER(  \
      0) FAKE_LM_PROBES_FOR_LAYER(1) FAKE_LM_PROBES_FOR_LAYER(2)               \
      FAKE_LM_PROBES_FOR_LAYER(3) FAKE_LM_PROBES_FOR_LAYER(4)                  \
          FAKE_LM_PROBES_FOR_LAYER(5) FAKE_LM_PROBES_FOR_LAYER(6)              \
              FAKE_LM_PROBES_FOR_LAYER(7) "end\n"

#define FAKE_GENERIC_MANIFEST                                                  \
  "sinkc-manifest 1\n"                                                         \
  "model fake-generic\n"                                                       \
  "weights 0 cbf29ce484222325 embedded\n"                                      \
  "input 0 a f32 2 -1 3 data\n"                                                \
  "input 1 b f64 1 -1 data\n"                                                  \
  "input 2 c f16 1 -1 data\n"                                                  \
  "input 3 d i64 1 -1 data\n"                                                  \
  "input 4 e i32 1 -1 data\n"                                                  \
  "input 5 f i8 1 -1 data\n"                                                   \
  "input 6 g u8 1 -1 data\n"                                                   \
  "input 7 h%20bool bool 1 -1 data\n"                                          \
  "output 0 a_twice f32 2 -1 3 data\n"                                         \
  "output 1 b_plus_one f64 1 -1 data\n"                                        \
  "output 2 c_twice f16 1 -1 data\n"                                           \
  "output 3 d_plus_one i64 1 -1 data\n"                                        \
  "output 4 e_minus_one i32 1 -1 data\n"                                       \
  "output 5 f_negated i8 1 -1 data\n"                                          \
  "output 6 g_plus_one u8 1 -1 data\n"                                         \
  "output 7 h_not bool 1 -1 data\n"                                            \
  "instrument none\n"                                                          \
  "end\n"

namespace fake {

inline constexpr int kLayers = 8;
inline constexpr int kHeads = 2;
inline constexpr int64_t kVocab = 260;
inline constexpr int64_t kBos = 256;

extern const unsigned char kWeights[FAKE_WEIGHTS_SIZE];
extern const char kLmManifestEmbedded[];
extern const char kLmManifestExternal[];
extern const char kGenericManifest[];

/// The logit fake-lm computes for vocabulary entry v at a position with
/// this token, mask and position id.
float fakeLogit(int64_t v, int64_t token, int64_t mask, int64_t position);

/// Bit m set: fake-lm reports metric m (sinkrt::Metric numbering). Tests
/// that bind a manifest with fewer metrics clear bits to match it.
extern unsigned reportedMetrics;

void fakeLmEntry(void **args);
void fakeGenericEntry(void **args);

/// fake-lm bound for in-process runs (sinkrt::runMain): embedded weights,
/// instrumented, at a path with no weights file beside it.
sinkrt::ModelBinding embeddedLm();

} // namespace fake

#endif // SINKRT_TEST_FAKEMODELS_H
