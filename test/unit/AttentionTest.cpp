//===- AttentionTest.cpp - The tiled attention kernel ---------------------===//
//
// sinkrt::runAttention against a float64 reference of the materialised
// attention (softmax over the visible keys, uniform over all keys for a
// query that sees none), for causal and non-causal attention, packed
// sequences, grouped-query heads, sizes that are not multiples of the
// tiles, strided operands, and column sums, with every copy of the kernel
// (AVX-512, AVX2, baseline) the CPU can run; bit-identical results for any
// thread count.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Attention.h"

#include "sinkrt/Probes.h"
#include "sinkrt/ThreadPool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

using namespace sinkrt;

namespace {

struct Case {
  int64_t B, H, Hkv, T, d;
  bool causal = true;
  bool segments = false;
  bool keyMask = false;
  int64_t window = 0;
  bool sums = true;
  float scale = 0.35f;
};

struct Data {
  std::vector<float> q, k, v, out, sums;
  std::vector<int64_t> qs, ks, km;
};

AttentionProblem makeProblem(const Case &c, Data &data, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto fill = [&](std::vector<float> &x, size_t n) {
    x.resize(n);
    for (float &value : x)
      value = 2.0f * normal(rng);
  };
  fill(data.q, c.B * c.H * c.T * c.d);
  fill(data.k, c.B * c.Hkv * c.T * c.d);
  fill(data.v, c.B * c.Hkv * c.T * c.d);
  data.out.assign(c.B * c.H * c.T * c.d, -7.0f);
  data.sums.assign(c.B * c.H * c.T, -7.0f);
  AttentionProblem p;
  p.query = denseTensor(data.q.data(), {c.B, c.H, c.T, c.d});
  p.key = denseTensor(data.k.data(), {c.B, c.Hkv, c.T, c.d});
  p.value = denseTensor(data.v.data(), {c.B, c.Hkv, c.T, c.d});
  p.output = denseTensor(data.out.data(), {c.B, c.H, c.T, c.d});
  p.scale = c.scale;
  p.window = c.window;
  p.flags = c.causal ? kAttentionCausal : 0;
  if (c.segments) {
    // Three packed sequences per row, boundaries differing per batch row.
    data.qs.resize(c.B * c.T);
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t t = 0; t < c.T; ++t)
        data.qs[b * c.T + t] = (t >= 37 + b) + (t >= 90 + 3 * b);
    data.ks = data.qs;
    p.querySegments.data = data.qs.data();
    p.keySegments.data = data.ks.data();
    p.querySegments.sizes[0] = p.keySegments.sizes[0] = c.B;
    p.querySegments.sizes[1] = p.keySegments.sizes[1] = c.T;
    p.querySegments.strides[0] = p.keySegments.strides[0] = c.T;
    p.querySegments.strides[1] = p.keySegments.strides[1] = 1;
    p.flags |= kAttentionSegments;
  }
  if (c.keyMask) {
    // Left padding: batch row b has its first 5 * b keys masked, so the
    // first queries of row 1 see no key at all (uniform over all keys).
    data.km.assign(c.B * c.T, 1);
    for (int64_t b = 0; b < c.B; ++b)
      for (int64_t t = 0; t < 5 * b && t < c.T; ++t)
        data.km[b * c.T + t] = 0;
    p.keyMask.data = data.km.data();
    p.keyMask.sizes[0] = c.B;
    p.keyMask.sizes[1] = c.T;
    p.keyMask.strides[0] = c.T;
    p.keyMask.strides[1] = 1;
    p.flags |= kAttentionKeyMask;
  }
  if (c.sums) {
    p.columnSums = denseTensor(data.sums.data(), {c.B, c.H, c.T});
    p.flags |= kAttentionColumnSums;
  }
  return p;
}

/// Materialised float64 attention; checks output and column sums.
void checkAgainstReference(const Case &c, const AttentionProblem &p) {
  double worstOut = 0.0, worstSum = 0.0;
  auto at = [](const Tensor4 &x, int64_t b, int64_t h, int64_t t, int64_t i) {
    return x.data[b * x.strides[0] + h * x.strides[1] + t * x.strides[2] +
                  i * x.strides[3]];
  };
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t h = 0; h < c.H; ++h) {
      int64_t g = h / (c.H / c.Hkv);
      std::vector<double> sums(c.T, 0.0);
      for (int64_t q = 0; q < c.T; ++q) {
        std::vector<double> s(c.T, -INFINITY);
        double mx = -INFINITY;
        for (int64_t k = 0; k < c.T; ++k) {
          bool visible = (!c.causal || k <= q) &&
                         (!c.segments || p.querySegments.data[b * c.T + q] ==
                                             p.keySegments.data[b * c.T + k]) &&
                         (!c.keyMask || p.keyMask.data[b * c.T + k] != 0) &&
                         (c.window <= 0 || q - k < c.window);
          if (!visible)
            continue;
          double dot = 0.0;
          for (int64_t i = 0; i < c.d; ++i)
            dot += double(at(p.query, b, h, q, i)) * at(p.key, b, g, k, i);
          s[k] = dot * c.scale;
          mx = std::max(mx, s[k]);
        }
        if (std::isinf(mx)) {
          // No visible key: the materialised softmax of an all -big row.
          std::fill(s.begin(), s.end(), 0.0);
          mx = 0.0;
        }
        double total = 0.0;
        for (int64_t k = 0; k < c.T; ++k)
          total += std::isinf(s[k]) ? 0.0 : std::exp(s[k] - mx);
        for (int64_t i = 0; i < c.d; ++i) {
          double o = 0.0;
          for (int64_t k = 0; k < c.T; ++k)
            if (!std::isinf(s[k]))
              o += std::exp(s[k] - mx) / total * at(p.value, b, g, k, i);
          worstOut = std::max(worstOut, std::abs(o - at(p.output, b, h, q, i)));
        }
        for (int64_t k = 0; k <= q; ++k)
          if (!std::isinf(s[k]))
            sums[k] += std::exp(s[k] - mx) / total;
      }
      if (c.sums)
        for (int64_t k = 0; k < c.T; ++k)
          worstSum = std::max(
              worstSum,
              std::abs(sums[k] - p.columnSums.data[(b * c.H + h) * c.T + k]));
    }
  EXPECT_LT(worstOut, 2e-5);
  EXPECT_LT(worstSum, 2e-5 * c.T);
}

/// runAttention on the problem of `c` with data from `seed`, against the
/// reference, with every copy of the kernel this CPU can run (the AVX2 and
/// baseline copies have their own register blocking).
void expectMatchesReference(const Case &c, uint32_t seed) {
  for (AttentionIsa isa :
       {AttentionIsa::Avx512, AttentionIsa::Avx2, AttentionIsa::Baseline}) {
    if (!attentionIsaSupported(isa))
      continue;
    SCOPED_TRACE(static_cast<int>(isa));
    Data data;
    AttentionProblem p = makeProblem(c, data, seed);
    ASSERT_TRUE(runAttention(p, nullptr, isa));
    checkAgainstReference(c, p);
  }
}

/// One reference case: a shape and the masks the kernel treats apart, run
/// with column sums (the instrumented kernel) or without (the plain one).
struct ReferenceCase {
  const char *name;
  Case problem;
  uint32_t seed;
};

std::ostream &operator<<(std::ostream &os, const ReferenceCase &c) {
  return os << c.name;
}

class AttentionMatchesReference : public testing::TestWithParam<ReferenceCase> {
};

TEST_P(AttentionMatchesReference, OutputAndColumnSums) {
  expectMatchesReference(GetParam().problem, GetParam().seed);
}

// Fields of Case: B, H, Hkv, T, d, causal, segments, keyMask, window, sums.
INSTANTIATE_TEST_SUITE_P(
    Cases, AttentionMatchesReference,
    testing::Values(
        ReferenceCase{"CausalWithColumnSums", {1, 2, 2, 150, 32}, 1},
        ReferenceCase{"PlainCausalOddHeadDimension",
                      {2, 2, 2, 70, 12, true, false, false, 0, false},
                      2},
        // Grouped-query attention over packed sequences (segment ids).
        ReferenceCase{
            "GroupedQueryPackedSequences", {2, 4, 2, 131, 20, true, true}, 3},
        ReferenceCase{"GroupedQueryPackedSequencesPlain",
                      {2, 4, 2, 131, 20, true, true, false, 0, false},
                      3},
        // Padding, with queries that see no key at all.
        ReferenceCase{
            "PaddingKeyMask", {2, 2, 1, 100, 16, true, false, true}, 8},
        ReferenceCase{"PaddingKeyMaskPlain",
                      {2, 2, 1, 100, 16, true, false, true, 0, false},
                      8},
        // A window that is not a multiple of the 64-key tiles, over several
        // query blocks (tiles before the window are skipped).
        ReferenceCase{
            "SlidingWindow", {1, 2, 1, 300, 16, true, false, false, 77}, 9},
        ReferenceCase{
            "NonCausal", {1, 3, 1, 77, 16, false, false, false, 0, false}, 4}),
    [](const testing::TestParamInfo<ReferenceCase> &info) {
      return std::string(info.param.name);
    });

TEST(Attention, StridedQueryAndOutput) {
  // Q and the output as [B, T, H, d] buffers viewed as [B, H, T, d].
  Case c{1, 2, 2, 65, 8};
  Data data;
  AttentionProblem p = makeProblem(c, data, 5);
  for (Tensor4 *x : {&p.query, &p.output}) {
    x->strides[3] = 1;
    x->strides[1] = c.d;
    x->strides[2] = c.H * c.d;
    x->strides[0] = c.T * c.H * c.d;
  }
  ASSERT_TRUE(runAttention(p, nullptr));
  checkAgainstReference(c, p);
}

TEST(Attention, RejectsInconsistentShapes) {
  Case c{1, 3, 2, 16, 8};
  Data data;
  AttentionProblem p = makeProblem(c, data, 6);
  EXPECT_FALSE(runAttention(p, nullptr)); // 3 heads over 2 KV heads
}

TEST(Attention, BitIdenticalForAnyThreadCount) {
  Case c{1, 2, 1, 300, 32};
  c.segments = true;
  std::vector<float> firstOut, firstSums;
  for (int threads : {1, 2, 3}) {
    auto pool = ThreadPool::create(threads);
    ASSERT_TRUE(pool);
    RunContext context{pool->get(), nullptr};
    Data data;
    AttentionProblem p = makeProblem(c, data, 7);
    ASSERT_TRUE(runAttention(p, &context));
    if (threads == 1) {
      firstOut = data.out;
      firstSums = data.sums;
      continue;
    }
    EXPECT_EQ(std::memcmp(firstOut.data(), data.out.data(),
                          firstOut.size() * sizeof(float)),
              0);
    EXPECT_EQ(std::memcmp(firstSums.data(), data.sums.data(),
                          firstSums.size() * sizeof(float)),
              0);
  }
}

} // namespace
