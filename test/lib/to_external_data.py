#!/usr/bin/python3
"""Copy of an ONNX model with its initializers moved to ONNX external data.

    to_external_data.py IN.onnx OUT_DIR [--threshold BYTES] [--single-file NAME]
                        [--align BYTES] [--convert-attributes] [--name MODEL.onnx]

Writes OUT_DIR/<basename of IN> (or --name) whose tensors of at least --threshold bytes
(default 1024, counted on the raw little-endian data) live in external files:
  default           one file per tensor, named after the tensor (characters that are not
                    safe in a file name become '_'; clashes get a numeric suffix)
  --single-file F   all of them in OUT_DIR/F, in graph order, each at an offset that is a
                    multiple of --align (default 1: packed back to back)
--convert-attributes also moves the tensors of Constant nodes / tensor attributes.
Tensors stored in typed fields (float_data, int64_data, ...) are converted to raw_data
first so that every tensor above the threshold moves. Data files that the output will use
are truncated first, so re-running is safe. IN may itself use external data.
Prints one summary line. Exit 1 on errors.
"""
import os
import re
import sys

import onnx
from onnx import TensorProto, numpy_helper
from onnx.external_data_helper import set_external_data

from script_help import argument_parser


def fail(msg):
    print(f"to_external_data: error: {msg}", file=sys.stderr)
    sys.exit(1)


def graph_tensors(graph, with_attributes):
    """Initializers (and optionally attribute tensors) of graph and its subgraphs, in order."""
    for t in graph.initializer:
        yield t
    for n in graph.node:
        for a in n.attribute:
            if with_attributes:
                if a.HasField("t"):
                    yield a.t
                for t in a.tensors:
                    yield t
            if a.HasField("g"):
                yield from graph_tensors(a.g, with_attributes)
            for g in a.graphs:
                yield from graph_tensors(g, with_attributes)


def ensure_raw(t):
    if t.HasField("raw_data") or t.data_type in (TensorProto.STRING, TensorProto.UNDEFINED):
        return
    arr = numpy_helper.to_array(t)
    raw = numpy_helper.from_array(arr, t.name)
    for f in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data"):
        t.ClearField(f)
    t.raw_data = raw.raw_data


def safe_file_name(name, used):
    base = re.sub(r'[^A-Za-z0-9._+-]', "_", name).lstrip(".") or "tensor"
    cand, i = base, 1
    while cand in used:
        cand = f"{base}.{i}"
        i += 1
    used.add(cand)
    return cand


def main():
    ap = argument_parser(__doc__)
    ap.add_argument("input")
    ap.add_argument("out_dir")
    ap.add_argument("--threshold", type=int, default=1024,
                    help="move tensors whose raw data has at least this many bytes (default 1024)")
    ap.add_argument("--single-file", metavar="NAME", help="put all external data in OUT_DIR/NAME")
    ap.add_argument("--align", type=int, default=1, help="offset alignment in --single-file mode")
    ap.add_argument("--convert-attributes", action="store_true")
    ap.add_argument("--name", help="file name of the output model (default: basename of IN)")
    args = ap.parse_args()

    if not os.path.isfile(args.input):
        fail(f"model not found: {args.input}")
    if args.threshold < 0 or args.align < 1:
        fail("--threshold must be >= 0 and --align >= 1")
    if args.single_file and ("/" in args.single_file or args.single_file in (".", "..")):
        fail("--single-file takes a plain file name inside OUT_DIR")
    out_name = args.name or os.path.basename(args.input)
    out_model = os.path.join(args.out_dir, out_name)
    if os.path.abspath(out_model) == os.path.abspath(args.input):
        fail("the output would overwrite the input; choose another OUT_DIR or --name")

    try:
        model = onnx.load(args.input)  # loads external data of IN, if any
    except Exception as e:
        fail(f"cannot load {args.input}: {e}")
    os.makedirs(args.out_dir, exist_ok=True)

    chosen = []
    kept = 0
    for t in graph_tensors(model.graph, args.convert_attributes):
        if t.data_location == TensorProto.EXTERNAL:
            fail(f"tensor '{t.name}' still refers to external data after loading")
        ensure_raw(t)
        if t.HasField("raw_data") and len(t.raw_data) >= args.threshold:
            chosen.append(t)
        else:
            kept += 1

    used_names = {out_name}
    files = {}
    total = 0
    for t in chosen:
        loc = args.single_file if args.single_file else safe_file_name(t.name or "tensor", used_names)
        path = os.path.join(args.out_dir, loc)
        if loc not in files:
            files[loc] = open(path, "wb")  # truncates stale data from earlier runs
        f = files[loc]
        offset = f.tell()
        if args.single_file and offset % args.align:
            f.write(b"\0" * (args.align - offset % args.align))
            offset = f.tell()
        data = t.raw_data
        f.write(data)
        total += len(data)
        set_external_data(t, loc, offset, len(data))
        t.ClearField("raw_data")
    for f in files.values():
        f.close()

    onnx.save(model, out_model)
    print(f"to_external_data: wrote {out_model}: {len(chosen)} tensors ({total} bytes) in "
          f"{len(files)} external file(s), {kept} kept inline")


if __name__ == "__main__":
    main()
