#!/usr/bin/python3
"""Forward-pass speed of sinkc executables against ONNX Runtime, in one run.

    bench/speed.py [--model test/models/trained/sinklm_llama.onnx] [--lengths 256,1024]
                   [--threads 1,2] [--rounds 5] [--repeat 11] [--variants auto,avx2]
                   [--exe NAME=PATH ...] [--sinkc-arg=...] [--skip-ort] [--out speed.json]

Compiles the model once per variant (`auto`: the host's best matrix kernel; `avx2`:
`--mcpu=haswell`, an AVX2-only x86-64; `none`: `--matmul-kernel=none`, the generic
contraction schedule; `last`: `--logits=last`), or takes prebuilt executables with
`--exe NAME=PATH`. Every round runs, per length and thread count, each executable
(`--repeat R` model calls in one process; the runtime's median per call, no process
start) and ONNX Runtime's steady-state `session.run` (`ort_run.mjs --bench R`),
interleaved, so both see the same machine load. Prompt: seeded random ids below the
vocabulary (the speed does not depend on the ids). Reported per configuration: the
median over rounds, the work in GFLOP (products of the graph's MatMul/Gemm nodes
with 2-D weights, 2·T·K·N each, plus the attention products 2·2·H·T²·d, counted from
the executable's manifest and the ONNX weights), the achieved GFLOP/s, the ratio to
ORT (below 1: sinkc is faster) and to the core's FMA peak (bench/kernels: measured
here, times the thread count). Not a test: nothing is asserted.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np
import onnx

import benchlib

PEAK = os.path.join(benchlib.REPO, "bench", "kernels", "run.sh")


def log(message):
    print(f"speed: {message}", file=sys.stderr, flush=True)


def weight_products(model_path):
    """Sum of K*N over the MatMul/Gemm nodes whose second input is a 2-D initializer."""
    model = onnx.load(model_path, load_external_data=False)
    shapes = {t.name: list(t.dims) for t in model.graph.initializer}
    kn = 0
    for node in model.graph.node:
        if node.op_type in ("MatMul", "Gemm") and len(node.input) > 1:
            shape = shapes.get(node.input[1])
            if shape and len(shape) == 2:
                kn += shape[0] * shape[1]
    return kn


def attention_shape(exe):
    """(layers, heads) from the manifest string embedded in the executable."""
    data = open(exe, "rb").read()
    match = re.search(rb"lm vocab=(\d+) layers=(\d+) heads=(\d+)", data)
    if not match:
        return None
    return int(match.group(2)), int(match.group(3))


def gflop(kn, layers, heads, hidden, length):
    products = 2.0 * length * kn
    head_dim = hidden // heads if heads else 0
    # scores and probabilities x values, full T x T as ORT and sinkc compute them
    attention = 2.0 * 2.0 * layers * heads * length * length * head_dim
    return (products + attention) / 1e9


def hidden_size(model_path):
    """The width of the token embedding: the Gather that reads input_ids."""
    model = onnx.load(model_path, load_external_data=False)
    shapes = {t.name: list(t.dims) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Gather" and len(node.input) > 1 and node.input[1] == "input_ids":
            shape = shapes.get(node.input[0])
            if shape and len(shape) == 2:
                return int(shape[1])
    return None


def run_exe(exe, tokens, threads, repeat):
    command = [exe, "--tokens", ",".join(map(str, tokens)), "--repeat", str(repeat),
               "--threads", str(threads), "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"speed: error: {exe} failed: {result.stderr.strip()}")
    match = re.search(r"median_ms=([0-9.]+)", result.stdout + result.stderr)
    if not match:
        raise SystemExit(f"speed: error: no 'times' line from {exe}")
    return float(match.group(1))


def measure_peak():
    try:
        out = subprocess.run([PEAK, "--peak"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        log(f"no peak measurement ({error})")
        return None
    peaks = {}
    for line in out.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("what") == "fma_peak":
                peaks[record["isa"]] = record["gflops_median"]
    return peaks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=os.path.join(
        benchlib.REPO, "test", "models", "trained", "sinklm_llama.onnx"))
    parser.add_argument("--sinkc", default=os.path.join(benchlib.REPO, "build", "bin", "sinkc"))
    parser.add_argument("--lengths", default="256,1024")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--variants", default="auto,avx2")
    parser.add_argument("--exe", action="append", default=[],
                        help="NAME=PATH of a prebuilt executable (instead of --variants)")
    parser.add_argument("--sinkc-arg", action="append", default=[])
    parser.add_argument("--skip-ort", action="store_true")
    parser.add_argument("--workdir")
    parser.add_argument("--out")
    args = parser.parse_args()
    benchlib.warn_if_busy("speed")
    work = args.workdir or tempfile.mkdtemp(prefix="sinkc-speed-")
    os.makedirs(work, exist_ok=True)

    variant_flags = {"auto": [], "avx2": ["--mcpu=haswell"],
                     "none": ["--matmul-kernel=none"], "last": ["--logits=last"]}
    exes = {}
    for spec in args.exe:
        name, path = spec.split("=", 1)
        exes[name] = path
    if not exes:
        for name in args.variants.split(","):
            path = os.path.join(work, f"model-{name}")
            command = [args.sinkc, args.model, "-o", path, *variant_flags[name], *args.sinkc_arg]
            log(" ".join(command))
            subprocess.run(command, check=True)
            exes[name] = path

    first = next(iter(exes.values()))
    layers, heads = attention_shape(first) or (0, 0)
    hidden = hidden_size(args.model) or 0
    kn = weight_products(args.model)
    vocab = benchlib.model_vocab(args.model)
    lengths = [int(x) for x in args.lengths.split(",")]
    threads_list = benchlib.parse_threads(args.threads)
    rng = np.random.default_rng(0)
    results = {"system": benchlib.system_info(), "model": args.model,
               "executables": exes, "peak_gflops": measure_peak(), "configs": []}
    samples = {}
    for round_index in range(args.rounds):
        for length in lengths:
            tokens = rng.integers(0, vocab, size=length).tolist()
            tokens_npy = os.path.join(work, f"tokens-{length}.npy")
            np.save(tokens_npy, np.array([tokens], dtype=np.int64))
            for threads in threads_list:
                for name, exe in exes.items():
                    ms = run_exe(exe, tokens, threads, args.repeat)
                    samples.setdefault((name, length, threads), []).append(ms)
                if not args.skip_ort:
                    ort = benchlib.ort_bench(args.model, tokens_npy, threads, args.repeat, 2)
                    samples.setdefault(("ort", length, threads), []).append(ort["median_ms"])
        log(f"round {round_index + 1}/{args.rounds} done")

    peak = results["peak_gflops"] or {}
    core_peak = peak.get("avx512") or peak.get("avx2")
    for length in lengths:
        work_gflop = gflop(kn, layers, heads, hidden, length)
        for threads in threads_list:
            ort_ms = (statistics.median(samples[("ort", length, threads)])
                      if ("ort", length, threads) in samples else None)
            for name in [*exes, *(["ort"] if ort_ms else [])]:
                ms = statistics.median(samples[(name, length, threads)])
                config = {"name": name, "T": length, "threads": threads, "ms": round(ms, 3),
                          "gflop": round(work_gflop, 3),
                          "gflops": round(work_gflop / ms * 1e3, 1)}
                if ort_ms and name != "ort":
                    config["over_ort"] = round(ms / ort_ms, 3)
                if core_peak:
                    config["of_peak"] = round(work_gflop / ms * 1e3 / (core_peak * threads), 3)
                results["configs"].append(config)
                log(f"T={length} threads={threads} {name:8s} {ms:9.2f} ms "
                    f"{config['gflops']:7.1f} GFLOP/s"
                    + (f"  x{config['over_ort']:.2f} of ORT" if "over_ort" in config else "")
                    + (f"  {config['of_peak']:.0%} of peak" if "of_peak" in config else ""))
    benchlib.write_json(results, args.out)


if __name__ == "__main__":
    main()
