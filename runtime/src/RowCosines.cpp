//===- RowCosines.cpp - Cosines of rows with the first row ----------------===//
//
// One pass per row: the dot product with row 0 and the sum of squares in
// vector accumulators, four rows per pass so that each load of row 0 serves
// four rows, compiled for AVX-512, AVX2 and the baseline and picked at run
// time like the matrix kernels. Row 0 stays in L1 while the rows stream by.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/RowCosines.h"

#include "sinkrt/Abi.h"
#include "sinkrt/MemRef.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sinkrt {
namespace {

template <int W> using Vec = float __attribute__((ext_vector_type(W)));

/// Accumulators per row and sum: two, so that the adds of one row do not
/// wait on each other.
constexpr int kChains = 2;
/// Rows per pass: each load of row 0 serves this many rows (with one row per
/// pass, half the loads were of row 0 again, and the loop was bound by
/// loads).
constexpr int kRowsPerPass = 4;

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

template <int W>
__attribute__((always_inline)) inline Vec<W> loadVec(const float *p) {
  Vec<W> v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

/// dot(rows[r], first) and ||rows[r]||^2 over n contiguous floats for R
/// rows at once. Each row's sums take the same steps for any R (kChains
/// vectors of W lanes, a tree of halves, the tail one by one), so a row's
/// result does not depend on which rows it was grouped with, and therefore
/// not on the thread count.
template <int W, int R>
__attribute__((always_inline)) inline void
rowSums(const float *const (&rows)[R], const float *first, int64_t n,
        Sums (&sums)[R]) {
  Vec<W> dots[R][kChains], squares[R][kChains];
#pragma unroll
  for (int r = 0; r < R; ++r)
#pragma unroll
    for (int c = 0; c < kChains; ++c)
      dots[r][c] = squares[r][c] = 0.0f;
  int64_t i = 0;
  for (; i + kChains * W <= n; i += kChains * W)
#pragma unroll
    for (int c = 0; c < kChains; ++c) {
      const Vec<W> y = loadVec<W>(first + i + c * W);
#pragma unroll
      for (int r = 0; r < R; ++r) {
        const Vec<W> x = loadVec<W>(rows[r] + i + c * W);
        dots[r][c] += x * y;
        squares[r][c] += x * x;
      }
    }
  if (i + W <= n) {
    const Vec<W> y = loadVec<W>(first + i);
#pragma unroll
    for (int r = 0; r < R; ++r) {
      const Vec<W> x = loadVec<W>(rows[r] + i);
      dots[r][0] += x * y;
      squares[r][0] += x * x;
    }
    i += W;
  }
  static_assert(kChains == 2, "the chains are added pairwise");
#pragma unroll
  for (int r = 0; r < R; ++r) {
    sums[r].dot = lanesSum<W>(dots[r][0] + dots[r][1]);
    sums[r].squares = lanesSum<W>(squares[r][0] + squares[r][1]);
    for (int64_t j = i; j < n; ++j) {
      sums[r].dot += rows[r][j] * first[j];
      sums[r].squares += rows[r][j] * rows[r][j];
    }
  }
}

struct Problem {
  StridedF32<3> x;
  StridedF32<2> out;
};

/// Rows of a batch copied out where their elements are not contiguous:
/// row 0 and kRowsPerPass rows, F floats each.
struct Gathered {
  float *data = nullptr;
  Gathered(const Problem &p) {
    if (p.x.strides[2] == 1)
      return;
    data = static_cast<float *>(
        std::malloc(sizeof(float) * ((kRowsPerPass + 1) * p.x.sizes[2] + 1)));
    if (!data) {
      std::fprintf(stderr,
                   "error: out of memory in sinkrt_cosines_with_first\n");
      std::fflush(nullptr);
      std::_Exit(1);
    }
  }
  ~Gathered() { std::free(data); }
};

/// Row t of batch b, contiguous: in place, or copied into slot `slot` of
/// `gathered`.
__attribute__((always_inline)) inline const float *
rowAt(const Problem &p, const Gathered &gathered, int64_t b, int64_t t,
      int slot) {
  const float *row = p.x.data + b * p.x.strides[0] + t * p.x.strides[1];
  if (!gathered.data)
    return row;
  const int64_t F = p.x.sizes[2];
  float *copy = gathered.data + slot * F;
  for (int64_t i = 0; i < F; ++i)
    copy[i] = row[i * p.x.strides[2]];
  return copy;
}

/// Writes the cosines of rows [t0, t0 + R) of batch b.
template <int W, int R>
__attribute__((always_inline)) inline void
cosines(const Problem &p, const Gathered &gathered, int64_t b, int64_t t0,
        const float *first, double firstSquares) {
  const float *rows[R];
#pragma unroll
  for (int r = 0; r < R; ++r)
    rows[r] = rowAt(p, gathered, b, t0 + r, 1 + r);
  Sums sums[R];
  rowSums<W, R>(rows, first, p.x.sizes[2], sums);
  // One square root of the product, in double: BOS's cosine with itself
  // is exactly 1 (sqrt(s * s) == s; sqrt(s) * sqrt(s) can be an ulp off),
  // and no product of two large sums overflows.
#pragma unroll
  for (int r = 0; r < R; ++r)
    p.out.data[b * p.out.strides[0] + (t0 + r) * p.out.strides[1]] =
        static_cast<float>(sums[r].dot /
                           std::sqrt(sums[r].squares * firstSquares));
}

/// Rows [begin, end) of the flattened [B, T], kRowsPerPass at a time within
/// a batch.
template <int W>
__attribute__((always_inline)) inline void rows(const Problem &p, int64_t begin,
                                                int64_t end) {
  const int64_t T = p.x.sizes[1], F = p.x.sizes[2];
  Gathered gathered(p);
  int64_t r = begin;
  while (r < end) {
    const int64_t b = r / T;
    const int64_t batchEnd = std::min(end, (b + 1) * T);
    const float *first = rowAt(p, gathered, b, 0, 0);
    const float *const firstRow[1] = {first};
    Sums firstSums[1];
    rowSums<W, 1>(firstRow, first, F, firstSums);
    const double firstSquares = firstSums[0].squares;
    for (; r + kRowsPerPass <= batchEnd; r += kRowsPerPass)
      cosines<W, kRowsPerPass>(p, gathered, b, r - b * T, first, firstSquares);
    for (; r < batchEnd; ++r)
      cosines<W, 1>(p, gathered, b, r - b * T, first, firstSquares);
  }
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
