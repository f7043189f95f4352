//===- Shape.h - Shapes in messages -----------------------------*- C++ -*-===//
//
// Every compiler message prints a shape the same way, "[1, ?, 3]" (`?` for
// a dynamic dimension), whichever dialect or pass reports it.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_SUPPORT_SHAPE_H
#define SINKC_SUPPORT_SHAPE_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace sinkc {

/// "[1, ?, 3]" for a shape with mlir::ShapedType::kDynamic in the middle.
inline std::string shapeToString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      text += ", ";
    text +=
        mlir::ShapedType::isDynamic(shape[i]) ? "?" : std::to_string(shape[i]);
  }
  return text + "]";
}

} // namespace sinkc

#endif // SINKC_SUPPORT_SHAPE_H
