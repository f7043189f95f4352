#!/usr/bin/python3
"""Random-weight Llama/Qwen2-shaped decoder-only ONNX models at real dimensions.

    make_decoder.py OUT.onnx [--preset tiny|125m|qwen2.5-0.5b|1.5b] [--seed N]
                    [--layers N] [--hidden N] [--heads N] [--kv-heads N]
                    [--head-dim N] [--ffn N] [--vocab N] [--qkv-bias|--no-qkv-bias]
                    [--tied|--untied] [--legacy] [--data NAME] [--align BYTES]
                    [--weights-dtype f32|bf16|f16]
                    [--numpy-logits OUT.npy --tokens 1,2,3]

Writes OUT.onnx (the graph, a few KB) and, next to it, one external data file (default
OUT.onnx.data; --data names it) holding every weight. The weights are drawn with numpy
and written to the data file one tensor at a time, so generating needs little more RAM
than the largest tensor (for a tied head: the embedding and its transposed copy) and the
disk the data takes; qwen2.5-0.5b is ~2.5 GB on disk and takes seconds.

The graph follows Hugging Face's Llama / Qwen2 modeling code with eager attention, the
way the torch.onnx exporters write it (opset 17, IR 8, only ops sinkc imports):

  x = Gather(embed_tokens, input_ids)                          [B, T, D]
  per layer:
    h = RMSNorm(x) = w * (x * Reciprocal(Sqrt(ReduceMean(x^2) + eps)))   (eps 1e-6)
    q, k, v = h @ Wq (+ bq), h @ Wk (+ bk), h @ Wv (+ bv)     weights [in, out]
    reshape to [B, T, heads, head_dim], transpose to [B, heads, T, head_dim]
    RoPE (theta 1e6, rotate_half): q*cos + cat(-q2, q1)*sin, cos/sin of
      Range(0, T) (x) inv_freq computed in the graph, so T is dynamic
    repeat_kv: k, v Unsqueeze -> Expand [B, KVH, rep, T, hd] -> Reshape [B, H, T, hd]
    scores = (q @ k^T) * 1/sqrt(head_dim) + mask, mask = Where(col <= row, 0,
      float32 min) of two Ranges; Softmax; @ v; transpose, reshape [B, T, H*hd]; @ Wo
    x = x + attn
    x = x + down(SiLU(h @ Wgate) * (h @ Wup)), h = RMSNorm(x), SiLU(g) = g*Sigmoid(g)
  logits = RMSNorm(x) @ lm_head                                [B, T, vocab]

Input `input_ids` int64 [batch, sequence], output `logits` float32 [batch, sequence,
vocab]. --legacy writes the signature of the legacy (TorchScript) exporter / Optimum at
opset 14 instead: inputs input_ids, attention_mask and position_ids (int64 [batch,
sequence]); cos/sin are computed from position_ids and keys where attention_mask is not
1 are masked too (sinkc's runtime fills ones and 0..T-1). The lm_head is its own initializer [D, vocab]; with --tied it holds the
transposed embedding (what an export of a tied model contains). Linear weights and
biases are N(0, 0.02), norm weights 1 + N(0, 0.02). Every tensor has its own generator
seeded with (--seed, tensor index), so a preset and seed always give the same bytes.

--weights-dtype bf16 or f16 stores every weight in that type (rounded to nearest even from
the float32 draw) followed by Cast(to=FLOAT), the graph computing in float32: what the
torch exporters write for a model whose parameters are bf16 (nearly every current
checkpoint) but that runs in float32. The data file is then half the size.

Presets (the flags above override single fields):
  tiny          D 64, 2 layers, 4 / 2 heads, FFN 128, vocab 512, Llama (no biases,
                untied) -- small enough for CI
  125m          D 768, 12 layers, 12 / 4 heads, FFN 2048, vocab 32000, Llama, untied
  qwen2.5-0.5b  D 896, 24 layers, 14 / 2 heads (head_dim 64), FFN 4864, vocab 151936,
                q/k/v biases, tied head (Qwen2.5-0.5B's config)
  1.5b          D 1536, 28 layers, 12 / 2 heads (head_dim 128), FFN 8960, vocab 151936,
                q/k/v biases, tied head (Qwen2.5-1.5B's config)

--numpy-logits writes the logits [1, T, vocab] of --tokens computed by a float64 numpy
transcription of the Hugging Face forward pass (np.repeat for repeat_kv, a triangular
mask, rotate_half), which reads the weights back from the written model: an independent
check that the graph means what the Hugging Face code means. For small presets only.

Prints one summary line (parameters, data bytes, seconds). Exit 1 on errors.
"""
import argparse
import os
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
LEGACY_OPSET = 14
IR_VERSION = 8

PRESETS = {
    "tiny": dict(hidden=64, layers=2, heads=4, kv_heads=2, head_dim=None, ffn=128,
                 vocab=512, qkv_bias=False, tied=False),
    "125m": dict(hidden=768, layers=12, heads=12, kv_heads=4, head_dim=None, ffn=2048,
                 vocab=32000, qkv_bias=False, tied=False),
    "qwen2.5-0.5b": dict(hidden=896, layers=24, heads=14, kv_heads=2, head_dim=64,
                         ffn=4864, vocab=151936, qkv_bias=True, tied=True),
    "1.5b": dict(hidden=1536, layers=28, heads=12, kv_heads=2, head_dim=128, ffn=8960,
                 vocab=151936, qkv_bias=True, tied=True),
}
ROPE_THETA = 1e6
RMS_EPS = 1e-6
INIT_STD = 0.02


def fail(msg):
    print(f"make_decoder: error: {msg}", file=sys.stderr)
    sys.exit(1)


class Builder:
    """Nodes, small constants (inline initializers) and weights (external data)."""

    def __init__(self, data_path, data_name, seed, align, weights_dtype="f32"):
        self.nodes = []
        self.initializers = []
        self.consts = {}
        self.names = set()
        self.seed = seed
        self.align = align
        self.weight_index = 0
        self.params = 0
        self.data_name = data_name
        self.data = open(data_path, "wb")
        self.offset = 0
        self.weights_dtype = weights_dtype

    # -- values and nodes -------------------------------------------------------
    def node(self, op, inputs, name, outputs=1, **attrs):
        """Adds one node named NAME (made unique with a suffix _N); returns its output
        name(s) (NAME, NAME:1, ...)."""
        base, n = name, 0
        while name in self.names:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        outs = [name] + [f"{name}:{i}" for i in range(1, outputs)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs[0] if outputs == 1 else outs

    def const(self, value, dtype):
        """An inline initializer for a small constant, shared between uses."""
        arr = np.array(value, dtype=dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if key not in self.consts:
            name = f"const_{len(self.consts)}"
            self.initializers.append(numpy_helper.from_array(arr, name))
            self.consts[key] = name
        return self.consts[key]

    def i64(self, *values):
        return self.const(list(values), np.int64)

    # -- weights ----------------------------------------------------------------
    def rng(self):
        self.weight_index += 1
        return np.random.default_rng([self.seed, self.weight_index])

    def normal(self, shape, mean=0.0):
        arr = self.rng().standard_normal(shape, dtype=np.float32)
        arr *= np.float32(INIT_STD)
        if mean:
            arr += np.float32(mean)
        return arr

    def weight(self, name, arr):
        """Appends ARR to the data file; adds an initializer pointing at it. Returns the
        name of the float32 value to use: the initializer, or with --weights-dtype
        bf16/f16 the Cast(to=FLOAT) of it."""
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        if self.offset % self.align:
            pad = self.align - self.offset % self.align
            self.data.write(b"\0" * pad)
            self.offset += pad
        # Little-endian raw bytes, the ONNX external data layout; converted a
        # few million elements at a time, so that rounding a large table needs
        # no full-size temporaries.
        data_type = {"bf16": TensorProto.BFLOAT16, "f16": TensorProto.FLOAT16}.get(
            self.weights_dtype, TensorProto.FLOAT)
        flat = arr.reshape(-1)
        for start in range(0, flat.size, 1 << 22):
            part = flat[start:start + (1 << 22)]
            if self.weights_dtype == "bf16":
                bits = part.view(np.uint32)
                raw = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")
            elif self.weights_dtype == "f16":
                raw = part.astype("<f2")
            else:
                raw = part.astype("<f4", copy=False)
            raw.tofile(self.data)
        length = flat.size * (4 if data_type == TensorProto.FLOAT else 2)
        t = TensorProto()
        t.name = name
        t.data_type = data_type
        t.dims.extend(arr.shape)
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", self.data_name), ("offset", str(self.offset)),
                           ("length", str(length))):
            entry = t.external_data.add()
            entry.key = key
            entry.value = value
        self.initializers.append(t)
        self.offset += length
        self.params += arr.size
        if data_type == TensorProto.FLOAT:
            return name
        return self.node("Cast", [name], "/" + name.replace(".", "/") + "/Cast",
                         to=TensorProto.FLOAT)

    def close(self):
        self.data.close()


def rms_norm(b, x, weight, prefix):
    sq = b.node("Pow", [x, b.const(2.0, np.float32)], f"{prefix}/Pow")
    mean = b.node("ReduceMean", [sq], f"{prefix}/ReduceMean", axes=[-1], keepdims=1)
    var = b.node("Add", [mean, b.const(RMS_EPS, np.float32)], f"{prefix}/Add")
    std = b.node("Sqrt", [var], f"{prefix}/Sqrt")
    rstd = b.node("Reciprocal", [std], f"{prefix}/Reciprocal")
    normed = b.node("Mul", [x, rstd], f"{prefix}/Mul")
    return b.node("Mul", [weight, normed], f"{prefix}/Mul_w")


def linear(b, x, in_dim, out_dim, name, bias):
    """x @ W (+ bias), W [in, out] ~ N(0, 0.02)."""
    prefix = "/" + name.replace(".", "/")
    w = b.weight(f"{name}.weight", b.normal((in_dim, out_dim)))
    y = b.node("MatMul", [x, w], f"{prefix}/MatMul")
    if bias:
        bias_name = b.weight(f"{name}.bias", b.normal((out_dim,)))
        y = b.node("Add", [y, bias_name], f"{prefix}/Add")
    return y


def rotate(b, x, cos, sin, half, prefix):
    """RoPE, HF's rotate_half form: x*cos + cat(-x[..., half:], x[..., :half])*sin."""
    x1 = b.node("Slice", [x, b.i64(0), b.i64(half), b.i64(3), b.i64(1)], f"{prefix}/Slice")
    x2 = b.node("Slice", [x, b.i64(half), b.i64(np.iinfo(np.int64).max), b.i64(3),
                          b.i64(1)], f"{prefix}/Slice_1")
    neg = b.node("Neg", [x2], f"{prefix}/Neg")
    rot = b.node("Concat", [neg, x1], f"{prefix}/Concat", axis=-1)
    a = b.node("Mul", [x, cos], f"{prefix}/Mul")
    c = b.node("Mul", [rot, sin], f"{prefix}/Mul_1")
    return b.node("Add", [a, c], f"{prefix}/Add")


def build(b, cfg):
    d, hd = cfg["hidden"], cfg["head_dim"]
    nh, nkv, ffn, vocab = cfg["heads"], cfg["kv_heads"], cfg["ffn"], cfg["vocab"]
    rep = nh // nkv

    # Shapes and positions: everything below depends on T only through these.
    legacy = cfg["legacy"]
    if legacy:  # opset 14: Shape has no start/end yet
        shape = b.node("Shape", ["input_ids"], "/model/Shape")
        batch = b.node("Gather", [shape, b.i64(0)], "/model/Gather", axis=0)
        seq = b.node("Gather", [shape, b.i64(1)], "/model/Gather_1", axis=0)
    else:
        batch = b.node("Shape", ["input_ids"], "/model/Shape", start=0, end=1)
        seq = b.node("Shape", ["input_ids"], "/model/Shape_1", start=1, end=2)
    seq_scalar = b.node("Squeeze", [seq, b.i64(0)], "/model/Squeeze")
    positions = b.node("Range", [b.const(0, np.int64), seq_scalar, b.const(1, np.int64)],
                       "/model/Range")

    embed = b.normal((vocab, d))
    embed_name = b.weight("model.embed_tokens.weight", embed)
    if not cfg["tied"]:
        del embed
    x = b.node("Gather", [embed_name, "input_ids"], "/model/embed_tokens/Gather", axis=0)

    # Causal mask [1, 1, T, T]: 0 where key <= query, float32 min elsewhere (HF's
    # _prepare_4d_causal_attention_mask / sdpa-free eager path).
    rows = b.node("Unsqueeze", [positions, b.i64(1)], "/model/mask/Unsqueeze")
    cols = b.node("Unsqueeze", [positions, b.i64(0)], "/model/mask/Unsqueeze_1")
    allowed = b.node("LessOrEqual", [cols, rows], "/model/mask/LessOrEqual")
    mask2d = None if legacy else b.node("Where", [allowed, b.const(0.0, np.float32),
                              b.const(np.finfo(np.float32).min, np.float32)],
                    "/model/mask/Where")
    if legacy:
        # [B, 1, T, T]: also masked where attention_mask is 0 (padding keys).
        causal = b.node("Unsqueeze", [allowed, b.i64(0, 1)], "/model/mask/Unsqueeze_2")
        keys = b.node("Unsqueeze", ["attention_mask", b.i64(1, 2)],
                      "/model/mask/Unsqueeze_3")
        present = b.node("Equal", [keys, b.const(1, np.int64)], "/model/mask/Equal")
        allowed = b.node("And", [causal, present], "/model/mask/And")
        mask = b.node("Where", [allowed, b.const(0.0, np.float32),
                                b.const(np.finfo(np.float32).min, np.float32)],
                      "/model/mask/Where")
    else:
        mask = b.node("Unsqueeze", [mask2d, b.i64(0, 1)], "/model/mask/Unsqueeze_2")

    # Rotary embedding: freqs[t, i] = t * inv_freq[i]; emb = cat(freqs, freqs).
    inv_freq = (1.0 / (ROPE_THETA ** (np.arange(0, hd, 2, dtype=np.int64)
                                      .astype(np.float32) / hd))).astype(np.float32)
    # Legacy: positions from the position_ids input, [B, T] -> cos/sin [B, 1, T, hd].
    pos_f = b.node("Cast", ["position_ids" if legacy else positions],
                   "/model/rotary_emb/Cast", to=TensorProto.FLOAT)
    pos_col = b.node("Unsqueeze", [pos_f, b.i64(-1)], "/model/rotary_emb/Unsqueeze")
    freqs = b.node("Mul", [pos_col, b.const(inv_freq.reshape(1, -1), np.float32)],
                   "/model/rotary_emb/Mul")
    emb = b.node("Concat", [freqs, freqs], "/model/rotary_emb/Concat", axis=-1)
    head_axes = b.i64(1) if legacy else b.i64(0, 1)
    cos = b.node("Unsqueeze", [b.node("Cos", [emb], "/model/rotary_emb/Cos"), head_axes],
                 "/model/rotary_emb/Unsqueeze_cos")
    sin = b.node("Unsqueeze", [b.node("Sin", [emb], "/model/rotary_emb/Sin"), head_axes],
                 "/model/rotary_emb/Unsqueeze_sin")

    # Shared shape tensors.
    q_shape = b.node("Concat", [batch, seq, b.i64(nh, hd)], "/model/q_shape", axis=0)
    kv_shape = b.node("Concat", [batch, seq, b.i64(nkv, hd)], "/model/kv_shape", axis=0)
    expand_shape = b.node("Concat", [batch, b.i64(nkv, rep), seq, b.i64(hd)],
                          "/model/repeat_kv_expand_shape", axis=0)
    repeat_shape = b.node("Concat", [batch, b.i64(nh), seq, b.i64(hd)],
                          "/model/repeat_kv_shape", axis=0)
    out_shape = b.node("Concat", [batch, seq, b.i64(nh * hd)], "/model/attn_out_shape",
                       axis=0)
    scale = b.const(1.0 / np.sqrt(hd), np.float32)

    def norm_weight(name):
        return b.weight(name, b.normal((d,), mean=1.0))

    for layer in range(cfg["layers"]):
        p = f"model.layers.{layer}"
        pp = f"/model/layers.{layer}"
        h = rms_norm(b, x, norm_weight(f"{p}.input_layernorm.weight"),
                     f"{pp}/input_layernorm")
        bias = cfg["qkv_bias"]
        q = linear(b, h, d, nh * hd, f"{p}.self_attn.q_proj", bias)
        k = linear(b, h, d, nkv * hd, f"{p}.self_attn.k_proj", bias)
        v = linear(b, h, d, nkv * hd, f"{p}.self_attn.v_proj", bias)
        a = f"{pp}/self_attn"
        q = b.node("Transpose", [b.node("Reshape", [q, q_shape], f"{a}/Reshape")],
                   f"{a}/Transpose", perm=[0, 2, 1, 3])
        k = b.node("Transpose", [b.node("Reshape", [k, kv_shape], f"{a}/Reshape_1")],
                   f"{a}/Transpose_1", perm=[0, 2, 1, 3])
        v = b.node("Transpose", [b.node("Reshape", [v, kv_shape], f"{a}/Reshape_2")],
                   f"{a}/Transpose_2", perm=[0, 2, 1, 3])
        q = rotate(b, q, cos, sin, hd // 2, f"{a}/rope_q")
        k = rotate(b, k, cos, sin, hd // 2, f"{a}/rope_k")
        if rep > 1:
            # repeat_kv: [B, KVH, T, hd] -> [B, KVH, 1, T, hd] -> expand -> [B, H, T, hd]
            def repeat_kv(t, tag):
                t = b.node("Unsqueeze", [t, b.i64(2)], f"{a}/repeat_kv_{tag}/Unsqueeze")
                t = b.node("Expand", [t, expand_shape], f"{a}/repeat_kv_{tag}/Expand")
                return b.node("Reshape", [t, repeat_shape], f"{a}/repeat_kv_{tag}/Reshape")
            k = repeat_kv(k, "k")
            v = repeat_kv(v, "v")
        kt = b.node("Transpose", [k], f"{a}/Transpose_3", perm=[0, 1, 3, 2])
        scores = b.node("MatMul", [q, kt], f"{a}/MatMul")
        scores = b.node("Mul", [scores, scale], f"{a}/Mul")
        scores = b.node("Add", [scores, mask], f"{a}/Add")
        probs = b.node("Softmax", [scores], f"{a}/Softmax", axis=-1)
        ctx = b.node("MatMul", [probs, v], f"{a}/MatMul_1")
        ctx = b.node("Transpose", [ctx], f"{a}/Transpose_4", perm=[0, 2, 1, 3])
        ctx = b.node("Reshape", [ctx, out_shape], f"{a}/Reshape_3")
        attn = linear(b, ctx, nh * hd, d, f"{p}.self_attn.o_proj", False)
        x = b.node("Add", [x, attn], f"{pp}/Add")

        h = rms_norm(b, x, norm_weight(f"{p}.post_attention_layernorm.weight"),
                     f"{pp}/post_attention_layernorm")
        gate = linear(b, h, d, ffn, f"{p}.mlp.gate_proj", False)
        silu = b.node("Mul", [gate, b.node("Sigmoid", [gate], f"{pp}/mlp/act_fn/Sigmoid")],
                      f"{pp}/mlp/act_fn/Mul")
        up = linear(b, h, d, ffn, f"{p}.mlp.up_proj", False)
        prod = b.node("Mul", [silu, up], f"{pp}/mlp/Mul")
        mlp = linear(b, prod, ffn, d, f"{p}.mlp.down_proj", False)
        x = b.node("Add", [x, mlp], f"{pp}/Add_1")

    x = rms_norm(b, x, norm_weight("model.norm.weight"), "/model/norm")
    if cfg["tied"]:
        head = b.weight("lm_head.weight", embed.T)
        del embed
    else:
        head = b.weight("lm_head.weight", b.normal((d, vocab)))
    b.nodes.append(helper.make_node("MatMul", [x, head], ["logits"],
                                    name="/lm_head/MatMul"))


def numpy_logits(model_path, ids):
    """Hugging Face Llama/Qwen2 eager forward in float64 numpy; ids int [B, T]."""
    model = onnx.load(model_path)  # with its external data
    props = {p.key: p.value for p in model.metadata_props}
    cfg = dict(kv.split("=", 1) for kv in props["make_decoder"].split())
    d, hd, layers = int(cfg["hidden"]), int(cfg["head_dim"]), int(cfg["layers"])
    nh, nkv = int(cfg["heads"]), int(cfg["kv_heads"])
    w = {t.name: numpy_helper.to_array(t).astype(np.float64)
         for t in model.graph.initializer if not t.name.startswith("const_")}
    if cfg["tied"] == "True":
        assert np.array_equal(w["lm_head.weight"], w["model.embed_tokens.weight"].T)

    def norm(x, weight):
        return weight * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + RMS_EPS))

    def proj(x, name, bias=False):
        y = x @ w[name + ".weight"]
        return y + w[name + ".bias"] if name + ".bias" in w else y

    def rotate_half(x):
        half = x.shape[-1] // 2
        return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)

    batch, length = ids.shape
    inv_freq = 1.0 / (ROPE_THETA ** (np.arange(0, hd, 2) / hd))
    freqs = np.outer(np.arange(length), inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb), np.sin(emb)
    mask = np.triu(np.full((length, length), np.finfo(np.float32).min), k=1)
    x = w["model.embed_tokens.weight"][ids]
    for layer in range(layers):
        p = f"model.layers.{layer}"
        h = norm(x, w[f"{p}.input_layernorm.weight"])
        q, k, v = (proj(h, f"{p}.self_attn.{n}_proj").reshape(batch, length, -1, hd)
                   .transpose(0, 2, 1, 3) for n in "qkv")
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = np.repeat(k, nh // nkv, axis=1), np.repeat(v, nh // nkv, axis=1)
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd) + mask
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, nh * hd)
        x = x + proj(ctx, f"{p}.self_attn.o_proj")
        h = norm(x, w[f"{p}.post_attention_layernorm.weight"])
        gate = proj(h, f"{p}.mlp.gate_proj")
        x = x + proj(gate / (1 + np.exp(-gate)) * proj(h, f"{p}.mlp.up_proj"),
                     f"{p}.mlp.down_proj")
    return norm(x, w["model.norm.weight"]) @ w["lm_head.weight"]


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Presets: " + ", ".join(PRESETS))
    parser.add_argument("out", help="the .onnx file to write")
    parser.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=0)
    for field in ("layers", "hidden", "heads", "kv-heads", "head-dim", "ffn", "vocab"):
        parser.add_argument(f"--{field}", type=int, default=None)
    parser.add_argument("--qkv-bias", dest="qkv_bias", action="store_true", default=None)
    parser.add_argument("--no-qkv-bias", dest="qkv_bias", action="store_false")
    parser.add_argument("--tied", dest="tied", action="store_true", default=None)
    parser.add_argument("--untied", dest="tied", action="store_false")
    parser.add_argument("--legacy", action="store_true",
                        help="opset 14 with inputs attention_mask and position_ids")
    parser.add_argument("--data", default=None,
                        help="name of the external data file, next to OUT "
                             "(default: basename of OUT + '.data')")
    parser.add_argument("--align", type=int, default=4096,
                        help="offset alignment of each tensor in the data file")
    parser.add_argument("--weights-dtype", choices=("f32", "bf16", "f16"), default="f32",
                        help="storage of every weight; bf16/f16 add Cast(to=FLOAT) "
                             "after each (the graph computes in float32)")
    parser.add_argument("--numpy-logits", metavar="OUT.npy", default=None,
                        help="also write numpy's logits of --tokens (float32)")
    parser.add_argument("--tokens", default=None,
                        help="comma-separated token ids for --numpy-logits")
    args = parser.parse_args()
    if bool(args.numpy_logits) != bool(args.tokens):
        fail("--numpy-logits and --tokens go together")

    cfg = dict(PRESETS[args.preset], legacy=args.legacy,
               weights_dtype=args.weights_dtype)
    for field in ("layers", "hidden", "heads", "kv_heads", "head_dim", "ffn", "vocab",
                  "qkv_bias", "tied"):
        value = getattr(args, field)
        if value is not None:
            cfg[field] = value
    if cfg["head_dim"] is None:
        if cfg["hidden"] % cfg["heads"]:
            fail(f"hidden {cfg['hidden']} is not a multiple of heads {cfg['heads']}; "
                 "give --head-dim")
        cfg["head_dim"] = cfg["hidden"] // cfg["heads"]
    if cfg["heads"] % cfg["kv_heads"]:
        fail(f"heads {cfg['heads']} is not a multiple of kv-heads {cfg['kv_heads']}")
    if cfg["head_dim"] % 2:
        fail(f"head_dim {cfg['head_dim']} must be even (RoPE)")
    if args.align < 1:
        fail("--align must be positive")
    if args.seed < 0:
        fail("--seed must not be negative")

    out_dir = os.path.dirname(os.path.abspath(args.out))
    data_name = args.data or os.path.basename(args.out) + ".data"
    if os.sep in data_name or data_name in ("", ".", ".."):
        fail(f"--data must be a plain file name, not '{data_name}'")
    os.makedirs(out_dir, exist_ok=True)

    start = time.time()
    b = Builder(os.path.join(out_dir, data_name), data_name, args.seed, args.align,
                cfg["weights_dtype"])
    try:
        build(b, cfg)
    finally:
        b.close()

    inputs = ["input_ids", "attention_mask", "position_ids"] if cfg["legacy"] \
        else ["input_ids"]
    graph = helper.make_graph(
        b.nodes, f"decoder_{args.preset}",
        [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
         for name in inputs],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                       ["batch", "sequence", cfg["vocab"]])],
        initializer=b.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(
        "", LEGACY_OPSET if cfg["legacy"] else OPSET)],
                              producer_name="sinkc test/lib/make_decoder.py")
    model.ir_version = IR_VERSION
    summary = (f"preset={args.preset} seed={args.seed} " +
               " ".join(f"{k}={v}" for k, v in cfg.items()))
    helper.set_model_props(model, {"make_decoder": summary})
    with open(args.out, "wb") as f:
        f.write(model.SerializeToString())
    print(f"make_decoder: wrote {args.out} + {data_name}: {summary} "
          f"params={b.params} data_bytes={b.offset} nodes={len(b.nodes)} "
          f"seconds={time.time() - start:.1f}")
    if args.numpy_logits:
        try:
            ids = np.array([[int(t) for t in args.tokens.split(",")]], np.int64)
        except ValueError:
            fail(f"--tokens: not a comma-separated list of integers: '{args.tokens}'")
        if ids.min() < 0 or ids.max() >= cfg["vocab"]:
            fail(f"--tokens: ids must be in [0, {cfg['vocab']})")
        np.save(args.numpy_logits, numpy_logits(args.out, ids).astype(np.float32))
    return 0


if __name__ == "__main__":
    sys.exit(main())
