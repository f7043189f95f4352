//===- WeightStorage.h - weights stored as f32, f16 or bf16 -----*- C++ -*-===//
//
// sinkc --weights-dtype chooses how the executable stores its weights; the
// model computes in f32 whatever it is. Two passes rewrite weights into that
// storage (sinkc-narrow-gather-tables on tfm, sinkc-pack-matmul-weights on
// linalg); this is what they share: the option's values, reading a float
// constant of any of the three types, and rounding it to another.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_SUPPORT_WEIGHTSTORAGE_H
#define SINKC_SUPPORT_WEIGHTSTORAGE_H

#include "sinkrt/HalfFloat.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <optional>
#include <string>

namespace sinkc {

/// The element type of stored weights for a --weights-dtype spelling (f32,
/// f16, bf16), or null.
inline mlir::Type weightStorageType(mlir::MLIRContext *context,
                                    llvm::StringRef name) {
  if (name == "f32")
    return mlir::Float32Type::get(context);
  if (name == "f16")
    return mlir::Float16Type::get(context);
  if (name == "bf16")
    return mlir::BFloat16Type::get(context);
  return nullptr;
}

/// The weightStorageType of the weights-dtype option of the pass `pass`
/// running on `op`; null after an error on `op` when `name` is not one of the
/// spellings.
inline mlir::Type weightStorageTypeOrError(mlir::Operation *op,
                                           llvm::StringRef pass,
                                           llvm::StringRef name) {
  mlir::Type type = weightStorageType(op->getContext(), name);
  if (!type)
    op->emitError() << pass << ": weights-dtype must be f32, f16 or bf16, not '"
                    << name << "'";
  return type;
}

/// Whether weights can be stored as `type`.
inline bool isWeightStorageType(mlir::Type type) {
  return type.isF32() || type.isF16() || type.isBF16();
}

/// The elements of a non-splat f32, f16 or bf16 constant, dense or a
/// resource blob, read as f32 (exactly: f32 holds both 16-bit types).
class FloatWeights {
public:
  /// Null when `value` is not such a constant, or a resource blob that does
  /// not hold exactly its type's bytes (it is then left alone rather than
  /// read past its end).
  static std::optional<FloatWeights> get(mlir::Attribute value) {
    auto elements = mlir::dyn_cast<mlir::ElementsAttr>(value);
    if (!elements || !isWeightStorageType(elements.getElementType()))
      return std::nullopt;
    auto type = mlir::dyn_cast<mlir::RankedTensorType>(elements.getType());
    if (!type || !type.hasStaticShape())
      return std::nullopt;
    llvm::ArrayRef<char> bytes;
    if (auto resource =
            mlir::dyn_cast<mlir::DenseResourceElementsAttr>(value)) {
      mlir::AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob)
        return std::nullopt;
      bytes = blob->getData();
    } else if (auto dense = mlir::dyn_cast<mlir::DenseElementsAttr>(value)) {
      if (dense.isSplat())
        return std::nullopt;
      bytes = dense.getRawData();
    } else {
      return std::nullopt;
    }
    mlir::Type element = type.getElementType();
    int64_t width = element.getIntOrFloatBitWidth() / 8;
    if (static_cast<int64_t>(bytes.size()) != type.getNumElements() * width)
      return std::nullopt;
    return FloatWeights(element, bytes);
  }

  mlir::Type elementType() const { return element; }
  int64_t elementBytes() const { return element.getIntOrFloatBitWidth() / 8; }
  int64_t size() const {
    return static_cast<int64_t>(bytes.size()) / elementBytes();
  }
  /// The bytes of elements [begin, end).
  llvm::ArrayRef<char> raw(int64_t begin, int64_t end) const {
    return bytes.slice(begin * elementBytes(), (end - begin) * elementBytes());
  }

  float operator[](int64_t index) const {
    if (element.isF32()) {
      float value;
      std::memcpy(&value, bytes.data() + index * 4, 4);
      return value;
    }
    uint16_t bits;
    std::memcpy(&bits, bytes.data() + index * 2, 2);
    return element.isF16() ? sinkrt::halfToFloat(bits)
                           : sinkrt::bfloat16ToFloat(bits);
  }

private:
  FloatWeights(mlir::Type element, llvm::ArrayRef<char> bytes)
      : element(element), bytes(bytes) {}
  mlir::Type element;
  llvm::ArrayRef<char> bytes;
};

namespace detail {
enum class WeightKind { F32, F16, BF16 };

inline WeightKind weightKind(mlir::Type type) {
  return type.isF32()   ? WeightKind::F32
         : type.isF16() ? WeightKind::F16
                        : WeightKind::BF16;
}

template <WeightKind K>
constexpr int64_t kWeightBytes = K == WeightKind::F32 ? 4 : 2;

template <WeightKind K> float loadWeight(const char *in) {
  if constexpr (K == WeightKind::F32) {
    float value;
    std::memcpy(&value, in, 4);
    return value;
  } else {
    uint16_t bits;
    std::memcpy(&bits, in, 2);
    return K == WeightKind::F16 ? sinkrt::halfToFloat(bits)
                                : sinkrt::bfloat16ToFloat(bits);
  }
}

template <WeightKind K> bool storeWeight(float value, char *out) {
  if constexpr (K == WeightKind::F32) {
    std::memcpy(out, &value, 4);
    return true;
  } else {
    uint16_t bits = K == WeightKind::F16 ? sinkrt::floatToHalf(value)
                                         : sinkrt::floatToBFloat16(value);
    std::memcpy(out, &bits, 2);
    constexpr uint16_t infinity = K == WeightKind::F16 ? 0x7c00 : 0x7f80;
    return (bits & 0x7fffu) != infinity || !std::isfinite(value);
  }
}

template <WeightKind From, WeightKind To>
int64_t convertRun(const char *source, int64_t first, int64_t stride,
                   int64_t count, char *out) {
  for (int64_t i = 0; i < count; ++i)
    if (!storeWeight<To>(loadWeight<From>(source + (first + i * stride) *
                                                       kWeightBytes<From>),
                         out + i * kWeightBytes<To>))
      return i;
  return -1;
}

template <WeightKind From>
int64_t convertRunTo(mlir::Type to, const char *source, int64_t first,
                     int64_t stride, int64_t count, char *out) {
  switch (weightKind(to)) {
  case WeightKind::F32:
    return convertRun<From, WeightKind::F32>(source, first, stride, count, out);
  case WeightKind::F16:
    return convertRun<From, WeightKind::F16>(source, first, stride, count, out);
  case WeightKind::BF16:
    return convertRun<From, WeightKind::BF16>(source, first, stride, count,
                                              out);
  }
  return -1;
}
} // namespace detail

/// Writes `value` rounded to nearest even as one element of `type` (f32,
/// f16 or bf16) at `out`. False when a finite value becomes infinite: it
/// is outside the type's range (f16: |x| >= 65520).
inline bool storeWeight(mlir::Type type, float value, char *out) {
  switch (detail::weightKind(type)) {
  case detail::WeightKind::F32:
    return detail::storeWeight<detail::WeightKind::F32>(value, out);
  case detail::WeightKind::F16:
    return detail::storeWeight<detail::WeightKind::F16>(value, out);
  case detail::WeightKind::BF16:
    return detail::storeWeight<detail::WeightKind::BF16>(value, out);
  }
  return true;
}

/// Elements first, first + stride, ... (`count` of them) of `source`,
/// rounded to nearest even into consecutive elements of `to` at `out`.
/// Returns the position in the run of the first value outside `to`'s range
/// (see storeWeight), or -1. One loop per pair of types, so that packing a
/// checkpoint's weights costs about a copy.
inline int64_t convertWeights(const FloatWeights &source, int64_t first,
                              int64_t stride, int64_t count, mlir::Type to,
                              char *out) {
  using detail::WeightKind;
  const char *bytes = source.raw(0, source.size()).data();
  switch (detail::weightKind(source.elementType())) {
  case WeightKind::F32:
    return detail::convertRunTo<WeightKind::F32>(to, bytes, first, stride,
                                                 count, out);
  case WeightKind::F16:
    return detail::convertRunTo<WeightKind::F16>(to, bytes, first, stride,
                                                 count, out);
  case WeightKind::BF16:
    return detail::convertRunTo<WeightKind::BF16>(to, bytes, first, stride,
                                                  count, out);
  }
  return -1;
}

/// The message for a weight that storeWeight could not store: `name` is the
/// weight (its initializer), `value` the element at `index`.
inline std::string weightRangeMessage(llvm::StringRef name, mlir::Type type,
                                      float value, int64_t index) {
  std::string message;
  llvm::raw_string_ostream os(message);
  os << "weight '" << name << "' holds " << llvm::format("%g", value)
     << " (element " << index << "), outside the range of "
     << (type.isF16() ? "f16 (|x| < 65520): compile with --weights-dtype=bf16 "
                        "or f32"
                      : "bf16");
  return message;
}

} // namespace sinkc

#endif // SINKC_SUPPORT_WEIGHTSTORAGE_H
