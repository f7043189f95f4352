#!/usr/bin/python3
"""Checks the `kv` metrics of a sink trace against a numpy forward pass of the model.

    check_kv.py --python BUILD/python --trace T.sinktrace --model M.onnx
                --family llama|gpt2|opt|neox --ref R.npz [--rtol 1e-5]

key_norm[l][t] and value_norm[l][t] (docs/metrics.md) are the mean over heads of
the Euclidean norms of the keys (after rotary embeddings) and of the values of
block l at position t. This script computes them from the ONNX file's weights with
its own float64 forward pass of the Hugging Face architecture, the prompts being
the rows of R.npz's `input_ids`.

The weights are read from the graph in the order the exporter wrote the nodes (the
dynamo exports give most initializers anonymous names and share equal ones, such
as all-ones norm weights, between layers); the forward pass is proven to read them
right before anything is compared: its logits must match R.npz's PyTorch `logits`
(and its softmax probabilities R.npz's `attentions` where present) to 1e-4 of their
largest magnitude. Then every key_norm and value_norm of the trace must be within
--rtol of the reference, relative to each value. Nothing sinkc produced is used
as a reference. check_mlpstates.py compares the MLP states of the same forward
pass.

Prints one line per metric and exits 1 on any failure.
"""
import argparse
import math
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def fail(message):
    program = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    print(f"{program}: error: {message}", file=sys.stderr)
    sys.exit(1)


class Parameters:
    """The float initializers of the graph in node order, with the node that reads them."""

    def __init__(self, model):
        graph = model.graph
        arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        for node in graph.node:
            if node.op_type == "Constant":
                arrays[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        self.constants = arrays
        self.items = []
        self.inv_freq = None
        for node in graph.node:
            for name in node.input:
                value = arrays.get(name)
                if value is None or value.dtype.kind != "f" or node.op_type == "Constant":
                    continue
                # The rotary inverse frequencies [1, d/2, 1], multiplied with the
                # positions (the planted models' generator writes them [1, d/2]
                # as the right operand of positions [T, 1]).
                if node.op_type == "MatMul" and (
                        (value.ndim == 3 and value.shape[0] == 1 and
                         value.shape[2] == 1) or
                        (value.ndim == 2 and value.shape[0] == 1 and
                         name == node.input[1])):
                    self.inv_freq = value.ravel().astype(np.float64)
                elif value.ndim >= 1 and value.size > 2:
                    self.items.append((node, value.astype(np.float64)))
        self.position = 0
        self.graph = graph

    def take(self, op_type, shape=None):
        if self.position >= len(self.items):
            fail(f"ran out of parameters looking for a {op_type}")
        node, value = self.items[self.position]
        if node.op_type != op_type or (shape is not None and value.shape != tuple(shape)):
            fail(f"parameter {self.position} is read by {node.op_type} '{node.name}' with "
                 f"shape {value.shape}, expected {op_type} {shape}")
        self.position += 1
        return value

    def peek(self):
        if self.position >= len(self.items):
            return None, None
        return self.items[self.position]

    def optional(self, op_type, shape):
        node, value = self.peek()
        if node is not None and node.op_type == op_type and value.shape == tuple(shape):
            self.position += 1
            return value
        return None

    def done(self):
        if self.position != len(self.items):
            node, value = self.items[self.position]
            fail(f"parameters left over from {node.op_type} '{node.name}' {value.shape}")

    def rms_epsilon(self):
        """The epsilon added to the mean of squares of the first RMSNorm."""
        users = {}
        for node in self.graph.node:
            for name in node.input:
                users.setdefault(name, []).append(node)
        for node in self.graph.node:
            if node.op_type == "ReduceMean":
                for user in users.get(node.output[0], []):
                    if user.op_type == "Add":
                        for name in user.input:
                            if name in self.constants:
                                return float(self.constants[name])
        fail("no RMSNorm epsilon found")

    def layer_norm(self, x, eps):
        """LayerNormalization of x with the next two parameters, weight and bias."""
        width = [x.shape[-1]]
        return layer_norm(x, self.take("LayerNormalization", width),
                          self.take("LayerNormalization", width), eps)

    def layer_norm_epsilon(self):
        for node in self.graph.node:
            if node.op_type == "LayerNormalization":
                for attribute in node.attribute:
                    if attribute.name == "epsilon":
                        return float(attribute.f)
                return 1e-5
        fail("no LayerNormalization found")


def softmax(scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def causal_attention(q, k, v):
    """q [B, H, T, d], k and v [B, Hkv, T, d] -> output [B, H, T, d], probs."""
    repeat = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, repeat, axis=1), np.repeat(v, repeat, axis=1)
    length = q.shape[2]
    mask = np.triu(np.full((length, length), -np.inf), k=1)
    probs = softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(q.shape[-1]) + mask)
    return probs @ v, probs


class Attention:
    """causal_attention, keeping the keys, values and probabilities of every layer."""

    def __init__(self):
        self.keys, self.values, self.probs = [], [], []

    def __call__(self, q, k, v):
        self.keys.append(k)
        self.values.append(v)
        out, probs = causal_attention(q, k, v)
        self.probs.append(probs)
        return out


class Mlp:
    """The internal states of every layer's MLP (docs/metrics.md, group
    mlpstates): input (after the norm), gate (fc_in of a plain MLP), up, act,
    gated (act * up) and output, each [B, T, F]; a plain MLP has no up and
    no gated. Also every layer's block input x_l [B, T, D] (`hidden`), for
    the captures of check_captures.py."""

    def __init__(self):
        self.layers = []
        self.hidden = []

    def record(self, **states):
        self.layers.append(states)


def heads(x, count):
    """[B, T, count * d] -> [B, count, T, d]."""
    b, t, width = x.shape
    return x.reshape(b, t, count, width // count).transpose(0, 2, 1, 3)


def merge(x):
    b, h, t, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * d)


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def rope_tables(inv_freq, length):
    freqs = np.outer(np.arange(length), inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)
    return np.cos(emb), np.sin(emb)


def layer_norm(x, weight, bias, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def forward_llama(p, ids, layers, n_heads, mlp_output=None):
    """Llama, Mistral, Qwen2 (q/k/v biases), Qwen3 (q/k RMSNorm per head).
    mlp_output(layer, out) -> out, if given, replaces each MLP output before
    it is added to the residual stream (check_captures.py applies the
    --intervene norm cap with it)."""
    eps = p.rms_epsilon()

    def rms(x, weight):
        return weight * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))

    embed = p.take("Gather")
    d = embed.shape[1]
    inv_freq = p.inv_freq
    head_dim = 2 * inv_freq.size
    cos, sin = rope_tables(inv_freq, ids.shape[1])
    x = embed[ids]
    attn, mlp = Attention(), Mlp()
    for layer in range(layers):
        mlp.hidden.append(x)
        h = rms(x, p.take("Mul", [d]))

        def project(width=None):
            w = p.take("MatMul")
            y = h @ w
            bias = p.optional("Add", [w.shape[1]])
            return y + bias if bias is not None else y

        q = heads(project(), n_heads)
        q_norm = p.optional("Mul", [head_dim])
        k_raw = project()
        k = heads(k_raw, k_raw.shape[-1] // head_dim)
        k_norm = p.optional("Mul", [head_dim])
        v_raw = project()
        v = heads(v_raw, v_raw.shape[-1] // head_dim)
        if q_norm is not None:
            q, k = rms(q, q_norm), rms(k, k_norm)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        out = attn(q, k, v)
        x = x + merge(out) @ p.take("MatMul")
        h = rms(x, p.take("Mul", [d]))
        gate, up = h @ p.take("MatMul"), h @ p.take("MatMul")
        act = gate / (1 + np.exp(-gate))
        out = (act * up) @ p.take("MatMul")
        if mlp_output is not None:
            out = mlp_output(layer, out)
        mlp.record(input=h, gate=gate, up=up, act=act, gated=act * up, output=out)
        x = x + out
    logits = rms(x, p.take("Mul", [d])) @ p.take("MatMul")
    return logits, attn, mlp


def pre_norm_blocks(p, eps, x, embed, layers, attention, mlp_states):
    """The blocks of GPT-2 and OPT: pre-LayerNorm attention, then MLP, each added
    to the residual stream; a final LayerNorm and the embedding as the (tied)
    output projection. attention(h, attn) is a block's attention output,
    mlp_states(h) its MLP's gate, act and output."""
    attn, mlp = Attention(), Mlp()
    for _ in range(layers):
        mlp.hidden.append(x)
        h = p.layer_norm(x, eps)
        x = x + attention(h, attn)
        h = p.layer_norm(x, eps)
        states = mlp_states(h)
        mlp.record(input=h, **states)
        x = x + states["output"]
    x = p.layer_norm(x, eps)
    # Tied: the output projection is a transpose of the embedding.
    return x @ p.take("Transpose", embed.shape).T, attn, mlp


def forward_gpt2(p, ids, layers, n_heads):
    eps = p.layer_norm_epsilon()
    wte = p.take("Gather")
    wpe = p.take("Gather")
    d = wte.shape[1]
    x = wte[ids] + wpe[np.arange(ids.shape[1])]

    def attention(h, attn):
        qkv = h @ p.take("Gemm", [d, 3 * d])
        q, k, v = (heads(part, n_heads) for part in np.split(qkv, 3, axis=-1))
        return merge(attn(q, k, v)) @ p.take("Gemm", [d, d])

    def mlp_states(h):
        hidden = h @ p.take("Gemm")
        gelu = 0.5 * hidden * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                           (hidden + 0.044715 * hidden ** 3)))
        return dict(gate=hidden, act=gelu, output=gelu @ p.take("Gemm"))

    return pre_norm_blocks(p, eps, x, wte, layers, attention, mlp_states)


def forward_opt(p, ids, layers, n_heads):
    eps = p.layer_norm_epsilon()
    embed = p.take("Gather")
    positions = p.take("Gather")
    d = embed.shape[1]
    # OPT's learned positions start at offset 2.
    x = embed[ids] + positions[np.arange(ids.shape[1]) + 2]

    def linear(h):
        w = p.take("MatMul", [d, d])
        return h @ w + p.take("Add", [d])

    def attention(h, attn):
        q = heads(linear(h), n_heads)
        k = heads(linear(h), n_heads)
        v = heads(linear(h), n_heads)
        return linear(merge(attn(q, k, v)))

    def mlp_states(h):
        fc1 = h @ p.take("Gemm").T
        hidden = np.maximum(fc1, 0)
        return dict(gate=fc1, act=hidden, output=hidden @ p.take("Gemm").T)

    return pre_norm_blocks(p, eps, x, embed, layers, attention, mlp_states)


def forward_neox(p, ids, layers, n_heads):
    """GPT-NeoX: parallel residual, fused per-head [q|k|v], partial rotary."""
    eps = p.layer_norm_epsilon()
    embed = p.take("Gather")
    d = embed.shape[1]
    head_dim = d // n_heads
    x = embed[ids]
    cos, sin = rope_tables(p.inv_freq, ids.shape[1])
    rotary = 2 * p.inv_freq.size
    attn, mlp = Attention(), Mlp()
    for _ in range(layers):
        mlp.hidden.append(x)
        h = p.layer_norm(x, eps)
        qkv = h @ p.take("MatMul", [d, 3 * d]) + p.take("Add", [3 * d])
        b, t, _ = qkv.shape
        qkv = qkv.reshape(b, t, n_heads, 3 * head_dim).transpose(0, 2, 1, 3)
        q, k, v = np.split(qkv, 3, axis=-1)

        def rotate(y):
            turned, kept = y[..., :rotary], y[..., rotary:]
            turned = turned * cos + rotate_half(turned) * sin
            return np.concatenate([turned, kept], axis=-1)

        q, k = rotate(q), rotate(k)
        out = attn(q, k, v)
        attention = merge(out) @ p.take("MatMul", [d, d]) + p.take("Add", [d])
        # The export reads the MLP input from the attention's LayerNorm: the
        # two norms have equal weights and the exporter shares them.
        fc_in = h @ p.take("MatMul") + p.take("Add")
        act = 0.5 * fc_in * (1 + np.vectorize(math.erf)(fc_in / math.sqrt(2)))
        out = act @ p.take("MatMul") + p.take("Add", [d])
        mlp.record(input=h, gate=fc_in, act=act, output=out)
        x = x + attention + out
    x = p.layer_norm(x, eps)
    return x @ p.take("MatMul"), attn, mlp


FAMILIES = {"llama": forward_llama, "gpt2": forward_gpt2, "opt": forward_opt,
            "neox": forward_neox}


def head_mean_norms(x):
    """[B, H, T, d] -> [B, T]: mean over heads of the norm over d."""
    return np.sqrt((x * x).sum(axis=-1)).mean(axis=1)


def compare(what, actual, reference, rtol):
    actual = np.asarray(actual, dtype=np.float64)
    if actual.shape != reference.shape:
        print(f"{what}: shape {actual.shape} != reference {reference.shape} FAIL")
        return False
    relative = np.abs(actual - reference) / np.abs(reference)
    worst = float(np.max(relative))
    where = tuple(int(i) for i in np.unravel_index(int(np.argmax(relative)), relative.shape))
    ok = worst <= rtol and not np.isnan(actual).any()
    print(f"{what}: max relative diff {worst:.3g} at {where} (tolerance {rtol:g}) "
          f"{'ok' if ok else 'FAIL'}")
    return ok


def argument_parser(doc):
    """The options of this script and of the scripts that share its forward pass."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--python", required=True)
    parser.add_argument("--trace", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--family", required=True, choices=sorted(FAMILIES))
    parser.add_argument("--ref", required=True)
    parser.add_argument("--rtol", type=float, default=1e-5)
    return parser


def checked_forward(args):
    """The trace and the float64 forward pass of its model on the prompts of the
    reference file, proven against PyTorch's logits (and attention probabilities):
    (trace, input ids, Attention, Mlp)."""
    sys.path.insert(0, args.python)
    import sinktrace
    trace = sinktrace.load(args.trace)
    layers, n_heads = trace.model["layers"], trace.model["heads"]
    ref = np.load(args.ref)
    ids = np.asarray(ref["input_ids"], dtype=np.int64)

    params = Parameters(onnx.load(args.model))
    logits, attn, mlp = FAMILIES[args.family](params, ids, layers, n_heads)
    params.done()

    # The forward pass reads the weights right: PyTorch's own outputs.
    reference_logits = ref["logits"].astype(np.float64)
    scale = float(np.abs(reference_logits).max())
    error = float(np.abs(logits - reference_logits).max())
    print(f"numpy forward: logits within {error / scale:.2g} of PyTorch's (relative "
          f"to max |logits|)")
    if not error <= 1e-4 * scale:
        fail("the numpy forward pass does not reproduce the reference logits")
    if "attentions" in ref.files:
        error = float(np.abs(np.stack(attn.probs) - ref["attentions"]).max())
        print(f"numpy forward: attention probabilities within {error:.2g} of PyTorch's")
        if not error <= 1e-4:
            fail("the numpy forward pass does not reproduce the reference attentions")

    if len(trace.records) != ids.shape[0]:
        fail(f"the trace has {len(trace.records)} records for {ids.shape[0]} prompts")
    for row, record in enumerate(trace.records):
        if not np.array_equal(record.tokens, ids[row]):
            fail(f"record {row} has other tokens than input_ids[{row}]")
    return trace, ids, attn, mlp


def main():
    args = argument_parser(__doc__).parse_args()
    trace, _, attn, _ = checked_forward(args)
    ok = True
    for metric, tensors in (("key_norm", attn.keys), ("value_norm", attn.values)):
        reference = np.stack([head_mean_norms(x) for x in tensors], axis=1)  # [B, L, T]
        for row, record in enumerate(trace.records):
            ok &= compare(f"{metric} record {row}", record.metric(metric),
                          reference[row], args.rtol)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
