#!/usr/bin/python3
"""Compile time of sinkc against ONNX Runtime's session creation, per model.

sinkc does its work ahead of time; ONNX Runtime does its graph optimisation
when a session is created. For each model, interleaved per round (sinkc
compile, ORT session creation, ...): sinkc's wall time and CPU time
(user + system of the compiler and the linker it runs) and ORT's
`session_create_ms` (in-process, node start excluded). Medians over
--repeat rounds. Usage:

  /usr/bin/python3 bench/compile_time.py --sinkc build/bin/sinkc \\
      test/models/planted/gpt2_l6_h2_d64.onnx test/models/planted/gpt2_l12_h8_d64.onnx \\
      test/models/planted/gpt2_l24_h2_d48.onnx test/models/trained/sinklm_llama.onnx \\
      --repeat 3 [--sinkc-arg=--llvm-opt=0] [--no-ort] --out compile.json
"""
import argparse
import os
import statistics
import sys
import tempfile

import numpy as np

import benchlib


def compile_once(sinkc, model, extra, out_dir):
    exe = os.path.join(out_dir, "model.exe")
    before = os.times()
    wall, rss_kib, _ = benchlib.timed_process([sinkc, model, "-o", exe, *extra])
    after = os.times()
    cpu = ((after.children_user - before.children_user) +
           (after.children_system - before.children_system)) * 1000.0
    weights = exe + ".weights"
    weights_bytes = os.path.getsize(weights) if os.path.exists(weights) else 0
    return wall, cpu, rss_kib / 1024.0, weights_bytes


def preset_model(spec, scale_dir):
    """The model of make_decoder.py preset `spec` (NAME or NAME:legacy), generated once."""
    name, _, style = spec.partition(":")
    if style not in ("", "legacy"):
        raise benchlib.BenchError(f"--preset {spec}: the style after ':' can only be 'legacy'")
    path = os.path.join(scale_dir, f"{name}{'.legacy' if style else ''}.onnx")
    if not (os.path.exists(path) and os.path.exists(path + ".data")):
        os.makedirs(scale_dir, exist_ok=True)
        cmd = [sys.executable, os.path.join(benchlib.REPO, "test", "lib", "make_decoder.py"),
               path, "--preset", name] + (["--legacy"] if style else [])
        benchlib.timed_process(cmd)
    return path


def ort_session_ms(model, tokens_npy):
    result = benchlib.run_json([benchlib.NODE, benchlib.ORT_RUN, model, "--tokens-file",
                                tokens_npy, "--threads", "1", "--bench", "1", "--warmup", "0"])
    return float(result["session_create_ms"])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*")
    ap.add_argument("--preset", action="append", default=[],
                    help="a make_decoder.py preset, NAME or NAME:legacy (repeatable)")
    ap.add_argument("--scale-dir", default=os.path.join(tempfile.gettempdir(), "sinkc-scale"),
                    help="where --preset models are generated and kept")
    ap.add_argument("--sinkc", default=os.path.join(benchlib.REPO, "build", "bin", "sinkc"))
    ap.add_argument("--sinkc-arg", action="append", default=[],
                    help="extra sinkc argument (repeatable)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-ort", action="store_true", help="leave out ONNX Runtime")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if not args.models and not args.preset:
        ap.error("give models or --preset")
    args.models += [preset_model(spec, args.scale_dir) for spec in args.preset]
    for model in args.models:
        if not os.path.isfile(model):
            ap.error(f"no such model: {model}")
    benchlib.warn_if_busy("compile_time")
    report = {"system": benchlib.system_info(), "sinkc": args.sinkc,
              "sinkc_args": args.sinkc_arg, "repeat": args.repeat, "models": []}
    with tempfile.TemporaryDirectory() as tmp:
        tokens = os.path.join(tmp, "tokens.npy")
        np.save(tokens, np.array([[1, 2, 3, 4, 5, 6, 7, 8]], dtype=np.int64))
        for model in args.models:
            walls, cpus, rsss, sessions = [], [], [], []
            for _ in range(args.repeat):
                wall, cpu, rss, weights_bytes = compile_once(args.sinkc, model,
                                                             args.sinkc_arg, tmp)
                walls.append(wall)
                cpus.append(cpu)
                rsss.append(rss)
                if not args.no_ort:
                    sessions.append(ort_session_ms(model, tokens))
            data = model + ".data"
            entry = {"model": os.path.relpath(model, benchlib.REPO),
                     "model_bytes": os.path.getsize(model) +
                     (os.path.getsize(data) if os.path.exists(data) else 0),
                     "weights_file_bytes": weights_bytes,
                     "sinkc_wall": benchlib.stats(walls), "sinkc_cpu": benchlib.stats(cpus),
                     "sinkc_peak_rss_mib": {"median": round(statistics.median(rsss), 1),
                                            "runs": [round(x, 1) for x in rsss]}}
            line = (f"{os.path.basename(model):28s} sinkc {statistics.median(walls) / 1000:7.2f} s "
                    f"wall, {statistics.median(cpus) / 1000:7.2f} s CPU, "
                    f"{statistics.median(rsss):7.0f} MiB peak RSS")
            if sessions:
                entry["ort_session_create"] = benchlib.stats(sessions)
                line += f"; ORT session creation {statistics.median(sessions):8.1f} ms"
            report["models"].append(entry)
            print(line, file=sys.stderr)
    report["system"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    benchlib.write_json(report, args.out)


if __name__ == "__main__":
    try:
        main()
    except benchlib.BenchError as e:
        print(f"compile_time: error: {e}", file=sys.stderr)
        sys.exit(1)
