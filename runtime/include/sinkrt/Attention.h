//===- Attention.h - The tiled attention kernel -----------------*- C++ -*-===//
//
// The runtime side of sink.attention (docs/runtime-abi.md,
// sinkrt_attention): scaled dot-product attention tiled over query blocks
// and key tiles with an online softmax, in O(T * d) memory, parallel over
// (batch, head, query partition) on the runtime's pool. With column sums
// (instrumented layers) it keeps each tile's probabilities and sums them
// per key with the block's final normalisation.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_ATTENTION_H
#define SINKRT_ATTENTION_H

#include <cassert>
#include <cstdint>
#include <initializer_list>

namespace sinkrt {

/// A 4-D f32 tensor: element (b, h, t, i) is at data[b*s[0] + h*s[1] +
/// t*s[2] + i*s[3]].
struct Tensor4 {
  float *data = nullptr;
  int64_t sizes[4] = {0, 0, 0, 0};
  int64_t strides[4] = {0, 0, 0, 0};
};

/// A dense row-major view of `data` with `sizes` in its first dimensions
/// (up to 4): a [B, H, T, d] operand, or [B, H, S] column sums.
inline Tensor4 denseTensor(float *data, std::initializer_list<int64_t> sizes) {
  Tensor4 x;
  x.data = data;
  assert(sizes.size() <= 4 && "a Tensor4 has four dimensions");
  int64_t stride = 1;
  for (int i = static_cast<int>(sizes.size()) - 1; i >= 0; --i) {
    x.sizes[i] = sizes.begin()[i];
    x.strides[i] = stride;
    stride *= x.sizes[i];
  }
  return x;
}

/// A 2-D i64 tensor [B' (1 or B), N].
struct Segments {
  const int64_t *data = nullptr;
  int64_t sizes[2] = {0, 0};
  int64_t strides[2] = {0, 0};
};

enum AttentionFlags : int64_t {
  kAttentionCausal = 1,
  kAttentionSegments = 2,
  kAttentionColumnSums = 4,
  kAttentionKeyMask = 8,
};

struct AttentionProblem {
  Tensor4 query;  // [B, H, T, d]
  Tensor4 key;    // [B, Hkv, S, d]
  Tensor4 value;  // [B, Hkv, S, d]
  Tensor4 output; // [B, H, T, d]
  Segments querySegments, keySegments;
  /// [B', S]: key k is visible only where the mask is non-zero (padding).
  Segments keyMask;
  /// [B, H, S] (sizes[3] and strides[3] unused), or data == null.
  Tensor4 columnSums;
  float scale = 1.0f;
  /// > 0: key k is visible from query q only when q - k < window.
  int64_t window = 0;
  int64_t flags = 0;
};

/// Query partitions per (batch, head): the column-sum partials are reduced
/// over this many partitions in index order, whatever the thread count.
inline constexpr int64_t kAttentionPartitions = 8;

/// The copies of the kernel, one per instruction set.
enum class AttentionIsa { Best, Avx512, Avx2, Baseline };

/// Whether this CPU runs `isa`'s copy (Best and Baseline: always).
bool attentionIsaSupported(AttentionIsa isa);

/// Computes `problem` on the pool of the run context `ctx` (serially when
/// ctx is null) with the copy for `isa` (Best: the widest this CPU has; the
/// others let tests check every copy the CPU can run). Returns false (and
/// writes nothing) for inconsistent shapes or an ISA this CPU lacks.
bool runAttention(const AttentionProblem &problem, void *ctx,
                  AttentionIsa isa = AttentionIsa::Best);

} // namespace sinkrt

#endif // SINKRT_ATTENTION_H
