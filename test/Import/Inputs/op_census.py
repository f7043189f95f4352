#!/usr/bin/python3
"""Check that an imported module has one tfm op per ONNX node.

    op_census.py MODEL.onnx IMPORTED.mlir

Counts the nodes of the model's main graph by op_type and the ops of the
imported (--emit=tfm-raw) module by name, maps ONNX names to tfm names
(CamelCase -> snake_case; Sum -> add; variadic Max/Min/Sum with n inputs are
n - 1 binary ops, one input is no op), and expects tfm.constant to number the
Constant nodes plus the initializers plus the axes/steps constants the
importer adds to Slice nodes that leave them out. Prints `census ok: N nodes`
or one line per mismatch and exits 1.
"""
import collections
import re
import sys

import onnx

SPECIAL = {"CumSum": "cumsum", "GatherND": "gather_nd", "MatMul": "matmul",
           "Sum": "add"}


def tfm_name(op_type):
    if op_type in SPECIAL:
        return SPECIAL[op_type]
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op_type).lower()


def main():
    model_path, mlir_path = sys.argv[1:3]
    model = onnx.load(model_path, load_external_data=False)
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 1)
    graph = model.graph

    expected = collections.Counter()
    for node in graph.node:
        name = tfm_name(node.op_type)
        if node.op_type in ("Max", "Min", "Sum"):
            expected[name] += max(len(node.input) - 1, 0)
        else:
            expected[name] += 1
        if node.op_type == "Slice":
            if opset < 10:
                # starts, ends, axes (given or defaulted) and steps.
                expected["constant"] += 4
            else:
                inputs = list(node.input) + [""] * (5 - len(node.input))
                expected["constant"] += (inputs[3] == "") + (inputs[4] == "")
    expected["constant"] += len(graph.initializer)

    text = open(mlir_path, encoding="utf-8").read()
    text = text.split("{-#")[0]  # drop the resource section
    found = collections.Counter(
        m.group(1) for m in re.finditer(r"^\s*%[\w:]+ = tfm\.([a-z_]+) ", text, re.M))

    problems = []
    for name in sorted(set(expected) | set(found)):
        if expected[name] != found[name]:
            problems.append(f"tfm.{name}: expected {expected[name]}, found {found[name]}")
    if problems:
        for p in problems:
            print("census mismatch:", p)
        sys.exit(1)
    print(f"census ok: {len(graph.node)} nodes, {sum(found.values())} ops")


if __name__ == "__main__":
    main()
