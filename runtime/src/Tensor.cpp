//===- Tensor.cpp - Element types and host tensors ------------------------===//

#include "sinkrt/Tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace sinkrt {

namespace {
struct DTypeInfo {
  DType dtype;
  const char *name;
  size_t size;
  int onnxType;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::F32, "f32", 4, 1},  {DType::F64, "f64", 8, 11},
    {DType::F16, "f16", 2, 10}, {DType::I64, "i64", 8, 7},
    {DType::I32, "i32", 4, 6},  {DType::I8, "i8", 1, 3},
    {DType::U8, "u8", 1, 2},    {DType::Bool, "bool", 1, 9},
};

const DTypeInfo &infoFor(DType dtype) {
  for (const DTypeInfo &info : kDTypes)
    if (info.dtype == dtype)
      return info;
  return kDTypes[0];
}
} // namespace

const char *dtypeName(DType dtype) { return infoFor(dtype).name; }
size_t dtypeSize(DType dtype) { return infoFor(dtype).size; }
int onnxDataType(DType dtype) { return infoFor(dtype).onnxType; }

std::optional<DType> parseDTypeName(std::string_view name) {
  for (const DTypeInfo &info : kDTypes)
    if (name == info.name)
      return info.dtype;
  return std::nullopt;
}

std::optional<DType> dtypeFromOnnx(int64_t dataType) {
  for (const DTypeInfo &info : kDTypes)
    if (dataType == info.onnxType)
      return info.dtype;
  return std::nullopt;
}

std::string onnxDataTypeName(int64_t dataType) {
  static const char *const names[] = {
      "UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16",  "INT16",
      "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
      "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
  if (dataType >= 0 &&
      dataType < static_cast<int64_t>(sizeof(names) / sizeof(names[0])))
    return names[dataType];
  return formatString("data type %lld", static_cast<long long>(dataType));
}

Expected<size_t> checkedElementCount(const std::vector<int64_t> &shape,
                                     size_t elementSize) {
  size_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return badInput("negative dimension %lld in shape %s",
                      static_cast<long long>(dim),
                      shapeToString(shape).c_str());
    if (dim != 0 &&
        count > std::numeric_limits<size_t>::max() / static_cast<size_t>(dim))
      return badInput("shape %s has too many elements",
                      shapeToString(shape).c_str());
    count *= static_cast<size_t>(dim);
  }
  if (elementSize != 0 &&
      count > std::numeric_limits<size_t>::max() / elementSize)
    return badInput("shape %s is too large", shapeToString(shape).c_str());
  return count;
}

std::string shapeToString(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

void AlignedBuffer::FreeDeleter::operator()(unsigned char *p) const {
  std::free(p);
}

AlignedBuffer AlignedBuffer::adopt(unsigned char *allocation,
                                   unsigned char *data, size_t size) {
  AlignedBuffer buffer;
  buffer.allocation.reset(allocation);
  buffer.start = data;
  buffer.byteCount = size;
  return buffer;
}

Expected<AlignedBuffer> AlignedBuffer::allocate(size_t size) {
  constexpr size_t alignment = 64;
  // aligned_alloc wants a multiple of the alignment; a zero-sized tensor
  // still gets a valid, unique pointer.
  size_t rounded = size == 0 ? alignment : size;
  if (rounded > std::numeric_limits<size_t>::max() - alignment)
    return failure("cannot allocate %zu bytes", size);
  rounded = (rounded + alignment - 1) / alignment * alignment;
  void *memory = std::aligned_alloc(alignment, rounded);
  if (!memory)
    return failure("out of memory allocating %zu bytes", size);
  std::memset(memory, 0, rounded);
  AlignedBuffer buffer;
  buffer.allocation.reset(static_cast<unsigned char *>(memory));
  buffer.start = buffer.allocation.get();
  buffer.byteCount = size;
  return buffer;
}

Expected<HostTensor> HostTensor::create(DType dtype,
                                        std::vector<int64_t> shape) {
  Expected<size_t> count = checkedElementCount(shape, dtypeSize(dtype));
  if (!count)
    return count.takeError();
  Expected<AlignedBuffer> buffer =
      AlignedBuffer::allocate(*count * dtypeSize(dtype));
  if (!buffer)
    return buffer.takeError();
  HostTensor tensor;
  tensor.dtype = dtype;
  tensor.shape = std::move(shape);
  tensor.buffer = std::move(*buffer);
  return tensor;
}

float halfToFloat(uint16_t half) {
  uint32_t sign = static_cast<uint32_t>(half & 0x8000) << 16;
  uint32_t exponent = (half >> 10) & 0x1f;
  uint32_t mantissa = half & 0x3ff;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise into a float.
    int shift = 0;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      ++shift;
    }
    mantissa &= 0x3ff;
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | (mantissa << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

uint16_t floatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t exponent = (bits >> 23) & 0xff;
  uint32_t mantissa = bits & 0x7fffff;
  if (exponent == 0xff)
    return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  int32_t halfExponent = static_cast<int32_t>(exponent) - 127 + 15;
  if (halfExponent >= 0x1f)
    return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10)
      return sign;
    mantissa |= 0x800000;
    uint32_t shift = static_cast<uint32_t>(14 - halfExponent);
    uint32_t halfMantissa = mantissa >> shift;
    uint32_t remainder = mantissa & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (halfMantissa & 1)))
      ++halfMantissa;
    return sign | static_cast<uint16_t>(halfMantissa);
  }
  uint32_t halfBits =
      (static_cast<uint32_t>(halfExponent) << 10) | (mantissa >> 13);
  uint32_t remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder == 0x1000 && (halfBits & 1)))
    ++halfBits; // May carry into the exponent, which rounds up correctly.
  return sign | static_cast<uint16_t>(halfBits);
}

} // namespace sinkrt
