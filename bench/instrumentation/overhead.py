#!/usr/bin/python3
"""Run-time overhead of sink instrumentation: instrumented / plain executable.

    overhead.py [--sinkc build/bin/sinkc] [--model test/models/trained/sinklm_llama.onnx]
                [--lengths 256,1024] [--rounds 11] [--repeat 5] [--threads 1]
                [--spec layers=all,metrics=attn,mlp,hidden] [--workdir DIR]
                [--plain EXE --instrumented EXE] [--out results.json]

Compiles the model twice with sinkc (plain, and with --instrument=SPEC; both with
--bos-id=256 --tokenizer=bytes), unless --plain/--instrumented name prebuilt
executables. Prompts: the held-out sequences of ref_llama.npz, one BOS at position 0,
cut to each length (T=1024 concatenates the four 256-token sequences and wraps).

The machine is noisy, so the runs are interleaved: every round runs, for every length,
both executables (in alternating order) as separate processes, each `--repeat R`
times in process. Per process the runtime prints the median wall time of its model
calls (`times ... median_ms=`; no process start, weight mapping or file output; the
probes' copies into the runtime are inside the model calls, the trace file is not).
The process wall time is recorded as well. Reported per length: the median over
rounds of each executable's model time, their ratio, and the median of the per-round
(paired) ratios; the same for process wall time. JSON on stdout or in --out, a
summary on stderr. Not a test: nothing is asserted.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import benchlib as bl  # noqa: E402

REPO = bl.REPO
BOS = 256


def log(message):
    print(message, file=sys.stderr, flush=True)


def compile_model(sinkc, model, output, spec):
    command = [sinkc, model, "--bos-id=256", "--tokenizer=bytes", "-o", output]
    if spec:
        command.insert(2, "--instrument=" + spec)
    log("compiling: " + " ".join(command))
    subprocess.run(command, check=True)


def prompt(length, ref):
    rows = np.load(ref)["input_ids"]
    body = [int(t) for row in rows for t in row if int(t) != BOS]
    tokens = [BOS]
    while len(tokens) < length:
        tokens.extend(body[: length - len(tokens)])
    return tokens[:length]


def run_once(exe, tokens_file, repeat, threads, trace):
    command = [exe, "--tokens-file", tokens_file, "--repeat", str(repeat),
               "--threads", str(threads), "--quiet"]
    if trace:
        command += ["--trace", trace]
    start = time.perf_counter()
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    wall_ms = (time.perf_counter() - start) * 1000.0
    match = re.search(r"times prompt=0 runs=\d+ median_ms=([0-9.]+)", result.stdout)
    if not match:
        raise SystemExit(f"overhead: error: no 'times' line from {exe}: {result.stdout!r}")
    return float(match.group(1)), wall_ms


def summarize(plain, instrumented):
    ratios = [i / p for p, i in zip(plain, instrumented)]
    return {
        "plain_median_ms": statistics.median(plain),
        "instrumented_median_ms": statistics.median(instrumented),
        "ratio_of_medians": statistics.median(instrumented) / statistics.median(plain),
        "median_paired_ratio": statistics.median(ratios),
        "paired_ratios": ratios,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sinkc", default=os.path.join(REPO, "build", "bin", "sinkc"))
    parser.add_argument("--model",
                        default=os.path.join(REPO, "test", "models", "trained", "sinklm_llama.onnx"))
    parser.add_argument("--ref",
                        default=os.path.join(REPO, "test", "models", "trained", "ref_llama.npz"))
    parser.add_argument("--spec", default="layers=all,metrics=attn,mlp,hidden")
    parser.add_argument("--lengths", default="256,1024")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--plain")
    parser.add_argument("--instrumented")
    parser.add_argument("--workdir")
    parser.add_argument("--out")
    args = parser.parse_args()

    workdir = args.workdir or tempfile.mkdtemp(prefix="sinkc-overhead-")
    os.makedirs(workdir, exist_ok=True)
    plain = args.plain or os.path.join(workdir, "plain")
    instrumented = args.instrumented or os.path.join(workdir, "instrumented")
    if not args.plain:
        compile_model(args.sinkc, args.model, plain, None)
    if not args.instrumented:
        compile_model(args.sinkc, args.model, instrumented, args.spec)

    lengths = [int(n) for n in args.lengths.split(",")]
    files = {}
    for length in lengths:
        files[length] = os.path.join(workdir, f"prompt{length}.txt")
        with open(files[length], "w") as out:
            out.write(",".join(map(str, prompt(length, args.ref))) + "\n")
    trace = os.path.join(workdir, "run.sinktrace")

    times = {n: {"plain": [], "instrumented": [], "plain_wall": [], "instrumented_wall": []}
             for n in lengths}
    loads = []
    for round_index in range(args.rounds):
        for length in lengths:
            order = ["plain", "instrumented"]
            if round_index % 2:
                order.reverse()
            for variant in order:
                exe = plain if variant == "plain" else instrumented
                model_ms, wall_ms = run_once(exe, files[length], args.repeat, args.threads,
                                             trace if variant == "instrumented" else None)
                times[length][variant].append(model_ms)
                times[length][variant + "_wall"].append(wall_ms)
        loads.append(os.getloadavg()[0])
        log(f"round {round_index + 1}/{args.rounds}: " + ", ".join(
            f"T={n} {times[n]['instrumented'][-1] / times[n]['plain'][-1]:.3f}" for n in lengths))

    results = {
        "model": os.path.relpath(args.model, REPO),
        "spec": args.spec,
        "rounds": args.rounds,
        "repeat_per_process": args.repeat,
        "threads": args.threads,
        "loadavg_1min": {"min": min(loads), "median": statistics.median(loads), "max": max(loads)},
        "lengths": {},
    }
    for length in lengths:
        t = times[length]
        results["lengths"][str(length)] = {
            "model_time": summarize(t["plain"], t["instrumented"]),
            "process_wall": summarize(t["plain_wall"], t["instrumented_wall"]),
        }
        m = results["lengths"][str(length)]["model_time"]
        w = results["lengths"][str(length)]["process_wall"]
        log(f"T={length}: model time plain {m['plain_median_ms']:.1f} ms, instrumented "
            f"{m['instrumented_median_ms']:.1f} ms, ratio {m['ratio_of_medians']:.4f} "
            f"(paired {m['median_paired_ratio']:.4f}); process wall ratio "
            f"{w['ratio_of_medians']:.4f}")
    bl.write_json(results, args.out)


if __name__ == "__main__":
    main()
