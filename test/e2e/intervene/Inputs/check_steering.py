#!/usr/bin/python3
"""Checks executables compiled with sinkc --intervene=mlp-norm-cap against numpy.

    check_steering.py logits --model M.onnx --prompts P.txt --logits F.npy
                      [--cap L,C,N,S] [--steer-vector V.npy] [--metrics M.npz]
                      [--atol 1e-4]
    check_steering.py trace --python BUILD/python --trace T.sinktrace
                      --model M.onnx --prompts P.txt --cap L,C,N,S
                      --spec SPEC [--steer-vector V.npy] [--rtol 1e-4]
    check_steering.py diff --json D.json --plain E.json --steered E2.json
    check_steering.py steer-vector --model M.onnx --token ID --out V.npy
                      [--dtype float32|float64]

The reference is this script's own float64 forward pass of a Llama-style
planted-sink model (docs/planted-sinks.md) from the weights in its ONNX file:
RMSNorm, RoPE from the graph's inverse frequencies, causal softmax attention,
SwiGLU MLP, untied head. --cap L,C,N,S applies the norm cap of
docs/interventions.md to block L's MLP output before it is added to the
residual stream: every position t >= S whose MLP output m[t] has
cos(m[t], r) > C is rescaled to m[t] * N / |m[t]|, r being BOS's own MLP
output m[0] or the --steer-vector. Nothing sinkc produced is a reference.

logits: the executable's logits files (F.npy, or F.<i>.npy for several
  prompts) must equal the reference's within --atol. With --metrics the
  reference first proves it reads the model right: without a cap, its logits
  must match the generator's metrics.npz (p<i>_logits) within 1e-5.
trace: the trace of an instrumented executable with the intervention: its
  model records the spec (and the steer vector), the Python reader shows the
  same, and block L's mlp_norm and mlp_cos_bos are those of the capped MLP
  output (what the block adds to the residual stream), within --rtol of the
  largest value.
diff: `sink-trace diff --format=json` of the plain and the steered trace:
  exactly the planted sinks that the intervention removes (expected.json
  minus intervened.expected.json) are lost, nothing is gained or changed, B
  records the intervention and A none, and the logit KL is 0 where nothing
  was rescaled and positive where something was, never before the first
  rescaled position.
steer-vector: writes row ID of the embedding table as a vector .npy.

Prints one line per check and exits 1 on any failure.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "lib"))
from script_help import add_required  # noqa: E402

NORM_EPS = 1e-5  # every planted model's RMSNorm epsilon (docs/planted-sinks.md)


def fail(message):
    print(f"check_steering: error: {message}", file=sys.stderr)
    sys.exit(1)


class Model:
    """A Llama-style planted model's weights, read from its ONNX file."""

    def __init__(self, path):
        model = onnx.load(path)
        self.w = {t.name: numpy_helper.to_array(t).astype(np.float64)
                  for t in model.graph.initializer}
        props = {p.key: p.value for p in model.metadata_props}
        config = json.loads(props["sinkc.planted.config"])
        if config["style"] != "llama":
            fail(f"{path}: only Llama-style planted models are supported")
        self.layers = config["layers"]
        self.heads = config["heads"]
        self.head_dim = config["head_dim"]

    def rmsnorm(self, x, name):
        return self.w[name] * (x / np.sqrt((x * x).mean(-1, keepdims=True) + NORM_EPS))

    def forward(self, ids, cap=None, reference=None):
        """Logits [T, V], the MLP outputs actually added [L, T, d] and the
        block inputs [L, T, d]."""
        w, H, hd = self.w, self.heads, self.head_dim
        T = len(ids)
        x = w["embed.weight"][ids]
        pos = np.arange(T, dtype=np.float64)
        angles = pos[:, None] * w["rope.inv_freq"].reshape(1, -1)
        cos = np.cos(np.concatenate([angles, angles], -1))
        sin = np.sin(np.concatenate([angles, angles], -1))
        mask = np.triu(np.full((T, T), -np.inf), 1)
        mlps, inputs = [], []
        for l in range(self.layers):
            p = f"layers.{l}."
            inputs.append(x)
            h = self.rmsnorm(x, p + "ln1.weight")

            def heads(z):
                return z.reshape(T, H, hd).transpose(1, 0, 2)

            def rope(z):
                half = hd // 2
                return z * cos + np.concatenate([-z[..., half:], z[..., :half]], -1) * sin

            q = rope(heads(h @ w[p + "attn.q.weight"]))
            k = rope(heads(h @ w[p + "attn.k.weight"]))
            v = heads(h @ w[p + "attn.v.weight"])
            s = q @ k.transpose(0, 2, 1) / math.sqrt(hd) + mask
            a = np.exp(s - s.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            o = (a @ v).transpose(1, 0, 2).reshape(T, H * hd)
            x = x + o @ w[p + "attn.o.weight"]
            h = self.rmsnorm(x, p + "ln2.weight")
            g = h @ w[p + "mlp.gate.weight"]
            m = (g / (1 + np.exp(-g)) * (h @ w[p + "mlp.up.weight"])) @ w[p + "mlp.down.weight"]
            if cap is not None and l == cap["layer"]:
                m = norm_cap(m, cap, reference)
            mlps.append(m)
            x = x + m
        logits = self.rmsnorm(x, "norm.weight") @ w["lm_head.weight"]
        return logits, np.stack(mlps), np.stack(inputs)


def norm_cap(m, cap, reference=None):
    r = m[0] if reference is None else reference
    norms = np.linalg.norm(m, axis=-1)
    cosine = (m @ r) / (norms * np.linalg.norm(r))
    fire = (np.arange(len(m)) >= cap["skip_first"]) & (cosine > cap["cos"])
    out = m.copy()
    out[fire] *= (cap["norm"] / norms[fire])[:, None]
    return out


def parse_cap(text):
    if not text:
        return None
    layer, cos, norm, skip = text.split(",")
    return dict(layer=int(layer), cos=float(cos), norm=float(norm), skip_first=int(skip))


def read_prompts(path):
    with open(path) as stream:
        return [[int(v) for v in line.split(",")] for line in stream if line.strip()]


def logits_file(path, index, count):
    if count == 1:
        return path
    stem = path[:-4] if path.endswith(".npy") else path
    return f"{stem}.{index}.npy"


def load_reference(args):
    return None if not args.steer_vector else np.load(args.steer_vector).astype(np.float64)


def check_logits(args):
    model = Model(args.model)
    prompts = read_prompts(args.prompts)
    cap = parse_cap(args.cap)
    reference = load_reference(args)
    worst = 0.0
    for index, ids in enumerate(prompts):
        logits, _, _ = model.forward(ids, cap, reference)
        if args.metrics:
            plain, _, _ = model.forward(ids)
            stored = np.load(args.metrics)[f"p{index}_logits"]
            gap = float(np.abs(plain - stored).max())
            if gap > 1e-5:
                fail(f"prompt {index}: the reference's own logits differ from "
                     f"{args.metrics} by {gap:.3g}: it does not read the model right")
        got = np.load(logits_file(args.logits, index, len(prompts)))[0].astype(np.float64)
        if got.shape != logits.shape:
            fail(f"prompt {index}: logits {got.shape}, reference {logits.shape}")
        gap = float(np.abs(got - logits).max())
        worst = max(worst, gap)
        if gap > args.atol:
            fail(f"prompt {index}: logits differ from the numpy reference by "
                 f"{gap:.3g} > {args.atol:g}")
    what = "with the cap" if cap else "without a cap"
    print(f"logits of {len(prompts)} prompts {what}: max |difference| "
          f"{worst:.2e} <= {args.atol:g}: ok")


def check_trace(args):
    sys.path.insert(0, args.python)
    import sinktrace
    trace = sinktrace.load(args.trace)
    model = Model(args.model)
    prompts = read_prompts(args.prompts)
    cap = parse_cap(args.cap)
    reference = load_reference(args)
    intervention = trace.model["intervention"]
    if intervention is None or intervention["spec"] != args.spec:
        fail(f"the trace's model records the intervention {intervention}, "
             f"expected {args.spec}")
    if reference is None:
        if intervention["steer_vector"] is not None:
            fail(f"the trace names a steer vector {intervention['steer_vector']}")
    else:
        norm = float(np.linalg.norm(reference.astype(np.float32).astype(np.float64)))
        if os.path.basename(intervention["steer_vector"]) != os.path.basename(args.steer_vector) \
                or abs(intervention["steer_vector_norm"] - norm) > 1e-5 * norm:
            fail(f"the trace records the steer vector {intervention}, expected "
                 f"{args.steer_vector} of norm {norm}")
    if len(trace.records) != len(prompts):
        fail(f"{len(trace.records)} records for {len(prompts)} prompts")
    layer = cap["layer"]
    worst = 0.0
    for index, (record, ids) in enumerate(zip(trace.records, prompts)):
        _, mlps, inputs = model.forward(ids, cap, reference)
        m, x0 = mlps[layer], inputs[layer][0]
        norms = np.linalg.norm(m, axis=-1)
        cosines = (m @ x0) / (norms * np.linalg.norm(x0))
        measured = record.measurements[layer]
        for name, want in (("mlp_norm", norms), ("mlp_cos_bos", cosines)):
            got = getattr(measured, name).astype(np.float64)
            gap = float(np.abs(got - want).max()) / max(float(np.abs(want).max()), 1e-30)
            worst = max(worst, gap)
            if gap > args.rtol:
                fail(f"record {index}: layer {layer} {name} differs from the capped "
                     f"MLP output's by {gap:.3g} (relative) > {args.rtol:g}")
    print(f"trace: intervention {args.spec} recorded; layer {layer} mlp_norm and "
          f"mlp_cos_bos are the capped MLP output's (max relative difference "
          f"{worst:.2e}): ok")


def check_diff(args):
    with open(args.json) as stream:
        diff = json.load(stream)
    with open(args.plain) as stream:
        plain = json.load(stream)
    with open(args.steered) as stream:
        steered = json.load(stream)
    spec = steered["intervention"]["spec"]
    interventions = diff["interventions"]
    if interventions["a"] is not None or interventions["b"] is None or \
            interventions["b"]["spec"] != spec or diff["same_intervention"]:
        fail(f"diff interventions {interventions}, expected A none and B {spec}")
    if not diff["same_model"]:
        fail("diff calls the two executables different models or weights")
    lost_total = 0
    for record, before, after in zip(diff["records"], plain["prompts"], steered["prompts"]):
        kept = {s["position"] for s in after["sinks"]}
        removed = sorted((s["position"], s["token_id"], s["creation_layer"], s["lifetime"])
                         for s in before["sinks"] if s["position"] not in kept)
        got = sorted((s["position"], s["token"], s["a"]["creation_layer"], s["a"]["lifetime"])
                     for s in record["sinks"] if s["change"] == "lost" and
                     s["a"]["kind"] == "secondary" and s["b"]["kind"] == "none")
        others = [s for s in record["sinks"] if s["change"] != "lost"]
        if got != removed or others or len(got) != len(record["sinks"]):
            fail(f"record {record['record']}: diff reports {record['sinks']}, "
                 f"expected exactly these sinks lost: {removed}")
        lost_total += len(removed)
        kl = record["logit_kl"]
        capped = after["capped_positions"]
        if kl is None:
            fail(f"record {record['record']}: no logit KL")
        if not capped:
            if kl["changed"] or kl["max"] != 0:
                fail(f"record {record['record']}: nothing rescaled, but the logits "
                     f"differ: {kl}")
        elif not (kl["max"] > 0 and kl["max_position"] >= capped[0]):
            fail(f"record {record['record']}: rescaled from position {capped[0]} "
                 f"on, but the logit KL is {kl}")
    totals = diff["totals"]
    if totals["lost"] != {"primary": 0, "secondary": lost_total} or \
            totals["gained"] != {"primary": 0, "secondary": 0} or totals["changed"]:
        fail(f"diff totals {totals}, expected {lost_total} secondary sinks lost "
             f"and nothing else")
    if totals["logit_kl"] is None or not totals["logit_kl"]["max_last"] > 0:
        fail(f"diff totals have no positive logit KL: {totals['logit_kl']}")
    print(f"diff: {lost_total} planted secondary sinks lost, nothing gained or "
          f"changed, logit KL where rescaled only: ok")


def write_steer_vector(args):
    model = Model(args.model)
    row = model.w["embed.weight"][args.token]
    np.save(args.out, row.astype(args.dtype))
    print(f"wrote {args.out}: row {args.token} of the embedding, {row.size} "
          f"{args.dtype} values")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    logits = commands.add_parser("logits")
    add_required(logits, "--model", "--prompts", "--logits")
    logits.add_argument("--cap")
    logits.add_argument("--steer-vector")
    logits.add_argument("--metrics")
    logits.add_argument("--atol", type=float, default=1e-4)
    trace = commands.add_parser("trace")
    add_required(trace, "--python", "--trace", "--model", "--prompts", "--cap",
                 "--spec")
    trace.add_argument("--steer-vector")
    trace.add_argument("--rtol", type=float, default=1e-4)
    diff = commands.add_parser("diff")
    add_required(diff, "--json", "--plain", "--steered")
    vector = commands.add_parser("steer-vector")
    add_required(vector, "--model", "--out")
    vector.add_argument("--token", type=int, required=True)
    vector.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args()
    {"logits": check_logits, "trace": check_trace, "diff": check_diff,
     "steer-vector": write_steer_vector}[args.command](args)


if __name__ == "__main__":
    main()
