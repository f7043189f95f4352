#!/usr/bin/python3
"""Measure ONNX Runtime (onnxruntime-node, CPU EP) on one model and prompt length.

    bench/run_ort.py MODEL.onnx --prompt-len 256 [--tokens-file F] [--batch 1]
                     [--threads 1,2] [--repeat 21] [--warmup 3] [--process-repeat 0]
                     [--ort-arg=--no-spin] [--out results.json]

For each thread count (intraOpNumThreads; interOp 1): `repeat` timed session.run calls
after `warmup` untimed ones in one process (steady state, session creation excluded), and
optionally `process-repeat` cold runs of a whole `node ort_run.mjs` process (node start +
session creation + one run + writing logits). Writes JSON (stdout or --out) and a summary
on stderr. See bench/README.md.
"""
import argparse
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402


def measure_ort(model, tokens, threads_list, repeat, warmup, process_repeat, tmp, extra=()):
    ids = os.path.join(tmp, "prompt.npy")
    np.save(ids, tokens)
    out = {}
    for th in threads_list:
        r = bl.ort_bench(model, ids, th, repeat, warmup, extra)
        entry = {"run": {k: r[k] for k in ("median_ms", "min_ms", "mean_ms", "runs_ms")},
                 "session_create_ms": r["session_create_ms"], "ort_version": r["ort_version"]}
        if process_repeat:
            walls, rss = [], []
            for _ in range(process_repeat):
                w, m, _ = bl.timed_process(bl.ort_process_cmd(model, ids, th, os.path.join(tmp, "ort_logits.npy"), extra))
                walls.append(w)
                rss.append(m)
            entry["process"] = bl.stats(walls)
            entry["process"]["max_rss_kib"] = max(rss)
        out[str(th)] = entry
        print(f"run_ort: {os.path.basename(model)} T={tokens.shape[1]} B={tokens.shape[0]} threads={th}: "
              f"run median {entry['run']['median_ms']:.2f} ms (min {entry['run']['min_ms']:.2f}, n={repeat})"
              + (f", process median {entry['process']['median_ms']:.1f} ms (n={process_repeat})"
                 if process_repeat else ""), file=sys.stderr, flush=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("model")
    ap.add_argument("--prompt-len", type=int, required=True)
    ap.add_argument("--tokens-file", help=".npy/.npz[:KEY]/text; default: seeded random ids")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--process-repeat", type=int, default=0)
    ap.add_argument("--ort-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for ort_run.mjs, e.g. --ort-arg=--no-spin (repeatable)")
    ap.add_argument("--out")
    args = ap.parse_args()
    try:
        if not os.path.isfile(args.model):
            raise bl.BenchError(f"model not found: {args.model}")
        if args.prompt_len < 1 or args.batch < 1 or args.repeat < 1 or args.warmup < 0 or args.process_repeat < 0:
            raise bl.BenchError("--prompt-len, --batch, --repeat must be >= 1; --warmup, --process-repeat >= 0")
        threads = bl.parse_threads(args.threads)
        tokens = bl.load_prompt(args.tokens_file, args.prompt_len, args.batch, args.model)
        bl.warn_if_busy("run_ort")
        info = bl.system_info()
        with tempfile.TemporaryDirectory(prefix="sinkc-bench.") as tmp:
            ort = measure_ort(args.model, tokens, threads, args.repeat, args.warmup, args.process_repeat, tmp,
                              args.ort_arg)
        info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        bl.write_json({"kind": "sinkc-bench-ort", "model": args.model, "prompt_len": args.prompt_len,
                       "batch": args.batch, "tokens_file": args.tokens_file, "repeat": args.repeat,
                       "warmup": args.warmup, "ort_args": args.ort_arg, "system": info, "ort": ort}, args.out)
    except bl.BenchError as e:
        print(f"run_ort: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
