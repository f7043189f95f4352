#!/usr/bin/python3
"""Compares the traces and logits of a fused-attention build with the materialised build.

    compare_fused.py tokens --length T --out prompt.txt
    compare_fused.py padded-inputs --length T --out DIR
    compare_fused.py outputs A.pb B.pb [--tol 1e-5]
    compare_fused.py check --fused F.json --materialised M.json --fused-logits F.npy
                     --materialised-logits M.npy [--threads2 F2.json] [--tol 1e-5]

`tokens` writes one seeded random byte-level prompt (BOS 256 first). `padded-inputs`
writes input_ids, attention_mask and position_ids .npy files for two rows of T tokens,
row 0 padded on the right (last 10 keys masked), row 1 on the left (first 7: its first
queries see no key at all). `outputs` compares two ONNX TensorProto outputs (max
|difference| <= tol * max |B|). `check` compares
every measurement of the `sink-trace json` dumps (absolute difference <= tol; the
metrics are probabilities, norms and cosines of order 1..100, so for the norms it also
accepts a relative difference <= tol), the logits (max |difference| <= tol *
max |logits|), and with --threads2 requires the measurements of a 2-thread run to be
bit-identical with the 1-thread fused run.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "lib"))
from script_help import add_required  # noqa: E402


def measurements(path):
    with open(path) as f:
        trace = json.load(f)
    out = {}
    for r, record in enumerate(trace["records"]):
        for layer in record["measurements"]:
            for key, value in layer.items():
                if isinstance(value, list):
                    out[(r, layer.get("layer"), key)] = np.array(value, dtype=np.float64)
                elif isinstance(value, float):
                    out[(r, layer.get("layer"), key)] = np.array([value])
    return out


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tokens")
    t.add_argument("--length", type=int, required=True)
    t.add_argument("--out", required=True)
    pi = sub.add_parser("padded-inputs")
    pi.add_argument("--length", type=int, required=True)
    pi.add_argument("--out", required=True)
    po = sub.add_parser("outputs")
    po.add_argument("a")
    po.add_argument("b")
    po.add_argument("--tol", type=float, default=1e-5)
    c = sub.add_parser("check")
    add_required(c, "--fused", "--materialised", "--fused-logits",
                 "--materialised-logits")
    c.add_argument("--threads2")
    c.add_argument("--tol", type=float, default=1e-5)
    args = ap.parse_args()
    if args.cmd == "tokens":
        rng = np.random.default_rng(13)
        ids = rng.integers(32, 127, size=args.length)
        ids[0] = 256
        with open(args.out, "w") as f:
            f.write(",".join(str(int(x)) for x in ids) + "\n")
        return 0
    if args.cmd == "padded-inputs":
        T = args.length
        ids = np.random.default_rng(5).integers(0, 256, size=(2, T)).astype(np.int64)
        mask = np.ones((2, T), np.int64)
        mask[0, T - 10:] = 0
        mask[1, :7] = 0
        pos = np.tile(np.arange(T, dtype=np.int64), (2, 1))
        for name, value in (("ids", ids), ("mask", mask), ("pos", pos)):
            np.save(f"{args.out}/{name}.npy", value)
        return 0
    if args.cmd == "outputs":
        import onnx
        from onnx import numpy_helper
        a = numpy_helper.to_array(onnx.load_tensor(args.a))
        b = numpy_helper.to_array(onnx.load_tensor(args.b))
        diff = float(np.abs(a - b).max() / np.abs(b).max())
        print(f"outputs: max |a - b| / max |b| = {diff:.2e}")
        print("OK" if diff <= args.tol else "FAILED")
        return 0 if diff <= args.tol else 1
    fused, mat = measurements(args.fused), measurements(args.materialised)
    if set(fused) != set(mat):
        print("compare_fused: the traces measure different things", file=sys.stderr)
        return 1
    worst = {}
    failed = False
    for key in sorted(fused, key=str):
        a, b = fused[key], mat[key]
        if a.shape != b.shape:
            print(f"compare_fused: {key}: shapes {a.shape} vs {b.shape}", file=sys.stderr)
            return 1
        diff = np.abs(a - b)
        ok = diff <= args.tol + args.tol * np.abs(b)
        metric = key[2]
        worst[metric] = max(worst.get(metric, 0.0), float(np.nanmax(diff)) if diff.size else 0.0)
        if not np.all(ok | (np.isnan(a) & np.isnan(b))):
            print(f"compare_fused: {key}: max difference {np.nanmax(diff):.3g}", file=sys.stderr)
            failed = True
    la, lb = np.load(args.fused_logits), np.load(args.materialised_logits)
    logit_diff = float(np.abs(la - lb).max() / np.abs(lb).max())
    print(f"logits: max |fused - materialised| / max |logits| = {logit_diff:.2e}")
    if logit_diff > args.tol:
        failed = True
    for metric, value in sorted(worst.items()):
        print(f"{metric}: max |fused - materialised| = {value:.2e}")
    if args.threads2:
        two = measurements(args.threads2)
        same = all(np.array_equal(fused[k], two[k], equal_nan=True) for k in fused)
        print("threads 1 vs 2: " + ("bit-identical" if same else "DIFFERENT"))
        failed |= not same
    print("FAILED" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
