//===- Attention.cpp - The tiled attention kernel -------------------------===//
//
// Flash-attention style: a task is one (batch, head, partition); partition
// p owns the query blocks p, p + P, p + 2P, ... (P = kAttentionPartitions),
// which balances the causal triangle across tasks. Per query block of kBQ
// rows the kernel walks the key tiles of kBK keys up to the diagonal
// (causal) or to S, packing Q (transposed), K and V into zero-padded
// scratch so that the head dimension is a multiple of the vector width and
// any input strides work. Scores are computed transposed, [key][query] with
// the queries in vector lanes: the online softmax's maxima, sums and
// rescaling factors per query are then vertical vector operations (with
// queries in rows they were a horizontal reduction and a scalar exp per row
// and tile, as much work as the two products at head dimension 32).
//
// Output: one pass with the online softmax (running max m, sum l, output
// rescaled by exp(m_old - m_new)). With column sums, the pass also keeps each
// tile's unnormalised probabilities p = exp(s - m_tile) and the row maxima
// m_tile it used (kBQ * S floats per thread: O(T)); once the query block's
// final m and l are known, the normalised probabilities are
// P = p * exp(m_tile - m) / l, and their column sums are one weighted sum of
// the stored rows per tile, accumulated into the task's own partial. The
// partials are reduced over the partitions in index order afterwards, so
// the result does not depend on the thread count. The output is computed by
// the same code with and without column sums, so an instrumented model's
// logits are bit-identical with the plain model's. Cost of the column sums:
// one multiply-add per visible score and the stores, instead of recomputing
// Q K^T and the exponentials in a second pass.
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

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sinkrt {
namespace {

typedef float v16 __attribute__((ext_vector_type(16)));
typedef int32_t vi16 __attribute__((ext_vector_type(16)));

constexpr int64_t kW = 16;   // vector width in floats
constexpr int64_t kBQ = 64;  // query rows per block
constexpr int64_t kBK = 64;  // keys per tile
constexpr int64_t kRows = 8; // query rows per register block of P * V
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

#define SINKRT_INLINE inline __attribute__((always_inline))

struct Scratch {
  float *qt;    // [dp][kBQ]: the block's queries, transposed
  float *kt;    // [kBK][dp]: the current tile's keys (in kAll)
  float *v;     // [kBK][dp]: the current tile's values (in vAll)
  float *s;     // [kBK][kBQ]: scores, then probabilities, transposed
  float *o;     // [kBQ][dp]
  float *m;     // [kBQ]
  float *l;     // [kBQ]
  float *alpha; // [kBQ]: exp(m_old - m_new) of the current tile
  float *invL;  // [kBQ]: 1 / l of the rows that saw a key, else 0
  void *memory;
  /// With column sums: every tile's probabilities [S / kBK][kBK][kBQ] and
  /// row maxima [S / kBK][kBQ] of the current query block; else null.
  float *tiles;
  float *tileMax;
  /// Keys and values [0, packedEnd) of key/value head (packedB, packedG),
  /// packed: kAll and vAll [S rounded up to kBK][dp].
  float *kAll;
  float *vAll;
  int64_t packedB, packedG, packedEnd;
};

struct Task {
  const AttentionProblem *problem;
  int64_t dp;      // head dimension rounded up to kW
  int64_t group;   // query heads per key/value head
  float *partials; // [B][H][P][S], or null
};

int64_t roundUp(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

void *allocateOrDie(size_t bytes) {
  void *memory = std::aligned_alloc(64, roundUp(bytes, 64));
  if (!memory) {
    std::fprintf(stderr, "error: out of memory in the attention kernel\n");
    std::fflush(nullptr);
    std::_Exit(1);
  }
  return memory;
}

/// A per-thread buffer kept across calls (it only grows): the kernel runs
/// once per layer, and allocating and freeing its O(T) scratch every time
/// fragments the heap between the generated code's buffers (the runtime
/// never returns heap memory to the system, runtime/src/Main.cpp).
struct ScratchCache {
  void *memory = nullptr;
  size_t bytes = 0;
  ~ScratchCache() { std::free(memory); }
  float *get(size_t size) {
    if (size > bytes) {
      std::free(memory);
      memory = allocateOrDie(size);
      bytes = size;
    }
    return static_cast<float *>(memory);
  }
};

enum CacheSlot { kScratchSlot, kPackSlot, kTileSlot, kPartialSlot, kSlots };
thread_local ScratchCache scratchCache[kSlots];

/// Per-thread scratch for S keys; `sums` adds the tile store of the column
/// sums.
Scratch allocateScratch(int64_t dp, int64_t keys, bool sums) {
  size_t floats = kBQ * dp * 2 + kBK * kBQ + 4 * kBQ;
  void *memory = scratchCache[kScratchSlot].get(floats * sizeof(float));
  Scratch w;
  int64_t tiles = roundUp(std::max<int64_t>(keys, 1), kBK) / kBK;
  w.kAll = scratchCache[kPackSlot].get(sizeof(float) * 2 * tiles * kBK * dp);
  w.vAll = w.kAll + tiles * kBK * dp;
  w.packedB = w.packedG = -1;
  w.packedEnd = 0;
  w.tiles = w.tileMax = nullptr;
  if (sums) {
    w.tiles = scratchCache[kTileSlot].get(sizeof(float) *
                                          (tiles * kBQ * kBK + tiles * kBQ));
    w.tileMax = w.tiles + tiles * kBQ * kBK;
  }
  float *f = static_cast<float *>(memory);
  w.memory = memory;
  w.qt = f;
  f += kBQ * dp;
  w.kt = w.kAll;
  w.v = w.vAll;
  w.s = f;
  f += kBQ * kBK;
  w.o = f;
  f += kBQ * dp;
  w.m = f;
  w.l = f + kBQ;
  w.alpha = f + 2 * kBQ;
  w.invL = f + 3 * kBQ;
  return w;
}

// One copy of the kernel per instruction set.
#if defined(__x86_64__) && defined(__clang__)
#define SINKRT_ATTENTION_X86 1
#pragma clang attribute push(                                                  \
    __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))),             \
    apply_to = function)
namespace avx512 {
// Keys per register block of the scores: 4 keys x 4 query vectors are 16
// zmm accumulators of 32. With 16 ymm (AVX2) or 16 xmm registers, where a
// 16-lane vector takes two or four, one key per block: with four, the
// accumulators spilled (trained-Llama layer on the AVX2 copy, Zen 4:
// 0.744 -> 0.63 ms; Qwen2.5-0.5B layer at T = 4096 with column sums
// 582 -> 492 ms; the baseline copy 2.15 -> 2.02 ms).
constexpr int64_t kKeys = 4;
#define SINKRT_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#define SINKRT_SCALEF 1
#include "AttentionKernel.inc"
#undef SINKRT_SCALEF
#undef SINKRT_FMA
} // namespace avx512
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx2,fma"))),              \
                             apply_to = function)
namespace avx2 {
constexpr int64_t kKeys = 1;
#define SINKRT_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#include "AttentionKernel.inc"
#undef SINKRT_FMA
} // namespace avx2
#pragma clang attribute pop
#endif

namespace generic {
constexpr int64_t kKeys = 1;
#define SINKRT_FMA(a, b, c) ((a) * (b) + (c))
#include "AttentionKernel.inc"
#undef SINKRT_FMA
} // namespace generic

} // namespace

bool attentionIsaSupported(AttentionIsa isa) {
  switch (isa) {
  case AttentionIsa::Best:
  case AttentionIsa::Baseline:
    return true;
  case AttentionIsa::Avx512:
#ifdef SINKRT_ATTENTION_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq");
#else
    return false;
#endif
  case AttentionIsa::Avx2:
#ifdef SINKRT_ATTENTION_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
  }
  return false;
}

bool runAttention(const AttentionProblem &pr, void *ctx, AttentionIsa isa) {
  if (isa == AttentionIsa::Best)
    isa = attentionIsaSupported(AttentionIsa::Avx512) ? AttentionIsa::Avx512
          : attentionIsaSupported(AttentionIsa::Avx2) ? AttentionIsa::Avx2
                                                      : AttentionIsa::Baseline;
  if (!attentionIsaSupported(isa))
    return false;
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
  if (pr.flags & kAttentionKeyMask) {
    const Segments &m = pr.keyMask;
    if (m.sizes[1] != S || (m.sizes[0] != 1 && m.sizes[0] != B))
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
  float *partials = nullptr;
  task.partials = nullptr;
  if (sums) {
    size_t count = static_cast<size_t>(tasks * S);
    partials = scratchCache[kPartialSlot].get(count * sizeof(float));
    std::fill(partials, partials + count, 0.0f);
    task.partials = partials;
  }
  void (*body)(void *, int64_t, int64_t) = generic::runTasks;
#ifdef SINKRT_ATTENTION_X86
  if (isa == AttentionIsa::Avx512)
    body = avx512::runTasks;
  else if (isa == AttentionIsa::Avx2)
    body = avx2::runTasks;
#endif
  sinkrt_parallel_for(ctx, tasks, body, &task);
  if (sums) {
    // Fixed-order reduction over the partitions.
    const Tensor4 &C = pr.columnSums;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h) {
        float *out = C.data + b * C.strides[0] + h * C.strides[1];
        const float *first =
            partials + ((b * H + h) * kAttentionPartitions) * S;
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
                 const void *keySegments, int64_t keyMaskRank,
                 const void *keyMask, int64_t outputRank, const void *output,
                 int64_t columnSumsRank, const void *columnSums, float scale,
                 int64_t window, int64_t flags) {
  using namespace sinkrt;
  AttentionProblem problem;
  bool ok = queryRank == 4 && keyRank == 4 && valueRank == 4 && outputRank == 4;
  if (ok) {
    problem.query = tensor4(4, query);
    problem.key = tensor4(4, key);
    problem.value = tensor4(4, value);
    problem.output = tensor4(4, output);
    problem.scale = scale;
    problem.window = window;
    problem.flags = flags;
    if (flags & kAttentionSegments) {
      ok = querySegmentsRank == 2 && keySegmentsRank == 2;
      if (ok) {
        problem.querySegments = segments(2, querySegments);
        problem.keySegments = segments(2, keySegments);
      }
    }
    if (flags & kAttentionKeyMask) {
      ok = ok && keyMaskRank == 2;
      if (ok)
        problem.keyMask = segments(2, keyMask);
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
