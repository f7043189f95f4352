#!/usr/bin/python3
"""Planted-sink ONNX models: ground truth for sinkc's attention-sink classification.

Writes small decoder-only transformers with hand-designed (untrained) weights in two
styles (Llama: RMSNorm, RoPE, SwiGLU, no biases, untied embeddings; GPT-2: LayerNorm,
learned positions, GELU, biases, tied embeddings) in which

  * the BOS token (position 0) is a primary sink at every layer,
  * chosen byte ids become secondary sinks: a middle-layer MLP writes them onto the
    BOS residual direction with a chosen l2 norm, and a later MLP removes that
    component again after a chosen lifetime (or, for an "MLP switch", never: the
    ground truth of the steering intervention, sinkc --intervene),
  * no other token is flagged by the classification rule of docs/architecture.md
    (|hidden_cos_bos| >= tau or recv >= eps) with a margin on both quantities.

For every configuration NAME it writes NAME.onnx, NAME.prompt.txt, NAME.expected.json
and NAME.metrics.npz next to this script, and for a configuration with an
`intervention` also NAME.intervened.expected.json (the sinks that remain when the
intervention is compiled in).  See docs/planted-sinks.md for the
construction and README.md beside this file for the commands.

Only numpy and onnx (Debian's python3-onnx 1.12: opset 17, IR 8).  Deterministic:
running it twice gives byte-identical files.
"""
import os

# Single-threaded BLAS: the weights are calibrated from forward passes, so the output
# files must not depend on a thread-count dependent summation order.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import zipfile  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

GENERATOR_VERSION = 1
TAU = 0.9          # |hidden_cos_bos| threshold (architecture.md default)
EPS = 0.3          # recv threshold (architecture.md default)
MARGIN = 0.05      # required distance of every decisive quantity to its threshold
BOS_ID = 256
NEG = float(np.finfo(np.float32).min)   # additive causal-mask value (as HF exports)
OPSET = 17
IR_VERSION = 8

# Construction constants (see docs/planted-sinks.md)
CONTENT_NORM = 1.0       # l2 norm of the content part of an ordinary token embedding
CONST_VALUE = 1.0        # Llama: value of the constant direction e_c in every non-BOS token
MARKER_VALUE = 2.5       # value on the marker direction e_m of a secondary-sink token id
BOS_EMBED_NORM = 4.0     # BOS embedding along e_b (layer 0)
BOS_NORM = 30.0          # BOS component along e_b after the block-0 MLP amplifier
BOS_CONTENT = 0.3        # small random content of the BOS embedding
ATTN_OUT_NORM = 0.25     # median l2 norm of an ordinary token's attention output
MLP_OUT_NORM = 0.25      # median l2 norm of an ordinary token's MLP output
QK_NOISE = 0.7           # std of the content part of the attention scores
N_SPECIAL_UNITS = 8      # MLP units reserved per layer for the planted mechanisms
GPT2_MAX_POS = 128       # learned position table size (GPT-2 style)
NORM_EPS = 1e-5
FLAT_BETAS = (2.0, 4.0, 25.0)   # Llama write/remove units, see flat_coefficients()

# Byte-level text; every prompt is BOS followed by the bytes of a string.
LOREM = ("the small model reads a short line of text and writes the next byte "
         "while we watch where the attention goes in every layer of the stack "
         "some tokens become sinks and others stay ordinary all the way down ")

# ----------------------------------------------------------------------------------
# Configurations.  create = creation layer (first flagged layer, x_create is the first
# residual stream in which the token is a sink; the writing MLP is in block create-1);
# life = number of consecutive flagged layers (the removal MLP is in block
# create+life-1); norm = l2 norm of the component the writing MLP puts on e_b.
# bos_logit[h] = attention-score gap between BOS and an ordinary key for an ordinary
# query in head h; bos_layer_scale[l] multiplies it in layer l; sec_key_suppress[h]
# (default 0) subtracts that multiple of the marker coordinate from head h's sink key,
# so secondary sinks draw less attention in that head than BOS ("BOS-only" heads).
# ----------------------------------------------------------------------------------
CONFIGS = [
    dict(name="llama_l6_h2_d64", style="llama", layers=6, heads=2, head_dim=16, hidden=64,
         ffn=64, vocab=260, seed=1001, bos_logit=[9.0, 4.0],
         secondary=[dict(token=10, create=2, life=2, norm=16.0)],
         prompts=["the cat sat on the mat\nand then it slept all day",
                  "a line\nanother line\nand the last line of the prompt",
                  "ab\ncd", "hi\n"]),
    dict(name="llama_l6_h4_d128_nosec", style="llama", layers=6, heads=4, head_dim=16,
         hidden=128, ffn=64, vocab=260, seed=1002, bos_logit=[8.0, 6.0, 4.0, 3.0],
         secondary=[],
         prompts=["no secondary sinks here, only the primary one at bos.",
                  "short one", LOREM[:63]]),
    dict(name="llama_l8_h4_d64", style="llama", layers=8, heads=4, head_dim=16, hidden=64,
         ffn=80, vocab=260, seed=1003, bos_logit=[10.0, 7.0, 4.0, 3.0],
         secondary=[dict(token=35, create=3, life=3, norm=20.0),
                    dict(token=46, create=4, life=1, norm=24.0),
                    dict(token=64, create=2, life=3, norm=3.0, key_boost=[0.8, 0.8, 0.0, 0.0])],
         prompts=["# heading one. then some words follow here",
                  "plain words first # a hash here and a dot. end of it",
                  "dots. more dots. and no hash at all in this prompt",
                  "mail me @ home, said the recv-only sink to the others",
                  "a late one: the recv-only sink is near the end @ here"]),
    dict(name="llama_l10_h8_d64", style="llama", layers=10, heads=8, head_dim=8, hidden=64,
         ffn=64, vocab=260, seed=1004, bos_logit=[10.0, 9.0, 8.0, 6.0, 5.0, 4.0, 3.0, 3.0],
         bos_layer_scale=[1.0, 1.0, 1.0, 0.8, 0.7, 0.7, 0.8, 1.0, 1.0, 1.0],
         sec_key_suppress=[1.5, 1.5, 1.5, 0.0, 0.0, 0.0, 0.0, 1.5],
         secondary=[dict(token=124, create=3, life=4, norm=18.0)],
         prompts=["a | b | c and some more text after the bars",
                  "one bar | in the middle of a rather long prompt that keeps going on"]),
    dict(name="llama_l12_h4_d64", style="llama", layers=12, heads=4, head_dim=16, hidden=64,
         ffn=64, vocab=260, seed=1005, bos_logit=[9.0, 8.0, 5.0, 3.0],
         secondary=[dict(token=10, create=2, life=6, norm=26.0),
                    dict(token=59, create=5, life=2, norm=14.0),
                    dict(token=33, create=7, life=3, norm=20.0)],
         prompts=["first line\nsecond; third! fourth",
                  "semicolons; here; and there; but no newline",
                  "bang! bang! and a newline\nat the end of it all"]),
    dict(name="llama_l16_h4_d64", style="llama", layers=16, heads=4, head_dim=16, hidden=64,
         ffn=48, vocab=260, seed=1006, bos_logit=[10.0, 6.0, 4.0, 3.0], rope_theta=100000.0,
         secondary=[dict(token=10, create=4, life=8, norm=30.0),
                    dict(token=44, create=9, life=4, norm=18.0)],
         prompts=["line one\nline two, with a comma, or two",
                  "just commas, commas, commas, and words between them all"]),
    dict(name="llama_l24_h4_d48", style="llama", layers=24, heads=4, head_dim=8, hidden=48,
         ffn=48, vocab=260, seed=1007, bos_logit=[10.0, 8.0, 5.0, 3.0],
         sec_key_suppress=[1.0, 0.0, 0.0, 0.0],
         secondary=[dict(token=10, create=3, life=10, norm=28.0),
                    dict(token=35, create=12, life=5, norm=22.0),
                    dict(token=46, create=18, life=2, norm=20.0)],
         prompts=["#include the header.\nthen the body of the file follows",
                  "a deep model. with dots. and # signs\nand newlines"]),
    dict(name="gpt2_l6_h2_d64", style="gpt2", layers=6, heads=2, hidden=64, ffn=128,
         vocab=257, seed=2001, gelu="tanh", layernorm="fused", bos_logit=[9.0, 4.0],
         secondary=[dict(token=10, create=2, life=2, norm=16.0)],
         prompts=["the cat sat on the mat\nand then it slept all day",
                  "a line\nanother line\nand the last line of the prompt",
                  "ab\ncd", "hi\n"]),
    dict(name="gpt2_l6_h4_d64_nosec", style="gpt2", layers=6, heads=4, hidden=64, ffn=128,
         vocab=260, seed=2002, gelu="erf", layernorm="decomposed",
         bos_logit=[8.0, 6.0, 4.0, 3.0], secondary=[],
         prompts=["no secondary sinks here, only the primary one at bos.",
                  "short one", LOREM[:63]]),
    dict(name="gpt2_l8_h4_d64", style="gpt2", layers=8, heads=4, hidden=64, ffn=96,
         vocab=260, seed=2003, gelu="erf", layernorm="fused",
         bos_logit=[10.0, 7.0, 4.0, 3.0],
         secondary=[dict(token=35, create=3, life=3, norm=20.0),
                    dict(token=46, create=4, life=1, norm=24.0),
                    dict(token=64, create=2, life=3, norm=3.0, key_boost=[0.7, 0.7, 0.0, 0.0])],
         prompts=["# heading one. then some words follow here",
                  "plain words first # a hash here and a dot. end of it",
                  "dots. more dots. and no hash at all in this prompt",
                  "mail me @ home, said the recv-only sink to the others",
                  "a late one: the recv-only sink is near the end @ here"]),
    dict(name="gpt2_l12_h8_d64", style="gpt2", layers=12, heads=8, hidden=64, ffn=64,
         vocab=257, seed=2004, gelu="tanh", layernorm="decomposed",
         bos_logit=[10.0, 9.0, 8.0, 6.0, 5.0, 4.0, 3.0, 3.0],
         bos_layer_scale=[1.0, 1.0, 1.0, 1.0, 0.8, 0.7, 0.7, 0.8, 1.0, 1.0, 1.0, 1.0],
         sec_key_suppress=[1.5, 0.0, 1.5, 0.0, 1.5, 0.0, 1.5, 0.0],
         secondary=[dict(token=124, create=4, life=4, norm=18.0),
                    dict(token=10, create=6, life=3, norm=26.0)],
         prompts=["a | b | c and some more text after the bars\nnext",
                  "one bar | in the middle of a rather long prompt that keeps going on"]),
    dict(name="gpt2_l16_h2_d64", style="gpt2", layers=16, heads=2, hidden=64, ffn=64,
         vocab=260, seed=2005, gelu="erf", layernorm="fused", bos_logit=[9.0, 5.0],
         # '\n' ends at layer 12, one short of what the depth-scaled rule calls
         # "persists" for 16 layers (13): with life=12 it was primary by that rule
         secondary=[dict(token=10, create=2, life=11, norm=30.0),
                    dict(token=59, create=8, life=3, norm=16.0)],
         prompts=["first line\nsecond; third; fourth",
                  "semicolons; here; and there; but no newline"]),
    dict(name="gpt2_l20_h4_d48", style="gpt2", layers=20, heads=4, hidden=48, ffn=64,
         vocab=260, seed=2006, gelu="tanh", layernorm="fused",
         bos_logit=[10.0, 8.0, 5.0, 3.0],
         secondary=[dict(token=10, create=3, life=8, norm=26.0),
                    dict(token=35, create=9, life=6, norm=22.0),
                    dict(token=46, create=15, life=3, norm=20.0)],
         prompts=["#include the header.\nthen the body of the file follows",
                  "a deep model. with dots. and # signs\nand newlines"]),
    dict(name="gpt2_l24_h2_d48", style="gpt2", layers=24, heads=2, hidden=48, ffn=48,
         vocab=257, seed=2007, gelu="erf", layernorm="decomposed", bos_logit=[9.0, 4.0],
         secondary=[dict(token=33, create=6, life=12, norm=30.0),
                    dict(token=44, create=14, life=1, norm=24.0)],
         prompts=["wow! that is deep, very deep, twenty four layers",
                  "commas, only, commas, here, and, there"]),
    # The MLP switch of the steering test (docs/planted-sinks.md, "An MLP switch"):
    # block create-1's MLP maps the marker of '#' onto e_b and writes BOS's own MLP
    # output onto e_b as well (switch_bos_write), no MLP removes the sink again, and
    # `intervention` is the norm cap (sinkc --intervene, docs/interventions.md) whose
    # effect NAME.intervened.expected.json records: '#' at positions >= skip_first
    # stops being a sink, '#' at position 1 is left alone.
    dict(name="llama_l4_h2_d16_switch", style="llama", layers=4, heads=2, head_dim=8,
         hidden=16, ffn=16, vocab=260, seed=1008, bos_logit=[9.0, 4.0],
         secondary=[dict(token=35, create=2, life=2, norm=20.0, switch=True,
                         switch_bos_write=2.0)],
         intervention=dict(layer=1, cos=0.98, norm=1.0, skip_first=3),
         prompts=["the # sign makes a sink",
                  "#1 opens it, a later # follows",
                  "no switch here",
                  "one more # at the end"]),
]


# ----------------------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------------------
def f32(a):
    return np.asarray(a, dtype=np.float32)


def r32(v, sig=6):
    """Round a calibrated scalar to `sig` significant digits, then to float32, so the
    stored weights do not depend on the last bits of the calibration arithmetic."""
    return np.float32(float("%.*g" % (sig, float(v))))


def unit(rng, n):
    v = rng.standard_normal(n)
    return v / np.linalg.norm(v)


def zero_mean_rows(m, dims):
    """Make every row of m (restricted to columns `dims`) sum to zero, so that vectors
    written into the residual stream have zero mean over the hidden dimension."""
    m = np.array(m, dtype=np.float64)
    m[..., dims] -= m[..., dims].mean(axis=-1, keepdims=True)
    return m


def flat_coefficients():
    """c with sum_i c_i*u_i(1) = 1 and zero first and second derivative at 1, where
    u_i(x) = x*silu(FLAT_BETAS[i]*x): a bias-free SwiGLU combination whose output is
    locally independent of the RMSNorm scale (|output - 1| < 0.1% for x in 0.9..1.1)."""
    def u(x, b):
        return x * (b * x) / (1.0 + math.exp(-b * x))
    h = 1e-3
    A = np.array([[u(1.0, b) for b in FLAT_BETAS],
                  [(u(1 + h, b) - u(1 - h, b)) / (2 * h) for b in FLAT_BETAS],
                  [(u(1 + h, b) - 2 * u(1.0, b) + u(1 - h, b)) / (h * h) for b in FLAT_BETAS]])
    c = np.linalg.solve(A, np.array([1.0, 0.0, 0.0]))
    return tuple(float("%.6g" % v) for v in c)


def round4(x):
    return float(round(float(x), 4))


FLAT_COEF = flat_coefficients()


# ----------------------------------------------------------------------------------
# numpy reference forward pass: the same ops in the same order as the ONNX graph.
# One sequence at a time ([T, ...], batch 1).  `dt` is np.float64 (reference) or
# np.float32 (to see how close float32 code gets).
# ----------------------------------------------------------------------------------
def _erf(x):
    return np.frompyfunc(math.erf, 1, 1)(x.astype(np.float64)).astype(np.float64)


def softmax(s):
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - m)
    return e / e.sum(axis=-1, keepdims=True)


def rmsnorm(x, g, dt):
    p = np.power(x, dt(2.0))
    m = p.mean(axis=-1, keepdims=True)
    r = np.reciprocal(np.sqrt(m + dt(NORM_EPS)))
    return g.astype(dt) * (x * r)


def layernorm(x, g, b, dt):
    # LayerNormalization (stash_type=1) and the decomposed form compute the same
    # sequence: mean, centre, mean of squares, divide by sqrt(var + eps), scale, shift.
    mu = x.mean(axis=-1, keepdims=True)
    c = x - mu
    var = np.power(c, dt(2.0)).mean(axis=-1, keepdims=True)
    y = c / np.sqrt(var + dt(NORM_EPS))
    return y * g.astype(dt) + b.astype(dt)


def gelu(f, kind, dt):
    if kind == "tanh":
        a = f * dt(0.5)
        p = np.power(f, dt(3.0))
        t = f + p * dt(np.float32(0.044715))
        t = np.tanh(t * dt(np.float32(math.sqrt(2.0 / math.pi))))
        return a * (t + dt(1.0))
    e = _erf(f / dt(np.float32(math.sqrt(2.0)))).astype(dt)
    return f * (e + dt(1.0)) * dt(0.5)


def sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


class Ctx:
    """Per-sequence constants computed in-graph from the positions (mask, RoPE)."""

    def __init__(self, cfg, T, dt, W):
        self.dt = dt
        pos = np.arange(T)
        if cfg["style"] == "llama":
            rows, cols = pos[:, None], pos[None, :]
            self.mask = np.where(cols > rows, dt(NEG), dt(0.0)).astype(dt)
            inv = W["rope.inv_freq"].astype(dt).reshape(1, -1)
            fr = pos.astype(np.float32).astype(dt).reshape(-1, 1) @ inv
            emb = np.concatenate([fr, fr], axis=-1)
            self.cos = np.cos(emb)
            self.sin = np.sin(emb)
        else:
            ones = np.ones((T, T), dtype=dt)
            tril = np.tril(ones)
            self.mask = (dt(1.0) - tril) * dt(NEG)


def llama_attn(cfg, W, l, x, ctx):
    dt, H, hd = ctx.dt, cfg["heads"], cfg["head_dim"]
    T = x.shape[0]
    p = "layers.%d." % l
    h = rmsnorm(x, W[p + "ln1.weight"], dt)

    def heads(z):
        return z.reshape(T, H, hd).transpose(1, 0, 2)

    q = heads(h @ W[p + "attn.q.weight"].astype(dt))
    k = heads(h @ W[p + "attn.k.weight"].astype(dt))
    v = heads(h @ W[p + "attn.v.weight"].astype(dt))

    def rope(z):
        z1, z2 = z[..., : hd // 2], z[..., hd // 2:]
        return z * ctx.cos + np.concatenate([-z2, z1], axis=-1) * ctx.sin

    q, k = rope(q), rope(k)
    s = (q @ k.transpose(0, 2, 1)) * dt(np.float32(1.0 / math.sqrt(hd)))
    s = s + ctx.mask
    a = softmax(s)
    o = (a @ v).transpose(1, 0, 2).reshape(T, H * hd) @ W[p + "attn.o.weight"].astype(dt)
    return x + o, a, h


def llama_mlp(cfg, W, l, x, ctx):
    dt = ctx.dt
    p = "layers.%d." % l
    h = rmsnorm(x, W[p + "ln2.weight"], dt)
    g = h @ W[p + "mlp.gate.weight"].astype(dt)
    s = g * sigmoid(g)
    u = h @ W[p + "mlp.up.weight"].astype(dt)
    m = (s * u) @ W[p + "mlp.down.weight"].astype(dt)
    return x + m, m, h


def gpt2_norm(cfg, W, name, x, dt):
    return layernorm(x, W[name + ".weight"], W[name + ".bias"], dt)


def gpt2_attn(cfg, W, l, x, ctx):
    dt, H, d = ctx.dt, cfg["heads"], cfg["hidden"]
    hd = d // H
    T = x.shape[0]
    p = "layers.%d." % l
    h = gpt2_norm(cfg, W, p + "ln1", x, dt)
    qkv = h @ W[p + "attn.qkv.weight"].astype(dt) + W[p + "attn.qkv.bias"].astype(dt)
    q, k, v = qkv[:, :d], qkv[:, d:2 * d], qkv[:, 2 * d:]
    q = q.reshape(T, H, hd).transpose(1, 0, 2)
    v = v.reshape(T, H, hd).transpose(1, 0, 2)
    kt = k.reshape(T, H, hd).transpose(1, 2, 0)
    s = (q @ kt) / dt(np.float32(math.sqrt(hd)))
    s = s + ctx.mask
    a = softmax(s)
    o = (a @ v).transpose(1, 0, 2).reshape(T, d)
    o = o @ W[p + "attn.o.weight"].astype(dt) + W[p + "attn.o.bias"].astype(dt)
    return x + o, a, h


def gpt2_mlp(cfg, W, l, x, ctx):
    dt = ctx.dt
    p = "layers.%d." % l
    h = gpt2_norm(cfg, W, p + "ln2", x, dt)
    f = h @ W[p + "mlp.fc.weight"].astype(dt) + W[p + "mlp.fc.bias"].astype(dt)
    g = gelu(f, cfg["gelu"], dt)
    m = g @ W[p + "mlp.proj.weight"].astype(dt) + W[p + "mlp.proj.bias"].astype(dt)
    return x + m, m, h


def embed(cfg, W, ids, dt):
    if cfg["style"] == "llama":
        return W["embed.weight"].astype(dt)[ids]
    T = len(ids)
    return W["wte.weight"].astype(dt)[ids] + W["wpe.weight"].astype(dt)[np.arange(T)]


def final(cfg, W, x, dt):
    if cfg["style"] == "llama":
        h = rmsnorm(x, W["norm.weight"], dt)
        return h @ W["lm_head.weight"].astype(dt)
    h = gpt2_norm(cfg, W, "ln_f", x, dt)
    return h @ W["wte.weight"].astype(dt).T


def blocks(cfg):
    if cfg["style"] == "llama":
        return llama_attn, llama_mlp
    return gpt2_attn, gpt2_mlp


def norm_cap(m, cap, dt):
    """The steering intervention of sinkc --intervene=mlp-norm-cap (docs/interventions.md)
    on block cap["layer"]'s MLP output m [T, d]: every position t >= skip_first whose
    MLP output has cos > cap["cos"] with the reference direction, BOS's own MLP output
    m[0], is rescaled to l2 norm cap["norm"].  Returns the new m, the cosines and the
    mask of rescaled positions."""
    r = m[0]
    nm = np.sqrt((m * m).sum(axis=-1))
    cos = (m @ r) / (nm * np.sqrt((r * r).sum()))
    fire = (np.arange(len(m)) >= cap["skip_first"]) & (cos > cap["cos"])
    out = m.copy()
    out[fire] = m[fire] * (dt(cap["norm"]) / nm[fire])[:, None]
    return out, cos, fire


def forward(cfg, W, ids, dt=np.float64, cap=None, cap_info=None):
    """Returns logits [T,V], xs [L,T,d] (residual entering block l), probs [L,H,T,T],
    mlps [L,T,d] (MLP block outputs: what each block adds to the residual stream).
    With `cap` (the config's intervention) the MLP output of block cap["layer"] is
    rescaled by norm_cap before it is added; its cosines and rescaled positions go to
    the dict `cap_info`."""
    attn_fn, mlp_fn = blocks(cfg)
    T = len(ids)
    ctx = Ctx(cfg, T, dt, W)
    x = embed(cfg, W, np.asarray(ids), dt)
    xs, probs, mlps = [], [], []
    for l in range(cfg["layers"]):
        xs.append(x)
        x, a, _ = attn_fn(cfg, W, l, x, ctx)
        probs.append(a)
        y, m, _ = mlp_fn(cfg, W, l, x, ctx)
        if cap is not None and l == cap["layer"]:
            m, cos, fire = norm_cap(m, cap, dt)
            y = x + m
            if cap_info is not None:
                cap_info.update(cos=cos, fire=fire)
        x = y
        mlps.append(m)
    logits = final(cfg, W, x, dt)
    return logits, np.stack(xs), np.stack(probs), np.stack(mlps)


# ----------------------------------------------------------------------------------
# metrics (architecture.md) and classification
# ----------------------------------------------------------------------------------
def _cos(a, b):
    na = np.linalg.norm(a, axis=-1)
    nb = np.linalg.norm(b, axis=-1)
    return (a * b).sum(-1) / np.maximum(na * nb, 1e-30)


def compute_metrics(xs, probs, mlps):
    xs, probs, mlps = (np.asarray(z, dtype=np.float64) for z in (xs, probs, mlps))
    L, H, T, _ = probs.shape
    att0 = probs[:, :, :, 0]                              # [L,H,Tq]
    colsum = probs.sum(axis=2)                            # [L,H,Tk] sum over queries
    recv_head = colsum / (T - np.arange(T))[None, None, :]
    x0 = xs[:, :1, :]
    return dict(
        bos_mass=att0.mean(axis=(1, 2)),
        head_bos_mass=att0.mean(axis=2),
        recv=recv_head.mean(axis=1),
        recv_head=recv_head,
        hidden_norm=np.linalg.norm(xs, axis=-1),
        hidden_cos_bos=_cos(xs, x0),
        mlp_norm=np.linalg.norm(mlps, axis=-1),
        mlp_cos_bos=_cos(mlps, x0),
    )


def sink_kind(layers, creation, lifetime):
    """The primary/secondary rule of docs/metrics.md (runtime/src/Classify.cpp) for a
    sink flagged at layers creation..creation+lifetime-1 of a model instrumented at all
    `layers` layers: primary when created among the first max(1, ceil(layers/4)) layers
    and flagged through layer layers-1-floor(layers/8), secondary otherwise."""
    early = max(1, -(-layers // 4))
    late = layers - 1 - layers // 8
    return "primary" if creation < early and creation + lifetime - 1 >= late else "secondary"


def strict_sink_kind(layers, creation, lifetime):
    """The stricter rule the construction follows: primary = flagged from layer <= 1
    through the last layer."""
    return "primary" if creation <= 1 and creation + lifetime == layers else "secondary"


def classify(met, tau=TAU, eps=EPS, per_head=False, kind_rule=sink_kind):
    recv = met["recv_head"].max(axis=1) if per_head else met["recv"]
    flags = (np.abs(met["hidden_cos_bos"]) >= tau) | (recv >= eps)   # [L,T]
    sinks = []
    for t in range(flags.shape[1]):
        ls = np.nonzero(flags[:, t])[0]
        if len(ls) == 0:
            continue
        c = int(ls[0])
        life = 0
        while c + life < flags.shape[0] and flags[c + life, t]:
            life += 1
        sinks.append(dict(position=t, creation_layer=c, lifetime=life,
                          kind=kind_rule(flags.shape[0], c, life),
                          flagged_layers=[int(v) for v in ls]))
    return flags, sinks


# ----------------------------------------------------------------------------------
# model construction
# ----------------------------------------------------------------------------------
class Layout:
    """Which residual dimensions carry what (see docs/planted-sinks.md)."""

    def __init__(self, cfg, rng):
        d = cfg["hidden"]
        nsec = len(cfg["secondary"])
        nspec = 1 + (1 if cfg["style"] == "llama" else 0) + nsec
        perm = rng.permutation(d)
        self.e_b = int(perm[0])                       # primary-sink (BOS) direction
        i = 1
        self.e_c = None
        if cfg["style"] == "llama":
            self.e_c = int(perm[1])                   # constant direction (query source)
            i = 2
        self.markers = [int(v) for v in perm[i:i + nsec]]   # one per secondary token id
        self.special = sorted(int(v) for v in perm[:nspec])
        self.content = sorted(int(v) for v in perm[nspec:])


def check_config(cfg):
    L = cfg["layers"]
    assert cfg["style"] in ("llama", "gpt2")
    assert 4 <= L <= 24
    if cfg["style"] == "gpt2":
        assert cfg["hidden"] % cfg["heads"] == 0
        assert cfg["hidden"] // cfg["heads"] >= 8
    else:
        assert cfg["head_dim"] >= 8 and cfg["head_dim"] % 2 == 0
    assert len(cfg["bos_logit"]) == cfg["heads"]
    assert cfg["vocab"] >= 257
    ids = [s["token"] for s in cfg["secondary"]]
    assert len(set(ids)) == len(ids)
    for s in cfg["secondary"]:
        assert 0 <= s["token"] < 256
        assert s["create"] >= 2, "the writing MLP must be a middle layer (block >= 1)"
        assert s["life"] >= 1
        if s.get("switch"):
            # nothing removes it: it lives to the last layer, and it is secondary
            # because it is created too late to be primary
            assert s["create"] + s["life"] == L, "a switch sink lives to the last layer"
            assert sink_kind(L, s["create"], s["life"]) == "secondary"
        else:
            assert s["create"] + s["life"] <= L - 1, "secondary sinks must end before the last layer"
    if "intervention" in cfg:
        cap = cfg["intervention"]
        assert cap["skip_first"] >= 1 and 0 <= cap["layer"] < L
        assert any(s.get("switch") and s["create"] - 1 == cap["layer"] for s in cfg["secondary"])
    for p in cfg["prompts"]:
        assert len(p) + 1 <= (GPT2_MAX_POS if cfg["style"] == "gpt2" else 4096)


def prompt_ids(text):
    return [BOS_ID] + list(text.encode("latin-1"))


def calibration_sequences(cfg, rng):
    """Random byte sequences (each starting with BOS) with the secondary-sink ids at
    random positions: the statistics the weights are calibrated on.  The prompts that
    are checked and shipped are not among them."""
    sec = [s["token"] for s in cfg["secondary"]]
    pool = np.array([b for b in range(32, 127) if b not in sec])
    seqs = []
    for n in (6, 9, 12, 16, 20, 24, 32, 40, 48, 64, 64, 64):
        toks = list(rng.choice(pool, size=n - 1))
        for tok in sec:
            for _ in range(int(rng.integers(0, 3))):
                if n > 4:
                    toks[int(rng.integers(1, n - 2))] = tok
        seqs.append([BOS_ID] + [int(t) for t in toks])
    return seqs


class Builder:
    def __init__(self, cfg):
        check_config(cfg)
        self.cfg = cfg
        self.rng = np.random.default_rng(cfg["seed"])
        self.lay = Layout(cfg, self.rng)
        self.W = {}
        self.notes = {"layers": []}
        self.sec_by_token = {s["token"]: (i, s) for i, s in enumerate(cfg["secondary"])}

    # --- helpers -------------------------------------------------------------------
    def put(self, name, arr):
        self.W[name] = f32(arr)

    def gamma(self, n):
        g = np.ones(n)
        c = self.lay.content
        g[c] = 1.0 + 0.1 * self.rng.standard_normal(len(c))
        return g

    def beta(self, n):
        b = np.zeros(n)
        c = self.lay.content
        b[c] = 0.02 * self.rng.standard_normal(len(c))
        return b

    def token_masks(self, seq, l):
        """Boolean masks over positions: ordinary (not BOS, not a secondary-sink id),
        and per secondary spec the positions holding its id."""
        seq = np.asarray(seq)
        ordinary = np.ones(len(seq), bool)
        ordinary[0] = False
        per = {}
        for tok, (i, s) in self.sec_by_token.items():
            m = seq == tok
            ordinary &= ~m
            per[i] = m
        return ordinary, per

    # --- embeddings ----------------------------------------------------------------
    def build_embeddings(self):
        cfg, lay, rng = self.cfg, self.lay, self.rng
        d, V = cfg["hidden"], cfg["vocab"]
        E = np.zeros((V, d))
        for v in range(V):
            E[v, lay.content] = CONTENT_NORM * unit(rng, len(lay.content))
        E = zero_mean_rows(E, lay.content)
        E[:, lay.content] *= CONTENT_NORM / np.linalg.norm(E[:, lay.content], axis=1, keepdims=True)
        E[BOS_ID, lay.content] *= BOS_CONTENT / CONTENT_NORM
        E[BOS_ID, lay.e_b] = BOS_EMBED_NORM
        if lay.e_c is not None:
            E[:, lay.e_c] = CONST_VALUE
            E[BOS_ID, lay.e_c] = 0.0
        for tok, (i, s) in self.sec_by_token.items():
            E[tok, lay.markers[i]] = s.get("marker", MARKER_VALUE)
        if cfg["style"] == "llama":
            self.put("embed.weight", E)
        else:
            self.put("wte.weight", E)
            P = np.zeros((GPT2_MAX_POS, d))
            P[:, lay.content] = 0.3 * rng.standard_normal((GPT2_MAX_POS, len(lay.content))) / math.sqrt(len(lay.content))
            P = zero_mean_rows(P, lay.content)
            self.put("wpe.weight", P)
        if cfg["style"] == "llama":
            self.put("rope.inv_freq", 1.0 / (cfg.get("rope_theta", 10000.0) **
                                             (np.arange(0, cfg["head_dim"], 2) / cfg["head_dim"])))

    # --- attention -----------------------------------------------------------------
    def build_attn(self, l, states, seqs):
        cfg, lay, rng = self.cfg, self.lay, self.rng
        d, H = cfg["hidden"], cfg["heads"]
        llama = cfg["style"] == "llama"
        hd = cfg["head_dim"] if llama else d // H
        A = H * hd
        p = "layers.%d." % l
        g1 = self.gamma(d)
        if llama:
            self.put(p + "ln1.weight", g1)
        else:
            self.put(p + "ln1.weight", g1)
            self.put(p + "ln1.bias", self.beta(d))
        # normalised inputs
        hs = []
        for x in states:
            if llama:
                hs.append(rmsnorm(x, self.W[p + "ln1.weight"], np.float64))
            else:
                hs.append(gpt2_norm(cfg, self.W, p + "ln1", x, np.float64))
        ordn = [self.token_masks(s, l)[0] for s in seqs]
        hb0 = float(np.median([h[0, lay.e_b] for h in hs]))   # BOS on e_b
        sink_col = (hd // 2 - 1) if llama else 0               # per head
        other = [j for j in range(hd) if j not in ((hd // 2 - 1, hd - 1) if llama else (0,))]
        Wq = np.zeros((d, A))
        Wk = np.zeros((d, A))
        bq = np.zeros(A)
        bk = np.zeros(A)
        scale_l = cfg.get("bos_layer_scale", [1.0] * cfg["layers"])[l]
        S = [b * scale_l for b in cfg["bos_logit"]]
        rows = lay.content
        for h in range(H):
            cols = [h * hd + j for j in other]
            Wq[np.ix_(rows, cols)] = rng.standard_normal((len(rows), len(cols))) / math.sqrt(d)
            Wk[np.ix_(rows, cols)] = rng.standard_normal((len(rows), len(cols))) / math.sqrt(d)
            if not llama:
                bq[cols] = 0.3 * rng.standard_normal(len(cols))
                bk[cols] = 0.3 * rng.standard_normal(len(cols))
        # content-score scale: std of q.k/sqrt(hd) over ordinary pairs -> QK_NOISE
        sc = []
        for h_, om in zip(hs, ordn):
            q = (h_ @ Wq + bq)[om]
            k = (h_ @ Wk + bk)[om]
            for hh in range(H):
                sl = slice(hh * hd, (hh + 1) * hd)
                sc.append((q[:, sl] @ k[:, sl].T).ravel() / math.sqrt(hd))
        sd = float(np.std(np.concatenate(sc)))
        f = float(r32(math.sqrt(QK_NOISE / sd)))
        Wq *= f
        Wk *= f
        bq *= f
        bk *= f
        # the sink channel: keys read e_b, queries a constant (e_c or the bias)
        if llama:
            hc = float(np.median(np.concatenate([h_[om, lay.e_c] for h_, om in zip(hs, ordn)])))
        lam = cfg.get("sec_key_suppress", [0.0] * H)
        for h in range(H):
            j = h * hd + sink_col
            Wk[lay.e_b, j] = 1.0
            for mk, sp in zip(lay.markers, cfg["secondary"]):
                # sec_key_suppress: "BOS-only" heads, the marker lowers the sink key of
                # the secondary-sink ids; key_boost: the marker raises it (the sink then
                # outweighs BOS in that head: a sink flagged by recv rather than cos)
                Wk[mk, j] = sp.get("key_boost", [0.0] * H)[h] - lam[h]
            if llama:
                Wq[lay.e_c, j] = r32(S[h] * math.sqrt(hd) / (hc * hb0))
            else:
                bq[j] = r32(S[h] * math.sqrt(hd) / hb0)
        # values and output projection (content only, zero-mean writes)
        Wv = np.zeros((d, A))
        Wv[rows, :] = rng.standard_normal((len(rows), A)) / math.sqrt(d)
        Wo = np.zeros((A, d))
        Wo[:, rows] = rng.standard_normal((A, len(rows))) / math.sqrt(A)
        Wo = zero_mean_rows(Wo, rows)
        bv = np.zeros(A)
        bo = np.zeros(d)
        if not llama:
            bv[:] = 0.05 * rng.standard_normal(A)
            bo[rows] = 0.05 * rng.standard_normal(len(rows))
            bo = zero_mean_rows(bo[None, :], rows)[0]
        if llama:
            self.put(p + "attn.q.weight", Wq)
            self.put(p + "attn.k.weight", Wk)
            self.put(p + "attn.v.weight", Wv)
            self.put(p + "attn.o.weight", Wo)
        else:
            self.put(p + "attn.qkv.weight", np.concatenate([Wq, Wk, Wv], axis=1))
            self.put(p + "attn.qkv.bias", np.concatenate([bq, bk, bv]))
            self.put(p + "attn.o.weight", Wo)
            self.put(p + "attn.o.bias", bo)
        # scale the output projection so that ordinary tokens get ATTN_OUT_NORM
        attn_fn = blocks(cfg)[0]
        norms = []
        for x, s, om in zip(states, seqs, ordn):
            ctx = Ctx(cfg, len(s), np.float64, self.W)
            y, _, _ = attn_fn(cfg, self.W, l, x, ctx)
            norms.append(np.linalg.norm((y - x)[om], axis=-1))
        med = float(np.median(np.concatenate(norms)))
        fo = ATTN_OUT_NORM / med
        if llama:
            self.put(p + "attn.o.weight", self.W[p + "attn.o.weight"] * r32(fo))
        else:
            self.put(p + "attn.o.weight", self.W[p + "attn.o.weight"] * r32(fo))
            self.put(p + "attn.o.bias", self.W[p + "attn.o.bias"] * r32(fo))
        return dict(bos_logit=[round4(v) for v in S], bos_key_e_b=round4(hb0))

    # --- MLP -----------------------------------------------------------------------
    def build_mlp(self, l, states, seqs):
        cfg, lay, rng = self.cfg, self.lay, self.rng
        d, F = cfg["hidden"], cfg["ffn"]
        llama = cfg["style"] == "llama"
        p = "layers.%d." % l
        g2 = self.gamma(d)
        self.put(p + "ln2.weight", g2)
        if not llama:
            self.put(p + "ln2.bias", self.beta(d))
        hs = []
        for x in states:
            if llama:
                hs.append(rmsnorm(x, self.W[p + "ln2.weight"], np.float64))
            else:
                hs.append(gpt2_norm(cfg, self.W, p + "ln2", x, np.float64))
        masks = [self.token_masks(s, l) for s in seqs]
        rows = list(lay.content) + ([lay.e_c] if llama else [])
        Fr = F - N_SPECIAL_UNITS
        # ordinary (random) units
        W1 = np.zeros((d, F))
        W1[np.ix_(rows, range(Fr))] = 2.0 * rng.standard_normal((len(rows), Fr)) / math.sqrt(d)
        Wu = np.zeros((d, F))
        b1 = np.zeros(F)
        if llama:
            Wu[np.ix_(rows, range(Fr))] = 2.0 * rng.standard_normal((len(rows), Fr)) / math.sqrt(d)
        else:
            b1[:Fr] = 0.5 * rng.standard_normal(Fr)
        W2 = np.zeros((F, d))
        W2[:Fr, lay.content] = rng.standard_normal((Fr, len(lay.content))) / math.sqrt(Fr)
        W2 = zero_mean_rows(W2, lay.content)
        b2 = np.zeros(d)
        if not llama:
            b2[lay.content] = 0.05 * rng.standard_normal(len(lay.content))
            b2 = zero_mean_rows(b2[None, :], lay.content)[0]

        def act(hh, units):
            if llama:
                g = hh @ W1[:, units]
                return g * sigmoid(g) * (hh @ Wu[:, units])
            return gelu(hh @ W1[:, units] + b1[units], cfg["gelu"], np.float64)

        # scale the random units' output to MLP_OUT_NORM for ordinary tokens
        outs = [np.linalg.norm((act(hh, list(range(Fr))) @ W2[:Fr] + b2)[om], axis=-1)
                for hh, (om, _) in zip(hs, masks)]
        fo = r32(MLP_OUT_NORM / float(np.median(np.concatenate(outs))))
        W2[:Fr] *= fo
        b2 *= fo
        W2 = f32(W2).astype(np.float64)
        b2 = f32(b2).astype(np.float64)

        # planted units
        jobs = []
        if l == 0:
            jobs.append(("bos_amplifier", None))
        for i, s in enumerate(cfg["secondary"]):
            if s["create"] - 1 == l:
                jobs.append(("create", i))
                if s.get("switch"):
                    jobs.append(("bos_write", i))
            if s["create"] + s["life"] - 1 == l and not s.get("switch"):
                jobs.append(("remove", i))
        info = []
        j = Fr
        for kind, i in jobs:
            if kind in ("bos_amplifier", "bos_write"):
                src = lay.e_b
                on = [hh[:1] for hh in hs]                             # BOS
                off = [hh[om] for hh, (om, _) in zip(hs, masks)]
            else:
                src = lay.markers[i]
                on = [hh[per[i]] for hh, (_, per) in zip(hs, masks)]
                off = [hh[~per[i]] for hh, (_, per) in zip(hs, masks)]
            on = np.concatenate(on)
            off = np.concatenate(off)
            v_on = on[:, src]
            v_off = off[:, src]
            assert len(v_on) > 0, "calibration set lacks tokens for %s" % kind
            if kind in ("bos_amplifier", "bos_write"):
                units = [j]
                if llama:
                    # silu(beta*h_b) * h_b: exactly 0 where h_b == 0 (every other token)
                    beta = r32(4.0 / float(np.median(v_on)))
                    W1[src, j] = beta
                    Wu[src, j] = 1.0
                else:
                    lo, hi = max(0.0, float(np.max(v_off))), float(np.min(v_on))
                    theta = lo + 0.3 * (hi - lo)
                    beta = r32(6.0 / (theta - lo))
                    W1[src, j] = beta
                    b1[j] = r32(-beta * theta)
                coef = [1.0]
            elif llama:
                # Three SwiGLU units sum_i c_i * silu(b_i*x) * x with x = h_m (the
                # normalised marker coordinate), b_i = FLAT_BETAS[i] / median(x): the
                # combination is flat to second order in the input scale around the
                # median, so the written norm hardly depends on |x| (which varies with
                # position through the attention and MLP writes).  Exactly 0 where
                # x == 0, i.e. for every token without this marker.
                units = [j, j + 1, j + 2]
                x0 = float(np.median(v_on))
                for u, bb in zip(units, FLAT_BETAS):
                    W1[src, u] = r32(bb / x0)
                    Wu[src, u] = 1.0
                coef = list(FLAT_COEF)
                beta = r32(FLAT_BETAS[0] / x0)
            else:
                # Pair of GELU units gelu(z) - gelu(z - K), z = beta*(h_m - theta): K for
                # every token carrying the marker (saturated), ~0 for all others.
                units = [j, j + 1]
                lo, hi = max(0.0, float(np.max(v_off))), float(np.min(v_on))
                theta = lo + 0.3 * (hi - lo)
                beta = r32(6.0 / (theta - lo))
                K = float(beta) * (hi - theta) - 5.0
                assert K > 1.0, K
                W1[src, j] = beta
                W1[src, j + 1] = beta
                b1[j] = r32(-beta * theta)
                b1[j + 1] = r32(-beta * theta - K)
                coef = [1.0, -1.0]
            j += len(units)
            a_on = act(on, units) @ np.array(coef)
            a_off = act(off, units) @ np.array(coef)
            if kind == "bos_amplifier":
                target = np.full(len(a_on), BOS_NORM) - np.array([x[0, lay.e_b] for x in states])
                w = r32(float((target * a_on).sum() / (a_on * a_on).sum()))
            elif kind == "bos_write":
                # the switch layer's MLP output of BOS itself: along e_b, so that it
                # is the primary-sink direction the intervention compares with
                w = r32(cfg["secondary"][i]["switch_bos_write"] / float(np.mean(a_on)))
            elif kind == "create":
                w = r32(cfg["secondary"][i]["norm"] / float(np.mean(a_on)))
            else:
                # cancel the e_b component the token currently carries
                y = np.concatenate([x[per[i], lay.e_b] for x, (_, per) in zip(states, masks)])
                w = r32(-float((y * a_on).sum() / (a_on * a_on).sum()))
            for u, cf in zip(units, coef):
                W2[u, lay.e_b] = r32(float(w) * cf)
            info.append(dict(kind=kind, secondary=i, units=units, src_dim=src, beta=float(beta),
                             act_on_min=round4(a_on.min()), act_on_max=round4(a_on.max()),
                             act_off_maxabs=float("%.3g" % np.max(np.abs(a_off))),
                             down=float(w)))
        assert j <= F and j - Fr <= N_SPECIAL_UNITS, (l, jobs)
        if llama:
            self.put(p + "mlp.gate.weight", W1)
            self.put(p + "mlp.up.weight", Wu)
            self.put(p + "mlp.down.weight", W2)
        else:
            self.put(p + "mlp.fc.weight", W1)
            self.put(p + "mlp.fc.bias", b1)
            self.put(p + "mlp.proj.weight", W2)
            self.put(p + "mlp.proj.bias", b2)
        return info

    def build_head(self, states):
        cfg, lay, rng = self.cfg, self.lay, self.rng
        d, V = cfg["hidden"], cfg["vocab"]
        if cfg["style"] == "llama":
            self.put("norm.weight", self.gamma(d))
            Wl = np.zeros((d, V))
            Wl[lay.content, :] = rng.standard_normal((len(lay.content), V)) / math.sqrt(d)
            self.put("lm_head.weight", Wl)
        else:
            self.put("ln_f.weight", self.gamma(d))
            self.put("ln_f.bias", self.beta(d))

    def build(self):
        cfg = self.cfg
        self.build_embeddings()
        seqs = calibration_sequences(cfg, self.rng)
        states = [embed(cfg, self.W, np.asarray(s), np.float64) for s in seqs]
        attn_fn, mlp_fn = blocks(cfg)
        for l in range(cfg["layers"]):
            ainfo = self.build_attn(l, states, seqs)
            new = []
            for x, s in zip(states, seqs):
                y, _, _ = attn_fn(cfg, self.W, l, x, Ctx(cfg, len(s), np.float64, self.W))
                new.append(y)
            states = new
            minfo = self.build_mlp(l, states, seqs)
            new = []
            for x, s in zip(states, seqs):
                y, _, _ = mlp_fn(cfg, self.W, l, x, Ctx(cfg, len(s), np.float64, self.W))
                new.append(y)
            states = new
            self.notes["layers"].append(dict(attn=ainfo, mlp_units=minfo))
        self.build_head(states)
        return self.W


# ----------------------------------------------------------------------------------
# ONNX graph
# ----------------------------------------------------------------------------------
class G:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0
        self.consts = {}

    def init(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def const(self, arr, dtype):
        arr = np.asarray(arr, dtype=dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        if key not in self.consts:
            self.consts[key] = self.init("const_%d" % len(self.consts), arr)
        return self.consts[key]

    def op(self, op, inputs, name, nout=1, **attrs):
        self.n += 1
        outs = [name] if nout == 1 else ["%s_%d" % (name, i) for i in range(nout)]
        self.nodes.append(helper.make_node(op, inputs, outs, name="n%d_%s" % (self.n, name), **attrs))
        return outs[0] if nout == 1 else outs


def g_rmsnorm(g, x, w, name):
    p = g.op("Pow", [x, g.const(2.0, np.float32)], name + ".pow")
    m = g.op("ReduceMean", [p], name + ".mean", axes=[-1], keepdims=1)
    a = g.op("Add", [m, g.const(NORM_EPS, np.float32)], name + ".add_eps")
    s = g.op("Sqrt", [a], name + ".sqrt")
    r = g.op("Reciprocal", [s], name + ".rsqrt")
    y = g.op("Mul", [x, r], name + ".normed")
    return g.op("Mul", [w, y], name + ".out")


def g_layernorm(g, cfg, x, w, b, name):
    if cfg["layernorm"] == "fused":
        return g.op("LayerNormalization", [x, w, b], name + ".out", axis=-1,
                    epsilon=NORM_EPS, stash_type=1)
    mu = g.op("ReduceMean", [x], name + ".mean", axes=[-1], keepdims=1)
    c = g.op("Sub", [x, mu], name + ".centred")
    p = g.op("Pow", [c, g.const(2.0, np.float32)], name + ".pow")
    var = g.op("ReduceMean", [p], name + ".var", axes=[-1], keepdims=1)
    a = g.op("Add", [var, g.const(NORM_EPS, np.float32)], name + ".add_eps")
    s = g.op("Sqrt", [a], name + ".std")
    y = g.op("Div", [c, s], name + ".normed")
    y = g.op("Mul", [y, w], name + ".scaled")
    return g.op("Add", [y, b], name + ".out")


def build_graph(cfg, W):
    g = G()
    for k in sorted(W):
        if k != "rope.inv_freq":
            g.init(k, W[k])
    llama = cfg["style"] == "llama"
    d, H, L, V = cfg["hidden"], cfg["heads"], cfg["layers"], cfg["vocab"]
    hd = cfg["head_dim"] if llama else d // H
    i64 = np.int64
    B1 = g.op("Shape", ["input_ids"], "batch_1d", start=0, end=1)
    T1 = g.op("Shape", ["input_ids"], "seq_1d", start=1, end=2)
    T0 = g.op("Squeeze", [T1, g.const([0], i64)], "seq_len")
    pos = g.op("Range", [g.const(0, i64), T0, g.const(1, i64)], "positions")
    if llama:
        x = g.op("Gather", ["embed.weight", "input_ids"], "embed", axis=0)
        # causal mask from Range + comparison
        rows = g.op("Unsqueeze", [pos, g.const([1], i64)], "mask.rows")
        cols = g.op("Unsqueeze", [pos, g.const([0], i64)], "mask.cols")
        fut = g.op("Greater", [cols, rows], "mask.future")
        mask = g.op("Where", [fut, g.const(NEG, np.float32), g.const(0.0, np.float32)], "mask")
        # RoPE tables from the positions
        posf = g.op("Cast", [pos], "rope.pos_f", to=TensorProto.FLOAT)
        posc = g.op("Unsqueeze", [posf, g.const([1], i64)], "rope.pos_col")
        inv = g.init("rope.inv_freq", W["rope.inv_freq"].reshape(1, -1))
        fr = g.op("MatMul", [posc, inv], "rope.freqs")
        emb = g.op("Concat", [fr, fr], "rope.angles", axis=-1)
        cos = g.op("Cos", [emb], "rope.cos")
        sin = g.op("Sin", [emb], "rope.sin")
        qshape = g.op("Concat", [B1, T1, g.const([H, hd], i64)], "shape.heads", axis=0)
        oshape = g.op("Concat", [B1, T1, g.const([H * hd], i64)], "shape.merged", axis=0)
        half = hd // 2

        def rope(z, name):
            a = g.op("Mul", [z, cos], name + ".mul_cos")
            z1 = g.op("Slice", [z, g.const([0], i64), g.const([half], i64), g.const([3], i64)], name + ".x1")
            z2 = g.op("Slice", [z, g.const([half], i64), g.const([hd], i64), g.const([3], i64)], name + ".x2")
            n2 = g.op("Neg", [z2], name + ".neg_x2")
            rh = g.op("Concat", [n2, z1], name + ".rot_half", axis=-1)
            b = g.op("Mul", [rh, sin], name + ".mul_sin")
            return g.op("Add", [a, b], name + ".out")

        scale = g.const(np.float32(1.0 / math.sqrt(hd)), np.float32)
        for l in range(L):
            p = "layers.%d." % l
            h = g_rmsnorm(g, x, p + "ln1.weight", p + "ln1")
            qkv = []
            for nm in ("q", "k", "v"):
                z = g.op("MatMul", [h, p + "attn.%s.weight" % nm], p + "attn." + nm)
                z = g.op("Reshape", [z, qshape], p + "attn.%s_heads" % nm)
                z = g.op("Transpose", [z], p + "attn.%s_bhtd" % nm, perm=[0, 2, 1, 3])
                qkv.append(z)
            q = rope(qkv[0], p + "attn.q_rope")
            k = rope(qkv[1], p + "attn.k_rope")
            kt = g.op("Transpose", [k], p + "attn.k_t", perm=[0, 1, 3, 2])
            s = g.op("MatMul", [q, kt], p + "attn.qk")
            s = g.op("Mul", [s, scale], p + "attn.scores")
            s = g.op("Add", [s, mask], p + "attn.masked")
            a = g.op("Softmax", [s], p + "attn.probs", axis=-1)
            o = g.op("MatMul", [a, qkv[2]], p + "attn.ctx")
            o = g.op("Transpose", [o], p + "attn.ctx_bthd", perm=[0, 2, 1, 3])
            o = g.op("Reshape", [o, oshape], p + "attn.ctx_merged")
            o = g.op("MatMul", [o, p + "attn.o.weight"], p + "attn.out")
            x = g.op("Add", [x, o], p + "resid_mid")
            h = g_rmsnorm(g, x, p + "ln2.weight", p + "ln2")
            gt = g.op("MatMul", [h, p + "mlp.gate.weight"], p + "mlp.gate")
            sg = g.op("Sigmoid", [gt], p + "mlp.gate_sigmoid")
            si = g.op("Mul", [gt, sg], p + "mlp.silu")
            up = g.op("MatMul", [h, p + "mlp.up.weight"], p + "mlp.up")
            m = g.op("Mul", [si, up], p + "mlp.act")
            m = g.op("MatMul", [m, p + "mlp.down.weight"], p + "mlp.out")
            x = g.op("Add", [x, m], p + "resid_out")
        h = g_rmsnorm(g, x, "norm.weight", "final_norm")
        g.op("MatMul", [h, "lm_head.weight"], "logits")
    else:
        tok = g.op("Gather", ["wte.weight", "input_ids"], "embed.tokens", axis=0)
        pid = g.op("Unsqueeze", [pos, g.const([0], i64)], "position_ids")
        pe = g.op("Gather", ["wpe.weight", pid], "embed.positions", axis=0)
        x = g.op("Add", [tok, pe], "embed")
        tt = g.op("Concat", [T1, T1], "mask.shape", axis=0)
        ones = g.op("Expand", [g.const(1.0, np.float32), tt], "mask.ones")
        tril = g.op("Trilu", [ones], "mask.tril", upper=0)
        fut = g.op("Sub", [g.const(1.0, np.float32), tril], "mask.future")
        mask = g.op("Mul", [fut, g.const(NEG, np.float32)], "mask")
        hshape = g.const([0, 0, H, hd], i64)
        mshape = g.const([0, 0, d], i64)
        sq = g.const(np.float32(math.sqrt(hd)), np.float32)
        for l in range(L):
            p = "layers.%d." % l
            h = g_layernorm(g, cfg, x, p + "ln1.weight", p + "ln1.bias", p + "ln1")
            z = g.op("MatMul", [h, p + "attn.qkv.weight"], p + "attn.qkv_mm")
            z = g.op("Add", [z, p + "attn.qkv.bias"], p + "attn.qkv")
            q, k, v = g.op("Split", [z, g.const([d, d, d], i64)], p + "attn.split", nout=3, axis=2)
            q = g.op("Reshape", [q, hshape], p + "attn.q_heads")
            q = g.op("Transpose", [q], p + "attn.q_bhtd", perm=[0, 2, 1, 3])
            k = g.op("Reshape", [k, hshape], p + "attn.k_heads")
            kt = g.op("Transpose", [k], p + "attn.k_t", perm=[0, 2, 3, 1])
            v = g.op("Reshape", [v, hshape], p + "attn.v_heads")
            v = g.op("Transpose", [v], p + "attn.v_bhtd", perm=[0, 2, 1, 3])
            s = g.op("MatMul", [q, kt], p + "attn.qk")
            s = g.op("Div", [s, sq], p + "attn.scores")
            s = g.op("Add", [s, mask], p + "attn.masked")
            a = g.op("Softmax", [s], p + "attn.probs", axis=-1)
            o = g.op("MatMul", [a, v], p + "attn.ctx")
            o = g.op("Transpose", [o], p + "attn.ctx_bthd", perm=[0, 2, 1, 3])
            o = g.op("Reshape", [o, mshape], p + "attn.ctx_merged")
            o = g.op("MatMul", [o, p + "attn.o.weight"], p + "attn.out_mm")
            o = g.op("Add", [o, p + "attn.o.bias"], p + "attn.out")
            x = g.op("Add", [x, o], p + "resid_mid")
            h = g_layernorm(g, cfg, x, p + "ln2.weight", p + "ln2.bias", p + "ln2")
            f = g.op("MatMul", [h, p + "mlp.fc.weight"], p + "mlp.fc_mm")
            f = g.op("Add", [f, p + "mlp.fc.bias"], p + "mlp.fc")
            if cfg["gelu"] == "tanh":
                a_ = g.op("Mul", [f, g.const(0.5, np.float32)], p + "mlp.gelu_half")
                c3 = g.op("Pow", [f, g.const(3.0, np.float32)], p + "mlp.gelu_cube")
                c3 = g.op("Mul", [c3, g.const(0.044715, np.float32)], p + "mlp.gelu_cube_s")
                t = g.op("Add", [f, c3], p + "mlp.gelu_inner")
                t = g.op("Mul", [t, g.const(math.sqrt(2.0 / math.pi), np.float32)], p + "mlp.gelu_inner_s")
                t = g.op("Tanh", [t], p + "mlp.gelu_tanh")
                t = g.op("Add", [t, g.const(1.0, np.float32)], p + "mlp.gelu_tanh1")
                ge = g.op("Mul", [a_, t], p + "mlp.gelu")
            else:
                e = g.op("Div", [f, g.const(math.sqrt(2.0), np.float32)], p + "mlp.gelu_scaled")
                e = g.op("Erf", [e], p + "mlp.gelu_erf")
                e = g.op("Add", [e, g.const(1.0, np.float32)], p + "mlp.gelu_erf1")
                e = g.op("Mul", [f, e], p + "mlp.gelu_prod")
                ge = g.op("Mul", [e, g.const(0.5, np.float32)], p + "mlp.gelu")
            m = g.op("MatMul", [ge, p + "mlp.proj.weight"], p + "mlp.proj_mm")
            m = g.op("Add", [m, p + "mlp.proj.bias"], p + "mlp.out")
            x = g.op("Add", [x, m], p + "resid_out")
        h = g_layernorm(g, cfg, x, "ln_f.weight", "ln_f.bias", "final_norm")
        wt = g.op("Transpose", ["wte.weight"], "lm_head.weight_t", perm=[1, 0])
        g.op("MatMul", [h, wt], "logits")

    inp = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "sequence", V])
    graph = helper.make_graph(g.nodes, cfg["name"], [inp], [out], initializer=g.inits)
    model = helper.make_model(graph, producer_name="sinkc-make_planted",
                              producer_version=str(GENERATOR_VERSION),
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    model.doc_string = ("Planted-sink test model (hand-designed weights, not trained). "
                        "See docs/planted-sinks.md and %s.expected.json." % cfg["name"])
    meta = {k: v for k, v in cfg.items() if k not in ("prompts",)}
    helper.set_model_props(model, {"sinkc.planted.config": json.dumps(meta, sort_keys=True)})
    onnx.checker.check_model(model, full_check=True)
    return model


def with_debug_outputs(model, cfg):
    """Copy of the model that also outputs every layer's attention probabilities,
    residual stream entering the block and MLP output (for the ORT cross-check)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    names = []
    for l in range(cfg["layers"]):
        p = "layers.%d." % l
        names += [p + "attn.probs", p + "mlp.out"]
    names.append("embed")
    names += ["layers.%d.resid_out" % l for l in range(cfg["layers"] - 1)]
    for n in names:
        m.graph.output.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, None))
    return m


# ----------------------------------------------------------------------------------
# expectations, verification, files
# ----------------------------------------------------------------------------------
def removal_layer(s):
    """The block whose MLP removes secondary sink s; None for a switch sink, which
    lives to the last layer."""
    return None if s.get("switch") else s["create"] + s["life"] - 1


def planned_sinks(cfg, ids, capped=()):
    """The planted sinks of a prompt; without the tokens at the positions in `capped`
    (the positions the intervention rescales: their writer's output no longer makes
    them sinks)."""
    L = cfg["layers"]
    out = [dict(position=0, token_id=BOS_ID, kind="primary", creation_layer=0, lifetime=L)]
    for i, s in enumerate(cfg["secondary"]):
        for t, v in enumerate(ids):
            if t > 0 and v == s["token"] and t not in capped:
                out.append(dict(position=t, token_id=v, kind="secondary",
                                creation_layer=s["create"], lifetime=s["life"],
                                writer_mlp_layer=s["create"] - 1,
                                removal_mlp_layer=removal_layer(s),
                                planted_norm=s["norm"]))
    return sorted(out, key=lambda r: r["position"])


def analyse(cfg, ids, met, capped=()):
    """Margins of every decision against the thresholds; returns (report, errors)."""
    L, T = met["recv"].shape
    plan = planned_sinks(cfg, ids, capped)
    want = np.zeros((L, T), bool)
    for s in plan:
        want[s["creation_layer"]:s["creation_layer"] + s["lifetime"], s["position"]] = True
    cosabs = np.abs(met["hidden_cos_bos"])
    recv = met["recv"]
    recvh = met["recv_head"].max(axis=1)
    errors = []
    rep = {}
    # flagged entries: the deciding quantity must clear its threshold by MARGIN
    sec = want.copy()
    sec[:, 0] = False
    m_flag = np.maximum(cosabs - TAU, recv - EPS)
    rep["secondary_flag_margin_min"] = round4(m_flag[sec].min()) if sec.any() else None
    rep["secondary_min_abs_cos_minus_tau"] = round4((cosabs - TAU)[sec].min()) if sec.any() else None
    rep["bos_recv_margin_min"] = round4((recv[:, 0] - EPS).min())
    un = ~want
    rep["unflagged_cos_margin_min"] = round4((TAU - cosabs)[un].min())
    rep["unflagged_recv_margin_min"] = round4((EPS - recv)[un].min())
    rep["unflagged_recv_per_head_margin_min"] = round4((EPS - recvh)[un].min())
    if sec.any() and rep["secondary_flag_margin_min"] < MARGIN:
        errors.append("secondary flag margin %.4f < %.2f" % (rep["secondary_flag_margin_min"], MARGIN))
    if rep["bos_recv_margin_min"] < MARGIN:
        errors.append("BOS recv margin %.4f < %.2f" % (rep["bos_recv_margin_min"], MARGIN))
    if rep["unflagged_cos_margin_min"] < MARGIN:
        l, t = np.argwhere(un & (TAU - cosabs < MARGIN))[0]
        errors.append("unflagged cos margin %.4f < %.2f (layer %d pos %d)" % (rep["unflagged_cos_margin_min"], MARGIN, l, t))
    if rep["unflagged_recv_margin_min"] < MARGIN:
        l, t = np.argwhere(un & (EPS - recv < MARGIN))[0]
        errors.append("unflagged recv margin %.4f < %.2f (layer %d pos %d)" % (rep["unflagged_recv_margin_min"], MARGIN, l, t))
    if rep["unflagged_recv_per_head_margin_min"] < MARGIN:
        l, t = np.argwhere(un & (EPS - recvh < MARGIN))[0]
        errors.append("unflagged per-head recv margin %.4f < %.2f (layer %d pos %d)" % (rep["unflagged_recv_per_head_margin_min"], MARGIN, l, t))
    # the classification rule itself must give exactly the plan (mean and per-head recv),
    # kinds included, with the depth-scaled primary rule of docs/metrics.md and with the
    # stricter "layer <= 1 through the last layer" rule
    for per_head in (False, True):
        for kind_rule in (sink_kind, strict_sink_kind):
            _, found = classify(met, per_head=per_head, kind_rule=kind_rule)
            got = [(s["position"], s["creation_layer"], s["lifetime"], s["kind"],
                    len(s["flagged_layers"])) for s in found]
            exp = [(s["position"], s["creation_layer"], s["lifetime"], s["kind"], s["lifetime"])
                   for s in plan]
            if got != exp:
                errors.append("classification (%s recv, %s) found %s, planted %s" %
                              ("per-head" if per_head else "mean", kind_rule.__name__, got, exp))
    # entries where one quantity lies within MARGIN of its threshold: the OR-decision
    # is safe (checked above) but "which criterion fired" is not robust there
    near = []
    for l, t in np.argwhere(np.abs(cosabs - TAU) < MARGIN):
        if t > 0:
            near.append(dict(layer=int(l), position=int(t), quantity="abs_hidden_cos_bos",
                             value=round4(cosabs[l, t])))
    for l, t in np.argwhere(np.abs(recv - EPS) < MARGIN):
        near.append(dict(layer=int(l), position=int(t), quantity="recv", value=round4(recv[l, t])))
    rep["criterion_near_threshold"] = near
    unf = un.copy()
    unf[:, 0] = False
    rep["max_unflagged_abs_cos"] = round4(cosabs[unf].max()) if unf.any() else None
    rep["max_unflagged_recv"] = round4(recv[unf].max()) if unf.any() else None
    rep["max_unflagged_recv_per_head"] = round4(recvh[unf].max()) if unf.any() else None
    # per-sink facts
    sinks = []
    for s in plan:
        t, c, n = s["position"], s["creation_layer"], s["lifetime"]
        r = recv[c:c + n, t]
        cs = cosabs[c:c + n, t]
        e = dict(s)
        crit = []
        for l in range(c, c + n):
            a, b_ = cosabs[l, t] >= TAU, recv[l, t] >= EPS
            crit.append("cos+recv" if a and b_ else ("cos" if a else "recv"))
        e.update(criteria_by_layer=crit)
        e.update(last_layer=c + n - 1,
                 peak_recv=round4(r.max()), peak_recv_layer=int(c + np.argmax(r)),
                 mean_recv=round4(r.mean()), min_recv=round4(r.min()),
                 min_abs_cos=round4(cs.min()),
                 flagged_by_recv_layers=int((r >= EPS).sum()),
                 flagged_by_cos_layers=int((cs >= TAU).sum()))
        if s["kind"] == "secondary":
            w, r = s["writer_mlp_layer"], s["removal_mlp_layer"]
            e.update(writer_mlp_norm=round4(met["mlp_norm"][w, t]),
                     writer_mlp_cos_bos=round4(met["mlp_cos_bos"][w, t]),
                     removal_mlp_norm=None if r is None else round4(met["mlp_norm"][r, t]),
                     removal_mlp_cos_bos=None if r is None else round4(met["mlp_cos_bos"][r, t]),
                     hidden_norm_peak=round4(met["hidden_norm"][c:c + n, t].max()),
                     after_removal_abs_cos=(round4(cosabs[c + n, t]) if c + n < L else None),
                     after_removal_recv=(round4(recv[c + n, t]) if c + n < L else None))
        else:
            e.update(hidden_norm_layer0=round4(met["hidden_norm"][0, 0]),
                     hidden_norm_layer1=round4(met["hidden_norm"][1, 0]))
        sinks.append(e)
    return rep, sinks, errors


def save_npz(path, arrays):
    """np.savez with fixed zip timestamps (np.savez stamps the current time)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            b = io.BytesIO()
            np.lib.format.write_array(b, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            zi = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            zf.writestr(zi, b.getvalue())
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())


def model_facts(cfg):
    llama = cfg["style"] == "llama"
    f = dict(style=cfg["style"], layers=cfg["layers"], heads=cfg["heads"],
             head_dim=cfg["head_dim"] if llama else cfg["hidden"] // cfg["heads"],
             hidden=cfg["hidden"], ffn=cfg["ffn"], vocab=cfg["vocab"], bos_id=BOS_ID,
             byte_level=True, opset=OPSET, ir_version=IR_VERSION,
             input="input_ids int64 [batch, sequence]",
             output="logits float32 [batch, sequence, %d]" % cfg["vocab"],
             tied_embeddings=not llama, biases=not llama)
    if llama:
        f.update(norm="RMSNorm (Pow/ReduceMean/Add/Sqrt/Reciprocal/Mul)", mlp="SwiGLU",
                 positions="RoPE (rotate_half), cos/sin computed in-graph from Range",
                 rope_theta=cfg.get("rope_theta", 10000.0),
                 causal_mask="Range + Greater + Where (additive, float32 min)")
    else:
        f.update(norm="LayerNormalization" if cfg["layernorm"] == "fused"
                 else "LayerNorm decomposed (ReduceMean/Sub/Pow/Sqrt/Div)",
                 mlp="GELU (%s form)" % cfg["gelu"], positions="learned (Gather wpe)",
                 max_positions=GPT2_MAX_POS,
                 causal_mask="Expand + Trilu + Sub + Mul (additive, float32 min)")
    return f


def cap_spec(cap):
    """The intervention as sinkc --intervene spells it (and records it in the trace)."""
    return "mlp-norm-cap:layer=%d,cos=%g,norm=%g,skip-first=%d" % (
        cap["layer"], cap["cos"], cap["norm"], cap["skip_first"])


def run_prompts(cfg, W, prompts, arrays=None, cap=None):
    """Forward passes (float64 and float32) of every prompt, the metrics, the planted
    sinks and the margins of every decision: (expected prompts, errors, worst margins).
    Stores the reference arrays of metrics.npz in `arrays`.  With `cap` (the config's
    intervention) the passes apply it, the planted sinks are those that remain (every
    switch token at a rescaled position loses its sink) and each prompt also records
    which positions were rescaled and the cosines that decided it."""
    exp_prompts = []
    all_errors = []
    worst = {}
    switch_ids = {s["token"] for s in cfg["secondary"] if s.get("switch")}
    for pi, ids in enumerate(prompts):
        info, info32 = {}, {}
        logits, xs, probs, mlps = forward(cfg, W, ids, np.float64, cap, info)
        capped = [int(t) for t in np.nonzero(info["fire"])[0]] if cap else []
        met = compute_metrics(xs, probs, mlps)
        rep, sinks, errors = analyse(cfg, ids, met, capped)
        # float32 forward: same decisions, and how far float32 arithmetic moves things
        l32, xs32, p32, m32 = forward(cfg, W, ids, np.float32, cap, info32)
        met32 = compute_metrics(xs32, p32, m32)
        rep32, _, err32 = analyse(cfg, ids, met32, capped)
        dev = {k: float(np.max(np.abs(met[k] - met32[k]))) for k in
               ("recv", "bos_mass", "head_bos_mass", "hidden_norm", "hidden_cos_bos",
                "mlp_norm", "mlp_cos_bos")}
        dev["logits"] = float(np.max(np.abs(logits - l32)))
        entry = dict(
            index=pi, length=len(ids), text=cfg["prompts"][pi], token_ids=ids, sinks=sinks,
            margins=rep,
            bos_mass=[round4(v) for v in met["bos_mass"]],
            float32_max_abs_dev={k: float("%.3g" % v) for k, v in dev.items()})
        if cap:
            # the rescaled positions are exactly the switch tokens from skip_first on,
            # in float64 and float32, with a margin on the cosine
            want = [t for t, v in enumerate(ids)
                    if t >= cap["skip_first"] and v in switch_ids]
            if capped != want or [int(t) for t in np.nonzero(info32["fire"])[0]] != want:
                errors.append("the cap rescales positions %s, planted %s" % (capped, want))
            cos = info["cos"]
            late = np.arange(len(ids)) >= cap["skip_first"]
            hit = late & np.isin(ids, list(switch_ids))
            cap_rep = dict(
                capped_min_cos=round4(cos[hit].min()) if hit.any() else None,
                others_max_cos=round4(cos[late & ~hit].max()) if (late & ~hit).any() else None)
            if hit.any() and cos[hit].min() - cap["cos"] < 0.01:
                errors.append("capped cos margin %.4f < 0.01" % (cos[hit].min() - cap["cos"]))
            if (late & ~hit).any() and cap["cos"] - cos[late & ~hit].max() < MARGIN:
                errors.append("uncapped cos margin %.4f < %.2f" %
                              (cap["cos"] - cos[late & ~hit].max(), MARGIN))
            entry.update(capped_positions=capped, cap_cosine=cap_rep)
        all_errors += ["prompt %d: %s" % (pi, e) for e in errors]
        all_errors += ["prompt %d (float32): %s" % (pi, e) for e in err32]
        for k, v in rep.items():
            if k.endswith("_margin_min") and v is not None:
                worst[k] = min(worst.get(k, 9.0), v)
        if arrays is not None:
            key = "p%d_" % pi
            arrays[key + "input_ids"] = np.array(ids, np.int64)
            arrays[key + "logits"] = logits.astype(np.float32)
            for k in ("recv", "bos_mass", "head_bos_mass", "hidden_norm", "hidden_cos_bos",
                      "mlp_norm", "mlp_cos_bos", "recv_head"):
                arrays[key + k] = met[k].astype(np.float32)
            arrays[key + "flags"] = classify(met)[0]
        exp_prompts.append(entry)
    return exp_prompts, all_errors, worst


def generate(cfg, outdir, log):
    b = Builder(cfg)
    W = b.build()
    model = build_graph(cfg, W)
    name = cfg["name"]
    data = model.SerializeToString()
    with open(os.path.join(outdir, name + ".onnx"), "wb") as fh:
        fh.write(data)
    prompts = [prompt_ids(p) for p in cfg["prompts"]]
    with open(os.path.join(outdir, name + ".prompt.txt"), "w") as fh:
        for ids in prompts:
            fh.write(",".join(str(v) for v in ids) + "\n")
    arrays = {"num_prompts": np.array(len(prompts), np.int64),
              "thresholds": np.array([TAU, EPS], np.float64)}
    exp_prompts, all_errors, worst = run_prompts(cfg, W, prompts, arrays)
    exp = dict(
        name=name, generator="test/models/planted/make_planted.py",
        generator_version=GENERATOR_VERSION,
        model=model_facts(cfg),
        thresholds=dict(tau=TAU, eps=EPS, recv="mean over heads (architecture.md default)",
                        also_valid_for="per-head recv (max over heads): same sinks",
                        required_margin=MARGIN, cos="|hidden_cos_bos|"),
        conventions=dict(
            layer="0-based decoder block l; x_l = residual stream entering block l "
                  "(HF hidden_states[l]); metrics have one row per block (layers rows)",
            creation_layer="first l at which the token is flagged; for a secondary sink "
                           "the MLP that writes it is in block creation_layer-1 "
                           "(writer_mlp_layer), since block l's MLP output enters x_{l+1}",
            lifetime="number of consecutive flagged layers from creation_layer on; the "
                     "removal MLP is in block creation_layer+lifetime-1, so "
                     "x_{creation_layer+lifetime} is unflagged again",
            primary="BOS (position 0): flagged at every layer 0..layers-1 (|cos| is 1 by "
                    "definition at t=0, and recv[l][0] >= eps + margin at every layer)",
            secondary="created at a middle layer (>= 2), ends at least one layer before "
                      "the last, and is not primary by the depth-scaled rule of "
                      "docs/metrics.md (primary = created in the first max(1, ceil(layers/4)) "
                      "layers and flagged through layer layers-1-floor(layers/8))"),
        planted=dict(
            bos=dict(token_id=BOS_ID, bos_logit_per_head=cfg["bos_logit"],
                     bos_layer_scale=cfg.get("bos_layer_scale", [1.0] * cfg["layers"]),
                     embed_norm_e_b=BOS_EMBED_NORM, norm_e_b_after_block0=BOS_NORM),
            secondary=[dict(token_id=s["token"], token_char=chr(s["token"]),
                            creation_layer=s["create"], lifetime=s["life"],
                            writer_mlp_layer=s["create"] - 1,
                            removal_mlp_layer=removal_layer(s),
                            norm=s["norm"],
                            **({"switch": True,
                                "switch_bos_write": s["switch_bos_write"]}
                               if s.get("switch") else {}))
                       for s in cfg["secondary"]]),
        prompts=exp_prompts,
        min_margins=worst)
    with open(os.path.join(outdir, name + ".expected.json"), "w") as fh:
        json.dump(exp, fh, indent=1, sort_keys=True)
        fh.write("\n")
    save_npz(os.path.join(outdir, name + ".metrics.npz"), arrays)
    if "intervention" in cfg:
        # The same prompts through the model with the intervention compiled in: the
        # ground truth of an executable built with --intervene=<spec>, in the same
        # format (check_classification.py reads it like expected.json).
        cap = cfg["intervention"]
        cap_prompts, cap_errors, cap_worst = run_prompts(cfg, W, prompts, cap=cap)
        all_errors += ["intervened: " + e for e in cap_errors]
        iexp = dict(exp)
        iexp.update(
            prompts=cap_prompts, min_margins=cap_worst,
            intervention=dict(
                spec=cap_spec(cap), layer=cap["layer"], cos=cap["cos"], norm=cap["norm"],
                skip_first=cap["skip_first"],
                rule="at block `layer`, every position t >= skip_first whose MLP output "
                     "m[t] has cos(m[t], m[0]) > cos (m[0]: BOS's own MLP output) is "
                     "rescaled to m[t] * norm / |m[t]| before it is added to the "
                     "residual stream",
                effect="every switch token at a rescaled position stops being a sink; "
                       "`sinks` are those that remain, `capped_positions` the rescaled "
                       "positions"))
        with open(os.path.join(outdir, name + ".intervened.expected.json"), "w") as fh:
            json.dump(iexp, fh, indent=1, sort_keys=True)
            fh.write("\n")
    size = len(data)
    log("%-26s %-5s L=%-2d H=%d d=%-3d sec=%d size=%7.1f KB  margins: sec=%s bosrecv=%s "
        "cos=%s recv=%s recv_head=%s" % (
            name, cfg["style"], cfg["layers"], cfg["heads"], cfg["hidden"],
            len(cfg["secondary"]), size / 1024, worst.get("secondary_flag_margin_min"),
            worst.get("bos_recv_margin_min"), worst.get("unflagged_cos_margin_min"),
            worst.get("unflagged_recv_margin_min"),
            worst.get("unflagged_recv_per_head_margin_min")))
    for e in all_errors:
        log("   ERROR " + e)
    if size >= 2 * 1024 * 1024:
        all_errors.append("model is %d bytes (>= 2 MiB)" % size)
    return model, W, all_errors


# ----------------------------------------------------------------------------------
# cross-check with ONNX Runtime (tools/ort-reference/ort_run.mjs), when installed
# ----------------------------------------------------------------------------------
def ort_check(cfg, model, W, log):
    runner = os.path.join(REPO, "tools", "ort-reference", "ort_run.mjs")
    ort_dir = os.environ.get("SINKC_ORT_DIR", os.path.join(REPO, ".deps", "ort"))
    if not os.path.exists(runner) or not os.path.isdir(os.path.join(ort_dir, "node_modules", "onnxruntime-node")):
        log("   ORT: not available (%s / %s)" % (runner, ort_dir))
        return None
    dbg = with_debug_outputs(model, cfg)
    res = {}
    with tempfile.TemporaryDirectory() as td:
        mp = os.path.join(td, "m.onnx")
        with open(mp, "wb") as fh:
            fh.write(dbg.SerializeToString())
        plain = os.path.join(td, "plain.onnx")
        with open(plain, "wb") as fh:
            fh.write(model.SerializeToString())
        for pi, text in enumerate(cfg["prompts"]):
            ids = prompt_ids(text)
            out = os.path.join(td, "o%d.npz" % pi)
            cmd = ["node", runner, mp, "--tokens", ",".join(map(str, ids)), "--outputs", "all",
                   "--out", out, "--threads", "1"]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                log("   ORT: failed: %s" % (r.stderr.strip()[-500:]))
                return None
            z = np.load(out)
            L = cfg["layers"]
            probs = np.stack([z["layers.%d.attn.probs" % l][0] for l in range(L)])
            mlps = np.stack([z["layers.%d.mlp.out" % l][0] for l in range(L)])
            xs = np.stack([z["embed"][0]] + [z["layers.%d.resid_out" % l][0] for l in range(L - 1)])
            logits64, xs64, p64, m64 = forward(cfg, W, ids, np.float64)
            met_o = compute_metrics(xs, probs, mlps)
            met_r = compute_metrics(xs64, p64, m64)
            d = {k: float(np.max(np.abs(met_o[k] - met_r[k]))) for k in
                 ("recv", "bos_mass", "head_bos_mass", "hidden_norm", "hidden_cos_bos",
                  "mlp_norm", "mlp_cos_bos")}
            d["logits"] = float(np.max(np.abs(z["logits"][0] - logits64)))
            d["probs"] = float(np.max(np.abs(probs - p64)))
            # the unmodified model (no extra outputs, so ORT may fuse more)
            out2 = os.path.join(td, "plain%d.npy" % pi)
            r = subprocess.run(["node", runner, plain, "--tokens", ",".join(map(str, ids)),
                                "--out", out2, "--threads", "1"], capture_output=True, text=True)
            if r.returncode != 0:
                log("   ORT: failed: %s" % (r.stderr.strip()[-500:]))
                return None
            d["logits_plain_model"] = float(np.max(np.abs(np.load(out2)[0] - logits64)))
            _, found_o = classify(met_o)
            _, found_r = classify(met_r)
            d["same_sinks"] = ([(s["position"], s["creation_layer"], s["lifetime"]) for s in found_o] ==
                               [(s["position"], s["creation_layer"], s["lifetime"]) for s in found_r])
            res["p%d" % pi] = d
    worst = {k: max(v[k] for v in res.values()) for k in res["p0"] if k != "same_sinks"}
    same = all(v["same_sinks"] for v in res.values())
    log("   ORT vs numpy(float64): max|d logits|=%.2e (plain model %.2e) probs=%.2e recv=%.2e cos=%.2e "
        "hidden_norm=%.2e mlp_norm=%.2e mlp_cos=%.2e same_sinks=%s" % (
            worst["logits"], worst["logits_plain_model"], worst["probs"], worst["recv"], worst["hidden_cos_bos"],
            worst["hidden_norm"], worst["mlp_norm"], worst["mlp_cos_bos"], same))
    return dict(worst=worst, same_sinks=same)


def markdown_table(cfgs, outdir):
    rows = ["| model | style | L | H | hd | d | ffn | V | variant | BOS logit per head | "
            "secondary sinks: id char create+life norm (criteria seen) | prompts (T) | size KB | "
            "min margins: sec flag / BOS recv / unflagged cos / recv / recv per head |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for cfg in cfgs:
        with open(os.path.join(outdir, cfg["name"] + ".expected.json")) as fh:
            e = json.load(fh)
        m, mm = e["model"], e["min_margins"]
        if cfg["style"] == "llama":
            var = "rope %g" % m["rope_theta"]
        else:
            var = "%s LN, %s GELU" % (cfg["layernorm"], cfg["gelu"])
        if cfg.get("bos_layer_scale"):
            var += "; BOS weaker in middle"
        if cfg.get("sec_key_suppress"):
            var += "; BOS-only heads %s" % [i for i, v in enumerate(cfg["sec_key_suppress"]) if v]
        if any(s.get("switch") for s in cfg["secondary"]):
            var += "; MLP switch, no removal"
        secs = []
        for s in cfg["secondary"]:
            crit = set()
            for p in e["prompts"]:
                for k in p["sinks"]:
                    if k["token_id"] == s["token"] and k["kind"] == "secondary":
                        crit |= set(k["criteria_by_layer"])
            secs.append("%d %s %d+%d %g (%s)" % (s["token"], repr(chr(s["token"])).replace("|", "\\|"),
                                                 s["create"], s["life"], s["norm"],
                                                 ", ".join(sorted(crit)) or "-"))
        size = os.path.getsize(os.path.join(outdir, cfg["name"] + ".onnx")) / 1024

        def fm(k):
            v = mm.get(k)
            return "-" if v is None else "%.3f" % v
        rows.append("| %s | %s | %d | %d | %d | %d | %d | %d | %s | %s | %s | %s | %.0f | %s |" % (
            cfg["name"], cfg["style"], m["layers"], m["heads"], m["head_dim"], m["hidden"],
            m["ffn"], m["vocab"], var, "/".join("%g" % v for v in cfg["bos_logit"]),
            "; ".join(secs) or "none", ",".join(str(p["length"]) for p in e["prompts"]), size,
            " / ".join(fm(k) for k in ("secondary_flag_margin_min", "bos_recv_margin_min",
                                       "unflagged_cos_margin_min", "unflagged_recv_margin_min",
                                       "unflagged_recv_per_head_margin_min"))))
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=HERE, help="output directory (default: beside this script)")
    ap.add_argument("--only", default=None, help="comma-separated config names")
    ap.add_argument("--verify", action="store_true",
                    help="exit non-zero unless every planted sink (and nothing else) is "
                         "found by the classification rule with the required margins "
                         "(the checks always run; this makes them fatal)")
    ap.add_argument("--ort", action="store_true",
                    help="also run every model through ONNX Runtime (tools/ort-reference) "
                         "and compare logits and metrics with the numpy forward pass")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary directory and fail unless every "
                         "file is byte-identical to the one in --out (committed files "
                         "up to date and generation deterministic)")
    ap.add_argument("--list", action="store_true", help="list the configurations")
    ap.add_argument("--table", action="store_true",
                    help="print the configuration table of docs/planted-sinks.md (from the "
                         "files in --out)")
    args = ap.parse_args()
    cfgs = CONFIGS
    if args.only:
        want = set(args.only.split(","))
        cfgs = [c for c in CONFIGS if c["name"] in want]
        missing = want - {c["name"] for c in cfgs}
        if missing:
            sys.exit("unknown config(s): %s" % ", ".join(sorted(missing)))
    if args.list:
        for c in cfgs:
            print(c["name"])
        return 0
    if args.table:
        print(markdown_table(cfgs, args.out))
        return 0
    if args.check:
        with tempfile.TemporaryDirectory() as td:
            bad = []
            for cfg in cfgs:
                generate(cfg, td, lambda s: None)
                exts = [".onnx", ".prompt.txt", ".expected.json", ".metrics.npz"]
                if "intervention" in cfg:
                    exts.append(".intervened.expected.json")
                for ext in exts:
                    a = os.path.join(td, cfg["name"] + ext)
                    b = os.path.join(args.out, cfg["name"] + ext)
                    with open(a, "rb") as fa:
                        da = fa.read()
                    db = None
                    if os.path.exists(b):
                        with open(b, "rb") as fb:
                            db = fb.read()
                    if da != db:
                        bad.append(os.path.relpath(b, REPO) + (" (missing)" if db is None else " differs"))
        for m in bad:
            print("  " + m)
        print("%d file(s) out of date" % len(bad) if bad else
              "all %d models up to date (byte-identical regeneration)" % len(cfgs))
        return 1 if bad else 0
    os.makedirs(args.out, exist_ok=True)
    errors = []
    ort = {}
    for cfg in cfgs:
        model, W, errs = generate(cfg, args.out, lambda s: print(s, flush=True))
        errors += ["%s: %s" % (cfg["name"], e) for e in errs]
        if args.ort:
            r = ort_check(cfg, model, W, lambda s: print(s, flush=True))
            if r is not None:
                ort[cfg["name"]] = r
                if not r["same_sinks"]:
                    errors.append("%s: ORT metrics classify differently" % cfg["name"])
                lw = max(r["worst"]["logits"], r["worst"]["logits_plain_model"])
                if lw > 1e-3:
                    errors.append("%s: ORT logits differ by %.2e" % (cfg["name"], lw))
    if errors:
        print("%d problem(s):" % len(errors))
        for e in errors:
            print("  " + e)
    else:
        print("all %d models: planted sinks found exactly, margins >= %.2f" % (len(cfgs), MARGIN))
    if args.verify and errors:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
