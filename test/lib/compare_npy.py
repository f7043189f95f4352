#!/usr/bin/python3
"""Compare two arrays (.npy, or .npz entries) with a max-abs-relative criterion.

    compare_npy.py A B [--rtol R] [--atol T] [--key NAME] [--elementwise] [--squeeze] [--json]

A is the value under test, B the reference. Either may be FILE.npy, FILE.npz:KEY or
FILE.npz (with --key NAME, or when both are .npz without a key: every key they share).
For each pair it prints max |a-b|, max |b|, their ratio and where the largest difference
is. Pass criterion (default, "max-abs-relative"):

    max |a - b|  <=  atol + rtol * max |b|

--elementwise uses numpy.allclose's rule instead (|a - b| <= atol + rtol * |b| for every
element). NaN/Inf must match exactly in position. Shapes must be equal (--squeeze drops
size-1 dimensions first). Exit status: 0 all pass, 1 any failure, 2 usage or file error.

As a module: compare(a, b, rtol, atol, elementwise=False) -> dict with 'ok' and the stats.
"""
import json
import os
import sys

import numpy as np

from script_help import argument_parser

DEFAULT_RTOL = 1e-4
DEFAULT_ATOL = 1e-6


def compare(a, b, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, elementwise=False, squeeze=False):
    a = np.asarray(a)
    b = np.asarray(b)
    if squeeze:
        a, b = np.squeeze(a), np.squeeze(b)
    res = {"shape_a": list(a.shape), "shape_b": list(b.shape), "rtol": rtol, "atol": atol,
           "mode": "elementwise" if elementwise else "max-abs-relative"}
    if a.shape != b.shape:
        res.update(ok=False, reason=f"shape mismatch {list(a.shape)} vs {list(b.shape)}")
        return res
    if a.size == 0:
        res.update(ok=True, max_abs_diff=0.0, max_abs_ref=0.0, ratio=0.0)
        return res
    if a.dtype == np.bool_:
        a = a.astype(np.int8)
    if b.dtype == np.bool_:
        b = b.astype(np.int8)
    a64 = a.astype(np.float64)
    b64 = b.astype(np.float64)
    fa, fb = np.isfinite(a64), np.isfinite(b64)
    nonfinite_mismatch = np.logical_or(
        fa != fb, np.logical_and(~fa, ~fb) & ~((a64 == b64) | (np.isnan(a64) & np.isnan(b64))))
    both = fa & fb
    diff = np.where(both, np.abs(a64 - b64), 0.0)
    max_diff = float(diff.max())
    max_ref = float(np.abs(np.where(fb, b64, 0.0)).max())
    idx = tuple(int(i) for i in np.unravel_index(int(diff.argmax()), diff.shape))
    res.update(max_abs_diff=max_diff, max_abs_ref=max_ref,
               ratio=(max_diff / max_ref) if max_ref > 0 else (0.0 if max_diff == 0 else float("inf")),
               argmax=list(idx), a_at_argmax=float(a64[idx]), b_at_argmax=float(b64[idx]))
    if nonfinite_mismatch.any():
        where = tuple(int(i) for i in np.argwhere(nonfinite_mismatch)[0])
        res.update(ok=False, reason=f"NaN/Inf mismatch at {list(where)}: a={a64[where]} b={b64[where]}")
        return res
    if elementwise:
        bad = diff > atol + rtol * np.abs(np.where(fb, b64, 0.0))
        res["n_bad"] = int(bad.sum())
        res["ok"] = not bad.any()
        res["tolerance"] = f"|a-b| <= {atol:g} + {rtol:g}*|b| elementwise"
    else:
        tol = atol + rtol * max_ref
        res["tolerance"] = tol
        res["ok"] = max_diff <= tol
    if not res["ok"]:
        res["reason"] = "tolerance exceeded"
    return res


class UsageError(Exception):
    pass


def load(spec, key):
    path, sub = spec, None
    if not os.path.isfile(path) and ":" in spec:
        path, sub = spec.rsplit(":", 1)
    if not os.path.isfile(path):
        raise UsageError(f"file not found: {spec}")
    sub = sub or key
    if path.endswith(".npz"):
        z = np.load(path, allow_pickle=False)
        if sub is None:
            return {k: z[k] for k in z.files}
        if sub not in z.files:
            raise UsageError(f"{path} has no array '{sub}' (has: {', '.join(z.files)})")
        return {sub: z[sub]}
    if sub is not None and spec.endswith(":" + sub) and not path.endswith(".npz"):
        raise UsageError(f"{spec}: ':KEY' only applies to .npz files")
    return {None: np.load(path, allow_pickle=False)}


def fmt(r, label):
    head = f"compare_npy: {label}: " if label else "compare_npy: "
    if "max_abs_diff" not in r:
        return head + f"FAIL ({r['reason']})"
    t = r.get("tolerance")
    tol = t if isinstance(t, str) else (f"tol {t:.3g}" if t is not None else "non-finite check")
    s = (f"{head}shape {r['shape_a']} max|a-b|={r['max_abs_diff']:.4g} max|b|={r['max_abs_ref']:.4g} "
         f"ratio={r['ratio']:.4g}")
    if r.get("argmax") is not None and r["max_abs_diff"] > 0:
        s += f" at {r['argmax']} (a={r['a_at_argmax']:.6g}, b={r['b_at_argmax']:.6g})"
    s += f" [{tol}] " + ("OK" if r["ok"] else f"FAIL ({r['reason']})")
    return s


def main(argv=None):
    ap = argument_parser(__doc__)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rtol", type=float, default=DEFAULT_RTOL)
    ap.add_argument("--atol", type=float, default=DEFAULT_ATOL)
    ap.add_argument("--key", help="array name inside .npz inputs")
    ap.add_argument("--elementwise", action="store_true")
    ap.add_argument("--squeeze", action="store_true")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = ap.parse_args(argv)
    try:
        A = load(args.a, args.key)
        B = load(args.b, args.key)
    except (UsageError, ValueError, OSError) as e:
        print(f"compare_npy: error: {e}", file=sys.stderr)
        return 2
    if None in A and None in B:
        pairs = [(None, A[None], B[None])]
    elif len(A) == 1 and len(B) == 1:
        (ka, va), (kb, vb) = next(iter(A.items())), next(iter(B.items()))
        pairs = [(ka or kb, va, vb)]
    else:
        if None in A or None in B:
            print("compare_npy: error: comparing a .npy with a multi-array .npz: give --key or FILE.npz:KEY",
                  file=sys.stderr)
            return 2
        common = [k for k in A if k in B]
        if not common:
            print(f"compare_npy: error: no common keys ({sorted(A)} vs {sorted(B)})", file=sys.stderr)
            return 2
        pairs = [(k, A[k], B[k]) for k in common]
    results = {}
    ok = True
    for k, a, b in pairs:
        r = compare(a, b, args.rtol, args.atol, args.elementwise, args.squeeze)
        results[k or "array"] = r
        ok = ok and r["ok"]
        if not args.json:
            print(fmt(r, k))
    if args.json:
        print(json.dumps({"ok": ok, "results": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
