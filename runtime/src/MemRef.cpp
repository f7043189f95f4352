//===- MemRef.cpp - Strided memref descriptors ----------------------------===//

#include "sinkrt/MemRef.h"

#include <cstring>

namespace sinkrt {

// The descriptor is the LLVM struct {ptr, ptr, i64, [r x i64], [r x i64]}
// (index is 64-bit on every target): on a 64-bit target five 8-byte fields,
// on a 32-bit one (ARMv7) the two pointers share the first 8 bytes and the
// i64 fields keep their 8-byte alignment. Either way the 64-bit words start
// at byte 2 * sizeof(void *).
static_assert(sizeof(void *) == 8 || sizeof(void *) == 4,
              "memref descriptors need 32- or 64-bit pointers");
static constexpr int64_t kFirstWord = 2 * sizeof(void *) / 8;

MemRefView readMemRefDescriptor(const void *descriptor, int64_t rank) {
  const auto *bytes = static_cast<const unsigned char *>(descriptor);
  auto word = [&](int64_t index) {
    int64_t value;
    std::memcpy(&value, bytes + (kFirstWord + index) * 8, sizeof(value));
    return value;
  };
  MemRefView view;
  std::memcpy(&view.allocated, bytes, sizeof(void *));
  std::memcpy(&view.aligned, bytes + sizeof(void *), sizeof(void *));
  view.offset = word(0);
  for (int64_t i = 0; i < rank; ++i)
    view.sizes.push_back(word(1 + i));
  for (int64_t i = 0; i < rank; ++i)
    view.strides.push_back(word(1 + rank + i));
  return view;
}

std::vector<int64_t> makeMemRefDescriptor(HostTensor &tensor) {
  size_t rank = tensor.shape.size();
  std::vector<int64_t> words(3 + 2 * rank, 0);
  auto *bytes = reinterpret_cast<unsigned char *>(words.data());
  void *pointer = tensor.data();
  std::memcpy(bytes, &pointer, sizeof(void *));
  std::memcpy(bytes + sizeof(void *), &pointer, sizeof(void *));
  int64_t *integers = words.data() + kFirstWord;
  integers[0] = 0;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    integers[1 + i] = tensor.shape[i];
    integers[1 + rank + i] = stride;
    stride *= tensor.shape[i];
  }
  return words;
}

Expected<HostTensor> copyMemRefToTensor(const MemRefView &view, DType dtype) {
  Expected<HostTensor> tensor = HostTensor::create(dtype, view.sizes);
  if (!tensor)
    return failure("the model returned a memref with sizes %s",
                   shapeToString(view.sizes).c_str());
  size_t count = tensor->elementCount();
  if (count == 0)
    return tensor;
  if (!view.aligned)
    return failure("the model returned a null data pointer for a memref "
                   "with sizes %s",
                   shapeToString(view.sizes).c_str());
  size_t elementSize = dtypeSize(dtype);
  size_t rank = view.sizes.size();
  const auto *base = static_cast<const unsigned char *>(view.aligned);
  unsigned char *out = tensor->data();
  // Walk the elements in row-major order with an odometer over all but the
  // innermost dimension, which is copied in one go when it is contiguous.
  size_t innerCount = rank ? static_cast<size_t>(view.sizes[rank - 1]) : 1;
  int64_t innerStride = rank ? view.strides[rank - 1] : 1;
  std::vector<int64_t> index(rank ? rank - 1 : 0, 0);
  size_t rows = count / innerCount;
  for (size_t row = 0; row < rows; ++row) {
    int64_t elementOffset = view.offset;
    for (size_t d = 0; d + 1 < rank; ++d)
      elementOffset += index[d] * view.strides[d];
    const unsigned char *source =
        base + elementOffset * static_cast<int64_t>(elementSize);
    if (innerStride == 1) {
      std::memcpy(out, source, innerCount * elementSize);
    } else {
      for (size_t i = 0; i < innerCount; ++i)
        std::memcpy(out + i * elementSize,
                    source + static_cast<int64_t>(i) * innerStride *
                                 static_cast<int64_t>(elementSize),
                    elementSize);
    }
    out += innerCount * elementSize;
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < view.sizes[d])
        break;
      index[d] = 0;
    }
  }
  return tensor;
}

} // namespace sinkrt
