//===- MemRef.h - Strided memref descriptors --------------------*- C++ -*-===//
//
// MLIR's strided memref descriptor as the runtime ABI passes it:
// {allocated, aligned, offset, sizes[r], strides[r]}, 3 + 2r 64-bit words on
// a 64-bit target; on a 32-bit one the two pointers share the first word.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_MEMREF_H
#define SINKRT_MEMREF_H

#include "sinkrt/Status.h"
#include "sinkrt/Tensor.h"

#include <cstdint>
#include <vector>

namespace sinkrt {

struct MemRefView {
  void *allocated = nullptr;
  void *aligned = nullptr;
  int64_t offset = 0;
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
};

/// Reads a descriptor of the given rank.
MemRefView readMemRefDescriptor(const void *descriptor, int64_t rank);

/// Descriptor words for a dense row-major tensor (an input); 3 + 2r words,
/// the last one unused on a 32-bit target.
std::vector<int64_t> makeMemRefDescriptor(HostTensor &tensor);

/// Copies a (possibly non-contiguous) memref into a new dense tensor.
/// Rejects negative sizes, element counts that overflow, and a null data
/// pointer for a non-empty memref.
Expected<HostTensor> copyMemRefToTensor(const MemRefView &view, DType dtype);

} // namespace sinkrt

#endif // SINKRT_MEMREF_H
