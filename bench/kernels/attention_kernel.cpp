//===- attention_kernel.cpp - Time of the tiled attention kernel ----------===//
//
// Times sinkrt::runAttention (runtime/src/Attention.cpp) on one layer's
// attention of the benchmark models, serially (one thread), so that a
// change to the kernel can be judged without the rest of the forward pass.
//
//   bench/kernels/run.sh attention [--sums] [--runs N] H HKV T D ...
//
// Each H HKV T D quadruple is one causal attention [1, H, T, D] with HKV
// key/value heads; --sums adds the column sums of instrumented layers.
// Prints one JSON line per shape: median and best milliseconds over the
// runs, and GFLOP/s counting only the visible scores (2 * 2 * H * D *
// T * (T + 1) / 2 flops).
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Attention.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

using namespace sinkrt;
using Clock = std::chrono::steady_clock;

namespace {

void timeShape(int64_t h, int64_t hkv, int64_t t, int64_t d, bool sums,
               int runs) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> q(h * t * d), k(hkv * t * d), v(hkv * t * d),
      out(h * t * d), columnSums(h * t);
  for (std::vector<float> *x : {&q, &k, &v})
    for (float &value : *x)
      value = normal(rng);
  AttentionProblem problem;
  problem.query = denseTensor(q.data(), {1, h, t, d});
  problem.key = denseTensor(k.data(), {1, hkv, t, d});
  problem.value = denseTensor(v.data(), {1, hkv, t, d});
  problem.output = denseTensor(out.data(), {1, h, t, d});
  problem.scale = 1.0f / std::sqrt(static_cast<float>(d));
  problem.flags = kAttentionCausal;
  if (sums) {
    problem.flags |= kAttentionColumnSums;
    problem.columnSums = denseTensor(columnSums.data(), {1, h, t});
  }
  const double flops = 4.0 * h * d * t * (t + 1) / 2;
  if (runs <= 0)
    runs = std::max(5, int(std::min<double>(500, 5e9 / flops)));
  runAttention(problem, nullptr);
  std::vector<double> seconds;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    runAttention(problem, nullptr);
    seconds.push_back(
        std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const double median = seconds[seconds.size() / 2];
  std::printf("{\"what\": \"attention\", \"h\": %lld, \"hkv\": %lld, \"t\": "
              "%lld, \"d\": %lld, \"sums\": %s, \"runs\": %d, \"ms_median\": "
              "%.4f, \"ms_best\": %.4f, \"gflops_median\": %.1f}\n",
              (long long)h, (long long)hkv, (long long)t, (long long)d,
              sums ? "true" : "false", runs, median * 1e3, seconds[0] * 1e3,
              flops / median / 1e9);
  std::fflush(stdout);
}

[[noreturn]] void usage(const char *what) {
  std::fprintf(stderr,
               "attention_kernel: %s\nusage: attention_kernel [--sums] "
               "[--runs N] H HKV T D [H HKV T D ...]\n",
               what);
  std::exit(2);
}

} // namespace

int main(int argc, char **argv) {
  bool sums = false;
  int runs = 0;
  std::vector<int64_t> numbers;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--sums")) {
      sums = true;
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else {
      char *end = nullptr;
      long long value = std::strtoll(argv[i], &end, 10);
      if (!*argv[i] || *end || value <= 0)
        usage("expected positive integers H HKV T D");
      numbers.push_back(value);
    }
  }
  if (numbers.empty() || numbers.size() % 4 || runs < 0)
    usage("expected H HKV T D quadruples");
  for (size_t i = 0; i < numbers.size(); i += 4) {
    if (numbers[i] % numbers[i + 1])
      usage("H must be a multiple of HKV");
    timeShape(numbers[i], numbers[i + 1], numbers[i + 2], numbers[i + 3], sums,
              runs);
  }
  return 0;
}
