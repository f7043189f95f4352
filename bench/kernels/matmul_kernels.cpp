//===- matmul_kernels.cpp - GFLOP/s of the packed-weight kernels ----------===//
//
// Times sinkrt's matrix kernels (runtime/src/MatmulKernels.cpp) on the
// product shapes of the benchmark models, and the core's FMA peak with 16
// (AVX-512) or 12 (AVX2) independent accumulator chains, so that the
// kernels' rates can be read as a fraction of what the core can do.
//
//   bench/kernels/run.sh [options] [M K N ...]   (builds with build/'s runtime)
//   bench/kernels/run.sh --peak                  (the FMA peak only)
//
// Options (comma-separated lists): --weights f32,f16,bf16 (how the packed
// weights are stored; default f32), --widening auto,inline,perblock (when
// f16/bf16 weights are widened; default auto), --threads 1,2 (default 1,2),
// --kernels avx512,avx2,portable (default: all this CPU supports), --runs N
// (timed runs per measurement; default 5 to 200, about 20 GFLOP in all).
//
// Prints one JSON line per measurement; best and median over the runs.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/MatmulKernels.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace sinkrt;
using Clock = std::chrono::steady_clock;

namespace {

template <int W> using Vec = float __attribute__((ext_vector_type(W)));

/// `chains` independent FMA chains of W lanes for `iterations` rounds.
template <int W, int Chains>
__attribute__((always_inline)) inline float fmaChains(long iterations) {
  Vec<W> acc[Chains];
  for (int i = 0; i < Chains; ++i)
    acc[i] = 1.0f + i * 1e-3f;
  Vec<W> x = 0.999999f, y = 1e-7f;
  for (long n = 0; n < iterations; ++n)
#pragma unroll
    for (int i = 0; i < Chains; ++i)
      acc[i] = __builtin_elementwise_fma(acc[i], x, y);
  float sum = 0;
  for (int i = 0; i < Chains; ++i)
    sum += acc[i][0];
  return sum;
}

#if defined(__x86_64__)
__attribute__((target("avx512f,fma"),
               min_vector_width(512))) float peakAvx512(long n) {
  return fmaChains<16, 16>(n);
}
__attribute__((target("avx2,fma"), min_vector_width(256))) float
peakAvx2(long n) {
  return fmaChains<8, 12>(n);
}
#endif

template <typename F> std::pair<double, double> timeRuns(int runs, F fn) {
  std::vector<double> seconds;
  for (int r = 0; r < runs; ++r) {
    auto start = Clock::now();
    fn();
    seconds.push_back(
        std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  return {seconds.front(), seconds[seconds.size() / 2]};
}

void peak(const char *name, float (*fn)(long), int lanes, int chains) {
  long iterations = 20'000'000;
  volatile float sink = 0;
  auto [best, median] = timeRuns(9, [&] { sink = sink + fn(iterations); });
  double flops = 2.0 * lanes * chains * iterations;
  std::printf("{\"what\": \"fma_peak\", \"isa\": \"%s\", \"gflops_best\": "
              "%.1f, \"gflops_median\": %.1f}\n",
              name, flops / best / 1e9, flops / median / 1e9);
}

constexpr std::pair<Widening, const char *> kWideningNames[] = {
    {Widening::Auto, "auto"},
    {Widening::Inline, "inline"},
    {Widening::PerBlock, "perblock"},
};

void product(int64_t kernel, WeightType type, Widening widening, int64_t m,
             int64_t k, int64_t n, int threads, int runs) {
  int64_t width = matmulKernelPanelWidth(kernel);
  int64_t panels = (n + width - 1) / width;
  std::mt19937 random(1);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> a(m * k), c(m * panels * width);
  for (float &x : a)
    x = uniform(random);
  // Random bits of the right width: the kernels' speed does not depend on
  // the values (a bf16 or f16 pattern with a zero exponent is a normal
  // operand once widened; no NaN or Inf reach the FMAs here).
  int64_t count = panels * k * width;
  std::vector<float> b32;
  std::vector<uint16_t> b16;
  if (type == WeightType::F32) {
    b32.resize(count);
    for (float &x : b32)
      x = uniform(random);
  } else {
    b16.resize(count);
    for (uint16_t &x : b16) {
      float value = uniform(random);
      uint32_t bits;
      std::memcpy(&bits, &value, sizeof(bits));
      // Truncation is a valid bf16; for f16 keep a small exponent.
      x = type == WeightType::BF16
              ? static_cast<uint16_t>(bits >> 16)
              : static_cast<uint16_t>(0x3800 | (bits & 0x83ff));
    }
  }
  PackedMatmul p;
  p.a = a.data();
  p.b = type == WeightType::F32 ? static_cast<const void *>(b32.data())
                                : static_cast<const void *>(b16.data());
  p.weightType = type;
  p.widening = widening;
  p.c = c.data();
  p.m = m;
  p.k = k;
  p.panels = panels;
  p.panelWidth = width;
  p.lda = k;
  p.panelStride = k * width;
  p.strideBk = width;
  p.ldc = panels * width;
  p.panelStrideC = width;
  std::unique_ptr<ThreadPool> pool;
  if (threads > 1)
    pool = std::move(*ThreadPool::create(threads));
  double flops = 2.0 * m * k * n;
  if (runs <= 0)
    runs = std::max(5, int(std::min<double>(200, 2e10 / flops)));
  runPackedMatmul(p, kernel, pool.get());
  auto [best, median] =
      timeRuns(runs, [&] { runPackedMatmul(p, kernel, pool.get()); });
  std::printf("{\"what\": \"matmul\", \"kernel\": \"%s\", \"weights\": "
              "\"%s\", \"widening\": \"%s\", \"m\": %lld, \"k\": %lld, "
              "\"n\": %lld, \"threads\": %d, \"runs\": %d, \"ms_median\": "
              "%.3f, \"gflops_best\": %.1f, \"gflops_median\": %.1f}\n",
              matmulKernelName(kernel), weightTypeName(type),
              type == WeightType::F32 ? "none"
                                      : lookupName(kWideningNames, widening),
              (long long)m, (long long)k, (long long)n, threads, runs,
              median * 1e3, flops / best / 1e9, flops / median / 1e9);
  std::fflush(stdout);
}

/// The comma-separated items of `list`.
std::vector<std::string> split(const char *list) {
  std::vector<std::string> items;
  std::string item;
  for (const char *p = list;; ++p) {
    if (*p == ',' || *p == 0) {
      if (!item.empty())
        items.push_back(item);
      item.clear();
      if (*p == 0)
        return items;
    } else {
      item += *p;
    }
  }
}

[[noreturn]] void usage(const std::string &what) {
  std::fprintf(stderr, "matmul_kernels: %s\n", what.c_str());
  std::exit(2);
}

/// The values of the comma-separated names in `list`, each spelled as in
/// `table`; `what` names them in the error.
template <typename T, size_t N>
std::vector<T> parseNames(const char *list,
                          const std::pair<T, const char *> (&table)[N],
                          const char *what) {
  std::vector<T> values;
  for (const std::string &name : split(list)) {
    std::optional<T> value = lookupValue(table, name);
    if (!value)
      usage(std::string("unknown ") + what + " " + name);
    values.push_back(*value);
  }
  return values;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<WeightType> types = {WeightType::F32};
  std::vector<Widening> widenings = {Widening::Auto};
  std::vector<int> threadCounts = {1, 2};
  std::vector<int64_t> kernels = {kMatmulKernelAvx512, kMatmulKernelAvx2,
                                  kMatmulKernelPortable};
  std::vector<int64_t> numbers;
  bool peakOnly = false;
  int runs = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char * {
      if (i + 1 >= argc)
        usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--peak") {
      peakOnly = true;
    } else if (arg == "--weights") {
      types = parseNames(value(), kWeightTypeNames, "weight type");
    } else if (arg == "--widening") {
      widenings = parseNames(value(), kWideningNames, "widening");
    } else if (arg == "--runs") {
      runs = std::atoi(value());
    } else if (arg == "--threads") {
      threadCounts.clear();
      for (const std::string &count : split(value()))
        threadCounts.push_back(std::atoi(count.c_str()));
    } else if (arg == "--kernels") {
      kernels.clear();
      for (const std::string &name : split(value())) {
        int64_t id = -1;
        for (int64_t kernel : kMatmulKernels)
          if (name == matmulKernelName(kernel))
            id = kernel;
        if (id < 0)
          usage("unknown kernel " + name);
        kernels.push_back(id);
      }
    } else {
      numbers.push_back(std::atoll(arg.c_str()));
    }
  }
#if defined(__x86_64__)
  if (matmulKernelSupported(kMatmulKernelAvx512))
    peak("avx512", peakAvx512, 16, 16);
  if (matmulKernelSupported(kMatmulKernelAvx2))
    peak("avx2", peakAvx2, 8, 12);
#endif
  if (peakOnly)
    return 0;
  std::vector<std::array<int64_t, 3>> shapes;
  for (size_t i = 0; i + 2 < numbers.size(); i += 3)
    shapes.push_back({numbers[i], numbers[i + 1], numbers[i + 2]});
  if (shapes.empty()) // trained Llama at T = 256, then Qwen2.5-0.5B shapes
    shapes = {{256, 256, 256},  {256, 256, 704},  {256, 704, 256},
              {256, 896, 4864}, {256, 4864, 896}, {256, 896, 151936}};
  for (auto [m, k, n] : shapes)
    for (int64_t kernel : kernels)
      for (WeightType type : types)
        if (matmulKernelSupported(kernel, type))
          for (Widening widening : widenings) {
            if (type == WeightType::F32 && widening != widenings.front())
              continue;
            for (int threads : threadCounts)
              product(kernel, type, widening, m, k, n, threads, runs);
          }
}
