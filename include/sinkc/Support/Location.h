//===- Location.h - ONNX node names from locations --------------*- C++ -*-===//
//
// The importer gives every op the location NameLoc(node name, file:0:0);
// passes that replace several ops by one fuse their locations. Messages name
// the node from either form, through this one helper.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_SUPPORT_LOCATION_H
#define SINKC_SUPPORT_LOCATION_H

#include "mlir/IR/Location.h"
#include "llvm/ADT/StringRef.h"

namespace sinkc {

/// The ONNX node name of `loc`: a NameLoc's name, or the first one inside a
/// FusedLoc (an op that replaced several nodes); empty if there is none.
inline llvm::StringRef onnxNodeName(mlir::Location loc) {
  if (auto named = mlir::dyn_cast<mlir::NameLoc>(loc))
    return named.getName().strref();
  if (auto fused = mlir::dyn_cast<mlir::FusedLoc>(loc))
    for (mlir::Location inner : fused.getLocations())
      if (llvm::StringRef name = onnxNodeName(inner); !name.empty())
        return name;
  return "";
}

} // namespace sinkc

#endif // SINKC_SUPPORT_LOCATION_H
