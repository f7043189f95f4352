"""Shared helpers of the benchmark scripts (run_ort.py, compare.py, ...). /usr/bin/python3."""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, ".."))
ORT_RUN = os.path.join(REPO, "tools", "ort-reference", "ort_run.mjs")
NODE = os.environ.get("NODE", "node")


class BenchError(Exception):
    pass


def parse_threads(s):
    try:
        vals = [int(x) for x in str(s).split(",") if x.strip()]
    except ValueError:
        raise BenchError(f"--threads expects a comma-separated list of integers, got '{s}'")
    if not vals or any(v < 1 for v in vals):
        raise BenchError(f"--threads expects positive integers, got '{s}'")
    return vals


def stats(xs):
    xs = list(xs)
    return {"median_ms": round(statistics.median(xs), 3), "min_ms": round(min(xs), 3),
            "mean_ms": round(statistics.fmean(xs), 3),
            "stdev_ms": round(statistics.stdev(xs), 3) if len(xs) > 1 else 0.0,
            "runs_ms": [round(x, 3) for x in xs]}


def run_json(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise BenchError(f"command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.strip()}")
    try:
        return json.loads(p.stdout)
    except ValueError:
        raise BenchError(f"no JSON on stdout of: {' '.join(cmd)}\n{p.stdout[:500]}")


def model_io(model):
    return run_json([NODE, ORT_RUN, model, "--print-io"])


def model_vocab(model):
    for o in model_io(model)["outputs"]:
        if o["name"] == "logits" and o.get("shape") and isinstance(o["shape"][-1], int):
            return o["shape"][-1]
    return None


def load_prompt(tokens_file, prompt_len, batch=1, model=None, seed=0):
    """int64 [batch, prompt_len]: rows of tokens_file cut to prompt_len, or seeded random
    ids below the model's vocabulary when no file is given.

    tokens_file: FILE.npy ([T] or [B,T]), FILE.npz (key input_ids, or FILE.npz:KEY), or
    text (one row per line, ids separated by commas/whitespace)."""
    if tokens_file is None:
        vocab = (model_vocab(model) if model else None) or 256
        rng = np.random.default_rng(seed)
        return rng.integers(0, vocab, size=(batch, prompt_len), dtype=np.int64)
    path, key = tokens_file, None
    if not os.path.isfile(path) and ":" in path:
        path, key = path.rsplit(":", 1)
    if not os.path.isfile(path):
        raise BenchError(f"tokens file not found: {tokens_file}")
    if path.endswith(".npz"):
        z = np.load(path)
        key = key or "input_ids"
        if key not in z.files:
            raise BenchError(f"{path} has no array '{key}' (has: {', '.join(z.files)})")
        a = z[key]
    elif path.endswith(".npy"):
        a = np.load(path)
    else:
        rows = [[int(t) for t in line.replace(",", " ").split()]
                for line in open(path) if line.strip() and not line.lstrip().startswith("#")]
        if not rows:
            raise BenchError(f"{path}: no tokens")
        n = min(len(r) for r in rows)
        a = np.array([r[:n] for r in rows])
    a = np.asarray(a)
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2 or a.dtype.kind not in "iu":
        raise BenchError(f"{tokens_file}: expected integer ids [T] or [B,T], got {a.dtype} {list(a.shape)}")
    if a.shape[1] < prompt_len:
        raise BenchError(f"{tokens_file}: rows have {a.shape[1]} tokens, fewer than --prompt-len {prompt_len}")
    if a.shape[0] < batch:
        a = np.concatenate([a] * ((batch + a.shape[0] - 1) // a.shape[0]))
    return np.ascontiguousarray(a[:batch, :prompt_len].astype(np.int64))


def ort_bench(model, tokens_npy, threads, repeat, warmup, extra=()):
    """Steady-state in-process timing of session.run (ort_run.mjs --bench)."""
    return run_json([NODE, ORT_RUN, model, "--tokens-file", tokens_npy, "--threads", str(threads),
                     "--bench", str(repeat), "--warmup", str(warmup), *extra])


def machine_busy_ms():
    """CPU time (ms) used by everything on the machine so far (/proc/stat, 10 ms steps)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq = v[:7]
    steal = v[7] if len(v) > 7 else 0
    return (user + nice + system + irq + softirq + steal) * 1000.0 / os.sysconf("SC_CLK_TCK")


class ForeignCpu:
    """Measures the CPU that processes other than ours and our children used, in cores."""

    def __enter__(self):
        self.busy0 = machine_busy_ms()
        self.self0 = os.times()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        wall = (time.perf_counter() - self.t0) * 1000.0
        busy1 = machine_busy_ms()
        t = os.times()
        own = sum(getattr(t, k) - getattr(self.self0, k)
                  for k in ("user", "system", "children_user", "children_system")) * 1000.0
        self.cores = (None if self.busy0 is None or busy1 is None or wall < 500  # 10 ms ticks
                      else round(max(0.0, busy1 - self.busy0 - own) / wall, 3))
        return False


def timed_process(cmd):
    """Runs cmd; returns (wall_ms, peak_rss_kib, stdout). Raises BenchError on failure."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)  # per-child rusage (peak RSS)
        wall = (time.perf_counter() - t0) * 1000.0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    if p.returncode != 0:
        raise BenchError(f"command failed ({p.returncode}): {' '.join(cmd)}\n"
                         f"{err.decode(errors='replace').strip()}")
    return wall, ru.ru_maxrss, out.decode(errors="replace")


def ort_process_cmd(model, tokens_npy, threads, out_npy, extra=()):
    """Cold end-to-end ORT: node start + session creation + one run + writing logits."""
    return [NODE, ORT_RUN, model, "--tokens-file", tokens_npy, "--threads", str(threads), "--out", out_npy,
            *extra]


def warn_if_busy(tool):
    """The machine has 2 cores; anything else running skews timings (2 threads most)."""
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"{tool}: warning: 1-minute load average is {load:.2f} before measuring; other "
              "processes compete for the cores and the timings (2 threads above all) will be "
              "unreliable", file=sys.stderr)


def git_commit():
    try:
        return subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip() or None
    except OSError:
        return None


def cpu_model():
    """The CPU's model name from /proc/cpuinfo, None where there is none."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def system_info():
    node = subprocess.run([NODE, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    return {"host_cpu": cpu_model(), "nproc": os.cpu_count(), "platform": platform.platform(),
            "node": node, "python": sys.version.split()[0], "git_commit": git_commit(),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def argument_parser(doc):
    """The parser of a script whose docstring `doc` is a summary line, a blank line and the
    details, which --help shows after the options."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                   formatter_class=argparse.RawDescriptionHelpFormatter,
                                   epilog=doc.split("\n\n", 1)[1])


def write_json(obj, out):
    """`obj` as indented JSON in the file `out` (its directory created), or on stdout."""
    text = json.dumps(obj, indent=1)
    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
