//===- RowCosines.cpp - Cosines of rows with the first row ----------------===//
//
// One pass per row: the dot product with row 0 and the sum of squares in
// vector accumulators (four of each, so that the adds do not wait on each
// other), compiled for AVX-512, AVX2 and the baseline and picked at run time
// like the matrix kernels. Row 0 stays in L1 while the rows stream by.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/RowCosines.h"

#include "sinkrt/Abi.h"
#include "sinkrt/MemRef.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sinkrt {
namespace {

template <int W> using Vec = float __attribute__((ext_vector_type(W)));

constexpr int kChains = 4;

struct Sums {
  float dot, squares;
};

/// The sum of the lanes of `v` as a tree of halves (a lane-by-lane loop was
/// two thirds of the time at F = 256).
template <int W>
__attribute__((always_inline)) inline float lanesSum(Vec<W> v) {
  if constexpr (W == 1) {
    return v[0];
  } else {
    Vec<W / 2> low, high;
    std::memcpy(&low, &v, sizeof(low));
    std::memcpy(&high, reinterpret_cast<const char *>(&v) + sizeof(low),
                sizeof(high));
    return lanesSum<W / 2>(low + high);
  }
}

/// dot(row, first) and ||row||^2 over n contiguous floats, W lanes times
/// kChains accumulators, the tail one by one.
template <int W>
__attribute__((always_inline)) inline Sums
rowSums(const float *row, const float *first, int64_t n) {
  Vec<W> dots[kChains], squares[kChains];
  for (int c = 0; c < kChains; ++c)
    dots[c] = squares[c] = 0.0f;
  int64_t i = 0;
  for (; i + kChains * W <= n; i += kChains * W)
#pragma unroll
    for (int c = 0; c < kChains; ++c) {
      Vec<W> x, y;
      std::memcpy(&x, row + i + c * W, sizeof(x));
      std::memcpy(&y, first + i + c * W, sizeof(y));
      dots[c] += x * y;
      squares[c] += x * x;
    }
  for (; i + W <= n; i += W) {
    Vec<W> x, y;
    std::memcpy(&x, row + i, sizeof(x));
    std::memcpy(&y, first + i, sizeof(y));
    dots[0] += x * y;
    squares[0] += x * x;
  }
  Vec<W> dot = (dots[0] + dots[1]) + (dots[2] + dots[3]);
  Vec<W> square = (squares[0] + squares[1]) + (squares[2] + squares[3]);
  Sums sums{lanesSum<W>(dot), lanesSum<W>(square)};
  for (; i < n; ++i) {
    sums.dot += row[i] * first[i];
    sums.squares += row[i] * row[i];
  }
  return sums;
}

struct Problem {
  StridedF32<3> x;
  StridedF32<2> out;
};

/// Rows [begin, end) of the flattened [B, T]; a row whose elements are not
/// contiguous is gathered first.
template <int W>
__attribute__((always_inline)) inline void rows(const Problem &p, int64_t begin,
                                                int64_t end) {
  const int64_t T = p.x.sizes[1], F = p.x.sizes[2];
  const bool contiguous = p.x.strides[2] == 1;
  float *gathered = nullptr;
  if (!contiguous) {
    gathered = static_cast<float *>(std::malloc(sizeof(float) * 2 * F + 1));
    if (!gathered) {
      std::fprintf(stderr,
                   "error: out of memory in sinkrt_cosines_with_first\n");
      std::fflush(nullptr);
      std::_Exit(1);
    }
  }
  auto rowAt = [&](int64_t b, int64_t t, float *copy) -> const float * {
    const float *row = p.x.data + b * p.x.strides[0] + t * p.x.strides[1];
    if (contiguous)
      return row;
    for (int64_t i = 0; i < F; ++i)
      copy[i] = row[i * p.x.strides[2]];
    return copy;
  };
  int64_t batchOfFirst = -1;
  const float *first = nullptr;
  double firstSquares = 0.0;
  for (int64_t r = begin; r < end; ++r) {
    const int64_t b = r / T, t = r % T;
    if (b != batchOfFirst) {
      batchOfFirst = b;
      first = rowAt(b, 0, gathered);
      firstSquares = rowSums<W>(first, first, F).squares;
    }
    const Sums sums =
        rowSums<W>(rowAt(b, t, gathered ? gathered + F : nullptr), first, F);
    // One square root of the product, in double: BOS's cosine with itself
    // is exactly 1 (sqrt(s * s) == s; sqrt(s) * sqrt(s) can be an ulp off),
    // and no product of two large sums overflows.
    p.out.data[b * p.out.strides[0] + t * p.out.strides[1]] =
        static_cast<float>(sums.dot / std::sqrt(sums.squares * firstSquares));
  }
  std::free(gathered);
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) void rowsAvx512(void *data, int64_t begin,
                                                   int64_t end) {
  rows<16>(*static_cast<const Problem *>(data), begin, end);
}
__attribute__((target("avx2"))) void rowsAvx2(void *data, int64_t begin,
                                              int64_t end) {
  rows<8>(*static_cast<const Problem *>(data), begin, end);
}
#endif
void rowsBaseline(void *data, int64_t begin, int64_t end) {
  rows<4>(*static_cast<const Problem *>(data), begin, end);
}

} // namespace

bool cosinesWithFirst(const StridedF32<3> &x, const StridedF32<2> &out,
                      void *ctx) {
  for (int i = 0; i < 3; ++i)
    if (x.sizes[i] < 0)
      return false;
  if (out.sizes[0] != x.sizes[0] || out.sizes[1] != x.sizes[1])
    return false;
  const int64_t rowCount = x.sizes[0] * x.sizes[1];
  if (rowCount == 0)
    return true;
  Problem problem{x, out};
  void (*body)(void *, int64_t, int64_t) = rowsBaseline;
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f"))
    body = rowsAvx512;
  else if (__builtin_cpu_supports("avx2"))
    body = rowsAvx2;
#endif
  sinkrt_parallel_for(ctx, rowCount, body, &problem);
  return true;
}

} // namespace sinkrt

extern "C" void sinkrt_cosines_with_first(void *ctx, int64_t rank,
                                          const void *x, int64_t outRank,
                                          const void *out) {
  using namespace sinkrt;
  bool ok = rank == 3 && outRank == 2;
  StridedF32<3> input;
  StridedF32<2> output;
  if (ok) {
    MemRefView in = readMemRefDescriptor(x, 3);
    MemRefView result = readMemRefDescriptor(out, 2);
    input.data = static_cast<float *>(in.aligned) + in.offset;
    output.data = static_cast<float *>(result.aligned) + result.offset;
    for (int i = 0; i < 3; ++i) {
      input.sizes[i] = in.sizes[i];
      input.strides[i] = in.strides[i];
    }
    for (int i = 0; i < 2; ++i) {
      output.sizes[i] = result.sizes[i];
      output.strides[i] = result.strides[i];
    }
  }
  if (!ok || !cosinesWithFirst(input, output, ctx)) {
    std::fprintf(stderr, "sinkc: shape check failed in "
                         "sink.mlp_state_cos_bos: inconsistent operands\n");
    std::fflush(nullptr);
    std::_Exit(1);
  }
}
