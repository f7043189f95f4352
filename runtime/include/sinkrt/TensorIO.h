//===- TensorIO.h - .npy and ONNX TensorProto files -------------*- C++ -*-===//
//
// Tensors enter and leave compiled models as NumPy .npy files (little
// endian, C order) and as serialized ONNX TensorProto messages. The
// TensorProto codec is a small protobuf wire-format reader and writer of its
// own, so the runtime does not depend on libprotobuf.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_TENSORIO_H
#define SINKRT_TENSORIO_H

#include "sinkrt/Status.h"
#include "sinkrt/Tensor.h"

#include <string>
#include <vector>

namespace sinkrt {

/// Reads a whole file; errors name the path.
Expected<std::vector<unsigned char>> readFile(const std::string &path);

/// Parses an .npy file (format versions 1, 2 and 3).
Expected<HostTensor> parseNpy(const unsigned char *data, size_t size);
/// The header of an .npy file (version 1.0) holding `tensor`; the file is the
/// header followed by the tensor's bytes.
std::string npyHeader(DType dtype, const std::vector<int64_t> &shape);
/// The NumPy type string of a dtype ("<f4", "|b1", ...).
const char *npyDescr(DType dtype);
Status writeNpyFile(const std::string &path, const HostTensor &tensor);

/// A parsed TensorProto. Only the fields the runtime needs are kept.
struct NamedTensor {
  std::string name;
  HostTensor tensor;
};

/// Parses a serialized onnx.TensorProto. Supports dims (packed or not),
/// data_type, name, raw_data and the typed fields float_data, int32_data
/// (which also holds bool, int8, uint8 and float16 values), int64_data,
/// double_data and uint64_data; skips other fields; rejects external data.
Expected<NamedTensor> parseTensorProto(const unsigned char *data, size_t size);
/// Everything of the serialized TensorProto up to its raw_data payload,
/// which follows as the tensor's bytes.
std::string tensorProtoPrefix(const HostTensor &tensor,
                              const std::string &name);
Status writeTensorProtoFile(const std::string &path, const HostTensor &tensor,
                            const std::string &name);

/// Reads a tensor file: .npy by extension, TensorProto otherwise. The
/// returned name is the TensorProto's (empty for .npy).
Expected<NamedTensor> readTensorFile(const std::string &path);

} // namespace sinkrt

#endif // SINKRT_TENSORIO_H
