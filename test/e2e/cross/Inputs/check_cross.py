#!/usr/bin/python3
"""Compares a cross-compiled executable's outputs with the host's.

    check_cross.py tokens --ref REF.npz --out PROMPTS.txt [--rows N] [--length T]
                   [--random-length T --vocab V]
    check_cross.py elf EXE
    check_cross.py math --input X.npy --host HOST_DIR --target TARGET_DIR
                   [--tol 1e-5] [--exact-tol 2e-6]
    check_cross.py logits --host H.npy --target T.npy [--rows N] [--tol 1e-5]
                   [--ref REF.npz --ref-tol 1e-4]
    check_cross.py trace --host H.sinktrace --target T.sinktrace
                   --sink-trace PATH [--tol 1e-5]

tokens: the (first N) rows of REF.npz `input_ids` as a --tokens-file, one
  prompt per line (with --length only their first T tokens: the models are causal, so
  the reference logits of those positions still hold), then optionally one
  seeded random prompt of --random-length tokens below V.
elf: prints the architecture of an ELF executable and whether it is statically
  linked (no program interpreter, no dynamic section) and stripped (no symbol
  table), e.g. `aarch64 static stripped`.
math: the outputs of Inputs/math.txt (exp, tanh, erf, sigmoid, sin, cos,
  log|x|; the polynomial approximations of sinkc-approximate-math) written by
  --output-dir: the target's against the host's within tol * max|host|
  (infinities equal), and against float64 numpy / math.erf within exact-tol
  * max(1, |exact|) per element.
logits: the target's logits (run under qemu) against the host's for the same
  prompts: max |target - host| <= tol * max |host| per prompt. With --rows N
  the executables ran N prompts of a --tokens-file and wrote H.0.npy ...
  With --ref also against the stored PyTorch logits of REF.npz for the rows
  it has, within ref-tol * max |reference| as test/e2e/models does.
trace: both traces read by the host's sink-trace: the same records, tokens,
  classification parameters, per-layer flags and sinks (positions, kinds,
  layers), every metric within tol (absolute, and relative to the host's
  value above 1), and the same `sink-trace summary` sink lines.

Prints one PASS line per check and `N checks passed`, or exits 1.
"""
import argparse
import json
import os
import struct
import subprocess
import sys

import numpy as np

MACHINES = {0x3E: "x86-64", 0xB7: "aarch64", 0x28: "arm", 0xF3: "riscv64"}


def fail(message):
    print(f"FAIL {message}")
    sys.exit(1)


def tokens(args):
    rows = [list(map(int, row[:args.length or None]))
            for row in np.load(args.ref)["input_ids"][:args.rows or None]]
    if args.random_length:
        rng = np.random.default_rng(14)
        rows.append(list(map(int, rng.integers(0, args.vocab,
                                               args.random_length))))
    with open(args.out, "w") as f:
        for row in rows:
            f.write(",".join(map(str, row)) + "\n")


def elf(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        fail(f"{path} is not an ELF file")
    is64 = data[4] == 2
    if data[5] != 1:
        fail(f"{path} is not little-endian")
    machine = struct.unpack_from("<H", data, 18)[0]
    if is64:
        phoff, shoff = struct.unpack_from("<QQ", data, 32)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 54)
    else:
        phoff, shoff = struct.unpack_from("<II", data, 28)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 42)
    segments = [struct.unpack_from("<I", data, phoff + i * phentsize)[0]
                for i in range(phnum)]
    sections = [struct.unpack_from("<I", data, shoff + i * shentsize + 4)[0]
                for i in range(shnum)]
    PT_DYNAMIC, PT_INTERP, SHT_SYMTAB = 2, 3, 2
    linking = "dynamic" if PT_INTERP in segments or PT_DYNAMIC in segments \
        else "static"
    symbols = "not-stripped" if SHT_SYMTAB in sections else "stripped"
    print(f"{MACHINES.get(machine, hex(machine))} {linking} {symbols} "
          f"{'64' if is64 else '32'}-bit")


MATH_OUTPUTS = ["exp", "tanh", "erf", "sigmoid", "sin", "cos", "log"]


def load_output(directory, index):
    from onnx import TensorProto, numpy_helper
    tensor = TensorProto()
    with open(os.path.join(directory, f"output_{index}.pb"), "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor).astype(np.float64)


def math_outputs(args):
    import math
    x = np.load(args.input).astype(np.float64)
    with np.errstate(divide="ignore"):
        exact = {"exp": np.exp(x), "tanh": np.tanh(x),
                 "erf": np.vectorize(math.erf)(x),
                 "sigmoid": 1 / (1 + np.exp(-x)), "sin": np.sin(x),
                 "cos": np.cos(x), "log": np.log(np.abs(x))}
    for i, name in enumerate(MATH_OUTPUTS):
        with np.errstate(invalid="ignore"):
            math_output(args, i, name, exact[name])
    print(f"{len(MATH_OUTPUTS)} checks passed")


def math_output(args, i, name, ref):
    host = load_output(args.host, i)
    target = load_output(args.target, i)
    finite = np.isfinite(host)
    if not np.array_equal(host[~finite], target[~finite]):
        fail(f"{name}: the non-finite values differ from the host's")
    scale = float(np.max(np.abs(host[finite])))
    rel = float(np.max(np.abs(target - host)[finite])) / scale
    ok = np.isfinite(ref)
    err = float(np.max(np.abs(target - ref)[ok] /
                       np.maximum(1.0, np.abs(ref[ok]))))
    line = f"{name}: target vs host {rel:.3g} of max|host|, vs exact " \
           f"{err:.3g} (tol {args.tol:g}, {args.exact_tol:g})"
    if rel > args.tol or err > args.exact_tol:
        fail(line)
    print(f"PASS {line}")


def logit_files(path, rows):
    if rows == 1:
        return [path]
    stem = path[:-len(".npy")] if path.endswith(".npy") else path
    return [f"{stem}.{i}.npy" for i in range(rows)]


def logits(args):
    host_files = logit_files(args.host, args.rows)
    target_files = logit_files(args.target, args.rows)
    ref = np.load(args.ref)["logits"] if args.ref else None
    passed = 0
    for i, (h, t) in enumerate(zip(host_files, target_files)):
        host = np.load(h).astype(np.float64)
        target = np.load(t).astype(np.float64)
        if host.shape != target.shape:
            fail(f"row {i}: target shape {target.shape} != host {host.shape}")
        scale = float(np.max(np.abs(host)))
        diff = float(np.max(np.abs(target - host)))
        rel = diff / scale
        line = f"row {i} T={host.shape[-2]}: target vs host max|d| {diff:.3g} " \
               f"({rel:.3g} of max|host| {scale:.3g}, tol {args.tol:g})"
        if rel > args.tol:
            fail(line)
        print(f"PASS {line}")
        passed += 1
        if ref is not None and i < len(ref):
            length = target.shape[-2]
            reference = ref[i][:length].astype(np.float64)
            target_row = target.reshape(reference.shape)
            rscale = float(np.max(np.abs(reference)))
            rdiff = float(np.max(np.abs(target_row - reference)))
            line = f"row {i}: target vs reference max|d| {rdiff:.3g} " \
                   f"({rdiff / rscale:.3g} of max|ref|, tol {args.ref_tol:g})"
            if rdiff > args.ref_tol * rscale:
                fail(line)
            print(f"PASS {line}")
            passed += 1
    print(f"{passed} checks passed")


def run(command):
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        fail(f"{' '.join(command)} exited with {proc.returncode}: "
             f"{proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode()


class TraceCompare:
    def __init__(self, tol):
        self.tol = tol
        self.worst = 0.0
        self.values = 0

    def compare(self, host, target, where):
        if isinstance(host, dict):
            if not isinstance(target, dict) or host.keys() != target.keys():
                fail(f"{where}: keys differ")
            for key in host:
                self.compare(host[key], target[key], f"{where}.{key}")
        elif isinstance(host, list):
            if not isinstance(target, list) or len(host) != len(target):
                fail(f"{where}: lengths differ")
            for i, (h, t) in enumerate(zip(host, target)):
                self.compare(h, t, f"{where}[{i}]")
        elif isinstance(host, float) or isinstance(target, float):
            if not isinstance(host, (int, float)) or \
                    not isinstance(target, (int, float)):
                fail(f"{where}: {target!r} != {host!r}")
            diff = abs(float(target) - float(host))
            bound = self.tol * max(1.0, abs(float(host)))
            self.values += 1
            self.worst = max(self.worst, diff / max(1.0, abs(float(host))))
            if diff > bound:
                fail(f"{where}: target {target!r} host {host!r} (|d| {diff:.3g} "
                     f"> {bound:.3g})")
        elif host != target:
            fail(f"{where}: target {target!r} != host {host!r}")


def sink_lines(summary):
    return [line for line in summary.splitlines()
            if any(kind in line.split() for kind in ("primary", "secondary"))]


def trace(args):
    host = json.loads(run([args.sink_trace, "json", args.host]))
    target = json.loads(run([args.sink_trace, "json", args.target]))
    comparer = TraceCompare(args.tol)
    comparer.compare(host, target, "trace")
    sinks = sum(len(r["sinks"]) for r in host["records"])
    print(f"PASS sink-trace json: {len(host['records'])} records, {sinks} sinks, "
          f"same classification; {comparer.values} metric values, worst "
          f"deviation {comparer.worst:.3g} (tol {args.tol:g})")
    host_sinks = sink_lines(run([args.sink_trace, "summary", args.host]))
    target_sinks = sink_lines(run([args.sink_trace, "summary", args.target]))
    if host_sinks != target_sinks or not host_sinks:
        fail(f"sink-trace summary sink lines differ:\nhost:\n"
             + "\n".join(host_sinks) + "\ntarget:\n" + "\n".join(target_sinks))
    print(f"PASS sink-trace summary: the same {len(host_sinks)} sink lines")
    print("2 checks passed")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    # The options of the comparisons of the host's outputs with the target's.
    host_and_target = argparse.ArgumentParser(add_help=False)
    host_and_target.add_argument("--host", required=True)
    host_and_target.add_argument("--target", required=True)
    host_and_target.add_argument("--tol", type=float, default=1e-5)
    p = sub.add_parser("tokens")
    p.add_argument("--ref", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rows", type=int, default=0)
    p.add_argument("--length", type=int, default=0)
    p.add_argument("--random-length", type=int, default=0)
    p.add_argument("--vocab", type=int, default=256)
    p = sub.add_parser("elf")
    p.add_argument("exe")
    p = sub.add_parser("math", parents=[host_and_target])
    p.add_argument("--input", required=True)
    p.add_argument("--exact-tol", type=float, default=2e-6)
    p = sub.add_parser("logits", parents=[host_and_target])
    p.add_argument("--rows", type=int, default=1)
    p.add_argument("--ref")
    p.add_argument("--ref-tol", type=float, default=1e-4)
    p = sub.add_parser("trace", parents=[host_and_target])
    p.add_argument("--sink-trace", required=True)
    args = parser.parse_args()
    if args.command == "tokens":
        tokens(args)
    elif args.command == "elf":
        elf(args.exe)
    elif args.command == "math":
        math_outputs(args)
    elif args.command == "logits":
        logits(args)
    else:
        trace(args)


if __name__ == "__main__":
    main()
