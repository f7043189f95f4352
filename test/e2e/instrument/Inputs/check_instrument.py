#!/usr/bin/python3
"""Checks the sink trace of an instrumented model against independent references.

    check_instrument.py --python BUILD/python COMMAND ...
    ... tokens --ref R.npz --key input_ids --out PROMPTS.txt
    ... attention --trace T.sinktrace --ref NAME.ref.npz [--atol 1e-5] [--layers 1,2]
    ... trained --trace T.sinktrace --ref ref_llama.npz [--atol 1e-4]
    ... states --trace T.sinktrace --model M.onnx --tokens R.npz --table intermediates.json
               --key NAME --workdir DIR [--attentions R.npz] [--rtol R --atol A]
    ... planted --trace T.sinktrace --ref NAME.metrics.npz [--rtol R --atol A]

tokens: writes the rows of an int array of an .npz as a prompts file (one prompt per
  line), for the executables' --tokens-file.

attention: bos_mass, head_bos_mass and recv of every record (record i = row i of the
  reference's input_ids) against the same quantities computed here from the stored
  softmax probabilities `attentions` [layers, batch, heads, T, T].
trained: recv against `recv_mean` [layers, batch, T] and head_bos_mass against the mean
  over queries of `att0` [layers, batch, heads, T] (PyTorch eager attention).
states: hidden_norm, hidden_cos_bos, mlp_norm and mlp_cos_bos against references
  computed here from the model's own intermediate values, run by ONNX Runtime
  (test/lib/add_outputs.py exposes them, tools/ort-reference/ort_run.mjs runs the
  model). The ONNX value names come from the hand-checked table intermediates.json;
  before using them the check proves the table describes the residual stream:
  x[l+1] = x[l] + attention_output[l] + mlp_output[l] within float32 rounding, and the
  table's softmax outputs are the reference attention probabilities when the
  reference has them.
planted: all seven metrics against the numpy (float64) reference of a planted model.

Prints one line per metric and exits 1 when any deviation is out of tolerance.
Never compares sinkc against itself.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))


def fail(message):
    print(f"check_instrument: error: {message}", file=sys.stderr)
    sys.exit(1)


def load_trace(path, build_python):
    sys.path.insert(0, build_python)
    try:
        import sinktrace
    except ImportError as e:
        fail(f"cannot import the sinktrace reader from {build_python}: {e}")
    return sinktrace.load(path)


class Report:
    def __init__(self):
        self.failed = False

    def compare(self, what, actual, reference, atol, rtol=0.0):
        actual = np.asarray(actual, dtype=np.float64)
        reference = np.asarray(reference, dtype=np.float64)
        if actual.shape != reference.shape:
            print(f"{what}: shape {actual.shape} != reference {reference.shape} FAIL")
            self.failed = True
            return
        scale = float(np.max(np.abs(reference))) if reference.size else 0.0
        tolerance = atol + rtol * scale
        diff = np.abs(actual - reference)
        worst = float(np.nanmax(diff)) if diff.size else 0.0
        bad = np.isnan(actual) != np.isnan(reference)
        ok = worst <= tolerance and not bad.any()
        if not ok:
            self.failed = True
        where = np.unravel_index(int(np.nanargmax(diff)), diff.shape) if diff.size else ()
        print(f"{what}: max|diff| {worst:.3g} at {tuple(int(i) for i in where)} "
              f"(tolerance {tolerance:.3g}) {'ok' if ok else 'FAIL'}")

    def finish(self):
        sys.exit(1 if self.failed else 0)


def records_by_row(trace, rows):
    if len(trace.records) != rows:
        fail(f"the trace has {len(trace.records)} records, the reference {rows} rows")
    return trace.records


def attention_metrics(probs):
    """probs [H, T, T] -> bos_mass, head_bos_mass [H], recv [T] (architecture.md)."""
    probs = np.asarray(probs, dtype=np.float64)
    heads, queries, keys = probs.shape
    column0 = probs[:, :, 0]
    causal = np.tril(np.ones((queries, keys)))
    seen = queries - np.arange(keys)
    recv = ((probs * causal).sum(axis=1) / seen).mean(axis=0)
    return column0.mean(), column0.mean(axis=1), recv


def write_tokens(args):
    rows = np.load(args.ref)[args.key]
    with open(args.out, "w") as out:
        for row in np.atleast_2d(rows):
            out.write(",".join(str(int(t)) for t in row) + "\n")


def check_attention(args):
    trace = load_trace(args.trace, args.python)
    ref = np.load(args.ref)
    attentions = ref["attentions"]  # [L, B, H, T, T]
    layers = (list(range(attentions.shape[0])) if args.layers is None
              else [int(l) for l in args.layers.split(",")])
    report = Report()
    for row, record in enumerate(records_by_row(trace, attentions.shape[1])):
        if list(record.layers) != layers:
            fail(f"record {row} has layers {list(record.layers)}, expected {layers}")
        expected = [attention_metrics(attentions[l, row]) for l in layers]
        report.compare(f"record {row} bos_mass", record.metric("bos_mass"),
                       [e[0] for e in expected], args.atol)
        report.compare(f"record {row} head_bos_mass", record.metric("head_bos_mass"),
                       [e[1] for e in expected], args.atol)
        report.compare(f"record {row} recv", record.metric("recv"),
                       [e[2] for e in expected], args.atol)
    report.finish()


def check_trained(args):
    trace = load_trace(args.trace, args.python)
    ref = np.load(args.ref)
    report = Report()
    for row, record in enumerate(records_by_row(trace, ref["input_ids"].shape[0])):
        report.compare(f"record {row} recv vs recv_mean", record.metric("recv"),
                       ref["recv_mean"][:, row], args.atol)
        report.compare(f"record {row} head_bos_mass vs mean_q att0",
                       record.metric("head_bos_mass"),
                       ref["att0"][:, row].astype(np.float64).mean(axis=-1), args.atol)
    report.finish()


def check_planted(args):
    trace = load_trace(args.trace, args.python)
    ref = np.load(args.ref)
    report = Report()
    metrics = ["bos_mass", "head_bos_mass", "recv", "hidden_norm", "hidden_cos_bos",
               "mlp_norm", "mlp_cos_bos"]
    for row, record in enumerate(records_by_row(trace, int(ref["num_prompts"]))):
        tokens = ref[f"p{row}_input_ids"]
        if list(record.tokens) != list(tokens):
            fail(f"record {row} has other tokens than prompt {row} of the reference")
        for metric in metrics:
            report.compare(f"record {row} {metric}", record.metric(metric),
                           ref[f"p{row}_{metric}"], args.atol, args.rtol)
    report.finish()


def ort_dir():
    return os.environ.get("SINKC_ORT_DIR") or os.path.join(REPO, ".deps", "ort")


def run_ort(model, names, tokens, workdir):
    package = os.path.join(ort_dir(), "node_modules", "onnxruntime-node", "package.json")
    if not os.path.exists(package):
        fail(f"ONNX Runtime (onnxruntime-node) is not installed in {ort_dir()}: run "
             f"scripts/install-ort.sh (this test needs it as the reference)")
    os.makedirs(workdir, exist_ok=True)
    exposed = os.path.join(workdir, "intermediates.onnx")
    subprocess.run([sys.executable, os.path.join(REPO, "test", "lib", "add_outputs.py"),
                    model, exposed] + names, check=True, stdout=subprocess.DEVNULL)
    ids = os.path.join(workdir, "input_ids.npy")
    np.save(ids, tokens.astype(np.int64))
    out = os.path.join(workdir, "intermediates.npz")
    subprocess.run(["node", os.path.join(REPO, "tools", "ort-reference", "ort_run.mjs"),
                    exposed, "--tokens-file", ids, "--outputs", ",".join(names),
                    "--threads", "1", "--out", out], check=True)
    values = np.load(out)
    return {name: values[name].astype(np.float64) for name in names}


def cosine_with_first(v, x):
    """cos(v[b, t], x[b, 0]) for v, x [B, T, D]."""
    dots = np.einsum("btd,bd->bt", v, x[:, 0])
    return dots / (np.linalg.norm(v, axis=-1) * np.linalg.norm(x[:, 0], axis=-1)[:, None])


def check_states(args):
    trace = load_trace(args.trace, args.python)
    table = json.load(open(args.table))[args.key]
    tokens = np.load(args.tokens)["input_ids"]
    inputs, outputs = table["block_input"], table["mlp_output"]
    attention, probs = table["attention_output"], table["attention_probs"]
    layers = len(inputs)
    values = run_ort(args.model, inputs + outputs + attention + probs, tokens, args.workdir)
    xs = [values[name] for name in inputs]
    batch, sequence, hidden = xs[0].shape
    ms = [values[name].reshape(batch, sequence, hidden) for name in outputs]
    attns = [values[name].reshape(batch, sequence, hidden) for name in attention]

    # The table must describe the residual stream before it is used as a reference.
    report = Report()
    for l in range(layers - 1):
        report.compare(f"table: x[{l + 1}] = x[{l}] + attn[{l}] + mlp[{l}]",
                       xs[l] + attns[l] + ms[l], xs[l + 1], 0.0, 1e-5)
    if args.attentions:
        reference = np.load(args.attentions)["attentions"]
        for l in range(layers):
            report.compare(f"table: softmax of layer {l} = reference attentions",
                           values[probs[l]], reference[l], 1e-5)
    if report.failed:
        fail("the intermediates table does not match the model's residual stream")

    records = records_by_row(trace, batch)
    for row, record in enumerate(records):
        if list(record.tokens) != list(tokens[row]):
            fail(f"record {row} has other tokens than row {row} of {args.tokens}")
    expected = {
        "hidden_norm": [np.linalg.norm(x, axis=-1) for x in xs],
        "hidden_cos_bos": [cosine_with_first(x, x) for x in xs],
        "mlp_norm": [np.linalg.norm(m, axis=-1) for m in ms],
        "mlp_cos_bos": [cosine_with_first(m, x) for m, x in zip(ms, xs)],
    }
    for metric, per_layer in expected.items():
        for row, record in enumerate(records):
            report.compare(f"record {row} {metric}", record.metric(metric),
                           [values[row] for values in per_layer], args.atol, args.rtol)
    report.finish()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", required=True,
                        help="<build>/python, where the sinktrace reader is")
    sub = parser.add_subparsers(dest="command", required=True)
    tokens = sub.add_parser("tokens")
    tokens.add_argument("--ref", required=True)
    tokens.add_argument("--key", default="input_ids")
    tokens.add_argument("--out", required=True)
    for name in ["attention", "trained", "states", "planted"]:
        p = sub.add_parser(name)
        p.add_argument("--trace", required=True)
        p.add_argument("--atol", type=float, default=1e-5)
        p.add_argument("--rtol", type=float, default=0.0)
        if name == "states":
            p.add_argument("--model", required=True)
            p.add_argument("--tokens", required=True, help=".npz with input_ids [B, T]")
            p.add_argument("--table", required=True)
            p.add_argument("--key", required=True, help="the model's entry in the table")
            p.add_argument("--workdir", required=True)
            p.add_argument("--attentions", help=".npz with the reference attentions")
        else:
            p.add_argument("--ref", required=True)
        if name == "attention":
            p.add_argument("--layers", help="the instrumented layers (default: all)")
    args = parser.parse_args()
    {"tokens": write_tokens, "attention": check_attention, "trained": check_trained, "states": check_states,
     "planted": check_planted}[args.command](args)


if __name__ == "__main__":
    main()
