//===- matmul_kernels.cpp - GFLOP/s of the packed-weight kernels ----------===//
//
// Times sinkrt's matrix kernels (runtime/src/MatmulKernels.cpp) on the
// product shapes of the benchmark models, and the core's FMA peak with 16
// (AVX-512) or 12 (AVX2) independent accumulator chains, so that the
// kernels' rates can be read as a fraction of what the core can do.
//
//   bench/kernels/run.sh [M K N ...]    (builds with the build/ runtime)
//   bench/kernels/run.sh --peak         (the FMA peak only)
//
// Prints one JSON line per measurement; minimum and median over the runs.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/MatmulKernels.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
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

void product(int64_t kernel, int64_t m, int64_t k, int64_t n, int threads) {
  int64_t width = matmulKernelPanelWidth(kernel);
  int64_t panels = (n + width - 1) / width;
  std::mt19937 random(1);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> a(m * k), b(panels * k * width), c(m * panels * width);
  for (float &x : a)
    x = uniform(random);
  for (float &x : b)
    x = uniform(random);
  PackedMatmul p;
  p.a = a.data();
  p.b = b.data();
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
  int runs = std::max(5, int(std::min<double>(200, 2e10 / flops)));
  runPackedMatmul(p, kernel, pool.get());
  auto [best, median] =
      timeRuns(runs, [&] { runPackedMatmul(p, kernel, pool.get()); });
  std::printf("{\"what\": \"matmul\", \"kernel\": \"%s\", \"m\": %lld, "
              "\"k\": %lld, \"n\": %lld, \"threads\": %d, \"ms_median\": "
              "%.3f, \"gflops_best\": %.1f, \"gflops_median\": %.1f}\n",
              matmulKernelName(kernel), (long long)m, (long long)k,
              (long long)n, threads, median * 1e3, flops / best / 1e9,
              flops / median / 1e9);
}

} // namespace

int main(int argc, char **argv) {
#if defined(__x86_64__)
  if (matmulKernelSupported(kMatmulKernelAvx512))
    peak("avx512", peakAvx512, 16, 16);
  if (matmulKernelSupported(kMatmulKernelAvx2))
    peak("avx2", peakAvx2, 8, 12);
#endif
  if (argc == 2 && std::string(argv[1]) == "--peak")
    return 0;
  std::vector<std::array<int64_t, 3>> shapes;
  for (int i = 1; i + 2 < argc; i += 3)
    shapes.push_back({atoll(argv[i]), atoll(argv[i + 1]), atoll(argv[i + 2])});
  if (shapes.empty()) // trained Llama at T = 256, then Qwen2.5-0.5B shapes
    shapes = {{256, 256, 256},  {256, 256, 704},  {256, 704, 256},
              {256, 896, 4864}, {256, 4864, 896}, {256, 896, 151936}};
  for (auto [m, k, n] : shapes)
    for (int64_t kernel :
         {kMatmulKernelAvx512, kMatmulKernelAvx2, kMatmulKernelPortable})
      if (matmulKernelSupported(kernel))
        for (int threads : {1, 2})
          product(kernel, m, k, n, threads);
}
