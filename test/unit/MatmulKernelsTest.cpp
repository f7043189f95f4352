//===- MatmulKernelsTest.cpp - Products against packed weights ------------===//
//
// Every kernel this CPU supports against a double-precision product, for
// shapes with remainder rows, a K of 1, strided A, accumulation and several
// threads (whose results must be bit-identical to one thread's), with the
// weights stored as f32, f16 and bf16 (widened in the tile or per block:
// the same bits as the f32 product over the widened weights).
//
//===----------------------------------------------------------------------===//

#include "sinkrt/MatmulKernels.h"

#include "sinkrt/Abi.h"
#include "sinkrt/MemRef.h"
#include "sinkrt/Probes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <ostream>
#include <random>
#include <tuple>
#include <vector>

using namespace sinkrt;

namespace sinkrt {
// Readable parameters in the test names ctest lists.
void PrintTo(WeightType type, std::ostream *os) { *os << weightTypeName(type); }
void PrintTo(Widening widening, std::ostream *os) {
  const char *names[] = {"auto", "inline", "perblock"};
  *os << names[static_cast<int>(widening)];
}
} // namespace sinkrt

namespace {

struct Problem {
  int64_t m = 0, k = 0, n = 0, panelWidth = 0, panels = 0;
  int64_t lda = 0;
  WeightType weightType = WeightType::F32;
  /// b holds the weights as the kernel sees them (widened from f16 or bf16).
  std::vector<float> a, b, packed, c;
  std::vector<uint16_t> packedHalf;
};

Problem makeProblem(int64_t m, int64_t k, int64_t n, int64_t panelWidth,
                    int64_t lda, unsigned seed,
                    WeightType weightType = WeightType::F32) {
  Problem p;
  p.m = m;
  p.k = k;
  p.n = n;
  p.panelWidth = panelWidth;
  p.panels = (n + panelWidth - 1) / panelWidth;
  p.lda = lda;
  p.weightType = weightType;
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
  if (weightType != WeightType::F32) {
    p.packedHalf.resize(p.packed.size());
    for (size_t i = 0; i < p.packed.size(); ++i) {
      uint16_t bits = weightType == WeightType::F16
                          ? floatToHalf(p.packed[i])
                          : floatToBFloat16(p.packed[i]);
      p.packedHalf[i] = bits;
      p.packed[i] = weightType == WeightType::F16 ? halfToFloat(bits)
                                                  : bfloat16ToFloat(bits);
    }
    for (int64_t panel = 0; panel < p.panels; ++panel)
      for (int64_t kk = 0; kk < k; ++kk)
        for (int64_t j = 0; j < panelWidth && panel * panelWidth + j < n; ++j)
          p.b[kk * n + panel * panelWidth + j] =
              p.packed[(panel * k + kk) * panelWidth + j];
  }
  p.c.assign(m * p.panels * panelWidth, 0.5f);
  return p;
}

PackedMatmul describe(Problem &p, bool accumulate,
                      Widening widening = Widening::Auto) {
  PackedMatmul d;
  d.a = p.a.data();
  if (p.weightType == WeightType::F32)
    d.b = p.packed.data();
  else
    d.b = p.packedHalf.data();
  d.weightType = p.weightType;
  d.widening = widening;
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

using KernelCase = std::tuple<int64_t, WeightType, Widening>;

std::string caseName(const KernelCase &c) {
  const char *widening[] = {"", "_inline", "_perblock"};
  return std::string(matmulKernelName(std::get<0>(c))) + "_" +
         weightTypeName(std::get<1>(c)) +
         widening[static_cast<int>(std::get<2>(c))];
}

/// Every kernel with f32 weights, and with f16 and bf16 weights widened
/// either way.
std::vector<KernelCase> kernelCases(bool withF32) {
  std::vector<KernelCase> cases;
  for (int64_t kernel : kMatmulKernels) {
    if (withF32)
      cases.push_back({kernel, WeightType::F32, Widening::Auto});
    for (WeightType type : {WeightType::F16, WeightType::BF16})
      for (Widening widening : {Widening::Inline, Widening::PerBlock})
        cases.push_back({kernel, type, widening});
  }
  return cases;
}

/// A kernel case, skipped where this CPU does not support the kernel.
class KernelTest : public ::testing::TestWithParam<KernelCase> {
protected:
  void SetUp() override {
    std::tie(kernel, type, widening) = GetParam();
    if (!matmulKernelSupported(kernel, type))
      GTEST_SKIP() << matmulKernelName(kernel) << " not supported by this CPU";
    width = matmulKernelPanelWidth(kernel);
  }

  int64_t kernel = 0;
  WeightType type = WeightType::F32;
  Widening widening = Widening::Auto;
  int64_t width = 0;
};

class Kernels : public KernelTest {};

TEST_P(Kernels, MatchADoublePrecisionProduct) {
  struct Shape {
    int64_t m, k, n, lda;
  };
  // Odd M, K and N; K past one cache block (256 rows of a 32-wide panel);
  // more than one group of 8 panels; last row tiles of 1, 4, 7 and 8 rows.
  for (Shape s :
       {Shape{1, 1, 1, 1}, Shape{13, 37, 70, 37}, Shape{25, 64, 3 * width, 80},
        Shape{7, 300, width + 1, 300}, Shape{12, 16, 2 * width, 16},
        Shape{16, 40, width + 3, 40}, Shape{20, 40, width + 3, 41},
        Shape{31, 1031, 9 * width + 5, 1033}}) {
    for (bool accumulate : {false, true}) {
      Problem p = makeProblem(s.m, s.k, s.n, width, s.lda, 7, type);
      PackedMatmul d = describe(p, accumulate, widening);
      runPackedMatmul(d, kernel, nullptr);
      SCOPED_TRACE(caseName(GetParam()) + " " + std::to_string(s.m) + "x" +
                   std::to_string(s.k) + "x" + std::to_string(s.n));
      expectProduct(p, accumulate);
    }
  }
}

class HalfKernels : public KernelTest {};

TEST_P(HalfKernels, GiveTheBitsOfTheF32ProductOverTheirValues) {
  for (int64_t m : {1, 5, 40}) {
    Problem half = makeProblem(m, 600, 11 * width - 7, width, 600, 5, type);
    PackedMatmul d = describe(half, false, widening);
    runPackedMatmul(d, kernel, nullptr);
    // The same weights, widened beforehand, through the f32 kernel.
    Problem full = half;
    full.weightType = WeightType::F32;
    full.c.assign(full.c.size(), 0.5f);
    PackedMatmul df = describe(full, false);
    runPackedMatmul(df, kernel, nullptr);
    EXPECT_EQ(half.c, full.c) << caseName(GetParam()) << " M=" << m;
  }
}

TEST_P(Kernels, ThreadCountDoesNotChangeTheBits) {
  Problem serial = makeProblem(29, 96, 9 * width - 3, width, 96, 11, type);
  PackedMatmul d = describe(serial, false, widening);
  runPackedMatmul(d, kernel, nullptr);
  for (int threads : {2, 3}) {
    auto pool = ThreadPool::create(threads);
    ASSERT_TRUE(pool);
    Problem parallel = makeProblem(29, 96, 9 * width - 3, width, 96, 11, type);
    PackedMatmul dp = describe(parallel, false, widening);
    runPackedMatmul(dp, kernel, pool->get());
    EXPECT_EQ(parallel.c, serial.c) << threads << " threads";
  }
}

// The last row tile of a product is as high as its rows need (4, 8 or the
// kernel's full height): a row's value must not depend on which tile height
// computed it, or on how many rows the product has.
TEST_P(Kernels, RowsDoNotDependOnTheRowCount) {
  Problem all = makeProblem(36, 96, 3 * width - 5, width, 96, 13, type);
  PackedMatmul d = describe(all, false, widening);
  runPackedMatmul(d, kernel, nullptr);
  const int64_t ldc = all.panels * all.panelWidth;
  for (int64_t m : {1, 3, 4, 5, 8, 9, 12, 13, 16, 20, 24, 29, 35}) {
    Problem part = makeProblem(36, 96, 3 * width - 5, width, 96, 13, type);
    PackedMatmul dm = describe(part, false, widening);
    dm.m = m;
    runPackedMatmul(dm, kernel, nullptr);
    for (int64_t i = 0; i < 36 * ldc; ++i)
      ASSERT_EQ(part.c[i], i < m * ldc ? all.c[i] : 0.5f)
          << caseName(GetParam()) << " M=" << m << " row " << i / ldc;
  }
}

INSTANTIATE_TEST_SUITE_P(AllKernels, Kernels,
                         ::testing::ValuesIn(kernelCases(true)),
                         [](const auto &info) { return caseName(info.param); });
INSTANTIATE_TEST_SUITE_P(AllKernels, HalfKernels,
                         ::testing::ValuesIn(kernelCases(false)),
                         [](const auto &info) { return caseName(info.param); });

TEST(MatmulKernels, LayoutsTheKernelsDoNotTakeUseTheReferenceLoop) {
  // A panel width that is not the kernel's: still the right product.
  for (WeightType type : {WeightType::F32, WeightType::F16, WeightType::BF16}) {
    Problem p = makeProblem(5, 9, 11, 4, 9, 3, type);
    PackedMatmul d = describe(p, false);
    runPackedMatmul(d, kMatmulKernelPortable, nullptr);
    SCOPED_TRACE(weightTypeName(type));
    expectProduct(p, false);
  }
}

/// The words of a memref descriptor (allocated and aligned pointer, offset,
/// sizes, strides) as the ABI entries read them.
std::vector<int64_t> descriptor(const void *data, std::vector<int64_t> sizes,
                                std::vector<int64_t> strides,
                                int64_t offset = 0) {
  std::vector<int64_t> words = {reinterpret_cast<intptr_t>(data),
                                reinterpret_cast<intptr_t>(data), offset};
  words.insert(words.end(), sizes.begin(), sizes.end());
  words.insert(words.end(), strides.begin(), strides.end());
  return words;
}

TEST(MatmulKernels, AbiEntryReadsDescriptors) {
  Problem p = makeProblem(6, 10, 8, 8, 10, 5);
  auto a = descriptor(p.a.data(), {6, 10}, {10, 1});
  auto b = descriptor(p.packed.data(), {1, 10, 8}, {80, 8, 1});
  auto c = descriptor(p.c.data(), {6, 1, 8}, {8, 8, 1});
  sinkrt_matmul_f32_packed(nullptr, kMatmulKernelPortable, 0, 2, a.data(), 3,
                           b.data(), 3, c.data());
  expectProduct(p, false);
}

TEST(MatmulKernels, HalfAbiEntriesReadSixteenBitDescriptors) {
  for (WeightType type : {WeightType::F16, WeightType::BF16}) {
    Problem p = makeProblem(6, 10, 8, 8, 10, 5, type);
    // B at an element offset into its buffer, as a view into the weights
    // blob: counted in 16-bit elements.
    std::vector<uint16_t> shifted(3, 0);
    shifted.insert(shifted.end(), p.packedHalf.begin(), p.packedHalf.end());
    auto a = descriptor(p.a.data(), {6, 10}, {10, 1}, 0);
    auto b = descriptor(shifted.data(), {1, 10, 8}, {80, 8, 1}, 3);
    auto c = descriptor(p.c.data(), {6, 1, 8}, {8, 8, 1}, 0);
    if (type == WeightType::F16)
      sinkrt_matmul_f16_packed(nullptr, kMatmulKernelPortable, 0, 2, a.data(),
                               3, b.data(), 3, c.data());
    else
      sinkrt_matmul_bf16_packed(nullptr, kMatmulKernelPortable, 0, 2, a.data(),
                                3, b.data(), 3, c.data());
    SCOPED_TRACE(weightTypeName(type));
    expectProduct(p, false);
  }
}

} // namespace
