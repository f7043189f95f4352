#!/usr/bin/python3
"""Run sinkc on truncated copies of a model and classify how each one fails.

    cut_model.py MODEL.onnx WORKDIR [--sinkc PATH] [--boundaries N]

Two kinds of cuts:
  plain     MODEL cut at fixed offsets (0, 1, 2, 3, 10, 100, ... and the last
            bytes). The graph is one length-delimited field, so nearly every
            cut fails to parse.
  boundary  MODEL re-serialised with its graph spread over many top-level
            records (protobuf merges repeated occurrences of a message field):
            first ir_version/opset/producer, then a record with the graph's
            inputs and outputs, then one record per initializer and one per
            node (initializers first, and again nodes first). A cut at a
            record boundary is a valid protobuf holding a partial graph
            (outputs not produced, or nodes reading initializers that are
            missing); about N boundaries per layout are tried (and, as a
            control, the uncut re-serialised models must import).
For every cut, sinkc must exit with status 1 (not crash) and print one
`sinkc: error: <file>: ...` line. Prints a summary: the number of cuts per
error category and `crashes: 0`, or the offending cut and exits 1.
"""
import argparse
import os
import shutil
import subprocess
import sys

import onnx

CATEGORIES = [
    ("parse", "protobuf parse failed"),
    ("no-graph", "not an ONNX model (no graph)"),
    ("no-opset", "imports no default-domain opset"),
    ("dangling", "is not defined by any earlier node"),
    ("unproduced-output", "is not produced by any node"),
    ("no-outputs", "the graph has no outputs"),
]


def run(sinkc, path):
    proc = subprocess.run([sinkc, path, "--emit=tfm-raw", "-o", os.devnull],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc.returncode, proc.stderr


def classify(sinkc, path, label, counts):
    code, err = run(sinkc, path)
    lines = err.strip().splitlines()
    if code != 1 or len(lines) != 1 or not lines[0].startswith(f"sinkc: error: {path}: "):
        print(f"{label}: exit status {code}, stderr:\n{err}")
        sys.exit(1)
    for name, text in CATEGORIES:
        if text in lines[0]:
            counts[name] = counts.get(name, 0) + 1
            return
    print(f"{label}: unexpected message: {lines[0]}")
    sys.exit(1)


def chunked(model, initializers_first):
    head = onnx.ModelProto()
    head.ir_version = model.ir_version
    head.producer_name = model.producer_name
    head.opset_import.extend(model.opset_import)
    frame = onnx.ModelProto()
    frame.graph.name = model.graph.name
    frame.graph.input.extend(model.graph.input)
    frame.graph.output.extend(model.graph.output)
    frame.graph.value_info.extend(model.graph.value_info)
    nodes, inits = [], []
    for node in model.graph.node:
        part = onnx.ModelProto()
        part.graph.node.append(node)
        nodes.append(part.SerializeToString())
    for tensor in model.graph.initializer:
        part = onnx.ModelProto()
        part.graph.initializer.append(tensor)
        inits.append(part.SerializeToString())
    body = inits + nodes if initializers_first else nodes + inits
    return [head.SerializeToString(), frame.SerializeToString()] + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("workdir")
    ap.add_argument("--sinkc", default=shutil.which("sinkc") or "sinkc")
    ap.add_argument("--boundaries", type=int, default=20)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    data = open(args.model, "rb").read()

    counts = {}
    offsets = sorted({o for o in [0, 1, 2, 3, 10, 100, 1000, 10000, 100000,
                                  len(data) // 2, len(data) - 100, len(data) - 2,
                                  len(data) - 1] if 0 <= o < len(data)})
    for offset in offsets:
        path = os.path.join(args.workdir, f"plain-{offset}.onnx")
        open(path, "wb").write(data[:offset])
        classify(args.sinkc, path, f"plain cut at {offset}", counts)
    print("plain: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))

    model = onnx.load_from_string(data)
    counts = {}
    for initializers_first in (True, False):
        records = chunked(model, initializers_first)
        blob = b"".join(records)
        layout = "inits-first" if initializers_first else "nodes-first"
        whole = os.path.join(args.workdir, f"{layout}.onnx")
        open(whole, "wb").write(blob)
        code, err = run(args.sinkc, whole)
        if code != 0:
            print(f"the uncut re-serialised model ({layout}) does not import:\n{err}")
            sys.exit(1)
        ends = [sum(len(r) for r in records[:i]) for i in range(1, len(records))]
        step = max(1, len(ends) // max(1, args.boundaries // 2))
        chosen = sorted(set(ends[::step]) | {ends[0], ends[1], ends[-1]})
        for end in chosen:
            path = os.path.join(args.workdir, f"{layout}-boundary-{end}.onnx")
            open(path, "wb").write(blob[:end])
            classify(args.sinkc, path, f"{layout} boundary cut at {end}", counts)
        # Cuts inside records, next to a few boundaries.
        for end in chosen[1::4]:
            path = os.path.join(args.workdir, f"{layout}-inside-{end - 3}.onnx")
            open(path, "wb").write(blob[:end - 3])
            classify(args.sinkc, path, f"{layout} cut inside a record at {end - 3}", counts)
    print("re-serialised models import")
    print("boundary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print("crashes: 0")


if __name__ == "__main__":
    main()
