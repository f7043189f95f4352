//===- Location.h - ONNX node names from locations --------------*- C++ -*-===//
//
// The importer gives every op the location NameLoc(node name, file:0:0);
// passes that replace several ops by one fuse their locations. Messages name
// the node from either form, through these helpers.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_SUPPORT_LOCATION_H
#define SINKC_SUPPORT_LOCATION_H

#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

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

/// "tfm.add 'node_add_17'" (the op defining `value` and its ONNX node) or
/// "function argument 2", for messages about the structure of a model.
inline std::string describeValue(mlir::Value value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto arg = mlir::dyn_cast<mlir::BlockArgument>(value)) {
    os << "function argument " << arg.getArgNumber();
    return text;
  }
  mlir::Operation *op = value.getDefiningOp();
  os << op->getName().getStringRef();
  if (llvm::StringRef name = onnxNodeName(op->getLoc()); !name.empty())
    os << " '" << name << "'";
  return text;
}

} // namespace sinkc

#endif // SINKC_SUPPORT_LOCATION_H
