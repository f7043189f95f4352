#!/usr/bin/python3
"""Run every sample model in test/models through ONNX Runtime (ort_run.mjs) and compare
with the stored PyTorch references.

    check_refs.py [--models-dir test/models] [--attn] [--threads N] [--rtol R] [--atol A]
                  [--only SUBSTR,...] [--json F]

For each model: max |logits_ort - logits_ref| (and max |ref|). With --attn, the outputs of
the model's Softmax nodes (graph order = layer order) are exposed with
test/lib/add_outputs.py and compared with the references' attention probabilities:
`attentions` of the zoo, `att0` (A_l[h,q,0]) and `recv_mean` of the trained Llama.
A model passes when every max deviation is <= atol + rtol * max|logits_ref| (defaults
1e-6 + 1e-5 * max|ref|: fp32 noise; the trained Llama, max|ref| ~ 22, deviates by 2.19e-5,
slightly above the 2.1e-5 that test/models/README.md states). Exit 1 on any failure.
Needs scripts/install-ort.sh to have run; uses /usr/bin/python3 with numpy and onnx.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
ORT_RUN = os.path.join(HERE, "ort_run.mjs")
ADD_OUTPUTS = os.path.join(REPO, "test", "lib", "add_outputs.py")

# (model path, reference path) relative to the models directory
CASES = [
    ("zoo/llama.dynamo.onnx", "zoo/llama.ref.npz"),
    ("zoo/gpt2.dynamo.onnx", "zoo/gpt2.ref.npz"),
    ("zoo/qwen2.dynamo.onnx", "zoo/qwen2.ref.npz"),
    ("zoo/qwen3.dynamo.onnx", "zoo/qwen3.ref.npz"),
    ("zoo/mistral.dynamo.onnx", "zoo/mistral.ref.npz"),
    ("zoo/gpt_neox.dynamo.onnx", "zoo/gpt_neox.ref.npz"),
    ("zoo/opt.dynamo.onnx", "zoo/opt.ref.npz"),
    ("zoo/opt.legacy17.onnx", "zoo/opt.ref.npz"),
    ("zoo/llama_legacy14.onnx", "zoo/llama_legacy14.ref.npz"),
    ("trained/sinklm_llama.onnx", "trained/ref_llama.npz"),
]


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    return p.stdout


def recv_from_probs(a):
    """a: [B, H, T, T] -> recv [B, T]: mean_h (1/(T-k)) sum_{q>=k} a[b,h,q,k]."""
    T = a.shape[-1]
    mask = np.tril(np.ones((T, T), dtype=bool))  # [q, k] with q >= k
    s = np.where(mask, a, 0.0).sum(axis=-2)  # [B, H, k]
    return (s / (T - np.arange(T))).mean(axis=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models-dir", default=os.path.join(REPO, "test", "models"))
    ap.add_argument("--attn", action="store_true", help="also compare attention probabilities")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--atol", type=float, default=1e-6)
    ap.add_argument("--json", help="write the results as JSON to this file")
    ap.add_argument("--only", help="comma-separated substrings selecting models")
    args = ap.parse_args()

    rows = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="check_refs.") as tmp:
        for model_rel, ref_rel in CASES:
            if args.only and not any(s in model_rel for s in args.only.split(",")):
                continue
            model = os.path.join(args.models_dir, model_rel)
            ref = np.load(os.path.join(args.models_dir, ref_rel))
            stem = os.path.join(tmp, model_rel.replace("/", "_"))
            ids = stem + ".ids.npy"
            np.save(ids, ref["input_ids"])
            run_model, outputs = model, ["logits"]
            if args.attn:
                run_model = stem + ".attn.onnx"
                outputs += run([sys.executable, ADD_OUTPUTS, model, run_model, "--op", "Softmax"]).split()
            out = stem + ".out.npz"
            cmd = ["node", ORT_RUN, run_model, "--tokens-file", ids, "--outputs", ",".join(outputs), "--out", out]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            run(cmd)
            got = np.load(out)
            r = {"model": model_rel, "batch_x_T": list(ref["input_ids"].shape),
                 "logits_max_abs_diff": float(np.abs(got["logits"] - ref["logits"]).max()),
                 "logits_max_abs_ref": float(np.abs(ref["logits"]).max())}
            worst = r["logits_max_abs_diff"]
            if args.attn:
                probs = np.stack([got[n] for n in outputs[1:]])  # [L, B, H, T, T]
                if "attentions" in ref.files:
                    r["attn_max_abs_diff"] = float(np.abs(probs - ref["attentions"]).max())
                    worst = max(worst, r["attn_max_abs_diff"])
                if "att0" in ref.files:  # [L, B, H, T]
                    r["att0_max_abs_diff"] = float(np.abs(probs[..., :, 0] - ref["att0"]).max())
                    worst = max(worst, r["att0_max_abs_diff"])
                if "recv_mean" in ref.files:  # [L, B, T]
                    recv = np.stack([recv_from_probs(p) for p in probs])
                    r["recv_mean_max_abs_diff"] = float(np.abs(recv - ref["recv_mean"]).max())
                    worst = max(worst, r["recv_mean_max_abs_diff"])
            r["tol"] = args.atol + args.rtol * r["logits_max_abs_ref"]
            r["ok"] = worst <= r["tol"]
            ok = ok and r["ok"]
            rows.append(r)
            extra = "".join(f"  {k[:-13]}={v:.3g}" for k, v in r.items()
                            if k.endswith("_max_abs_diff") and not k.startswith("logits"))
            print(f"{model_rel:28s} max|logits-ref|={r['logits_max_abs_diff']:.3g} "
                  f"(max|ref|={r['logits_max_abs_ref']:.3g}){extra}  tol={r['tol']:.2g} {'OK' if r['ok'] else 'FAIL'}",
                  flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rtol": args.rtol, "atol": args.atol, "ok": ok, "results": rows}, f, indent=1)
    n_fail = sum(not r["ok"] for r in rows)
    print(f"check_refs: {len(rows) - n_fail} passed, {n_fail} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
