#!/usr/bin/python3
"""Long-context benchmark: time and peak RSS of sinkc executables against ONNX Runtime.

    bench/long_context.py [--model test/models/trained/sinklm_llama.onnx] [--lengths 1024,4096,16384]
                          [--threads 1,2] [--repeat 1] [--ort-max 4096] [--materialised-max 4096]
                          [--sinkc build/bin/sinkc] [--workdir DIR] [--out results.json] [--markdown]

Compiles the model three ways with sinkc (instrumented with every layer and metric,
plain, and instrumented with --fuse-attention=false: today's materialised attention),
then for every prompt length T (seeded random byte ids after BOS 256) and thread count
runs each executable as a whole process (`--tokens-file`, the instrumented one with
`--trace`) and records wall time and peak RSS (getrusage of the child); ONNX Runtime
(plain, `node ort_run.mjs` cold process: node start, session creation, one run) for
T <= --ort-max, since it materialises every [H, T, T] score tensor (at T = 16384 that is
8.6 GB per layer). Times are the median of --repeat processes; besides wall time the
child's CPU time (user + system, from wait4) is recorded, which on a shared machine is
the steadier number for one thread. JSON to stdout or --out;
with --markdown a table on stderr. See bench/README.md.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

BOS = 256


def compile_variants(sinkc, model, workdir):
    variants = {
        "instrumented": ["--instrument=layers=all,metrics=all"],
        "plain": [],
        "materialised": ["--instrument=layers=all,metrics=all", "--fuse-attention=false"],
    }
    exes = {}
    for name, extra in variants.items():
        exe = os.path.join(workdir, name)
        subprocess.run([sinkc, model, "--bos-id=256", "--tokenizer=bytes", "-o", exe, *extra],
                       check=True)
        exes[name] = exe
    return exes


def prompt(T, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(32, 127, size=T, dtype=np.int64)
    ids[0] = BOS
    return ids


def median(xs):
    return float(np.median(xs)) if xs else None


def timed(cmd):
    """Runs cmd; returns (wall_ms, cpu_ms (user + system of the child), peak_rss_kib)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter() - t0) * 1000.0
    if os.waitstatus_to_exitcode(status) != 0:
        raise bl.BenchError(f"command failed: {' '.join(cmd)}\n{p.stderr.read().decode(errors='replace')}")
    return wall, (ru.ru_utime + ru.ru_stime) * 1000.0, ru.ru_maxrss


def measure(cmd, repeat):
    walls, cpus, rss = [], [], []
    for _ in range(repeat):
        wall, cpu, peak = timed(cmd)
        walls.append(wall)
        cpus.append(cpu)
        rss.append(peak)
    return {"wall_ms": median(walls), "cpu_ms": median(cpus), "runs_ms": walls,
            "peak_rss_mib": max(rss) / 1024.0}


def run_exe(exe, tokens_file, threads, trace, repeat):
    cmd = [exe, "--tokens-file", tokens_file, "--threads", str(threads), "--quiet"]
    if trace:
        cmd += ["--trace", trace]
    return measure(cmd, repeat)


def run_ort(model, ids_npy, threads, out_npy, repeat):
    return measure(bl.ort_process_cmd(model, ids_npy, threads, out_npy), repeat)


def markdown(results):
    rows = ["| T | threads | sinkc instrumented | sinkc plain | overhead | materialised (today) | "
            "ONNX Runtime plain | instrumented / ORT |",
            "| ---: | ---: | --- | --- | ---: | --- | --- | ---: |"]

    def cell(r):
        if not r:
            return "–"
        return (f"{r['wall_ms'] / 1000:.2f} s (CPU {r['cpu_ms'] / 1000:.2f} s), "
                f"{r['peak_rss_mib']:.0f} MB")

    for r in results["runs"]:
        inst, plain, mat, ort = r.get("instrumented"), r.get("plain"), r.get("materialised"), r.get("ort")
        over = (f"{(inst['wall_ms'] / plain['wall_ms'] - 1) * 100:+.0f} % "
                f"(CPU {(inst['cpu_ms'] / plain['cpu_ms'] - 1) * 100:+.0f} %)" if inst and plain else "–")
        ratio = (f"{inst['wall_ms'] / ort['wall_ms']:.2f} (CPU {inst['cpu_ms'] / ort['cpu_ms']:.2f})"
                 if inst and ort else "–")
        rows.append(f"| {r['T']} | {r['threads']} | {cell(inst)} | {cell(plain)} | {over} | {cell(mat)} | "
                    f"{cell(ort)} | {ratio} |")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(bl.REPO, "test/models/trained/sinklm_llama.onnx"))
    ap.add_argument("--sinkc", default=os.path.join(bl.REPO, "build/bin/sinkc"))
    ap.add_argument("--lengths", default="1024,4096,16384")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--ort-max", type=int, default=4096, help="largest T run with ONNX Runtime")
    ap.add_argument("--materialised-max", type=int, default=4096,
                    help="largest T run with the materialised (--fuse-attention=false) build")
    ap.add_argument("--workdir", help="keep the executables and prompts here")
    ap.add_argument("--out")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()

    bl.warn_if_busy("long_context")
    lengths = [int(x) for x in args.lengths.split(",")]
    threads = bl.parse_threads(args.threads)
    results = {"system": bl.system_info(), "model": os.path.basename(args.model), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or tmp
        os.makedirs(workdir, exist_ok=True)
        exes = compile_variants(args.sinkc, args.model, workdir)
        for T in lengths:
            ids = prompt(T)
            tokens_file = os.path.join(workdir, f"prompt{T}.txt")
            with open(tokens_file, "w") as f:
                f.write(",".join(str(int(x)) for x in ids) + "\n")
            ids_npy = os.path.join(workdir, f"prompt{T}.npy")
            np.save(ids_npy, ids[None, :])
            for th in threads:
                entry = {"T": T, "threads": th}
                trace = os.path.join(workdir, "trace.sinktrace")
                entry["instrumented"] = run_exe(exes["instrumented"], tokens_file, th, trace, args.repeat)
                entry["plain"] = run_exe(exes["plain"], tokens_file, th, None, args.repeat)
                if T <= args.materialised_max:
                    entry["materialised"] = run_exe(exes["materialised"], tokens_file, th, trace,
                                                    args.repeat)
                if T <= args.ort_max:
                    entry["ort"] = run_ort(args.model, ids_npy, th, os.path.join(workdir, "ort.npy"),
                                           args.repeat)
                results["runs"].append(entry)
                print(f"long_context: T={T} threads={th}: " +
                      ", ".join(f"{k} {v['wall_ms'] / 1000:.2f} s {v['peak_rss_mib']:.0f} MB"
                                for k, v in entry.items() if isinstance(v, dict)),
                      file=sys.stderr)
    results["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    if args.markdown:
        print(markdown(results), file=sys.stderr)
    bl.write_json(results, args.out)


if __name__ == "__main__":
    main()
