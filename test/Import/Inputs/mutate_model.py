#!/usr/bin/python3
"""Apply Python statements to an ONNX model to build a broken one for a test.

    mutate_model.py IN.onnx OUT.onnx STATEMENT...

Each STATEMENT runs with these names bound:
  m              the onnx.ModelProto (loaded without external data)
  g              m.graph
  init(name)     the initializer called name
  node(name)     the node called name
  inp(name)      the graph input called name
  TensorProto, helper, onnx
e.g.  "init('W').raw_data = init('W').raw_data[:10]"
      "inp('X').type.tensor_type.elem_type = TensorProto.STRING"
The result is written without running the ONNX checker (it is meant to be
invalid).
"""
import sys

import onnx
from onnx import TensorProto, helper


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    src, dst, statements = sys.argv[1], sys.argv[2], sys.argv[3:]
    m = onnx.load(src, load_external_data=False)
    g = m.graph

    def find(items, name, what):
        for item in items:
            if item.name == name:
                return item
        sys.exit(f"mutate_model: no {what} named '{name}'")

    scope = {
        "m": m, "g": g, "onnx": onnx, "helper": helper, "TensorProto": TensorProto,
        "init": lambda name: find(g.initializer, name, "initializer"),
        "node": lambda name: find(g.node, name, "node"),
        "inp": lambda name: find(g.input, name, "graph input"),
    }
    for statement in statements:
        exec(statement, scope)
    with open(dst, "wb") as f:
        f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
