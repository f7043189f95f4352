#!/usr/bin/python3
"""The malformed-model corpus: hostile ONNX files and what sinkc must say.

    malformed_models.py OUT_DIR SINKC [--only=NAME]

Builds every case below into OUT_DIR/NAME/NAME.onnx (plus the files a case
needs next to it) and checks what sinkc does with it.

CASES are rejected when the model is read: `SINKC --emit=tfm CASE.onnx`
(import, then the folders, which evaluate the model's constants) must

  - exit with status 1 (not 0, not a signal, not a sanitizer's exit code),
  - print exactly one line on stderr, "sinkc: error: <model path>: " followed
    by the case's message, which names the node (name, op_type, opset),
    tensor or graph input at fault and what is wrong with it,
  - print no sanitizer report, assertion or stack dump (also implied by the
    exact stderr).

RUNTIME_CASES hold values that only exist when the model runs (folders
leave a division by a constant zero alone; its result may be unused). sinkc
must compile them to an executable without a word, and the executable, run
on the case's inputs, must exit with status 1 after one line naming the
node and the failed check, and write no output.

Prints one PASS/FAIL line per case and a count; exits 1 if any case failed.
Builders return the model (a ModelProto or raw bytes) and may create files
next to it.
"""
import os
import re
import subprocess
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def base(nodes=None, inputs=None, outputs=None, inits=None, opset=17):
    """A small valid model: Y = Softmax(X @ W + B); X is [B, T, 4]."""
    if nodes is None:
        nodes = [helper.make_node("MatMul", ["X", "W"], ["xw"], name="mm"),
                 helper.make_node("Add", ["xw", "B"], ["s"], name="add"),
                 helper.make_node("Softmax", ["s"], ["Y"], name="softmax", axis=-1)]
    if inputs is None:
        inputs = [helper.make_tensor_value_info("X", F, ["B", "T", 4])]
    if outputs is None:
        outputs = [helper.make_tensor_value_info("Y", F, None)]
    if inits is None:
        inits = [numpy_helper.from_array(np.ones((4, 4), np.float32), "W"),
                 numpy_helper.from_array(np.zeros((4,), np.float32), "B")]
    graph = helper.make_graph(nodes, "g", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def one(op, inputs, attrs=None, inits=(), x_shape=("B", "T", 4), x_type=F, opset=17,
        outputs=1):
    """A model with a single node `op` on graph input X and initializers."""
    names = [f"Y{i}" if outputs > 1 else "Y" for i in range(outputs)]
    node = helper.make_node(op, inputs, names, name="target", **(attrs or {}))
    return base([node], [helper.make_tensor_value_info("X", x_type, list(x_shape))],
                [helper.make_tensor_value_info(n, F, None) for n in names],
                [numpy_helper.from_array(np.asarray(v[1]), v[0]) for v in inits], opset)


def const_i64(name, values):
    return (name, np.array(values, dtype=np.int64))


def with_init_tensor(tensor):
    m = base()
    for i, t in enumerate(m.graph.initializer):
        if t.name == tensor.name:
            m.graph.initializer[i].CopyFrom(tensor)
    return m


def raw_tensor(name, dtype, dims, raw):
    t = TensorProto()
    t.name, t.data_type = name, dtype
    t.dims.extend(dims)
    t.raw_data = raw
    return t


def typed_tensor(name, dtype, dims, field, values):
    """A tensor whose typed field holds `values`, whatever the dims say
    (onnx.helper.make_tensor refuses a count that does not match)."""
    t = TensorProto()
    t.name, t.data_type = name, dtype
    t.dims.extend(dims)
    getattr(t, field).extend(values)
    return t


def external(location, offset=None, length=None, setup=None):
    """W (4x4 float, 64 bytes) stored as external data."""
    def build(directory):
        if setup:
            setup(directory)
        m = base()
        w = m.graph.initializer[0]
        w.ClearField("raw_data")
        w.ClearField("float_data")
        w.data_location = TensorProto.EXTERNAL
        entries = [("location", location)]
        if offset is not None:
            entries.append(("offset", offset))
        if length is not None:
            entries.append(("length", length))
        for k, v in entries:
            e = w.external_data.add()
            e.key, e.value = k, str(v)
        return m
    return build


def data_file(name, size=64):
    def setup(directory):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(b"\0" * size)
    return setup


def outside_symlink(directory):
    outside = os.path.join(os.path.dirname(os.path.abspath(directory)), "outside.bin")
    with open(outside, "wb") as f:
        f.write(b"\0" * 64)
    link = os.path.join(directory, "link.bin")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(outside, link)


def cyclic(directory):
    m = base()
    # mm consumes the output of add, which consumes the output of mm.
    m.graph.node[0].input[0] = "s"
    return m


def shape_fold(op, a, b, out_dtype=I64):
    """Shape sub-graph arithmetic the folders evaluate: Y = op(a, b), int64."""
    node = helper.make_node(op, ["A", "C"], ["Y"], name="target")
    return base([node], [], [helper.make_tensor_value_info("Y", out_dtype, None)],
                [numpy_helper.from_array(np.array(a, np.int64), "A"),
                 numpy_helper.from_array(np.array(b, np.int64), "C")])


def constant_of_shape(dims):
    node = helper.make_node("ConstantOfShape", ["S"], ["Y"], name="target",
                            value=helper.make_tensor("v", F, [1], [0.0]))
    return base([node], [], [helper.make_tensor_value_info("Y", F, None)],
                [numpy_helper.from_array(np.array(dims, np.int64), "S")])


def shape_from_input(op, rank):
    """Y = op(..., S) where the shape S (int64 [rank]) is a graph input: the
    sizes are only known when the model runs."""
    s = helper.make_tensor_value_info("S", I64, [rank])
    if op == "ConstantOfShape":
        node = helper.make_node(op, ["S"], ["Y"], name="target",
                                value=helper.make_tensor("v", F, [1], [1.0]))
        inits = []
    else:
        node = helper.make_node(op, ["one", "S"], ["Y"], name="target")
        inits = [numpy_helper.from_array(np.ones(1, np.float32), "one")]
    return base([node], [s], [helper.make_tensor_value_info("Y", F, None)], inits)


def range_model(start, limit, delta, dtype=np.int64):
    node = helper.make_node("Range", ["a", "b", "c"], ["Y"], name="target")
    return base([node], [], [helper.make_tensor_value_info(
        "Y", F if dtype == np.float32 else I64, None)],
                [numpy_helper.from_array(np.array(v, dtype), n)
                 for n, v in (("a", start), ("b", limit), ("c", delta))])


def gather_shape(index):
    nodes = [helper.make_node("Shape", ["X"], ["sh"], name="shape"),
             helper.make_node("Gather", ["sh", "i"], ["Y"], name="target", axis=0)]
    return base(nodes, None, [helper.make_tensor_value_info("Y", I64, None)],
                [numpy_helper.from_array(np.array(index, np.int64), "i")])


def node_attr_change(**attrs):
    def build(directory):
        m = base()
        n = m.graph.node[2]
        del n.attribute[:]
        for k, v in attrs.items():
            n.attribute.append(v if not isinstance(v, tuple) else v[0])
        return m
    return build


def modify(fn):
    def build(directory):
        m = base()
        fn(m)
        return m
    return build


def truncated(directory):
    data = base().SerializeToString()
    return data[: len(data) // 2 + 3]


# (name, message, builder): sinkc must print exactly one line,
# "sinkc: error: <model path>: <message>" ({dir} stands for the case's
# directory), and exit with status 1.
SUPPORTED = "(supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT64, INT32, INT16, INT8, BOOL)"
CASES = [
    # --- the file ---
    ("truncated", "not a valid ONNX model (protobuf parse failed: the file is malformed or truncated)",
     truncated),
    ("garbage", "not a valid ONNX model (protobuf parse failed: the file is malformed or truncated)",
     lambda d: bytes(range(256)) * 8),
    ("empty-file", "not an ONNX model (no graph)", lambda d: b""),
    ("old-opset", "opset 5 is older than the oldest supported (7)", lambda d: base(opset=5)),
    ("no-opset", "the model imports no default-domain opset",
     modify(lambda m: m.ClearField("opset_import"))),
    ("no-outputs", "the graph has no outputs", modify(lambda m: m.graph.ClearField("output"))),
    ("function", "model-local functions are not supported",
     modify(lambda m: setattr(m.functions.add(), "name", "f"))),
    # --- graph inputs: dims and dtypes ---
    ("input-negative-dim", "graph input 'X': negative dimension -3",
     lambda d: one("Relu", ["X"], x_shape=(-3, 4))),
    ("input-huge-dim", "graph input 'X': dimension 1125899906842624 is too large",
     lambda d: one("Relu", ["X"], x_shape=(1, 1 << 50))),
    ("input-element-overflow",
     "graph input 'X': shape [2097152, 2097152, 4] has more than 2^40 elements",
     lambda d: one("Relu", ["X"], x_shape=(1 << 21, 1 << 21, 4))),
    ("input-no-shape", "graph input 'X': the rank is unknown (no shape in the model)",
     lambda d: base(inputs=[helper.make_tensor_value_info("X", F, None)])),
    ("input-string", "graph input 'X': unsupported dtype STRING " + SUPPORTED,
     lambda d: one("Relu", ["X"], x_type=TensorProto.STRING)),
    ("input-uint32", "graph input 'X': unsupported dtype UINT32 " + SUPPORTED,
     lambda d: one("Relu", ["X"], x_type=TensorProto.UINT32)),
    ("input-sequence", "graph input 'X': only tensor types are supported",
     modify(lambda m: m.graph.input[0].type.CopyFrom(helper.make_sequence_type_proto(
         helper.make_tensor_type_proto(F, [4]))))),
    ("input-twice", "graph input 'X' is listed twice",
     lambda d: base(inputs=[helper.make_tensor_value_info("X", F, ["B", "T", 4])] * 2)),
    # --- initializers: dims, data and dtypes ---
    ("init-negative-dim", "initializer 'W': negative dimension -4",
     lambda d: with_init_tensor(raw_tensor("W", F, [-4, 4], b""))),
    ("init-count-overflow", "initializer 'W': element count overflows (dims too large)",
     lambda d: with_init_tensor(raw_tensor("W", F, [1 << 31, 1 << 31, 1 << 31], b""))),
    ("init-raw-short", "initializer 'W': raw_data has 60 bytes, the shape needs 64",
     lambda d: with_init_tensor(raw_tensor("W", F, [4, 4], b"\0" * 60))),
    ("init-raw-long", "initializer 'W': raw_data has 68 bytes, the shape needs 64",
     lambda d: with_init_tensor(raw_tensor("W", F, [4, 4], b"\0" * 68))),
    ("init-float-data-short", "initializer 'W': float_data has 3 values, the shape needs 16",
     lambda d: with_init_tensor(typed_tensor("W", F, [4, 4], "float_data", [1.0, 2.0, 3.0]))),
    ("init-huge-typed",
     "initializer 'W': int64_data has 0 values, the shape needs 549755813888",
     lambda d: with_init_tensor(typed_tensor("W", I64, [1 << 39], "int64_data", []))),
    ("init-int8-out-of-range",
     "initializer 'W': int32_data value 300 (element 1) is out of range for INT8",
     lambda d: with_init_tensor(typed_tensor("W", TensorProto.INT8, [2], "int32_data", [1, 300]))),
    ("init-bool-not-0-or-1",
     "initializer 'W': int32_data value 2 (element 0) is out of range for BOOL",
     lambda d: with_init_tensor(typed_tensor("W", TensorProto.BOOL, [1], "int32_data", [2]))),
    ("init-bfloat16", "node 'mm' (MatMul, opset 17): computes in bfloat16, which sinkc "
     "does not support: bfloat16 tensors may be stored, cast, moved, compared and selected, "
     "and arithmetic runs in float32 (Cast them to FLOAT first, as exports of bfloat16 "
     "checkpoints do)",
     lambda d: with_init_tensor(raw_tensor("W", TensorProto.BFLOAT16, [4, 4], b"\0" * 32))),
    ("init-unknown-dtype", "initializer 'W': unsupported dtype data type 99 " + SUPPORTED,
     lambda d: with_init_tensor(raw_tensor("W", 99, [4, 4], b"\0" * 64))),
    ("init-unnamed", "an initializer has no name",
     modify(lambda m: setattr(m.graph.initializer[1], "name", ""))),
    ("init-twice", "initializer 'W' is defined twice",
     modify(lambda m: m.graph.initializer.append(m.graph.initializer[0]))),
    ("init-sparse", "sparse initializer 'S' is not supported",
     modify(lambda m: setattr(m.graph.sparse_initializer.add().values, "name", "S"))),
    ("constant-huge",
     "node 'target' (Constant, opset 17) value: float_data has 0 values, the shape needs 549755813888",
     lambda d: base([helper.make_node("Constant", [], ["Y"], name="target",
                                      value=typed_tensor("v", F, [1 << 39], "float_data", []))],
                    [], [helper.make_tensor_value_info("Y", F, None)], [])),
    # --- graph edges and names ---
    ("dangling-edge",
     "node 'mm' (MatMul, opset 17): input 'nowhere' is not defined by any earlier node, "
     "initializer or graph input (dangling edge or graph not topologically sorted)",
     modify(lambda m: m.graph.node[0].input.__setitem__(1, "nowhere"))),
    ("cycle",
     "node 'mm' (MatMul, opset 17): input 's' is not defined by any earlier node, "
     "initializer or graph input (dangling edge or graph not topologically sorted)", cyclic),
    ("duplicate-output",
     "node 'add' (Add, opset 17): output 'xw' is already defined (duplicate value name)",
     modify(lambda m: m.graph.node[1].output.__setitem__(0, "xw"))),
    ("unproduced-output", "graph output 'Z' is not produced by any node",
     modify(lambda m: m.graph.output.append(helper.make_tensor_value_info("Z", F, None)))),
    ("nested-graph",
     "node 'if' (If, opset 17): nested graphs (attribute 'else_branch') are not supported",
     modify(lambda m: m.graph.node.append(helper.make_node(
         "If", ["c"], ["o"], name="if",
         then_branch=helper.make_graph([], "t", [], []),
         else_branch=helper.make_graph([], "e", [], []))))),
    ("unsupported-op",
     "node 'target' (LpNormalization, opset 17): unsupported operator 'LpNormalization'",
     lambda d: one("LpNormalization", ["X"])),
    ("empty-op-type", "node 'target' (, opset 17): unsupported operator ''",
     lambda d: one("", ["X"])),
    ("other-domain",
     "node 'mm' (FusedMatMul, domain 'com.microsoft', not imported): unsupported operator "
     "'FusedMatMul' of domain 'com.microsoft'",
     modify(lambda m: (m.graph.node[0].__setattr__("domain", "com.microsoft"),
                       m.graph.node[0].__setattr__("op_type", "FusedMatMul")))),
    ("too-many-inputs", "node 'target' (Relu, opset 17): has 2 inputs, expected 1",
     lambda d: one("Relu", ["X", "X"])),
    ("no-inputs", "node 'target' (Concat, opset 17): has 0 inputs, expected at least 1",
     lambda d: one("Concat", [], {"axis": 0})),
    # --- attributes and axes ---
    ("attr-wrong-type", "node 'softmax' (Softmax, opset 17): attribute 'axis' must be INT, not FLOAT",
     node_attr_change(axis=helper.make_attribute("axis", 1.5))),
    ("attr-unknown", "node 'softmax' (Softmax, opset 17): unsupported attribute 'alpha'",
     node_attr_change(alpha=helper.make_attribute("alpha", 1))),
    ("softmax-axis",
     "node 'target' (Softmax, opset 17): 'tfm.softmax' op axis 7 is out of range for rank 3",
     lambda d: one("Softmax", ["X"], {"axis": 7})),
    ("transpose-perm-range",
     "node 'target' (Transpose, opset 17): perm is not a permutation of [0, 3)",
     lambda d: one("Transpose", ["X"], {"perm": [0, 1, 5]})),
    ("transpose-perm-dup",
     "node 'target' (Transpose, opset 17): perm is not a permutation of [0, 3)",
     lambda d: one("Transpose", ["X"], {"perm": [0, 0, 1]})),
    ("transpose-perm-long", "node 'target' (Transpose, opset 17): perm has 100000 entries for rank 3",
     lambda d: one("Transpose", ["X"], {"perm": list(range(100000))})),
    ("concat-axis", "node 'target' (Concat, opset 17): axis -9 is out of range for rank 3",
     lambda d: one("Concat", ["X", "X"], {"axis": -9})),
    ("gather-axis", "node 'target' (Gather, opset 17): axis 3 is out of range for rank 3",
     lambda d: one("Gather", ["X", "i"], {"axis": 3}, [const_i64("i", [0])])),
    ("gather-axis-int64-min",
     "node 'target' (Gather, opset 17): axis -9223372036854775808 is out of range for rank 3",
     lambda d: one("Gather", ["X", "i"], {"axis": -(1 << 63)}, [const_i64("i", [0])])),
    ("gathernd-batch-dims", "node 'target' (GatherND, opset 17): batch_dims -1 is out of range",
     lambda d: one("GatherND", ["X", "i"], {"batch_dims": -1}, [const_i64("i", [[0]])])),
    ("gathernd-tuple",
     "node 'target' (GatherND, opset 17): index tuples of length 5 do not fit data of rank 3",
     lambda d: one("GatherND", ["X", "i"], {}, [const_i64("i", [[0, 0, 0, 0, 0]])])),
    ("unsqueeze-axis", "node 'target' (Unsqueeze, opset 17): axis 9 is out of range for rank 4",
     lambda d: one("Unsqueeze", ["X", "a"], inits=[const_i64("a", [9])])),
    ("unsqueeze-axis-dup", "node 'target' (Unsqueeze, opset 17): axis 1 is repeated",
     lambda d: one("Unsqueeze", ["X", "a"], inits=[const_i64("a", [1, 1])])),
    ("unsqueeze-axes-input",
     "node 'target' (Unsqueeze, opset 17): input 'axes' must be a compile-time constant integer tensor",
     lambda d: one("Unsqueeze", ["X", "X"])),
    ("squeeze-non-one", "node 'target' (Squeeze, opset 17): cannot squeeze dimension 2 of size 4",
     lambda d: one("Squeeze", ["X", "a"], inits=[const_i64("a", [2])])),
    ("squeeze-axes-attribute",
     "node 'target' (Squeeze, opset 17): attribute 'axes' is not allowed from opset 13 on; axes are an input",
     lambda d: one("Squeeze", ["X"], {"axes": [0]})),
    ("reduce-axis", "node 'target' (ReduceSum, opset 17): axis 3 is out of range for rank 3",
     lambda d: one("ReduceSum", ["X", "a"], inits=[const_i64("a", [3])])),
    ("reduce-axis-dup", "node 'target' (ReduceSum, opset 17): axis 1 is repeated",
     lambda d: one("ReduceSum", ["X", "a"], inits=[const_i64("a", [1, 1])])),
    ("cumsum-axis",
     "node 'target' (CumSum, opset 17): 'tfm.cumsum' op axis 5 is out of range for rank 3",
     lambda d: one("CumSum", ["X", "a"], inits=[const_i64("a", 5)])),
    ("layernorm-axis",
     "node 'target' (LayerNormalization, opset 17): 'tfm.layer_normalization' op axis 4 is out of range for rank 3",
     lambda d: one("LayerNormalization", ["X", "g"], {"axis": 4},
                   [("g", np.ones(4, np.float32))])),
    ("split-sizes",
     "node 'target' (Split, opset 17): 'tfm.split' op split sizes sum to 3 but the dimension has size 4",
     lambda d: one("Split", ["X", "s"], {"axis": 2}, [const_i64("s", [1, 2])], outputs=2)),
    ("split-negative-size", "node 'target' (Split, opset 17): negative split size -2",
     lambda d: one("Split", ["X", "s"], {"axis": 2}, [const_i64("s", [6, -2])], outputs=2)),
    ("split-zero-outputs", "node 'target' (Split, opset 18): cannot split 4 into 0",
     lambda d: one("Split", ["X"], {"axis": 2, "num_outputs": 0}, opset=18)),
    ("slice-step-zero", "node 'target' (Slice, opset 17): slice step must not be zero",
     lambda d: one("Slice", ["X", "a", "b", "c", "d"],
                   inits=[const_i64("a", [0]), const_i64("b", [2]), const_i64("c", [2]),
                          const_i64("d", [0])])),
    ("slice-axis", "node 'target' (Slice, opset 17): slice axis 7 is out of range for rank 3",
     lambda d: one("Slice", ["X", "a", "b", "c"],
                   inits=[const_i64("a", [0]), const_i64("b", [1]), const_i64("c", [7])])),
    ("slice-lengths",
     "node 'target' (Slice, opset 17): starts, ends, axes and steps must have the same length",
     lambda d: one("Slice", ["X", "a", "b", "c"],
                   inits=[const_i64("a", [0, 1]), const_i64("b", [1]), const_i64("c", [2])])),
    ("flatten-axis", "node 'target' (Flatten, opset 17): axis 8 is out of range for rank 3",
     lambda d: one("Flatten", ["X"], {"axis": 8})),
    ("matmul-mismatch",
     "node 'target' (MatMul, opset 17): contraction dimensions differ: lhs [?, ?, 4] rhs [3, 2]",
     lambda d: one("MatMul", ["X", "w"], inits=[("w", np.ones((3, 2), np.float32))])),
    ("broadcast-mismatch",
     "node 'target' (Add, opset 17): operand shapes [?, ?, 4] and [3] are not broadcast-compatible",
     lambda d: one("Add", ["X", "b"], inits=[("b", np.ones(3, np.float32))])),
    ("cast-to-complex",
     "node 'target' (Cast, opset 17) attribute 'to': unsupported dtype COMPLEX64 " + SUPPORTED,
     lambda d: one("Cast", ["X"], {"to": TensorProto.COMPLEX64})),
    ("cast-to-invalid",
     "node 'target' (Cast, opset 17) attribute 'to': unsupported dtype data type -1 " + SUPPORTED,
     lambda d: one("Cast", ["X"], {"to": -1})),
    # --- shapes: Reshape, Expand, huge results ---
    ("reshape-negative", "node 'target' (Reshape, opset 17): cannot reshape [?, ?, 4] to [2, -2]",
     lambda d: one("Reshape", ["X", "s"], inits=[const_i64("s", [2, -2])])),
    ("reshape-two-inferred",
     "node 'target' (Reshape, opset 17): cannot reshape [?, ?, 4] to [-1, -1]",
     lambda d: one("Reshape", ["X", "s"], inits=[const_i64("s", [-1, -1])])),
    ("reshape-count",
     "node 'target' (Reshape, opset 17): cannot reshape [2, 3, 4] (24 elements) to [5, 5]",
     lambda d: one("Reshape", ["X", "s"], x_shape=(2, 3, 4), inits=[const_i64("s", [5, 5])])),
    ("reshape-huge",
     "node 'target' (Reshape, opset 17): result #0 of shape "
     "[4611686018427387904, 4611686018427387904, 4] has more than 2^40 elements",
     lambda d: one("Reshape", ["X", "s"], inits=[const_i64("s", [1 << 62, 1 << 62, 0])])),
    # Sizes whose product exceeds int64 (found by sinkc-fuzz-import: signed
    # overflow in the reshape checks).
    ("reshape-product-overflow",
     "node 'target' (Reshape, opset 17): cannot reshape [2, 3, 4] (24 elements) to "
     "[83886085, 720575940379279360]",
     lambda d: one("Reshape", ["X", "s"], x_shape=(2, 3, 4),
                   inits=[const_i64("s", [83886085, 720575940379279360])])),
    ("reshape-inferred-overflow",
     "node 'target' (Reshape, opset 17): cannot reshape [2, 3, 4] to "
     "[-1, 4611686018427387904, 4611686018427387904]",
     lambda d: one("Reshape", ["X", "s"], x_shape=(2, 3, 4),
                   inits=[const_i64("s", [-1, 1 << 62, 1 << 62])])),
    ("expand-incompatible", "node 'target' (Expand, opset 17): cannot expand [2, 3, 4] to [7, 3, 4]",
     lambda d: one("Expand", ["X", "s"], x_shape=(2, 3, 4), inits=[const_i64("s", [7, 3, 4])])),
    ("expand-negative", "node 'target' (Expand, opset 17): negative dimension -5 in shape",
     lambda d: one("Expand", ["X", "s"], inits=[const_i64("s", [-5, 1, 4])])),
    ("constant-of-shape-huge",
     "node 'target' (ConstantOfShape, opset 17): result #0 of shape [1048576, 1048576, 1024] "
     "has more than 2^40 elements",
     lambda d: constant_of_shape([1 << 20, 1 << 20, 1 << 10])),
    ("constant-of-shape-overflow",
     "node 'target' (ConstantOfShape, opset 17): result #0 of shape "
     "[1099511627776, 1099511627776, 1099511627776] has more than 2^40 elements",
     lambda d: constant_of_shape([1 << 40, 1 << 40, 1 << 40])),
    ("constant-of-shape-negative",
     "node 'target' (ConstantOfShape, opset 17): negative dimension -1 in shape",
     lambda d: constant_of_shape([4, -1])),
    ("range-huge", "node 'target' (Range, opset 17): range has too many elements",
     lambda d: range_model(0, 1 << 62, 1)),
    ("range-zero-delta", "node 'target' (Range, opset 17): range delta must not be zero",
     lambda d: range_model(0, 10, 0)),
    # --- external data ---
    ("ext-escape",
     "initializer 'W': external data location '../w.bin' escapes the model directory",
     external("../w.bin", setup=lambda dd: data_file("w.bin")(os.path.dirname(os.path.abspath(dd))))),
    ("ext-symlink-out",
     "initializer 'W': external data location 'link.bin' escapes the model directory",
     external("link.bin", setup=outside_symlink)),
    ("ext-absolute",
     "initializer 'W': external data location '/etc/passwd' is absolute; it must be relative to the model",
     external("/etc/passwd")),
    ("ext-missing", "initializer 'W': cannot open external data file '{dir}/missing.bin'",
     external("missing.bin")),
    ("ext-outside-file", "initializer 'W': external data [32, 96) is outside 'w.bin' (64 bytes)",
     external("w.bin", offset=32, setup=data_file("w.bin"))),
    ("ext-offset-huge",
     "initializer 'W': external data [9223372036854775800, 9223372036854775864) is outside "
     "'w.bin' (64 bytes)",
     external("w.bin", offset=(1 << 63) - 8, setup=data_file("w.bin"))),
    ("ext-offset-not-int64",
     "initializer 'W': external data offset '18446744073709551600' is not a non-negative integer",
     external("w.bin", offset=(1 << 64) - 16, setup=data_file("w.bin"))),
    ("ext-offset-negative",
     "initializer 'W': external data offset '-8' is not a non-negative integer",
     external("w.bin", offset=-8, setup=data_file("w.bin"))),
    ("ext-length",
     "initializer 'W': external data length 60 does not match the 64 bytes of the tensor",
     external("w.bin", length=60, setup=data_file("w.bin"))),
    ("ext-no-location", "initializer 'W': external data without a location", external("")),
    ("ext-directory",
     "initializer 'W': cannot read external data file '{dir}/sub': Is a directory",
     external("sub", setup=lambda dd: os.makedirs(os.path.join(dd, "sub"), exist_ok=True))),
]

# (name, message, builder, inputs): values only known when the model runs.
# sinkc must compile the model without a word; the executable, run on
# `inputs` (.npy files, one per graph input), must print exactly `message`
# and exit with status 1 instead of computing garbage or crashing.
RUNTIME_CASES = [
    ("run-gather-index", "sinkc: check failed in tfm.gather (ONNX node 'target'): index out of range",
     lambda d: gather_shape(7), {"X": np.zeros((1, 2, 4), np.float32)}),
    ("run-div-zero",
     "sinkc: check failed in tfm.div (ONNX node 'target'): integer division by zero or overflow",
     lambda d: shape_fold("Div", [8, 4], [2, 0]), {}),
    ("run-div-overflow",
     "sinkc: check failed in tfm.div (ONNX node 'target'): integer division by zero or overflow",
     lambda d: shape_fold("Div", [-(1 << 63)], [-1]), {}),
    ("run-range-inf",
     "sinkc: check failed in tfm.range (ONNX node 'target'): range has too many elements (or a NaN bound)",
     lambda d: range_model(0.0, np.inf, 1.0, np.float32), {}),
    ("run-range-nan",
     "sinkc: check failed in tfm.range (ONNX node 'target'): range has too many elements (or a NaN bound)",
     lambda d: range_model(0.0, np.nan, 1.0, np.float32), {}),
    ("run-range-int64-span",
     "sinkc: check failed in tfm.range (ONNX node 'target'): range has too many elements",
     lambda d: range_model(-(1 << 63), (1 << 63) - 1, 1), {}),
    # Sizes from data: their product would wrap the allocation size to a
    # few bytes (2^32 * 2^32 * 2 = 2^65), or the buffer cannot be allocated.
    ("run-constant-of-shape-huge",
     "sinkc: check failed in tfm.constant_of_shape (ONNX node 'target'): "
     "the result would have more than 2^40 elements",
     lambda d: shape_from_input("ConstantOfShape", 3),
     {"S": np.array([1 << 32, 1 << 32, 2], np.int64)}),
    ("run-expand-huge",
     "sinkc: check failed in tfm.expand (ONNX node 'target'): "
     "the result would have more than 2^40 elements",
     lambda d: shape_from_input("Expand", 3), {"S": np.array([1 << 32, 1 << 32, 2], np.int64)}),
    ("run-out-of-memory",
     "{exe}: error: out of memory: the model asked for a buffer of {bytes} bytes",
     lambda d: shape_from_input("ConstantOfShape", 1), {"S": np.array([1 << 40], np.int64)}),
]

SANITIZER_MARKERS = ("AddressSanitizer", "runtime error:", "LeakSanitizer",
                     "UndefinedBehaviorSanitizer", "Assertion", "Stack dump",
                     "PLEASE submit a bug report")


def write_model(name, builder, out_dir):
    directory = os.path.abspath(os.path.join(out_dir, name))
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{name}.onnx")
    model = builder(directory)
    with open(path, "wb") as f:
        f.write(model if isinstance(model, (bytes, bytearray)) else model.SerializeToString())
    return directory, path


def run(command):
    return subprocess.run(command, capture_output=True, text=True, errors="replace",
                          timeout=600)


def check_output(result, expected_status, expected_lines, what):
    """Problems with a process's exit status and stderr, or []."""
    problems = []
    if result.returncode != expected_status:
        problems.append(f"{what}: exit status {result.returncode}, expected {expected_status}")
    for marker in SANITIZER_MARKERS:
        if marker in result.stderr:
            problems.append(f"{what}: stderr contains '{marker}'")
    lines = result.stderr.splitlines()
    if lines != expected_lines:
        problems.append(f"{what}: stderr is not exactly {expected_lines!r}")
    return problems


def compile_case(name, message, builder, out_dir, sinkc):
    directory, path = write_model(name, builder, out_dir)
    result = run([sinkc, "--emit=tfm", path, "-o", os.devnull])
    expected = f"sinkc: error: {path}: " + message.format(dir=directory)
    return check_output(result, 1, [expected], "sinkc"), result.stderr


def runtime_case(name, message, builder, inputs, out_dir, sinkc):
    directory, path = write_model(name, builder, out_dir)
    exe = os.path.join(directory, name)
    result = run([sinkc, path, "-o", exe])
    problems = check_output(result, 0, [], "sinkc")
    if problems:
        return problems, result.stderr
    command = [exe, "--quiet", "--output-dir", os.path.join(directory, "out")]
    for input_name, value in inputs.items():
        npy = os.path.join(directory, f"{input_name}.npy")
        np.save(npy, value)
        command += ["--input-pb", npy]
    # Under AddressSanitizer, malloc of terabytes aborts the process unless
    # it may return null (as glibc's does).
    environment = dict(os.environ)
    environment["ASAN_OPTIONS"] = ":".join(
        filter(None, [environment.get("ASAN_OPTIONS"), "allocator_may_return_null=1"]))
    result = subprocess.run(command, capture_output=True, text=True, errors="replace",
                            timeout=600, env=environment)
    # {exe} is the executable's name; {bytes} any number (what the allocator
    # is asked for includes MLIR's alignment padding).
    pattern = (re.escape(message).replace(re.escape("{exe}"), re.escape(name))
               .replace(re.escape("{bytes}"), r"\d+"))
    # AddressSanitizer's malloc says why it returned null on a line of its
    # own; that line is the sanitizer's, not the model's.
    result.stderr = "".join(
        line for line in result.stderr.splitlines(keepends=True)
        if not re.fullmatch(r"==\d+==WARNING: AddressSanitizer failed to allocate 0x[0-9a-f]+ "
                            r"bytes\n?", line))
    lines = result.stderr.splitlines()
    message = lines[0] if len(lines) == 1 and re.fullmatch(pattern, lines[0]) else pattern
    problems = check_output(result, 1, [message], "the executable")
    if os.path.exists(os.path.join(directory, "out", "output_0.pb")):
        problems.append("the executable wrote an output")
    return problems, result.stderr


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    options = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    if len(args) != 2:
        sys.exit(__doc__)
    out_dir, sinkc = args
    only = options.get("only")
    os.makedirs(out_dir, exist_ok=True)
    names = [c[0] for c in CASES + RUNTIME_CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    results = []
    for name, message, builder in CASES:
        if not only or name == only:
            results.append((name, *compile_case(name, message, builder, out_dir, sinkc)))
    for name, message, builder, inputs in RUNTIME_CASES:
        if not only or name == only:
            results.append((name, *runtime_case(name, message, builder, inputs, out_dir,
                                                sinkc)))
    failed = 0
    for name, problems, stderr in results:
        if problems:
            failed += 1
            print(f"FAIL {name}: " + "; ".join(problems))
            for line in stderr.splitlines()[:20]:
                print(f"    | {line}")
        else:
            print(f"PASS {name}")
    print(f"{len(CASES)} compile-time cases, {len(RUNTIME_CASES)} run-time cases: "
          f"{len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
