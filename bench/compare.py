#!/usr/bin/python3
"""Compare a sinkc-compiled executable with ONNX Runtime on the same model and prompt.

    bench/compare.py --ort MODEL.onnx --exe EXE --prompt-len 256 [--tokens-file F]
                     [--threads 1,2] [--repeat 21] [--warmup 3] [--exe-cmd TEMPLATE]
                     [--exe-time-key KEY] [--check-logits] [--out results.json]

Per thread count it measures, in one interleaved session (so both sides see the same
machine load):
  ort_run      ONNX Runtime steady state: median of `repeat` session.run calls in one
               process after `warmup` (ort_run.mjs --bench; session creation excluded)
  ort_process  cold ONNX Runtime: wall time of a whole `node ort_run.mjs` process (node
               start, session creation, one run, writing logits); --ort-process-repeat runs
  exe_process  wall time of one executable process per run (subprocess, `repeat` runs
               after --exe-warmup untimed ones), with its peak RSS
  exe_reported (with --exe-time-key KEY) the executable's own timing: the number under
               KEY in the last JSON line it prints on stdout, in ms
and the ratios exe_process/ort_process, exe_process/ort_run, exe_reported/ort_run
(< 1: the executable is faster).

The executable is run as TEMPLATE, split like a shell line, then each word formatted with:
  {exe} {model} {threads} {tokens} (row 0, comma-separated) {tokens_file} (text, one row
  per line, ids comma-separated) {tokens_npy} (int64 [B,T] .npy) {logits} (output path)
Default TEMPLATE: "{exe} --tokens {tokens} --threads {threads}" (batch 1; use
{tokens_file} for batch > 1). --check-logits runs it once more with " --logits {logits}"
appended (or --exe-check-cmd) and compares the logits with ONNX Runtime's using
test/lib/compare_npy.py's max-abs-relative rule (--rtol/--atol).
Exit 1 on errors or a failed logits check.
"""
import os
import shlex
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

sys.path.insert(0, os.path.join(bl.REPO, "test", "lib"))
import compare_npy  # noqa: E402

DEFAULT_CMD = "{exe} --tokens {tokens} --threads {threads}"


def render(template, fields):
    words = shlex.split(template)
    if not words:
        raise bl.BenchError("empty --exe-cmd")
    try:
        return [w.format(**fields) for w in words]
    except KeyError as e:
        raise bl.BenchError(f"--exe-cmd uses unknown placeholder {e} (known: {', '.join(sorted(fields))})")


def reported_ms(stdout, key):
    """The number under `key` in the last line that has one: a JSON object, or
    `key=value` words (the runtime's `--repeat N` line: `times prompt=0 runs=N
    median_ms=M ...`)."""
    import json
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                v = json.loads(line).get(key)
            except ValueError:
                continue
            if isinstance(v, (int, float)):
                return float(v)
            continue
        for word in line.split():
            name, _, value = word.partition("=")
            if name == key:
                try:
                    return float(value)
                except ValueError:
                    break
    raise bl.BenchError(f"--exe-time-key {key}: no line with a number '{key}' on the executable's stdout")


def ratio(a, b):
    return round(a / b, 4) if b else None


def main():
    ap = bl.argument_parser(__doc__)
    ap.add_argument("--ort", required=True, metavar="MODEL.onnx", help="the model ONNX Runtime runs")
    ap.add_argument("--exe", help="the compiled executable ({exe} in the template)")
    ap.add_argument("--exe-cmd", default=DEFAULT_CMD, metavar="TEMPLATE")
    ap.add_argument("--exe-check-cmd", metavar="TEMPLATE",
                    help="command for the logits check (default: --exe-cmd + ' --logits {logits}')")
    ap.add_argument("--exe-time-key", metavar="KEY")
    ap.add_argument("--prompt-len", type=int, required=True)
    ap.add_argument("--tokens-file", help=".npy/.npz[:KEY]/text; default: seeded random ids")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--warmup", type=int, default=3, help="untimed ORT session.run calls")
    ap.add_argument("--exe-warmup", type=int, default=1, help="untimed executable runs")
    ap.add_argument("--ort-process-repeat", type=int, help="cold ORT processes (default: --repeat)")
    ap.add_argument("--check-logits", action="store_true")
    ap.add_argument("--rtol", type=float, default=1e-4)
    ap.add_argument("--atol", type=float, default=1e-5)
    ap.add_argument("--ort-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for ort_run.mjs, e.g. --ort-arg=--no-spin (repeatable)")
    ap.add_argument("--out")
    args = ap.parse_args()

    try:
        if not os.path.isfile(args.ort):
            raise bl.BenchError(f"model not found: {args.ort}")
        if "{exe}" in args.exe_cmd:
            if not args.exe:
                raise bl.BenchError("--exe is required when the command template uses {exe}")
            if not (os.path.isfile(args.exe) and os.access(args.exe, os.X_OK)):
                raise bl.BenchError(f"not an executable file: {args.exe}")
        if args.batch > 1 and "{tokens}" in args.exe_cmd:
            raise bl.BenchError("{tokens} holds one row; with --batch > 1 use {tokens_file} or {tokens_npy}")
        threads = bl.parse_threads(args.threads)
        proc_repeat = args.repeat if args.ort_process_repeat is None else args.ort_process_repeat
        tokens = bl.load_prompt(args.tokens_file, args.prompt_len, args.batch, args.ort)
        bl.warn_if_busy("compare")
        info = bl.system_info()
        results = {}
        check = None
        with tempfile.TemporaryDirectory(prefix="sinkc-compare.") as tmp:
            ids_npy = os.path.join(tmp, "prompt.npy")
            ids_txt = os.path.join(tmp, "prompt.txt")
            np.save(ids_npy, tokens)
            with open(ids_txt, "w") as f:
                for row in tokens:
                    f.write(",".join(str(int(t)) for t in row) + "\n")
            fields = {"exe": args.exe or "", "model": args.ort, "tokens": ",".join(str(int(t)) for t in tokens[0]),
                      "tokens_file": ids_txt, "tokens_npy": ids_npy,
                      "logits": os.path.join(tmp, "exe_logits.npy")}
            ort_logits = os.path.join(tmp, "ort_logits.npy")

            for th in threads:
                fields["threads"] = str(th)
                cmd = render(args.exe_cmd, fields)
                for _ in range(args.exe_warmup):
                    bl.timed_process(cmd)
                ort = bl.ort_bench(args.ort, ids_npy, th, args.repeat, args.warmup, args.ort_arg)
                exe_w, exe_rss, exe_rep, ort_w, ort_rss = [], [], [], [], []
                fc = bl.ForeignCpu().__enter__()
                for i in range(max(args.repeat, proc_repeat)):
                    if i < args.repeat:
                        w, m, out = bl.timed_process(cmd)
                        exe_w.append(w)
                        exe_rss.append(m)
                        if args.exe_time_key:
                            exe_rep.append(reported_ms(out, args.exe_time_key))
                    if i < proc_repeat:
                        w, m, _ = bl.timed_process(bl.ort_process_cmd(args.ort, ids_npy, th, ort_logits, args.ort_arg))
                        ort_w.append(w)
                        ort_rss.append(m)
                fc.__exit__(None, None, None)
                r = {"ort_run": {k: ort[k] for k in ("median_ms", "min_ms", "mean_ms", "runs_ms")},
                     "ort_run_foreign_cpu_cores": ort.get("foreign_cpu_cores"),
                     "process_loop_foreign_cpu_cores": fc.cores,
                     "ort_session_create_ms": ort["session_create_ms"],
                     "exe_process": dict(bl.stats(exe_w), max_rss_kib=max(exe_rss)),
                     "exe_cmd": cmd}
                if ort_w:
                    r["ort_process"] = dict(bl.stats(ort_w), max_rss_kib=max(ort_rss))
                if exe_rep:
                    r["exe_reported"] = bl.stats(exe_rep)
                em = r["exe_process"]["median_ms"]
                r["ratios"] = {"exe_process_over_ort_run": ratio(em, r["ort_run"]["median_ms"])}
                if ort_w:
                    r["ratios"]["exe_process_over_ort_process"] = ratio(em, r["ort_process"]["median_ms"])
                if exe_rep:
                    r["ratios"]["exe_reported_over_ort_run"] = ratio(r["exe_reported"]["median_ms"],
                                                                     r["ort_run"]["median_ms"])
                results[str(th)] = r
                line = (f"compare: threads={th}: ORT run {r['ort_run']['median_ms']:.2f} ms"
                        + (f", ORT process {r['ort_process']['median_ms']:.1f} ms" if ort_w else "")
                        + f", exe process {em:.1f} ms"
                        + (f", exe reported {r['exe_reported']['median_ms']:.2f} ms" if exe_rep else "")
                        + "; ratios " + ", ".join(f"{k}={v}" for k, v in r["ratios"].items()))
                print(line, file=sys.stderr, flush=True)

            if args.check_logits:
                fields["threads"] = str(threads[0])
                tmpl = args.exe_check_cmd or (args.exe_cmd + " --logits {logits}")
                bl.timed_process(render(tmpl, fields))
                if not os.path.isfile(fields["logits"]):
                    raise bl.BenchError(f"the logits check command wrote no {fields['logits']}")
                bl.timed_process(bl.ort_process_cmd(args.ort, ids_npy, threads[0], ort_logits))
                check = compare_npy.compare(np.load(fields["logits"]), np.load(ort_logits),
                                            args.rtol, args.atol, squeeze=True)
                print(compare_npy.fmt(check, "logits exe vs ORT"), file=sys.stderr)
        info["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        bl.write_json({"kind": "sinkc-bench-compare", "model": args.ort, "exe": args.exe,
                       "exe_cmd_template": args.exe_cmd, "prompt_len": args.prompt_len, "batch": args.batch,
                       "tokens_file": args.tokens_file, "repeat": args.repeat, "warmup": args.warmup,
                       "exe_warmup": args.exe_warmup, "ort_process_repeat": proc_repeat, "ort_args": args.ort_arg,
                       "system": info, "results": results, "logits_check": check}, args.out)
    except bl.BenchError as e:
        print(f"compare: error: {e}", file=sys.stderr)
        return 1
    if check is not None and not check["ok"]:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
