//===- Tensor.h - Element types and host tensors ----------------*- C++ -*-===//
//
// The element types of the runtime ABI (docs/runtime-abi.md) and a dense,
// row-major host tensor in a 64-byte aligned buffer, which is what the
// runtime hands to the generated code and what it copies outputs into.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_TENSOR_H
#define SINKRT_TENSOR_H

#include "sinkrt/HalfFloat.h" // halfToFloat, floatToHalf for f16 tensors
#include "sinkrt/Status.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sinkrt {

enum class DType { F32, F64, F16, I64, I32, I8, U8, Bool };

/// Manifest spelling: f32 f64 f16 i64 i32 i8 u8 bool.
const char *dtypeName(DType dtype);
std::optional<DType> parseDTypeName(std::string_view name);
size_t dtypeSize(DType dtype);

/// ONNX TensorProto.DataType numbers (FLOAT = 1, UINT8 = 2, ...).
int onnxDataType(DType dtype);
std::optional<DType> dtypeFromOnnx(int64_t dataType);
/// "FLOAT", "INT64", ... for messages; also for types the ABI lacks.
std::string onnxDataTypeName(int64_t dataType);

/// Element count of `shape`, or an error when a dimension is negative or the
/// count times `elementSize` overflows size_t.
Expected<size_t> checkedElementCount(const std::vector<int64_t> &shape,
                                     size_t elementSize);

std::string shapeToString(const std::vector<int64_t> &shape);

/// Owns a 64-byte aligned, zero-initialised byte buffer.
class AlignedBuffer {
public:
  AlignedBuffer() = default;
  static Expected<AlignedBuffer> allocate(size_t size);
  /// Takes over `allocation` (from malloc, aligned_alloc or
  /// posix_memalign; freed with the buffer), whose `size` bytes start at
  /// `data`, 64-byte aligned: the model's own output buffers become tensors
  /// without a copy. The generated code over-allocates by the alignment and
  /// rounds up, so `data` may lie past `allocation`.
  static AlignedBuffer adopt(unsigned char *allocation, unsigned char *data,
                             size_t size);

  unsigned char *data() { return start; }
  const unsigned char *data() const { return start; }
  size_t size() const { return byteCount; }

private:
  struct FreeDeleter {
    void operator()(unsigned char *p) const;
  };
  std::unique_ptr<unsigned char, FreeDeleter> allocation;
  unsigned char *start = nullptr;
  size_t byteCount = 0;
};

/// A dense row-major tensor.
struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  AlignedBuffer buffer;

  static Expected<HostTensor> create(DType dtype, std::vector<int64_t> shape);

  size_t elementCount() const { return buffer.size() / dtypeSize(dtype); }
  size_t byteSize() const { return buffer.size(); }
  unsigned char *data() { return buffer.data(); }
  const unsigned char *data() const { return buffer.data(); }
  template <typename T> T *as() { return reinterpret_cast<T *>(data()); }
  template <typename T> const T *as() const {
    return reinterpret_cast<const T *>(data());
  }
};

} // namespace sinkrt

#endif // SINKRT_TENSOR_H
