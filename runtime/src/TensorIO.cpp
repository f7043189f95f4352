//===- TensorIO.cpp - .npy and ONNX TensorProto files ---------------------===//

#include "sinkrt/TensorIO.h"

#include "sinkrt/AtomicFile.h"
#include "sinkrt/Text.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

namespace sinkrt {

Expected<std::vector<unsigned char>> readFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return badInput("cannot read '%s': %s", path.c_str(), std::strerror(errno));
  struct stat status;
  if (::fstat(fd, &status) != 0 || S_ISDIR(status.st_mode)) {
    int errorNumber = S_ISDIR(status.st_mode) ? EISDIR : errno;
    ::close(fd);
    return badInput("cannot read '%s': %s", path.c_str(),
                    std::strerror(errorNumber));
  }
  std::vector<unsigned char> content;
  if (status.st_size > 0)
    content.reserve(static_cast<size_t>(status.st_size));
  unsigned char buffer[1 << 16];
  while (true) {
    ssize_t count = ::read(fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR)
      continue;
    if (count < 0) {
      int errorNumber = errno;
      ::close(fd);
      return badInput("cannot read '%s': %s", path.c_str(),
                      std::strerror(errorNumber));
    }
    if (count == 0)
      break;
    content.insert(content.end(), buffer, buffer + count);
  }
  ::close(fd);
  return content;
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

namespace {
constexpr std::pair<DType, const char *> kNpyDescrs[] = {
    {DType::F32, "<f4"}, {DType::F64, "<f8"},  {DType::F16, "<f2"},
    {DType::I64, "<i8"}, {DType::I32, "<i4"},  {DType::I8, "|i1"},
    {DType::U8, "|u1"},  {DType::Bool, "|b1"},
};

/// The header of an .npy file is a Python dict literal such as
/// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
class NpyHeaderParser : TextScanner {
public:
  using TextScanner::TextScanner;

  Status parse() {
    skipSpace();
    if (!consume('{'))
      return error("expected '{'");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return error("expected a quoted key");
      skipSpace();
      if (!consume(':'))
        return error("expected ':'");
      skipSpace();
      if (key == "descr") {
        if (!parseString(descr))
          return error("'descr' must be a string");
        sawDescr = true;
      } else if (key == "fortran_order") {
        if (text.substr(position, 4) == "True") {
          fortranOrder = true;
          position += 4;
        } else if (text.substr(position, 5) == "False") {
          position += 5;
        } else {
          return error("'fortran_order' must be True or False");
        }
        sawFortranOrder = true;
      } else if (key == "shape") {
        if (Status status = parseShape(); !status)
          return status;
        sawShape = true;
      } else {
        return error("unexpected key '" + key + "'");
      }
      skipSpace();
      if (consume('}'))
        break;
      if (!consume(','))
        return error("expected ',' or '}'");
    }
    if (!sawDescr || !sawFortranOrder || !sawShape)
      return error("the header needs 'descr', 'fortran_order' and 'shape'");
    return Status::ok();
  }

  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;

private:
  Error error(const std::string &what) {
    return badInput("malformed .npy header: %s", what.c_str());
  }
  void skipSpace() { skip(" \t\n"); }
  bool parseString(std::string &out) {
    if (position >= text.size() ||
        (text[position] != '\'' && text[position] != '"'))
      return false;
    char quote = text[position++];
    size_t end = text.find(quote, position);
    if (end == std::string_view::npos)
      return false;
    out = std::string(text.substr(position, end - position));
    position = end + 1;
    return true;
  }
  Status parseShape() {
    if (!consume('('))
      return error("'shape' must be a tuple");
    while (true) {
      skipSpace();
      if (consume(')'))
        return Status::ok();
      size_t start = position;
      while (position < text.size() && text[position] >= '0' &&
             text[position] <= '9')
        ++position;
      if (start == position || position - start > 18)
        return error("bad dimension in 'shape'");
      int64_t dim = 0;
      for (size_t i = start; i < position; ++i)
        dim = dim * 10 + (text[i] - '0');
      shape.push_back(dim);
      skipSpace();
      if (consume(')'))
        return Status::ok();
      if (!consume(','))
        return error("expected ',' in 'shape'");
    }
  }

  bool sawDescr = false, sawFortranOrder = false, sawShape = false;
};

uint32_t loadLittleEndian32(const unsigned char *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}

Status checkBoolBytes(const HostTensor &tensor) {
  const unsigned char *bytes = tensor.data();
  for (size_t i = 0; i < tensor.byteSize(); ++i)
    if (bytes[i] > 1)
      return badInput("bool element %zu has value %u (must be 0 or 1)", i,
                      bytes[i]);
  return Status::ok();
}
} // namespace

const char *npyDescr(DType dtype) { return lookupName(kNpyDescrs, dtype); }

Expected<HostTensor> parseNpy(const unsigned char *data, size_t size) {
  static const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(data, magic, sizeof(magic)) != 0)
    return badInput("not an .npy file (bad magic)");
  unsigned major = data[6];
  size_t headerLength, headerStart;
  if (major == 1) {
    headerLength = data[8] | size_t(data[9]) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return badInput("truncated .npy header");
    headerLength = loadLittleEndian32(data + 8);
    headerStart = 12;
  } else {
    return badInput("unsupported .npy format version %u", major);
  }
  if (headerLength > size - headerStart)
    return badInput("truncated .npy header");
  NpyHeaderParser header(std::string_view(
      reinterpret_cast<const char *>(data + headerStart), headerLength));
  if (Status status = header.parse(); !status)
    return status.takeError();
  std::optional<DType> dtype = lookupValue(kNpyDescrs, header.descr);
  if (!dtype)
    return badInput("unsupported .npy dtype '%s' (supported: <f4 <f8 <f2 "
                    "<i8 <i4 |i1 |u1 |b1)",
                    header.descr.c_str());
  if (header.fortranOrder && header.shape.size() > 1)
    return badInput("Fortran-order .npy files are not supported (save a "
                    "C-contiguous array)");
  // Check the shape against the data before allocating: a header can ask
  // for terabytes.
  Expected<size_t> count = checkedElementCount(header.shape, dtypeSize(*dtype));
  if (!count)
    return count.takeError();
  size_t needed = *count * dtypeSize(*dtype);
  size_t payload = size - headerStart - headerLength;
  if (payload != needed)
    return badInput(".npy data holds %zu bytes but shape %s of %s needs %zu",
                    payload, shapeToString(header.shape).c_str(),
                    header.descr.c_str(), needed);
  Expected<HostTensor> tensor = HostTensor::create(*dtype, header.shape);
  if (!tensor)
    return tensor.takeError();
  if (payload)
    std::memcpy(tensor->data(), data + headerStart + headerLength, payload);
  if (*dtype == DType::Bool)
    if (Status status = checkBoolBytes(*tensor); !status)
      return status.takeError();
  return tensor;
}

std::string npyHeader(DType dtype, const std::vector<int64_t> &shape) {
  std::string dict = "{'descr': '";
  dict += npyDescr(dtype);
  dict += "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    dict += ",";
  dict += "), }";
  // NumPy pads the header with spaces so that the data starts on a 64-byte
  // boundary, and ends it with a newline.
  size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string header("\x93NUMPY\x01\x00", 8);
  header.push_back(static_cast<char>(dict.size() & 0xff));
  header.push_back(static_cast<char>(dict.size() >> 8));
  return header + dict;
}

Status writeNpyFile(const std::string &path, const HostTensor &tensor) {
  std::string header = npyHeader(tensor.dtype, tensor.shape);
  return writeFileAtomically(path, {{header.data(), header.size()},
                                    {tensor.data(), tensor.byteSize()}});
}

//===----------------------------------------------------------------------===//
// TensorProto
//===----------------------------------------------------------------------===//

namespace {

enum WireType { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };

/// TensorProto field numbers (onnx.proto).
enum TensorProtoField {
  Dims = 1,
  DataType = 2,
  Segment = 3,
  FloatData = 4,
  Int32Data = 5,
  Int64Data = 7,
  Name = 8,
  RawData = 9,
  DoubleData = 10,
  UInt64Data = 11,
  ExternalData = 13,
  DataLocation = 14,
};

class WireReader {
public:
  WireReader(const unsigned char *begin, const unsigned char *end)
      : cursor(begin), end(end) {}

  bool atEnd() const { return cursor == end; }

  bool readVarint(uint64_t &value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (cursor == end)
        return false;
      unsigned char byte = *cursor++;
      if (shift == 63 && byte > 1)
        return false;
      value |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return true;
    }
    return false;
  }

  bool readFixed(int byteCount, uint64_t &value) {
    if (end - cursor < byteCount)
      return false;
    value = 0;
    for (int i = 0; i < byteCount; ++i)
      value |= uint64_t(cursor[i]) << (8 * i);
    cursor += byteCount;
    return true;
  }

  bool readBytes(const unsigned char *&data, size_t &size) {
    uint64_t length;
    if (!readVarint(length) || length > static_cast<uint64_t>(end - cursor))
      return false;
    data = cursor;
    size = static_cast<size_t>(length);
    cursor += size;
    return true;
  }

private:
  const unsigned char *cursor;
  const unsigned char *end;
};

struct TensorProtoFields {
  std::vector<int64_t> dims;
  int64_t dataType = 0;
  std::string name;
  const unsigned char *rawData = nullptr;
  size_t rawSize = 0;
  bool hasRawData = false;
  std::vector<float> floatData;
  std::vector<int32_t> int32Data;
  std::vector<int64_t> int64Data;
  std::vector<double> doubleData;
  std::vector<uint64_t> uint64Data;

  /// Values in the typed fields, all of them.
  size_t typedValueCount() const {
    return floatData.size() + int32Data.size() + int64Data.size() +
           doubleData.size() + uint64Data.size();
  }
};

Error wireError(const char *what) {
  return badInput("malformed TensorProto: %s", what);
}

/// Reads a value of a scalar wire type (Varint, Fixed64 or Fixed32).
bool readScalar(WireReader &reader, int wireType, uint64_t &value) {
  switch (wireType) {
  case Varint:
    return reader.readVarint(value);
  case Fixed64:
    return reader.readFixed(8, value);
  case Fixed32:
    return reader.readFixed(4, value);
  default:
    return false;
  }
}

/// Reads one value or a packed run of values of a repeated scalar field.
template <typename Decode>
Status readRepeated(WireReader &reader, int wireType, int scalarWireType,
                    Decode decode) {
  uint64_t value;
  if (wireType == scalarWireType) {
    if (!readScalar(reader, scalarWireType, value))
      return wireError("truncated field");
    decode(value);
    return Status::ok();
  }
  if (wireType != LengthDelimited)
    return wireError("repeated field with the wrong wire type");
  const unsigned char *data;
  size_t size;
  if (!reader.readBytes(data, size))
    return wireError("truncated packed field");
  WireReader packed(data, data + size);
  while (!packed.atEnd()) {
    if (!readScalar(packed, scalarWireType, value))
      return wireError("truncated packed field");
    decode(value);
  }
  return Status::ok();
}

Status skipField(WireReader &reader, int wireType) {
  uint64_t ignored;
  const unsigned char *data;
  size_t size;
  switch (wireType) {
  case Varint:
  case Fixed64:
  case Fixed32:
    return readScalar(reader, wireType, ignored)
               ? Status::ok()
               : Status(wireError("truncated field"));
  case LengthDelimited:
    return reader.readBytes(data, size) ? Status::ok()
                                        : Status(wireError("truncated field"));
  default:
    return wireError("unsupported wire type (groups or garbage)");
  }
}

Status readFields(const unsigned char *data, size_t size,
                  TensorProtoFields &fields) {
  WireReader reader(data, data + size);
  while (!reader.atEnd()) {
    uint64_t key;
    if (!reader.readVarint(key))
      return wireError("truncated field key");
    uint64_t fieldNumber = key >> 3;
    int wireType = static_cast<int>(key & 7);
    if (fieldNumber == 0)
      return wireError("field number 0");
    Status status;
    switch (fieldNumber) {
    case Dims:
      status = readRepeated(reader, wireType, Varint, [&](uint64_t value) {
        fields.dims.push_back(static_cast<int64_t>(value));
      });
      break;
    case DataType: {
      uint64_t value;
      if (wireType != Varint || !reader.readVarint(value))
        return wireError("bad data_type field");
      fields.dataType = static_cast<int64_t>(value);
      break;
    }
    case Segment:
      return badInput("segmented TensorProto files are not supported");
    case FloatData:
      status = readRepeated(reader, wireType, Fixed32, [&](uint64_t value) {
        fields.floatData.push_back(floatFromBits(static_cast<uint32_t>(value)));
      });
      break;
    case Int32Data:
      status = readRepeated(reader, wireType, Varint, [&](uint64_t value) {
        fields.int32Data.push_back(static_cast<int32_t>(value));
      });
      break;
    case Int64Data:
      status = readRepeated(reader, wireType, Varint, [&](uint64_t value) {
        fields.int64Data.push_back(static_cast<int64_t>(value));
      });
      break;
    case Name: {
      const unsigned char *text;
      size_t length;
      if (wireType != LengthDelimited || !reader.readBytes(text, length))
        return wireError("bad name field");
      fields.name.assign(reinterpret_cast<const char *>(text), length);
      break;
    }
    case RawData:
      if (wireType != LengthDelimited ||
          !reader.readBytes(fields.rawData, fields.rawSize))
        return wireError("bad raw_data field");
      fields.hasRawData = true;
      break;
    case DoubleData:
      status = readRepeated(reader, wireType, Fixed64, [&](uint64_t value) {
        double d;
        std::memcpy(&d, &value, sizeof(d));
        fields.doubleData.push_back(d);
      });
      break;
    case UInt64Data:
      status = readRepeated(reader, wireType, Varint, [&](uint64_t value) {
        fields.uint64Data.push_back(value);
      });
      break;
    case ExternalData:
      return badInput("TensorProto with external data is not supported "
                      "(store the values in the file)");
    case DataLocation: {
      uint64_t value;
      if (wireType != Varint || !reader.readVarint(value))
        return wireError("bad data_location field");
      if (value != 0)
        return badInput("TensorProto with external data is not supported "
                        "(store the values in the file)");
      break;
    }
    default:
      status = skipField(reader, wireType);
      break;
    }
    if (!status)
      return status;
  }
  return Status::ok();
}

/// Copies the typed field that holds `dtype` values into the tensor.
/// Checks that the typed fields hold exactly `count` values of `dtype`, in
/// the field ONNX keeps them in. Runs before anything is allocated: the dims
/// of a 20-byte file can ask for terabytes.
Status checkTypedData(const TensorProtoFields &fields, DType dtype,
                      size_t count) {
  const char *fieldName = nullptr;
  size_t available = 0;
  switch (dtype) {
  case DType::F32:
    fieldName = "float_data";
    available = fields.floatData.size();
    break;
  case DType::F64:
    fieldName = "double_data";
    available = fields.doubleData.size();
    break;
  case DType::I64:
    fieldName = "int64_data";
    available = fields.int64Data.size();
    break;
  case DType::F16:
  case DType::I32:
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    fieldName = "int32_data";
    available = fields.int32Data.size();
    break;
  }
  if (fields.typedValueCount() != available)
    return badInput("a %s tensor must keep its values in %s or raw_data",
                    onnxDataTypeName(fields.dataType).c_str(), fieldName);
  if (available != count)
    return badInput("%s holds %zu values but dims %s need %zu", fieldName,
                    available, shapeToString(fields.dims).c_str(), count);
  return Status::ok();
}

Status copyTypedData(const TensorProtoFields &fields, HostTensor &tensor) {
  size_t count = tensor.elementCount();
  if (Status status = checkTypedData(fields, tensor.dtype, count); !status)
    return status;
  for (size_t i = 0; i < count; ++i) {
    switch (tensor.dtype) {
    case DType::F32:
      tensor.as<float>()[i] = fields.floatData[i];
      break;
    case DType::F64:
      tensor.as<double>()[i] = fields.doubleData[i];
      break;
    case DType::I64:
      tensor.as<int64_t>()[i] = fields.int64Data[i];
      break;
    case DType::I32:
      tensor.as<int32_t>()[i] = fields.int32Data[i];
      break;
    case DType::F16: {
      int32_t bits = fields.int32Data[i];
      if (bits < 0 || bits > 0xffff)
        return badInput("float16 element %zu is not a 16-bit pattern", i);
      tensor.as<uint16_t>()[i] = static_cast<uint16_t>(bits);
      break;
    }
    case DType::I8: {
      int32_t value = fields.int32Data[i];
      if (value < -128 || value > 127)
        return badInput("int8 element %zu is out of range (%d)", i, value);
      tensor.as<int8_t>()[i] = static_cast<int8_t>(value);
      break;
    }
    case DType::U8:
    case DType::Bool: {
      int32_t value = fields.int32Data[i];
      int32_t limit = tensor.dtype == DType::Bool ? 1 : 255;
      if (value < 0 || value > limit)
        return badInput("%s element %zu is out of range (%d)",
                        tensor.dtype == DType::Bool ? "bool" : "uint8", i,
                        value);
      tensor.as<uint8_t>()[i] = static_cast<uint8_t>(value);
      break;
    }
    }
  }
  return Status::ok();
}

void appendVarint(std::string &out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void appendKey(std::string &out, int field, int wireType) {
  appendVarint(out, static_cast<uint64_t>(field) << 3 | wireType);
}

} // namespace

Expected<NamedTensor> parseTensorProto(const unsigned char *data, size_t size) {
  TensorProtoFields fields;
  if (Status status = readFields(data, size, fields); !status)
    return status.takeError();
  if (fields.dataType == 0)
    return badInput("TensorProto without data_type (is this a TensorProto "
                    "file?)");
  std::optional<DType> dtype = dtypeFromOnnx(fields.dataType);
  if (!dtype)
    return badInput("unsupported TensorProto data type %s",
                    onnxDataTypeName(fields.dataType).c_str());
  // Everything the dims imply is checked against the data in the file
  // before the tensor is allocated.
  Expected<size_t> count = checkedElementCount(fields.dims, dtypeSize(*dtype));
  if (!count)
    return count.takeError();
  if (fields.hasRawData) {
    if (fields.typedValueCount() != 0)
      return badInput("TensorProto has both raw_data and typed values");
    size_t needed = *count * dtypeSize(*dtype);
    if (fields.rawSize != needed)
      return badInput("raw_data holds %zu bytes but dims %s of %s need %zu",
                      fields.rawSize, shapeToString(fields.dims).c_str(),
                      onnxDataTypeName(fields.dataType).c_str(), needed);
  } else if (Status status = checkTypedData(fields, *dtype, *count); !status) {
    return status.takeError();
  }
  Expected<HostTensor> tensor = HostTensor::create(*dtype, fields.dims);
  if (!tensor)
    return tensor.takeError();
  if (fields.hasRawData) {
    if (fields.rawSize)
      std::memcpy(tensor->data(), fields.rawData, fields.rawSize);
    if (*dtype == DType::Bool)
      if (Status status = checkBoolBytes(*tensor); !status)
        return status.takeError();
  } else if (Status status = copyTypedData(fields, *tensor); !status) {
    return status.takeError();
  }
  return NamedTensor{std::move(fields.name), std::move(*tensor)};
}

std::string tensorProtoPrefix(const HostTensor &tensor,
                              const std::string &name) {
  std::string out;
  if (!tensor.shape.empty()) {
    std::string packedDims;
    for (int64_t dim : tensor.shape)
      appendVarint(packedDims, static_cast<uint64_t>(dim));
    appendKey(out, Dims, LengthDelimited);
    appendVarint(out, packedDims.size());
    out += packedDims;
  }
  appendKey(out, DataType, Varint);
  appendVarint(out, static_cast<uint64_t>(onnxDataType(tensor.dtype)));
  appendKey(out, Name, LengthDelimited);
  appendVarint(out, name.size());
  out += name;
  appendKey(out, RawData, LengthDelimited);
  appendVarint(out, tensor.byteSize());
  return out;
}

Status writeTensorProtoFile(const std::string &path, const HostTensor &tensor,
                            const std::string &name) {
  std::string prefix = tensorProtoPrefix(tensor, name);
  return writeFileAtomically(path, {{prefix.data(), prefix.size()},
                                    {tensor.data(), tensor.byteSize()}});
}

static bool endsWith(const std::string &text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Expected<NamedTensor> readTensorFile(const std::string &path) {
  Expected<std::vector<unsigned char>> content = readFile(path);
  if (!content)
    return content.takeError();
  if (endsWith(path, ".npy")) {
    Expected<HostTensor> tensor = parseNpy(content->data(), content->size());
    if (!tensor)
      return withContext(tensor.takeError(), "'" + path + "'");
    return NamedTensor{std::string(), std::move(*tensor)};
  }
  Expected<NamedTensor> tensor =
      parseTensorProto(content->data(), content->size());
  if (!tensor)
    return withContext(tensor.takeError(), "'" + path + "'");
  return tensor;
}

} // namespace sinkrt
