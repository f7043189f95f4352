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

} // namespace sinkrt
