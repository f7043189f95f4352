//===- MatmulKernelsTest.cpp - Products against packed weights ------------===//
//
// Every kernel this CPU supports against a double-precision product, for
// shapes with remainder rows, a K of 1, strided A, accumulation and several
// threads (whose results must be bit-identical to one thread's).
//
//===----------------------------------------------------------------------===//

#include "sinkrt/MatmulKernels.h"

#include "sinkrt/Abi.h"
#include "sinkrt/MemRef.h"
#include "sinkrt/Probes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace sinkrt;

namespace {

struct Problem {
  int64_t m, k, n, panelWidth, panels;
  int64_t lda;
  std::vector<float> a, b, packed, c;
};

Problem makeProblem(int64_t m, int64_t k, int64_t n, int64_t panelWidth,
                    int64_t lda, unsigned seed) {
  Problem p{m,   k,  n,  panelWidth, (n + panelWidth - 1) / panelWidth,
            lda, {}, {}, {},         {}};
  std::mt19937 random(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  p.a.resize(m * lda);
  for (float &x : p.a)
    x = uniform(random);
  p.b.resize(k * n);
  for (float &x : p.b)
    x = uniform(random);
  // The layout sinkc-pack-matmul-weights writes: zero-padded panels.
  p.packed.assign(p.panels * k * panelWidth, 0.0f);
  for (int64_t panel = 0; panel < p.panels; ++panel)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < panelWidth && panel * panelWidth + j < n; ++j)
        p.packed[(panel * k + kk) * panelWidth + j] =
            p.b[kk * n + panel * panelWidth + j];
  p.c.assign(m * p.panels * panelWidth, 0.5f);
  return p;
}

PackedMatmul describe(Problem &p, bool accumulate) {
  PackedMatmul d;
  d.a = p.a.data();
  d.b = p.packed.data();
  d.c = p.c.data();
  d.m = p.m;
  d.k = p.k;
  d.panels = p.panels;
  d.panelWidth = p.panelWidth;
  d.lda = p.lda;
  d.strideAk = 1;
  d.panelStride = p.k * p.panelWidth;
  d.strideBk = p.panelWidth;
  d.strideBj = 1;
  d.ldc = p.panels * p.panelWidth;
  d.panelStrideC = p.panelWidth;
  d.strideCj = 1;
  d.accumulate = accumulate;
  return d;
}

void expectProduct(const Problem &p, bool accumulate) {
  int64_t ldc = p.panels * p.panelWidth;
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      double sum = accumulate ? 0.5 : 0.0;
      for (int64_t kk = 0; kk < p.k; ++kk)
        sum += double(p.a[i * p.lda + kk]) * double(p.b[kk * p.n + j]);
      ASSERT_NEAR(p.c[i * ldc + j], sum, 1e-5 * std::sqrt(double(p.k)) + 1e-6)
          << "row " << i << " column " << j;
    }
}

class Kernels : public ::testing::TestWithParam<int64_t> {};

TEST_P(Kernels, MatchADoublePrecisionProduct) {
  int64_t kernel = GetParam();
  if (!matmulKernelSupported(kernel))
    GTEST_SKIP() << matmulKernelName(kernel) << " not supported by this CPU";
  int64_t width = matmulKernelPanelWidth(kernel);
  struct Shape {
    int64_t m, k, n, lda;
  };
  for (Shape s :
       {Shape{1, 1, 1, 1}, Shape{13, 37, 70, 37}, Shape{25, 64, 3 * width, 80},
        Shape{7, 300, width + 1, 300}, Shape{12, 16, 2 * width, 16}}) {
    for (bool accumulate : {false, true}) {
      Problem p = makeProblem(s.m, s.k, s.n, width, s.lda, 7);
      PackedMatmul d = describe(p, accumulate);
      runPackedMatmul(d, kernel, nullptr);
      SCOPED_TRACE(std::string(matmulKernelName(kernel)) + " " +
                   std::to_string(s.m) + "x" + std::to_string(s.k) + "x" +
                   std::to_string(s.n));
      expectProduct(p, accumulate);
    }
  }
}

TEST_P(Kernels, ThreadCountDoesNotChangeTheBits) {
  int64_t kernel = GetParam();
  if (!matmulKernelSupported(kernel))
    GTEST_SKIP() << matmulKernelName(kernel) << " not supported by this CPU";
  int64_t width = matmulKernelPanelWidth(kernel);
  Problem serial = makeProblem(29, 96, 9 * width - 3, width, 96, 11);
  PackedMatmul d = describe(serial, false);
  runPackedMatmul(d, kernel, nullptr);
  for (int threads : {2, 3}) {
    auto pool = ThreadPool::create(threads);
    ASSERT_TRUE(pool);
    Problem parallel = makeProblem(29, 96, 9 * width - 3, width, 96, 11);
    PackedMatmul dp = describe(parallel, false);
    runPackedMatmul(dp, kernel, pool->get());
    EXPECT_EQ(parallel.c, serial.c) << threads << " threads";
  }
}

INSTANTIATE_TEST_SUITE_P(AllKernels, Kernels,
                         ::testing::Values(kMatmulKernelPortable,
                                           kMatmulKernelAvx2,
                                           kMatmulKernelAvx512),
                         [](const auto &info) {
                           return std::string(matmulKernelName(info.param));
                         });

TEST(MatmulKernels, LayoutsTheKernelsDoNotTakeUseTheReferenceLoop) {
  // A panel width that is not the kernel's: still the right product.
  Problem p = makeProblem(5, 9, 11, 4, 9, 3);
  PackedMatmul d = describe(p, false);
  runPackedMatmul(d, kMatmulKernelPortable, nullptr);
  expectProduct(p, false);
}

TEST(MatmulKernels, AbiEntryReadsDescriptors) {
  Problem p = makeProblem(6, 10, 8, 8, 10, 5);
  auto descriptor = [](const float *data, std::vector<int64_t> sizes,
                       std::vector<int64_t> strides) {
    std::vector<int64_t> words = {reinterpret_cast<intptr_t>(data),
                                  reinterpret_cast<intptr_t>(data), 0};
    words.insert(words.end(), sizes.begin(), sizes.end());
    words.insert(words.end(), strides.begin(), strides.end());
    return words;
  };
  auto a = descriptor(p.a.data(), {6, 10}, {10, 1});
  auto b = descriptor(p.packed.data(), {1, 10, 8}, {80, 8, 1});
  auto c = descriptor(p.c.data(), {6, 1, 8}, {8, 8, 1});
  sinkrt_matmul_f32_packed(nullptr, kMatmulKernelPortable, 0, 2, a.data(), 3,
                           b.data(), 3, c.data());
  expectProduct(p, false);
}

} // namespace
