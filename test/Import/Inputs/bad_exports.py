#!/usr/bin/python3
"""The exports that docs/exporting.md warns about, made from one good model.

    bad_exports.py BASE.onnx OUT_DIR

BASE.onnx is a decoder written by test/lib/make_decoder.py (one layer is
enough; its weights may be in external data). OUT_DIR/<case>.onnx is written
for every case below, each a copy of BASE with its weights inline and one
thing changed the way a real export would have it. The cases only have to be
realistic up to the point where sinkc stops: e.g. the fused-attention models
keep the RoPE nodes that the fused op would have absorbed, and the KV-cache
model passes its cache inputs through to its outputs.

  gqa           the attention replaced by com.microsoft GroupQueryAttention
                (ONNX Runtime's transformer optimizer, onnxruntime-genai)
  mha           the same with com.microsoft MultiHeadAttention
  attention23   the attention as one opset-23 ai.onnx Attention node (is_causal)
  nosoftmax     softmax written out as Exp / ReduceSum / Div: imports, but no
                attention probabilities to find
  sdpa          the scaled_dot_product_attention decomposition of the exporters:
                query and key each scaled by sqrt(scale) before the product
  dropout       a Dropout node after the attention softmax (training mode)
  bf16          every float tensor in bfloat16 (a bf16 checkpoint exported as is)
  castbf16      float32 weights, a Cast to bfloat16 before the LM head (autocast)
  fp16          every float tensor in float16 (model.half() before the export)
  fp16weights   float16 weights, each Cast to float32 where it is read
  noids         the token input called 'input' instead of 'input_ids'
  int32ids      input_ids of type int32
  nologits      the output called 'output' instead of 'logits'
  withpast      past_key_values.0.key/value inputs and present.0.* outputs
                (an export with use_cache=True, Optimum's text-generation-with-past)
  merged        an Optimum merged decoder: the graph behind an If on
                use_cache_branch
  static        input_ids fixed to [1, 8] (no dynamic axes)
  staticbatch   input_ids [2, sequence] (a batch of 2 in the example input
                without a dynamic batch axis)
"""
import copy
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ATTN = "/model/layers.0/self_attn/"


def index(g, name):
    for i, n in enumerate(g.node):
        if n.name == name:
            return i
    sys.exit(f"bad_exports: no node '{name}' (is BASE a make_decoder.py model?)")


def node(g, name):
    return g.node[index(g, name)]


def replace_span(g, first, last, new_nodes):
    """Replaces the nodes first..last (names, inclusive) with new_nodes."""
    i, j = index(g, first), index(g, last)
    kept = list(g.node[:i]) + new_nodes + list(g.node[j + 1:])
    del g.node[:]
    g.node.extend(kept)


def proj(layer_part):
    return f"/model/layers/0/self_attn/{layer_part}/MatMul"


def fused(m, op_type, name, attributes):
    """q/k/v projections -> one com.microsoft node -> o_proj."""
    g = m.graph
    n = helper.make_node(op_type, [proj("q_proj"), proj("k_proj"), proj("v_proj")],
                         [ATTN + "Reshape_3"], name=name, domain="com.microsoft",
                         **attributes)
    replace_span(g, ATTN + "Reshape", ATTN + "Reshape_3", [n])
    m.opset_import.append(helper.make_opsetid("com.microsoft", 1))


def gqa(m):
    fused(m, "GroupQueryAttention", "/model/layers.0/attn/GroupQueryAttention",
          {"num_heads": 4, "kv_num_heads": 2})


def mha(m):
    fused(m, "MultiHeadAttention", "MultiHeadAttention_0", {"num_heads": 4})


def attention23(m):
    g = m.graph
    n = helper.make_node("Attention", [ATTN + "rope_q/Add", ATTN + "repeat_kv_k/Reshape",
                                       ATTN + "repeat_kv_v/Reshape"],
                         [ATTN + "MatMul_1"], name="node_Attention_0", is_causal=1)
    replace_span(g, ATTN + "Transpose_3", ATTN + "MatMul_1", [n])
    set_opset(m, 23)
    m.ir_version = 11
    # ReduceMean takes its axes as an input from opset 18 on.
    for n in g.node:
        if n.op_type == "ReduceMean":
            axes = [a for a in n.attribute if a.name == "axes"][0]
            name = n.name + "/axes"
            g.initializer.append(numpy_helper.from_array(np.array(axes.ints, np.int64), name))
            n.attribute.remove(axes)
            n.input.append(name)


def nosoftmax(m):
    g = m.graph
    x, y = ATTN + "Add", ATTN + "Softmax"
    axes = numpy_helper.from_array(np.array([-1], np.int64), "softmax_axes")
    g.initializer.append(axes)
    nodes = [
        helper.make_node("ReduceMax", [x], ["sm_max"], name=ATTN + "ReduceMax",
                         axes=[-1], keepdims=1),
        helper.make_node("Sub", [x, "sm_max"], ["sm_sub"], name=ATTN + "Sub"),
        helper.make_node("Exp", ["sm_sub"], ["sm_exp"], name=ATTN + "Exp"),
        helper.make_node("ReduceSum", ["sm_exp", "softmax_axes"], ["sm_sum"],
                         name=ATTN + "ReduceSum", keepdims=1),
        helper.make_node("Div", ["sm_exp", "sm_sum"], [y], name=ATTN + "Div"),
    ]
    replace_span(g, y, y, nodes)


def sdpa(m):
    g = m.graph
    scale = numpy_helper.to_array(next(t for t in g.initializer if t.name == "const_15"))
    g.initializer.append(numpy_helper.from_array(
        np.sqrt(scale).astype(np.float32), "sdpa_sqrt_scale"))
    nodes = [
        helper.make_node("Mul", [ATTN + "rope_q/Add", "sdpa_sqrt_scale"], ["q_scaled"],
                         name=ATTN + "Mul_q"),
        helper.make_node("Transpose", [ATTN + "repeat_kv_k/Reshape"], ["k_t"],
                         name=ATTN + "Transpose_3", perm=[0, 1, 3, 2]),
        helper.make_node("Mul", ["k_t", "sdpa_sqrt_scale"], ["k_scaled"],
                         name=ATTN + "Mul_k"),
        helper.make_node("MatMul", ["q_scaled", "k_scaled"], [ATTN + "Mul"],
                         name=ATTN + "MatMul"),
    ]
    replace_span(g, ATTN + "Transpose_3", ATTN + "Mul", nodes)


def dropout(m):
    g = m.graph
    sm = node(g, ATTN + "Softmax")
    sm.output[0] = "attn_probs"
    i = index(g, ATTN + "Softmax")
    g.node.insert(i + 1, helper.make_node("Dropout", ["attn_probs"], [ATTN + "Softmax"],
                                          name=ATTN + "Dropout"))


def float_tensors_to(m, elem_type):
    g = m.graph
    for t in g.initializer:
        if t.data_type != TensorProto.FLOAT:
            continue
        a = numpy_helper.to_array(t)
        if elem_type == TensorProto.FLOAT16:
            # the mask's float32 min becomes float16's min, as in a float16 export
            info = np.finfo(np.float16)
            raw = np.clip(a, info.min, info.max).astype(np.float16).tobytes()
        else:  # bfloat16: the upper half of the float32 bits, rounded to nearest even
            bits = a.astype(np.float32).view(np.uint32)
            bits = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1)))
            raw = (bits >> np.uint32(16)).astype(np.uint16).tobytes()
        t.ClearField("float_data")
        t.data_type = elem_type
        t.raw_data = raw


def full_precision_to(m, elem_type):
    g = m.graph
    float_tensors_to(m, elem_type)
    for n in g.node:
        for a in n.attribute:
            if n.op_type == "Cast" and a.name == "to" and a.i == TensorProto.FLOAT:
                a.i = elem_type
    for v in g.output:
        v.type.tensor_type.elem_type = elem_type


def bf16(m):
    full_precision_to(m, TensorProto.BFLOAT16)


def fp16(m):
    full_precision_to(m, TensorProto.FLOAT16)


def fp16weights(m):
    g = m.graph
    weights = {t.name for t in g.initializer if t.data_type == TensorProto.FLOAT}
    float_tensors_to(m, TensorProto.FLOAT16)
    casts = []
    for name in sorted(weights):
        casts.append(helper.make_node("Cast", [name], [name + "_f32"],
                                      name=f"/Cast_{name}", to=TensorProto.FLOAT))
    for n in g.node:
        for k, inp in enumerate(n.input):
            if inp in weights:
                n.input[k] = inp + "_f32"
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)


def castbf16(m):
    g = m.graph
    head = node(g, "/lm_head/MatMul")
    x = head.input[0]
    i = index(g, "/lm_head/MatMul")
    g.node.insert(i, helper.make_node("Cast", [x], ["head_in_bf16"], name="/lm_head/Cast",
                                      to=TensorProto.BFLOAT16))
    g.node.insert(i + 1, helper.make_node("Cast", ["head_in_bf16"], ["head_in"],
                                          name="/lm_head/Cast_1", to=TensorProto.FLOAT))
    head.input[0] = "head_in"


def rename_value(g, old, new):
    for n in g.node:
        for k, v in enumerate(n.input):
            if v == old:
                n.input[k] = new
        for k, v in enumerate(n.output):
            if v == old:
                n.output[k] = new
    for v in list(g.input) + list(g.output):
        if v.name == old:
            v.name = new


def noids(m):
    rename_value(m.graph, "input_ids", "input")


def int32ids(m):
    m.graph.input[0].type.tensor_type.elem_type = TensorProto.INT32


def nologits(m):
    rename_value(m.graph, "logits", "output")


def withpast(m):
    g = m.graph
    kv = {"key": ATTN + "rope_k/Add", "value": ATTN + "Transpose_2"}
    for kind, current in kv.items():
        past, present = f"past_key_values.0.{kind}", f"present.0.{kind}"
        g.input.append(helper.make_tensor_value_info(
            past, TensorProto.FLOAT, ["batch", 2, "past_sequence", 16]))
        g.node.append(helper.make_node("Concat", [past, current], [present],
                                       name=f"/model/layers.0/self_attn/Concat_{kind}",
                                       axis=2))
        g.output.append(helper.make_tensor_value_info(
            present, TensorProto.FLOAT, ["batch", 2, "total_sequence", 16]))


def merged(m):
    """The graph moved behind an If on use_cache_branch, as Optimum merges the
    decoder and the decoder with past (here both branches return its logits)."""
    g = m.graph
    logits = copy.deepcopy(g.output[0])
    rename_value(g, "logits", "logits_inner")

    def branch(name):
        out = copy.deepcopy(logits)
        out.name = name + "_logits"
        return helper.make_graph(
            [helper.make_node("Identity", ["logits_inner"], [out.name])], name, [], [out])

    g.input.append(helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1]))
    g.node.append(helper.make_node("If", ["use_cache_branch"], ["logits"], name="optimum::if",
                                   then_branch=branch("with_past"),
                                   else_branch=branch("no_past")))
    del g.output[:]
    g.output.append(logits)


def set_dims(m, dims):
    shape = m.graph.input[0].type.tensor_type.shape
    for d, value in zip(shape.dim, dims):
        if isinstance(value, int):
            d.ClearField("dim_param")
            d.dim_value = value


def static(m):
    set_dims(m, [1, 8])


def staticbatch(m):
    set_dims(m, [2, None])


def set_opset(m, version):
    for o in m.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = version


CASES = [gqa, mha, attention23, nosoftmax, sdpa, dropout, bf16, castbf16, fp16,
         fp16weights, noids, int32ids, nologits, withpast, merged, static, staticbatch]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    base = onnx.load(sys.argv[1])  # external data read in, written inline below
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for case in CASES:
        m = copy.deepcopy(base)
        case(m)
        with open(os.path.join(out, case.__name__ + ".onnx"), "wb") as f:
            f.write(m.SerializeToString())


if __name__ == "__main__":
    main()
