//===- Limits.h - Sizes sinkc compiles and the runtime accepts --*- C++ -*-===//
//
// Shared by the compiler (importer, tfm verifiers, the lowering's run-time
// checks) and the runtime (manifest parser), so that a size one side accepts
// the other does too.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_LIMITS_H
#define SINKRT_LIMITS_H

#include <cstdint>

namespace sinkrt {

/// Most elements of any tensor, 2^40 (4 TiB of f32): far above any model,
/// low enough that a byte count and a product of two dimensions' worth of
/// strides stay inside int64_t.
constexpr int64_t kMaxTensorElements = int64_t(1) << 40;

} // namespace sinkrt

#endif // SINKRT_LIMITS_H
