//===- Attention.cpp - The tiled attention kernel -------------------------===//
//
// Flash-attention style: a task is one (batch, head, partition); partition
// p owns the query blocks p, p + P, p + 2P, ... (P = kAttentionPartitions),
// which balances the causal triangle across tasks. Per query block of kBQ
// rows the kernel walks the key tiles of kBK keys up to the diagonal
// (causal) or to S, packing Q, K (transposed) and V into zero-padded
// scratch so that the head dimension is a multiple of the vector width and
// any input strides work.
//
// Plain: one pass with the online softmax (running max m, sum l, output
// rescaled by exp(m_old - m_new)). With column sums: pass 1 computes m and
// l, hence lse = m + log l, per row; pass 2 recomputes the scores, takes
// P = exp(s - lse) (normalised), accumulates P * V and the per-key sums of
// P into the task's own partial; the partials are reduced over the
// partitions in index order afterwards, so the result does not depend on
// the thread count.
//
// The inner loops use clang's vector extension (16 floats) and are
// compiled three times, for AVX-512, AVX2+FMA and the baseline, picked at
// run time.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Attention.h"

#include "sinkrt/Abi.h"
#include "sinkrt/MemRef.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

namespace sinkrt {
namespace {

typedef float v16 __attribute__((ext_vector_type(16)));
typedef int32_t vi16 __attribute__((ext_vector_type(16)));
typedef float v16u __attribute__((ext_vector_type(16), aligned(4)));

constexpr int64_t kW = 16;   // vector width in floats
constexpr int64_t kBQ = 64;  // query rows per block
constexpr int64_t kBK = 64;  // keys per tile
constexpr int64_t kRows = 4; // rows per register block
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

#define SINKRT_INLINE inline __attribute__((always_inline))

SINKRT_INLINE v16 load(const float *p) { return *(const v16 *)p; }
SINKRT_INLINE void store(float *p, v16 v) { *(v16 *)p = v; }
SINKRT_INLINE v16 splat(float x) { return (v16)(x); }

/// exp(x) for x <= 88 (Cephes expf polynomial, ~2 ulp); 0 below -87.3,
/// including -inf.
SINKRT_INLINE v16 vexp(v16 x) {
  v16 c = __builtin_elementwise_max(x, splat(-87.3f));
  c = __builtin_elementwise_min(c, splat(88.3f));
  v16 n = __builtin_elementwise_floor(c * 1.44269504088896341f + 0.5f);
  v16 r = c - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  v16 p = splat(1.9875691500E-4f);
  p = __builtin_elementwise_fma(p, r, splat(1.3981999507E-3f));
  p = __builtin_elementwise_fma(p, r, splat(8.3334519073E-3f));
  p = __builtin_elementwise_fma(p, r, splat(4.1665795894E-2f));
  p = __builtin_elementwise_fma(p, r, splat(1.6666665459E-1f));
  p = __builtin_elementwise_fma(p, r, splat(5.0000001201E-1f));
  p = __builtin_elementwise_fma(p, r * r, r + 1.0f);
  vi16 bits = (__builtin_convertvector(n, vi16) + 127) << 23;
  v16 scaled = p * (v16)bits;
  vi16 keep = x >= splat(-87.3f);
  return (v16)((vi16)scaled & keep);
}

SINKRT_INLINE float hmax(v16 v) {
  float m = v[0];
  for (int i = 1; i < kW; ++i)
    m = v[i] > m ? v[i] : m;
  return m;
}

SINKRT_INLINE float hsum(v16 v) {
  float s = 0.0f;
  for (int i = 0; i < kW; ++i)
    s += v[i];
  return s;
}

struct Scratch {
  float *q;   // [kBQ][dp]
  float *kt;  // [dp][kBK]
  float *v;   // [kBK][dp]
  float *s;   // [kBQ][kBK]
  float *o;   // [kBQ][dp]
  float *m;   // [kBQ]
  float *l;   // [kBQ]
  float *lse; // [kBQ]
  void *memory;
};

struct Task {
  const AttentionProblem *problem;
  int64_t dp;      // head dimension rounded up to kW
  int64_t group;   // query heads per key/value head
  float *partials; // [B][H][P][S], or null
  bool avx512, avx2;
};

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/// One query block [q0, q0 + nq) of head (b, h).
SINKRT_INLINE void queryBlock(const AttentionProblem &pr, const Task &task,
                              Scratch &w, int64_t b, int64_t h, int64_t q0,
                              int64_t nq, float *partial) {
  const int64_t d = pr.query.sizes[3], dp = task.dp;
  const int64_t S = pr.key.sizes[2];
  const int64_t g = h / task.group;
  const bool causal = pr.flags & kAttentionCausal;
  const bool segments = pr.flags & kAttentionSegments;
  const bool sums = partial != nullptr;
  const int64_t nqr = roundUp(nq, kRows);
  const float scale = pr.scale;

  // Pack Q rows (zero-padded to dp columns and nqr rows).
  std::memset(w.q, 0, sizeof(float) * kBQ * dp);
  {
    const Tensor4 &t = pr.query;
    const float *base = t.data + b * t.strides[0] + h * t.strides[1];
    for (int64_t r = 0; r < nq; ++r) {
      const float *row = base + (q0 + r) * t.strides[2];
      for (int64_t i = 0; i < d; ++i)
        w.q[r * dp + i] = row[i * t.strides[3]];
    }
  }
  const int64_t *qs = nullptr, *ks = nullptr;
  int64_t qss = 0, kss = 0;
  if (segments) {
    const Segments &a = pr.querySegments, &c = pr.keySegments;
    qs = a.data + (a.sizes[0] == 1 ? 0 : b * a.strides[0]);
    ks = c.data + (c.sizes[0] == 1 ? 0 : b * c.strides[0]);
    qss = a.strides[1];
    kss = c.strides[1];
  }
  const int64_t keyEnd = causal ? std::min(S, q0 + nq) : S;
  const Tensor4 &K = pr.key, &V = pr.value;
  const float *kBase = K.data + b * K.strides[0] + g * K.strides[1];
  const float *vBase = V.data + b * V.strides[0] + g * V.strides[1];

  for (int64_t r = 0; r < kBQ; ++r) {
    w.m[r] = kNegInf;
    w.l[r] = 0.0f;
  }
  std::memset(w.o, 0, sizeof(float) * kBQ * dp);

  // Scores of tile [k0, k0 + nk) into w.s, masked entries -inf.
  auto scores = [&](int64_t k0, int64_t nk, bool packV) {
    std::memset(w.kt, 0, sizeof(float) * dp * kBK);
    for (int64_t j = 0; j < nk; ++j) {
      const float *row = kBase + (k0 + j) * K.strides[2];
      for (int64_t i = 0; i < d; ++i)
        w.kt[i * kBK + j] = row[i * K.strides[3]];
    }
    if (packV) {
      std::memset(w.v, 0, sizeof(float) * kBK * dp);
      for (int64_t j = 0; j < nk; ++j) {
        const float *row = vBase + (k0 + j) * V.strides[2];
        for (int64_t i = 0; i < d; ++i)
          w.v[j * dp + i] = row[i * V.strides[3]];
      }
    }
    for (int64_t r0 = 0; r0 < nqr; r0 += kRows) {
      v16 acc[kRows][kBK / kW];
      for (int64_t r = 0; r < kRows; ++r)
        for (int64_t c = 0; c < kBK / kW; ++c)
          acc[r][c] = splat(0.0f);
      for (int64_t i = 0; i < dp; ++i) {
        v16 kv[kBK / kW];
        for (int64_t c = 0; c < kBK / kW; ++c)
          kv[c] = load(w.kt + i * kBK + c * kW);
        for (int64_t r = 0; r < kRows; ++r) {
          v16 qv = splat(w.q[(r0 + r) * dp + i]);
          for (int64_t c = 0; c < kBK / kW; ++c)
            acc[r][c] = __builtin_elementwise_fma(qv, kv[c], acc[r][c]);
        }
      }
      for (int64_t r = 0; r < kRows; ++r)
        for (int64_t c = 0; c < kBK / kW; ++c)
          store(w.s + (r0 + r) * kBK + c * kW, acc[r][c] * scale);
    }
    // Masks: keys past S, the causal diagonal, packed-sequence ids.
    bool diagonal = causal && k0 + nk - 1 > q0;
    if (nk < kBK || diagonal || segments) {
      for (int64_t r = 0; r < nqr; ++r) {
        int64_t q = q0 + r;
        float *row = w.s + r * kBK;
        for (int64_t j = 0; j < kBK; ++j) {
          int64_t k = k0 + j;
          bool visible = j < nk && (!causal || k <= q) &&
                         (!segments || r >= nq || qs[q * qss] == ks[k * kss]);
          if (!visible)
            row[j] = kNegInf;
        }
      }
    }
  };

  // P (in w.s) times V into w.o.
  auto accumulate = [&]() {
    for (int64_t r0 = 0; r0 < nqr; r0 += kRows) {
      for (int64_t c0 = 0; c0 < dp; c0 += 2 * kW) {
        const bool two = c0 + kW < dp;
        v16 acc[kRows][2];
        for (int64_t r = 0; r < kRows; ++r) {
          acc[r][0] = load(w.o + (r0 + r) * dp + c0);
          acc[r][1] = two ? load(w.o + (r0 + r) * dp + c0 + kW) : splat(0.0f);
        }
        for (int64_t j = 0; j < kBK; ++j) {
          v16 v0 = load(w.v + j * dp + c0);
          v16 v1 = two ? load(w.v + j * dp + c0 + kW) : splat(0.0f);
          for (int64_t r = 0; r < kRows; ++r) {
            v16 p = splat(w.s[(r0 + r) * kBK + j]);
            acc[r][0] = __builtin_elementwise_fma(p, v0, acc[r][0]);
            acc[r][1] = __builtin_elementwise_fma(p, v1, acc[r][1]);
          }
        }
        for (int64_t r = 0; r < kRows; ++r) {
          store(w.o + (r0 + r) * dp + c0, acc[r][0]);
          if (two)
            store(w.o + (r0 + r) * dp + c0 + kW, acc[r][1]);
        }
      }
    }
  };

  if (!sums) {
    // One pass, online softmax.
    for (int64_t k0 = 0; k0 < keyEnd; k0 += kBK) {
      int64_t nk = std::min(kBK, keyEnd - k0);
      scores(k0, nk, /*packV=*/true);
      for (int64_t r = 0; r < nqr; ++r) {
        float *row = w.s + r * kBK;
        v16 mx = load(row);
        for (int64_t c = 1; c < kBK / kW; ++c)
          mx = __builtin_elementwise_max(mx, load(row + c * kW));
        float mNew = std::max(w.m[r], hmax(mx));
        if (mNew == kNegInf) {
          for (int64_t c = 0; c < kBK / kW; ++c)
            store(row + c * kW, splat(0.0f));
          continue;
        }
        float alpha = w.m[r] == kNegInf ? 0.0f : std::exp(w.m[r] - mNew);
        v16 sum = splat(0.0f);
        for (int64_t c = 0; c < kBK / kW; ++c) {
          v16 p = vexp(load(row + c * kW) - mNew);
          store(row + c * kW, p);
          sum += p;
        }
        w.l[r] = w.l[r] * alpha + hsum(sum);
        w.m[r] = mNew;
        if (alpha != 1.0f)
          for (int64_t c = 0; c < dp; c += kW)
            store(w.o + r * dp + c, load(w.o + r * dp + c) * alpha);
      }
      accumulate();
    }
    for (int64_t r = 0; r < nq; ++r) {
      float inv = w.l[r] > 0.0f ? 1.0f / w.l[r] : 0.0f;
      for (int64_t c = 0; c < dp; c += kW)
        store(w.o + r * dp + c, load(w.o + r * dp + c) * inv);
    }
  } else {
    // Pass 1: row max and sum.
    for (int64_t k0 = 0; k0 < keyEnd; k0 += kBK) {
      int64_t nk = std::min(kBK, keyEnd - k0);
      scores(k0, nk, /*packV=*/false);
      for (int64_t r = 0; r < nqr; ++r) {
        float *row = w.s + r * kBK;
        v16 mx = load(row);
        for (int64_t c = 1; c < kBK / kW; ++c)
          mx = __builtin_elementwise_max(mx, load(row + c * kW));
        float mNew = std::max(w.m[r], hmax(mx));
        if (mNew == kNegInf)
          continue;
        float alpha = w.m[r] == kNegInf ? 0.0f : std::exp(w.m[r] - mNew);
        v16 sum = splat(0.0f);
        for (int64_t c = 0; c < kBK / kW; ++c)
          sum += vexp(load(row + c * kW) - mNew);
        w.l[r] = w.l[r] * alpha + hsum(sum);
        w.m[r] = mNew;
      }
    }
    for (int64_t r = 0; r < kBQ; ++r)
      w.lse[r] = w.l[r] > 0.0f ? w.m[r] + std::log(w.l[r]) : kNegInf;
    // Pass 2: normalised probabilities, P * V, column sums.
    for (int64_t k0 = 0; k0 < keyEnd; k0 += kBK) {
      int64_t nk = std::min(kBK, keyEnd - k0);
      scores(k0, nk, /*packV=*/true);
      v16 colsum[kBK / kW];
      for (int64_t c = 0; c < kBK / kW; ++c)
        colsum[c] = splat(0.0f);
      for (int64_t r = 0; r < nqr; ++r) {
        float *row = w.s + r * kBK;
        if (r >= nq || w.lse[r] == kNegInf) {
          for (int64_t c = 0; c < kBK / kW; ++c)
            store(row + c * kW, splat(0.0f));
          continue;
        }
        float lse = w.lse[r];
        for (int64_t c = 0; c < kBK / kW; ++c) {
          v16 p = vexp(load(row + c * kW) - lse);
          store(row + c * kW, p);
          colsum[c] += p;
        }
      }
      accumulate();
      float *out = partial + k0;
      for (int64_t c = 0; c < kBK / kW; ++c)
        for (int64_t i = 0; i < kW && c * kW + i < nk; ++i)
          out[c * kW + i] += colsum[c][i];
    }
  }

  // Queries that see no key: uniform over all S keys (the materialised
  // softmax of an all -big row).
  for (int64_t r = 0; r < nq; ++r) {
    if (w.l[r] > 0.0f)
      continue;
    float inv = 1.0f / static_cast<float>(S);
    for (int64_t i = 0; i < dp; ++i)
      w.o[r * dp + i] = 0.0f;
    for (int64_t k = 0; k < S; ++k) {
      const float *row = vBase + k * V.strides[2];
      for (int64_t i = 0; i < d; ++i)
        w.o[r * dp + i] += row[i * V.strides[3]] * inv;
    }
    if (sums)
      for (int64_t k = 0; k <= std::min(q0 + r, S - 1); ++k)
        partial[k] += inv;
  }

  // Write the block.
  const Tensor4 &O = pr.output;
  float *oBase = O.data + b * O.strides[0] + h * O.strides[1];
  for (int64_t r = 0; r < nq; ++r) {
    float *row = oBase + (q0 + r) * O.strides[2];
    for (int64_t i = 0; i < d; ++i)
      row[i * O.strides[3]] = w.o[r * dp + i];
  }
}

SINKRT_INLINE void runTasks(const Task &task, int64_t begin, int64_t end) {
  const AttentionProblem &pr = *task.problem;
  const int64_t H = pr.query.sizes[1], T = pr.query.sizes[2];
  const int64_t S = pr.key.sizes[2];
  const int64_t dp = task.dp;
  size_t floats = kBQ * dp * 3 + dp * kBK + kBK * kBQ + 3 * kBQ;
  void *memory = std::aligned_alloc(64, roundUp(floats * sizeof(float), 64));
  if (!memory) {
    std::fprintf(stderr, "error: out of memory in the attention kernel\n");
    std::_Exit(1);
  }
  Scratch w;
  float *f = static_cast<float *>(memory);
  w.memory = memory;
  w.q = f;
  f += kBQ * dp;
  w.kt = f;
  f += dp * kBK;
  w.v = f;
  f += kBK * dp;
  w.s = f;
  f += kBQ * kBK;
  w.o = f;
  f += kBQ * dp;
  w.m = f;
  w.l = f + kBQ;
  w.lse = f + 2 * kBQ;
  const int64_t blocks = (T + kBQ - 1) / kBQ;
  for (int64_t t = begin; t < end; ++t) {
    int64_t p = t % kAttentionPartitions;
    int64_t bh = t / kAttentionPartitions;
    int64_t b = bh / H, h = bh % H;
    float *partial = task.partials ? task.partials + t * S : nullptr;
    for (int64_t qb = p; qb < blocks; qb += kAttentionPartitions)
      queryBlock(pr, task, w, b, h, qb * kBQ, std::min(kBQ, T - qb * kBQ),
                 partial);
  }
  std::free(memory);
}

__attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))) void
runTasksAvx512(void *data, int64_t begin, int64_t end) {
  runTasks(*static_cast<const Task *>(data), begin, end);
}

__attribute__((target("avx2,fma"))) void runTasksAvx2(void *data, int64_t begin,
                                                      int64_t end) {
  runTasks(*static_cast<const Task *>(data), begin, end);
}

void runTasksGeneric(void *data, int64_t begin, int64_t end) {
  runTasks(*static_cast<const Task *>(data), begin, end);
}

} // namespace

bool runAttention(const AttentionProblem &pr, void *ctx) {
  const int64_t B = pr.query.sizes[0], H = pr.query.sizes[1],
                T = pr.query.sizes[2], d = pr.query.sizes[3];
  const int64_t Hkv = pr.key.sizes[1], S = pr.key.sizes[2];
  for (int i = 0; i < 4; ++i)
    if (pr.key.sizes[i] != pr.value.sizes[i] ||
        pr.output.sizes[i] != pr.query.sizes[i])
      return false;
  if (pr.key.sizes[0] != B || pr.key.sizes[3] != d || Hkv <= 0 || H % Hkv)
    return false;
  if ((pr.flags & kAttentionCausal) && S != T)
    return false;
  if (pr.flags & kAttentionSegments) {
    const Segments &a = pr.querySegments, &c = pr.keySegments;
    if (a.sizes[1] != T || c.sizes[1] != S ||
        (a.sizes[0] != 1 && a.sizes[0] != B) ||
        (c.sizes[0] != 1 && c.sizes[0] != B))
      return false;
  }
  const bool sums = pr.flags & kAttentionColumnSums;
  if (B == 0 || H == 0 || T == 0)
    return true;
  Task task;
  task.problem = &pr;
  task.dp = roundUp(std::max<int64_t>(d, 1), kW);
  task.group = H / Hkv;
  const int64_t tasks = B * H * kAttentionPartitions;
  std::vector<float> partials;
  task.partials = nullptr;
  if (sums) {
    partials.assign(static_cast<size_t>(tasks * S), 0.0f);
    task.partials = partials.data();
  }
  void (*body)(void *, int64_t, int64_t) = runTasksGeneric;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq"))
    body = runTasksAvx512;
  else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    body = runTasksAvx2;
  sinkrt_parallel_for(ctx, tasks, body, &task);
  if (sums) {
    // Fixed-order reduction over the partitions.
    const Tensor4 &C = pr.columnSums;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h) {
        float *out = C.data + b * C.strides[0] + h * C.strides[1];
        const float *first =
            partials.data() + ((b * H + h) * kAttentionPartitions) * S;
        for (int64_t k = 0; k < S; ++k) {
          float total = 0.0f;
          for (int64_t p = 0; p < kAttentionPartitions; ++p)
            total += first[p * S + k];
          out[k * C.strides[2]] = total;
        }
      }
  }
  return true;
}

} // namespace sinkrt

namespace {

sinkrt::Tensor4 tensor4(int64_t rank, const void *descriptor) {
  sinkrt::Tensor4 t;
  sinkrt::MemRefView view = sinkrt::readMemRefDescriptor(descriptor, rank);
  t.data = static_cast<float *>(view.aligned) + view.offset;
  for (int64_t i = 0; i < rank && i < 4; ++i) {
    t.sizes[i] = view.sizes[i];
    t.strides[i] = view.strides[i];
  }
  return t;
}

sinkrt::Segments segments(int64_t rank, const void *descriptor) {
  sinkrt::Segments s;
  sinkrt::MemRefView view = sinkrt::readMemRefDescriptor(descriptor, rank);
  s.data = static_cast<const int64_t *>(view.aligned) + view.offset;
  for (int64_t i = 0; i < rank && i < 2; ++i) {
    s.sizes[i] = view.sizes[i];
    s.strides[i] = view.strides[i];
  }
  return s;
}

} // namespace

extern "C" void
sinkrt_attention(void *ctx, int64_t queryRank, const void *query,
                 int64_t keyRank, const void *key, int64_t valueRank,
                 const void *value, int64_t querySegmentsRank,
                 const void *querySegments, int64_t keySegmentsRank,
                 const void *keySegments, int64_t outputRank,
                 const void *output, int64_t columnSumsRank,
                 const void *columnSums, float scale, int64_t flags) {
  using namespace sinkrt;
  AttentionProblem problem;
  bool ok = queryRank == 4 && keyRank == 4 && valueRank == 4 && outputRank == 4;
  if (ok) {
    problem.query = tensor4(4, query);
    problem.key = tensor4(4, key);
    problem.value = tensor4(4, value);
    problem.output = tensor4(4, output);
    problem.scale = scale;
    problem.flags = flags;
    if (flags & kAttentionSegments) {
      ok = querySegmentsRank == 2 && keySegmentsRank == 2;
      problem.querySegments = segments(2, querySegments);
      problem.keySegments = segments(2, keySegments);
    }
    if (flags & kAttentionColumnSums) {
      ok = ok && columnSumsRank == 3;
      if (ok)
        problem.columnSums = tensor4(3, columnSums);
    }
  }
  if (!ok || !runAttention(problem, ctx)) {
    std::fprintf(stderr, "sinkc: shape check failed in sink.attention: "
                         "inconsistent operands\n");
    std::fflush(nullptr);
    std::_Exit(1);
  }
}
