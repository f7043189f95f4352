#!/usr/bin/python3
"""Convert an ONNX textual-syntax model to a binary .onnx (for lit tests).

    onnx_from_text.py IN.txt OUT.onnx [--opset N] [--opset-import DOMAIN=N]
                      [--ir-version N] [--init NAME=SHAPE:DTYPE:VALUES]
                      [--init-random NAME=DTYPE:SHAPE:SEED[:LO:HI]] [--init-npy NAME=F.npy]
                      [--check]

IN.txt is parsed with onnx.parser.parse_model (header `<ir_version: 8, opset_import:
["" : 17]>` then the graph); a file that holds only a graph (no `<...>` header) is parsed
with parse_graph and gets opset 17 unless --opset says otherwise. '#' comments are ONNX
syntax; whole lines starting with '//' are dropped too, so lit RUN lines can use either.
IN may be '-' for stdin.

Nodes without a name are named `<op_type>_<index>` (index = position in the main graph;
nodes of subgraphs continue the count). The IR version, when neither the header nor
--ir-version sets it, follows the default-domain opset (e.g. 17 -> 8, 20 -> 9, 21 -> 10).

Initializers:
  --init W=2x3:float32:1,2,3,4,5,6     explicit values (SHAPE: dims joined by 'x' or ',',
                                        '' or 'scalar' for a scalar; one value fills all)
  --init-random W=float32:2x3:7        seeded values: floats uniform in [-1, 1), integers
                                        in [0, 10), bools fair coin; ':LO:HI' overrides
  --init-npy W=weights.npy             values from a .npy file
DTYPE: float32 float16 float64 int64 int32 int16 int8 uint8 uint16 uint32 uint64 bool
(float and double are accepted aliases). Text-syntax initializers (`<float[3] B = {...}>`)
work as well.
"""
import os
import re
import sys

import numpy as np
import onnx
import onnx.parser
from onnx import helper, numpy_helper

from script_help import argument_parser

DTYPES = {
    "float32": np.float32, "float": np.float32, "float16": np.float16, "half": np.float16,
    "float64": np.float64, "double": np.float64,
    "int64": np.int64, "int32": np.int32, "int16": np.int16, "int8": np.int8,
    "uint64": np.uint64, "uint32": np.uint32, "uint16": np.uint16, "uint8": np.uint8,
    "bool": np.bool_,
}

# default-domain opset -> IR version (onnx/helper.py VERSION_TABLE, extended past 1.12)
OPSET_TO_IR = {1: 3, 2: 3, 3: 3, 4: 3, 5: 3, 6: 3, 7: 3, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7,
               13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10,
               23: 11, 24: 11}


class Error(Exception):
    pass


def parse_shape(s, what):
    s = s.strip().strip("[]()")
    if s in ("", "scalar"):
        return []
    try:
        dims = [int(d) for d in re.split(r"[x,]", s) if d.strip() != ""]
    except ValueError:
        raise Error(f"{what}: bad shape '{s}' (dims joined by 'x' or ',')")
    if any(d < 0 for d in dims):
        raise Error(f"{what}: negative dimension in shape '{s}'")
    return dims


def parse_dtype(s, what):
    s = s.strip().lower()
    if s not in DTYPES:
        raise Error(f"{what}: unknown dtype '{s}' (one of {', '.join(sorted(DTYPES))})")
    return np.dtype(DTYPES[s])


def split_name(spec, flag):
    if "=" not in spec or spec.index("=") == 0:
        raise Error(f"{flag} expects NAME=..., got '{spec}'")
    i = spec.index("=")
    return spec[:i], spec[i + 1:]


def init_explicit(spec):
    name, rest = split_name(spec, "--init")
    what = f"--init {name}"
    parts = rest.split(":", 2)
    if len(parts) != 3:
        raise Error(f"{what}: expected NAME=SHAPE:DTYPE:VALUES, got '{spec}'")
    shape = parse_shape(parts[0], what)
    dtype = parse_dtype(parts[1], what)
    raw = [v.strip() for v in parts[2].split(",") if v.strip() != ""]
    if not raw:
        raise Error(f"{what}: no values")
    try:
        if dtype == np.bool_:
            bad = [v for v in raw if v.lower() not in ("0", "1", "true", "false")]
            if bad:
                raise ValueError(bad[0])
            vals = [v.lower() in ("1", "true") for v in raw]
        elif dtype.kind in "iu":
            vals = [int(v, 0) for v in raw]
        else:
            vals = [float(v) for v in raw]
    except ValueError as e:
        raise Error(f"{what}: bad value {e} for dtype {dtype.name}")
    n = int(np.prod(shape)) if shape else 1
    if len(vals) == 1:
        arr = np.full(shape, vals[0], dtype=dtype)
    elif len(vals) == n:
        arr = np.array(vals, dtype=dtype).reshape(shape)
    else:
        raise Error(f"{what}: {len(vals)} values for shape {shape} ({n} elements)")
    return name, arr


def init_random(spec):
    name, rest = split_name(spec, "--init-random")
    what = f"--init-random {name}"
    parts = rest.split(":")
    if len(parts) not in (3, 5):
        raise Error(f"{what}: expected NAME=DTYPE:SHAPE:SEED[:LO:HI], got '{spec}'")
    dtype = parse_dtype(parts[0], what)
    shape = parse_shape(parts[1], what)
    try:
        seed = int(parts[2])
    except ValueError:
        raise Error(f"{what}: bad seed '{parts[2]}'")
    rng = np.random.default_rng(seed)
    if dtype == np.bool_:
        arr = rng.integers(0, 2, size=shape).astype(np.bool_)
    elif dtype.kind in "iu":
        lo, hi = (int(parts[3]), int(parts[4])) if len(parts) == 5 else (0, 10)
        if hi <= lo:
            raise Error(f"{what}: empty range [{lo}, {hi})")
        arr = rng.integers(lo, hi, size=shape, dtype=np.int64).astype(dtype)
    else:
        lo, hi = (float(parts[3]), float(parts[4])) if len(parts) == 5 else (-1.0, 1.0)
        arr = rng.uniform(lo, hi, size=shape).astype(dtype)
    return name, np.asarray(arr, dtype=dtype).reshape(shape)


def init_npy(spec):
    name, path = split_name(spec, "--init-npy")
    if not os.path.isfile(path):
        raise Error(f"--init-npy {name}: file not found: {path}")
    return name, np.load(path, allow_pickle=False)


def read_text(path):
    text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    return "\n".join("" if l.lstrip().startswith("//") else l for l in text.split("\n"))


def name_nodes(graph, counter):
    for n in graph.node:
        idx = counter[0]
        counter[0] += 1
        if not n.name:
            n.name = f"{n.op_type}_{idx}"
    for n in graph.node:
        for a in n.attribute:
            if a.HasField("g"):
                name_nodes(a.g, counter)
            for g in a.graphs:
                name_nodes(g, counter)


def main():
    ap = argument_parser(__doc__)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--opset", type=int, help="default-domain opset version (overrides the header)")
    ap.add_argument("--opset-import", action="append", default=[], metavar="DOMAIN=N",
                    help="set/add the opset of another domain, e.g. com.microsoft=1")
    ap.add_argument("--ir-version", type=int)
    ap.add_argument("--init", action="append", default=[], metavar="NAME=SHAPE:DTYPE:VALUES")
    ap.add_argument("--init-random", action="append", default=[], metavar="NAME=DTYPE:SHAPE:SEED")
    ap.add_argument("--init-npy", action="append", default=[], metavar="NAME=FILE.npy")
    ap.add_argument("--check", action="store_true",
                    help="run onnx.checker (onnx 1.12 knows opsets up to 17 only)")
    args = ap.parse_args()

    try:
        if args.input != "-" and not os.path.isfile(args.input):
            raise Error(f"input not found: {args.input}")
        text = read_text(args.input)
        body = re.sub(r"#[^\n]*", "", text).lstrip()
        try:
            if body.startswith("<"):
                model = onnx.parser.parse_model(text)
            else:
                graph = onnx.parser.parse_graph(text)
                model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
                model.ir_version = 0  # decided below from the opset
        except Exception as e:
            msg = e.args[0] if e.args else e
            if isinstance(msg, bytes):
                msg = msg.decode("utf-8", "replace")
            raise Error(f"{args.input}: parse error: {msg}")

        opsets = {o.domain: o for o in model.opset_import}
        if args.opset is not None:
            if "" in opsets:
                opsets[""].version = args.opset
            else:
                model.opset_import.append(helper.make_opsetid("", args.opset))
        for spec in args.opset_import:
            dom, _, ver = spec.rpartition("=")
            if not _ or not ver.isdigit():
                raise Error(f"--opset-import expects DOMAIN=N, got '{spec}'")
            dom = "" if dom in ("ai.onnx", "''", '""') else dom
            if dom in opsets:
                opsets[dom].version = int(ver)
            else:
                model.opset_import.append(helper.make_opsetid(dom, int(ver)))
        if args.ir_version is not None:
            model.ir_version = args.ir_version
        elif model.ir_version == 0:
            default = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 17)
            model.ir_version = OPSET_TO_IR.get(default, 10)

        name_nodes(model.graph, [0])

        existing = {i.name for i in model.graph.initializer}
        used = {i for n in model.graph.node for i in n.input}
        inits = ([init_explicit(s) for s in args.init] + [init_random(s) for s in args.init_random]
                 + [init_npy(s) for s in args.init_npy])
        for name, arr in inits:
            if name in existing:
                raise Error(f"initializer '{name}' is given twice")
            existing.add(name)
            if name not in used:
                print(f"onnx_from_text: warning: initializer '{name}' is not used by any node",
                      file=sys.stderr)
            model.graph.initializer.append(numpy_helper.from_array(arr, name))

        if args.check:
            try:
                onnx.checker.check_model(model, full_check=True)
            except Exception as e:
                raise Error(f"checker: {e}")
        out_dir = os.path.dirname(os.path.abspath(args.output))
        os.makedirs(out_dir, exist_ok=True)
        onnx.save(model, args.output)
    except Error as e:
        print(f"onnx_from_text: error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
