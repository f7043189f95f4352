//===- RowCosines.h - Cosines of rows with the first row --------*- C++ -*-===//
//
// The runtime side of sink.mlp_state_cos_bos (docs/runtime-abi.md,
// sinkrt_cosines_with_first): for every row of a [B, T, F] state, the cosine
// with the batch's row 0 (BOS), in one read of the state. Lowered to linalg,
// the dot products and the sums of squares were two reductions, two reads of
// a state as wide as the MLP, and one multi-result reduction does not
// vectorise after bufferization.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_ROWCOSINES_H
#define SINKRT_ROWCOSINES_H

#include <cstdint>

namespace sinkrt {

/// An f32 tensor of rank 2 or 3: element (i0, i1[, i2]) is at data[i0*s[0] +
/// i1*s[1] (+ i2*s[2])].
template <int Rank> struct StridedF32 {
  float *data = nullptr;
  int64_t sizes[Rank] = {};
  int64_t strides[Rank] = {};
};

/// out[b, t] = dot(x[b, t], x[b, 0]) / (||x[b, t]|| * ||x[b, 0]||) for x
/// [B, T, F] and out [B, T] (any strides; NaN where a norm is 0, as the
/// formula gives), rows in parallel on the pool of the run context `ctx`
/// (serially when null). Every row's sums run in one order whatever the
/// thread count. Returns false (and writes nothing) for inconsistent shapes.
bool cosinesWithFirst(const StridedF32<3> &x, const StridedF32<2> &out,
                      void *ctx);

} // namespace sinkrt

#endif // SINKRT_ROWCOSINES_H
