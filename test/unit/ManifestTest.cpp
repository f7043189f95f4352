//===- ManifestTest.cpp - Parsing the model manifest ----------------------===//

#include "sinkrt/Manifest.h"

#include "FakeModels.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace sinkrt;
using ::testing::HasSubstr;

TEST(Manifest, ParsesTheFakeLanguageModel) {
  Expected<Manifest> manifest = parseManifest(fake::kLmManifestExternal);
  ASSERT_TRUE(manifest) << manifest.getError().message;
  EXPECT_EQ(manifest->modelName, "fake lm");
  EXPECT_FALSE(manifest->weightsEmbedded);
  ASSERT_EQ(manifest->inputs.size(), 3u);
  EXPECT_EQ(manifest->inputs[1].name, "attention_mask");
  EXPECT_EQ(manifest->inputs[1].role, TensorRole::AttentionMask);
  EXPECT_EQ(manifest->inputs[0].dims, (std::vector<int64_t>{-1, -1}));
  ASSERT_EQ(manifest->outputs.size(), 1u);
  EXPECT_EQ(manifest->outputs[0].dims, (std::vector<int64_t>{-1, -1, 260}));
  ASSERT_TRUE(manifest->languageModel);
  EXPECT_EQ(manifest->languageModel->vocab, 260);
  EXPECT_EQ(manifest->languageModel->layers, 8);
  EXPECT_EQ(manifest->languageModel->heads, 2);
  EXPECT_EQ(manifest->languageModel->bos, 256);
  EXPECT_TRUE(manifest->languageModel->isByteLevel());
  EXPECT_EQ(manifest->instrumentSpec, "layers=all metrics=attn,mlp,hidden");
  ASSERT_EQ(manifest->probes.size(), 56u);
  EXPECT_EQ(manifest->probes[12].id, 115);
  EXPECT_EQ(manifest->probes[12].layer, 1);
  EXPECT_EQ(manifest->probes[12].metric, Metric::MlpNorm);
  EXPECT_EQ(manifest->findOutput(TensorRole::Logits), &manifest->outputs[0]);
}

TEST(Manifest, ParsesEveryElementTypeAndPercentEscapes) {
  Expected<Manifest> manifest = parseManifest(fake::kGenericManifest);
  ASSERT_TRUE(manifest) << manifest.getError().message;
  EXPECT_EQ(manifest->inputs.size(), 8u);
  EXPECT_EQ(manifest->inputs[7].name, "h bool");
  EXPECT_EQ(manifest->inputs[7].dtype, DType::Bool);
  EXPECT_EQ(manifest->inputs[2].dtype, DType::F16);
  EXPECT_FALSE(manifest->languageModel);
  EXPECT_TRUE(manifest->probes.empty());
}

/// Compares two manifests field by field (the structs have no operator==:
/// nothing else compares them).
void expectSameManifest(const Manifest &a, const Manifest &b) {
  EXPECT_EQ(a.modelName, b.modelName);
  EXPECT_EQ(a.weightsSize, b.weightsSize);
  EXPECT_EQ(a.weightsHash, b.weightsHash);
  EXPECT_EQ(a.weightsEmbedded, b.weightsEmbedded);
  auto expectSameTensors = [](const std::vector<TensorSpec> &x,
                              const std::vector<TensorSpec> &y) {
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].index, y[i].index);
      EXPECT_EQ(x[i].name, y[i].name);
      EXPECT_EQ(x[i].dtype, y[i].dtype);
      EXPECT_EQ(x[i].dims, y[i].dims);
      EXPECT_EQ(x[i].role, y[i].role);
    }
  };
  expectSameTensors(a.inputs, b.inputs);
  expectSameTensors(a.outputs, b.outputs);
  ASSERT_EQ(a.languageModel.has_value(), b.languageModel.has_value());
  if (a.languageModel) {
    EXPECT_EQ(a.languageModel->vocab, b.languageModel->vocab);
    EXPECT_EQ(a.languageModel->layers, b.languageModel->layers);
    EXPECT_EQ(a.languageModel->heads, b.languageModel->heads);
    EXPECT_EQ(a.languageModel->bos, b.languageModel->bos);
    EXPECT_EQ(a.languageModel->tokenizer, b.languageModel->tokenizer);
  }
  EXPECT_EQ(a.instrumentSpec, b.instrumentSpec);
  EXPECT_TRUE(a.intervention == b.intervention)
      << a.intervention.describe() << " vs " << b.intervention.describe();
  ASSERT_EQ(a.probes.size(), b.probes.size());
  for (size_t i = 0; i < a.probes.size(); ++i) {
    EXPECT_EQ(a.probes[i].id, b.probes[i].id);
    EXPECT_EQ(a.probes[i].layer, b.probes[i].layer);
    EXPECT_EQ(a.probes[i].metric, b.probes[i].metric);
  }
  EXPECT_EQ(a.captureSpec, b.captureSpec);
  EXPECT_EQ(a.captureTokens, b.captureTokens);
  ASSERT_EQ(a.captures.size(), b.captures.size());
  for (size_t i = 0; i < a.captures.size(); ++i) {
    EXPECT_EQ(a.captures[i].id, b.captures[i].id);
    EXPECT_EQ(a.captures[i].layer, b.captures[i].layer);
    EXPECT_EQ(a.captures[i].state, b.captures[i].state);
    EXPECT_EQ(a.captures[i].width, b.captures[i].width);
  }
}

// The compiler writes the manifest with renderManifest and the runtime reads
// it with parseManifest: the two must agree on every field.
TEST(Manifest, RenderedManifestsParseBackUnchanged) {
  const char *steered =
      "sinkc-manifest 1\nmodel m\nweights 0 0000000000000000 embedded\n"
      "intervene mlp-norm-cap:layer=0,cos=0.9,norm=2,skip-first=1\n"
      "steer-vector dir%20name/v.npy 00000000000000ff 4.01123428\nend\n";
  const char *captured =
      "sinkc-manifest 1\nmodel m\nweights 0 0000000000000000 embedded\n"
      "lm vocab=10 layers=3 heads=1 bos=1 tokenizer=none\n"
      "instrument layers=all\nprobe 0 0 recv\n"
      "captures sinks layers=1-2,states=hidden,mlp_out,tokens=sinks\n"
      "capture 0 1 hidden 16\ncapture 1 1 mlp_out 16\n"
      "capture 2 2 mlp_input 16\nend\n";
  for (const char *text :
       {fake::kLmManifestExternal, fake::kGenericManifest, steered, captured}) {
    Expected<Manifest> parsed = parseManifest(text);
    ASSERT_TRUE(parsed) << parsed.getError().message;
    std::string rendered = renderManifest(*parsed);
    Expected<Manifest> reparsed = parseManifest(rendered);
    ASSERT_TRUE(reparsed) << reparsed.getError().message << "\n" << rendered;
    expectSameManifest(*parsed, *reparsed);
  }
}

TEST(Manifest, RendersTheFormatOfRuntimeAbi) {
  Manifest manifest;
  manifest.modelName = "tiny 100%";
  manifest.weightsSize = 42;
  manifest.weightsHash = 0xabcdef;
  manifest.weightsEmbedded = false;
  manifest.inputs.push_back(
      {0, "input_ids", DType::I64, {1, -1}, TensorRole::Tokens});
  manifest.outputs.push_back(
      {0, "logits", DType::F32, {1, -1, 300}, TensorRole::Logits});
  LanguageModelInfo lm;
  lm.vocab = 300;
  lm.layers = 2;
  lm.heads = 4;
  lm.bos = 1;
  lm.tokenizer = "json";
  manifest.languageModel = lm;
  manifest.instrumentSpec = "layers=1,metrics=attn";
  manifest.probes.push_back({0, 1, Metric::BosMass});
  EXPECT_EQ(renderManifest(manifest),
            "sinkc-manifest 1\n"
            "model tiny%20100%25\n"
            "weights 42 0000000000abcdef external\n"
            "input 0 input_ids i64 2 1 -1 tokens\n"
            "output 0 logits f32 3 1 -1 300 logits\n"
            "lm vocab=300 layers=2 heads=4 bos=1 tokenizer=json\n"
            "instrument layers=1,metrics=attn\n"
            "probe 0 1 bos_mass\n"
            "end\n");
}

TEST(Manifest, ParsesTheCaptures) {
  // Without a `captures` record the model captures nothing.
  Expected<Manifest> plain = parseManifest(fake::kLmManifestExternal);
  ASSERT_TRUE(plain) << plain.getError().message;
  EXPECT_TRUE(plain->captureSpec.empty());
  EXPECT_TRUE(plain->captures.empty());

  Expected<Manifest> captured = parseManifest(
      "sinkc-manifest 1\nmodel m\nweights 0 0000000000000000 embedded\n"
      "lm vocab=10 layers=3 heads=1 bos=1 tokenizer=none\n"
      "instrument layers=all\nprobe 0 0 recv\n"
      "captures sinks+matched layers=2,states=mlp_input,tokens=sinks%2Bmatched"
      "\ncapture 4 2 mlp_input 48\nend\n");
  ASSERT_TRUE(captured) << captured.getError().message;
  EXPECT_EQ(captured->captureSpec,
            "layers=2,states=mlp_input,tokens=sinks+matched");
  EXPECT_EQ(captured->captureTokens, CaptureTokens::SinksMatched);
  ASSERT_EQ(captured->captures.size(), 1u);
  EXPECT_EQ(captured->captures[0].id, 4);
  EXPECT_EQ(captured->captures[0].layer, 2);
  EXPECT_EQ(captured->captures[0].state, CaptureState::MlpInput);
  EXPECT_EQ(captured->captures[0].width, 48);
}

TEST(Manifest, RendersTheCaptureRecords) {
  Manifest manifest;
  manifest.modelName = "m";
  LanguageModelInfo lm;
  lm.vocab = 10;
  lm.layers = 3;
  lm.heads = 1;
  manifest.languageModel = lm;
  manifest.instrumentSpec = "layers=all";
  manifest.probes.push_back({0, 0, Metric::Recv});
  manifest.captureSpec = "layers=0,states=hidden,tokens=sinks+matched";
  manifest.captures.push_back({0, 0, CaptureState::Hidden, 16});
  EXPECT_THAT(renderManifest(manifest),
              HasSubstr("probe 0 0 recv\n"
                        "captures sinks+matched "
                        "layers=0,states=hidden,tokens=sinks+matched\n"
                        "capture 0 0 hidden 16\n"
                        "end\n"));
}

TEST(Manifest, ParsesTheIntervention) {
  // Without an `intervene` record the model has none.
  Expected<Manifest> plain = parseManifest(fake::kLmManifestExternal);
  ASSERT_TRUE(plain) << plain.getError().message;
  EXPECT_FALSE(plain->intervention.present());
  EXPECT_EQ(plain->intervention.describe(), "none");

  Expected<Manifest> steered = parseManifest(
      "sinkc-manifest 1\nmodel m\nweights 0 0000000000000000 embedded\n"
      "intervene mlp-norm-cap:layer=2,cos=0.98,norm=1,skip-first=3\nend\n");
  ASSERT_TRUE(steered) << steered.getError().message;
  EXPECT_EQ(steered->intervention.spec,
            "mlp-norm-cap:layer=2,cos=0.98,norm=1,skip-first=3");
  EXPECT_TRUE(steered->intervention.steerVector.empty());
  EXPECT_EQ(steered->intervention.describe(),
            "mlp-norm-cap:layer=2,cos=0.98,norm=1,skip-first=3 (reference: "
            "BOS's MLP output)");

  Expected<Manifest> vector = parseManifest(
      "sinkc-manifest 1\nmodel m\nweights 0 0000000000000000 embedded\n"
      "intervene mlp-norm-cap:layer=0,cos=0.9,norm=2,skip-first=1\n"
      "steer-vector dir%20name/v.npy 00000000000000ff 4.01123428\nend\n");
  ASSERT_TRUE(vector) << vector.getError().message;
  EXPECT_EQ(vector->intervention.steerVector, "dir name/v.npy");
  EXPECT_EQ(vector->intervention.steerVectorHash, 0xffu);
  EXPECT_FLOAT_EQ(vector->intervention.steerVectorNorm, 4.01123428f);
  EXPECT_EQ(vector->intervention.describe(),
            "mlp-norm-cap:layer=0,cos=0.9,norm=2,skip-first=1 (reference "
            "dir name/v.npy, norm 4.0112343, hash 00000000000000ff)");
  EXPECT_FALSE(vector->intervention == steered->intervention);
  EXPECT_TRUE(vector->intervention == vector->intervention);
}

struct BadManifest {
  const char *text;
  const char *expectedMessage;
};

/// gtest prints the parameter in test names; keep them readable.
void PrintTo(const BadManifest &manifest, std::ostream *out) {
  *out << manifest.expectedMessage;
}

class ManifestErrors : public testing::TestWithParam<BadManifest> {};

TEST_P(ManifestErrors, AreRejectedWithTheReason) {
  Expected<Manifest> manifest = parseManifest(GetParam().text);
  ASSERT_FALSE(manifest);
  EXPECT_EQ(manifest.getError().kind, ErrorKind::Failure);
  EXPECT_THAT(manifest.getError().message,
              HasSubstr(GetParam().expectedMessage));
}

#define HEAD "sinkc-manifest 1\nmodel m\nweights 0 0000000000000000 embedded\n"

INSTANTIATE_TEST_SUITE_P(
    Manifest, ManifestErrors,
    testing::Values(
        BadManifest{"", "empty"},
        BadManifest{"sinkc-manifest 2\nend\n", "unsupported model manifest "
                                               "version '2'"},
        BadManifest{"model m\nend\n", "line 1: the first line"},
        BadManifest{HEAD "frobnicate 1\nend\n", "line 4: unknown record "
                                                "'frobnicate'"},
        BadManifest{HEAD, "no 'end' record"},
        BadManifest{HEAD "end\nmodel x\n", "text after the 'end' record"},
        BadManifest{"sinkc-manifest 1\nweights 0 0000000000000000 embedded\n"
                    "end\n",
                    "no 'model' record"},
        BadManifest{HEAD "input  0 x f32 0 data\nend\n", "empty field"},
        BadManifest{HEAD "input 1 x f32 0 data\nend\n", "index must be 0"},
        BadManifest{HEAD "input 0 x f17 0 data\nend\n",
                    "unknown element type 'f17'"},
        BadManifest{HEAD "input 0 x f32 2 4 data\nend\n",
                    "rank 2 needs 2 dimensions"},
        BadManifest{HEAD "input 0 x f32 1 -2 data\nend\n",
                    "bad dimension '-2'"},
        BadManifest{HEAD "input 0 x f32 1 4 logits\nend\n",
                    "unknown input role 'logits'"},
        BadManifest{HEAD "input 0 x f32 2 -1 -1 tokens\nend\n",
                    "tokens input must be"},
        BadManifest{HEAD "output 0 y f32 2 1 4 logits\nend\n",
                    "logits output must be [batch, sequence, vocab]"},
        BadManifest{HEAD "weights 0 0000000000000000 embedded\nend\n",
                    "duplicate 'weights'"},
        BadManifest{"sinkc-manifest 1\nmodel m\nweights 0 123 embedded\nend\n",
                    "16 hex digits"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=3\nend\n",
                    "needs vocab, layers, heads, bos and tokenizer"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=10 "
                         "tokenizer=none\nend\n",
                    "bos id is outside the vocabulary"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=1 "
                         "tokenizer=bytes\nend\n",
                    "at least 256"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=1 "
                         "tokenizer=sentencepiece\nend\n",
                    "tokenizer must be 'bytes', 'json' or 'none'"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=1 tokenizer=none "
                         "colour=red\nend\n",
                    "unknown 'lm' field 'colour'"},
        BadManifest{HEAD "probe 1 0 recv\nend\n", "probes need the 'lm'"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=1 tokenizer=none\n"
                         "probe 1 2 recv\nend\n",
                    "probe 1 is on layer 2 but the model has 2 layers"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=1 tokenizer=none\n"
                         "probe 1 0 recv\nprobe 1 1 recv\nend\n",
                    "duplicate probe id 1"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=1 tokenizer=none\n"
                         "probe 1 0 recv\nprobe 2 0 recv\nend\n",
                    "two probes for recv of layer 0"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=1 tokenizer=none\n"
                         "probe 1 0 attention\nend\n",
                    "unknown metric 'attention'"},
        BadManifest{HEAD "intervene a\nintervene b\nend\n",
                    "line 5: duplicate 'intervene' record"},
        BadManifest{HEAD "intervene\nend\n", "expected 'intervene <spec>'"},
        BadManifest{HEAD "intervene a\nsteer-vector v.npy 00 1\nend\n",
                    "the steer vector hash must be 16 hex digits"},
        BadManifest{HEAD "intervene a\nsteer-vector v.npy "
                         "0000000000000000 -1\nend\n",
                    "bad steer vector norm"},
        BadManifest{HEAD "intervene a\nsteer-vector v.npy\nend\n",
                    "expected 'steer-vector <file> <hash> <norm>'"},
        BadManifest{HEAD "steer-vector v.npy 0000000000000000 1\nend\n",
                    "a 'steer-vector' record without an 'intervene' record"},
#define LM_PROBE                                                               \
  HEAD "lm vocab=10 layers=2 heads=1 bos=1 tokenizer=none\nprobe 0 0 recv\n"
        BadManifest{LM_PROBE "captures all layers=0\nend\n",
                    "the captured tokens must be 'sinks' or 'sinks+matched'"},
        BadManifest{LM_PROBE "captures sinks\nend\n",
                    "expected 'captures <sinks|sinks+matched> <spec>'"},
        BadManifest{LM_PROBE "captures sinks a\ncaptures sinks b\nend\n",
                    "line 7: duplicate 'captures' record"},
        BadManifest{LM_PROBE "capture 0 0 hidden 4\nend\n",
                    "'capture' records without a 'captures' record"},
        BadManifest{HEAD "lm vocab=10 layers=2 heads=1 bos=1 tokenizer=none\n"
                         "captures sinks a\ncapture 0 0 hidden 4\nend\n",
                    "captures need probes"},
        BadManifest{LM_PROBE "captures sinks a\ncapture 0 0 keys 4\nend\n",
                    "unknown captured state 'keys'"},
        BadManifest{LM_PROBE "captures sinks a\ncapture 0 0 hidden 0\nend\n",
                    "bad capture width"},
        BadManifest{LM_PROBE "captures sinks a\ncapture -1 0 hidden 4\nend\n",
                    "bad capture id"},
        BadManifest{LM_PROBE "captures sinks a\ncapture 0 0 hidden\nend\n",
                    "expected 'capture <id> <layer> <state> <width>'"},
        BadManifest{LM_PROBE "captures sinks a\ncapture 0 0 hidden 4\n"
                             "capture 0 1 hidden 4\nend\n",
                    "duplicate capture id 0"},
        BadManifest{LM_PROBE "captures sinks a\ncapture 0 0 hidden 4\n"
                             "capture 1 0 hidden 4\nend\n",
                    "two captures of hidden of layer 0"},
        BadManifest{LM_PROBE "captures sinks a\ncapture 0 2 hidden 4\nend\n",
                    "capture 0 is on layer 2 but the model has 2 layers"}),
    [](const testing::TestParamInfo<BadManifest> &info) {
      return "Case" + std::to_string(info.index);
    });

TEST(Manifest, CaptureNamesRoundTrip) {
  for (CaptureState state :
       {CaptureState::Hidden, CaptureState::MlpInput, CaptureState::MlpOut})
    EXPECT_EQ(parseCaptureStateName(captureStateName(state)), state);
  EXPECT_STREQ(captureStateName(CaptureState::MlpOut), "mlp_out");
  for (CaptureTokens tokens :
       {CaptureTokens::Sinks, CaptureTokens::SinksMatched})
    EXPECT_EQ(parseCaptureTokensName(captureTokensName(tokens)), tokens);
  EXPECT_FALSE(parseCaptureStateName("mlp_output"));
}

TEST(Manifest, MetricNamesRoundTrip) {
  for (int i = 0; i < kMetricCount; ++i) {
    auto metric = static_cast<Metric>(i);
    EXPECT_EQ(parseMetricName(metricName(metric)), metric);
  }
  EXPECT_FALSE(isPerTokenMetric(Metric::BosMass));
  EXPECT_FALSE(isPerTokenMetric(Metric::HeadBosMass));
  EXPECT_TRUE(isPerTokenMetric(Metric::MlpCosBos));
}
