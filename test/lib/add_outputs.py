#!/usr/bin/python3
"""Copy of an ONNX model with intermediate values added as extra graph outputs.

    add_outputs.py MODEL.onnx OUT.onnx NAME [NAME ...]
    add_outputs.py MODEL.onnx OUT.onnx --op Softmax [--op ...] [NAME ...]
    add_outputs.py MODEL.onnx --list [--op MatMul]

Each NAME is a value of the main graph (a node output, graph input or initializer). Its
type comes from the model's value_info when present, else from ONNX shape inference, else
it is declared a float tensor of unknown shape. --op OP adds every output of every node
of that op_type, in graph order (e.g. --op Softmax gives the attention probabilities of
each layer). The names added are printed one per line on stdout, in order.

External data: the copy refers to the same external files; when OUT is written to
another directory, those files are hard-linked next to it (copied when a link is not
possible or with --copy-external). Symlinks would not do: ONNX Runtime resolves them and
rejects external data outside the model's directory.
Uses /usr/bin/python3 with Debian's python3-onnx (1.12), which can load and save opset-20
/ IR-10 models even though its checker rejects them; the checker is not run.
"""
import argparse
import difflib
import os
import shutil
import sys

import onnx
from onnx import TensorProto, helper


def fail(msg):
    print(f"add_outputs: error: {msg}", file=sys.stderr)
    sys.exit(1)


def known_value_types(model):
    """name -> ValueInfoProto for every typed value in the main graph."""
    g = model.graph
    types = {}
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        if vi.type.HasField("tensor_type") or vi.type.WhichOneof("value") is not None:
            types.setdefault(vi.name, vi)
    for init in g.initializer:
        if init.name not in types:
            types[init.name] = helper.make_tensor_value_info(init.name, init.data_type, list(init.dims))
    return types


def inferred_value_types(model, wanted):
    """Runs ONNX shape inference on a copy without weights; returns name -> ValueInfoProto."""
    if not wanted:
        return {}
    light = onnx.ModelProto()
    light.CopyFrom(model)
    # Weights are irrelevant to type inference; keep dims/types only to save memory.
    for init in light.graph.initializer:
        for field in ("raw_data", "float_data", "int32_data", "int64_data", "double_data",
                      "uint64_data", "string_data"):
            init.ClearField(field)
        del init.external_data[:]
        init.data_location = TensorProto.DEFAULT
    try:
        inferred = onnx.shape_inference.infer_shapes(light, check_type=False, strict_mode=False)
    except Exception as e:  # onnx 1.12 may not know newer opsets' ops
        print(f"add_outputs: note: shape inference failed ({str(e).splitlines()[0]}); "
              "using float for values without value_info", file=sys.stderr)
        return {}
    out = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        if vi.name in wanted and vi.type.tensor_type.elem_type != 0:
            out[vi.name] = vi
    return out


def produced_values(model):
    """Ordered list of (name, op_type, node_name) for every value of the main graph."""
    g = model.graph
    vals = [(i.name, "<input>", "") for i in g.input]
    vals += [(i.name, "<initializer>", "") for i in g.initializer]
    for n in g.node:
        vals += [(o, n.op_type, n.name) for o in n.output if o]
    return vals


def external_locations(model):
    locs = set()
    for init in model.graph.initializer:
        if init.data_location == TensorProto.EXTERNAL:
            for kv in init.external_data:
                if kv.key == "location":
                    locs.add(kv.value)
    return sorted(locs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("out", nargs="?")
    ap.add_argument("names", nargs="*")
    ap.add_argument("--op", action="append", default=[], metavar="OP_TYPE",
                    help="add every output of every node of this op_type")
    ap.add_argument("--list", action="store_true",
                    help="list the graph's values (name, op_type, node) instead of writing")
    ap.add_argument("--copy-external", action="store_true",
                    help="copy external data files next to OUT instead of hard-linking them")
    args = ap.parse_intermixed_args()

    if not os.path.isfile(args.model):
        fail(f"model not found: {args.model}")
    model = onnx.load(args.model, load_external_data=False)
    values = produced_values(model)

    if args.list:
        ops = set(args.op)
        for name, op, node in values:
            if not ops or op in ops:
                print(f"{name}\t{op}\t{node}")
        return
    if args.out is None:
        fail("no output path given (usage: add_outputs.py MODEL.onnx OUT.onnx NAME ...)")
    if os.path.abspath(args.out) == os.path.abspath(args.model):
        fail("OUT must differ from MODEL")

    names = []
    for op in args.op:
        found = [name for name, vop, _ in values if vop == op]
        if not found:
            fail(f"no node of op_type '{op}' in the main graph")
        names += found
    names += args.names
    if not names:
        fail("no value names given (positional NAMEs or --op)")

    all_names = {name for name, _, _ in values}
    missing = [n for n in names if n not in all_names]
    if missing:
        hints = []
        for n in missing:
            close = difflib.get_close_matches(n, list(all_names), n=3)
            hints.append(f"'{n}'" + (f" (did you mean {', '.join(close)}?)" if close else ""))
        fail("no value named " + "; ".join(hints) + " in the main graph (see --list)")

    existing = {o.name for o in model.graph.output}
    seen = set()
    todo = []
    for n in names:
        if n in existing or n in seen:
            continue
        seen.add(n)
        todo.append(n)

    types = known_value_types(model)
    inferred = inferred_value_types(model, {n for n in todo if n not in types})
    for n in todo:
        vi = types.get(n) or inferred.get(n)
        if vi is None:
            print(f"add_outputs: note: no type known for '{n}'; declaring float tensor of unknown shape",
                  file=sys.stderr)
            vi = helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
        out_vi = onnx.ValueInfoProto()
        out_vi.CopyFrom(vi)
        out_vi.name = n
        model.graph.output.append(out_vi)

    out_dir = os.path.dirname(os.path.abspath(args.out))
    in_dir = os.path.dirname(os.path.abspath(args.model))
    os.makedirs(out_dir, exist_ok=True)
    if out_dir != in_dir:
        for loc in external_locations(model):
            src = os.path.join(in_dir, loc)
            dst = os.path.join(out_dir, loc)
            if not os.path.exists(src):
                fail(f"external data file '{loc}' of {args.model} not found")
            if os.path.lexists(dst):
                if os.path.samefile(dst, src):
                    continue
                fail(f"{dst} exists and is not the external data of {args.model}")
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            # A hard link, not a symlink: ONNX Runtime resolves symlinks and refuses
            # external data outside the model's directory.
            if args.copy_external:
                shutil.copyfile(src, dst)
            else:
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copyfile(src, dst)
    onnx.save(model, args.out)
    for n in todo:
        print(n)


if __name__ == "__main__":
    main()
