#!/usr/bin/python3
"""ONNX backend node-test conformance of sinkc.

For every node test under the ONNX test data (Debian libonnx-testdata:
/usr/share/libonnx-testdata/data/node/test_*/) this script

* classifies the test as *supported* when every operator of its graph is one
  that sinkc's importer accepts (the operator table `kOps` in
  lib/Import/OnnxImporter.cpp), otherwise as *unsupported*;
* supported: compiles model.onnx with sinkc into an executable (cached, see
  below), runs every test_data_set_*/input_<i>.pb through
  `EXE --input-pb ... --output-dir DIR` and compares DIR/output_<i>.pb with the
  expected output_<i>.pb (dtype, shape and values; ONNX backend tolerances
  rtol 1e-3, atol 1e-7, exceptions in tolerances.txt);
* unsupported: checks that sinkc rejects the model at compile time with a
  one-line `sinkc: error: ...` and exit code 1 (never a crash, never an
  executable that fails at run time).

The result is `N passed, M failed` over the supported tests. A supported test
that fails must be listed in expected_failures.txt (with a reason) and a
listed test must fail; anything else makes the run fail (exit 1).

Compiled executables are cached in --cache, keyed by the SHA-256 of
model.onnx and the modification times of sinkc and libsinkrt.a, so a rerun
with an unchanged compiler only runs the executables.

    run_conformance.py --sinkc build/bin/sinkc [--cache DIR] [--jobs 2]
                       [--filter REGEX] [--json FILE] [-v]
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_TESTDATA = "/usr/share/libonnx-testdata/data/node"
DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-7
COMPILE_TIMEOUT = 300
RUN_TIMEOUT = 60


def supported_operators(importer_source):
    """The operator table of the importer: {"Abs", "Add", ...}."""
    with open(importer_source, encoding="utf-8") as f:
        text = f.read()
    table = re.search(r"kOps\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    if not table:
        sys.exit(f"run_conformance: no kOps table in {importer_source}")
    # Entries start {"OpType", minInputs, maxInputs, ...; an operator whose
    # form changed between opsets has one entry per form.
    ops = set(re.findall(r'\{"([A-Za-z0-9]+)",\s*\d+,\s*(?:\d+|kVariadic),',
                         table.group(1)))
    if len(ops) < 10:
        sys.exit(f"run_conformance: could not parse kOps in {importer_source}")
    return ops


def read_list(path, fields):
    """Lines `name field... reason` ('#' starts a comment line); {name: (fields..., reason)}."""
    entries = {}
    if not os.path.exists(path):
        return entries
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, fields + 1)
            if len(parts) < fields + 2:
                sys.exit(f"run_conformance: {path}:{number}: expected a test name, "
                         f"{fields} value(s) and a reason")
            if parts[0] in entries:
                sys.exit(f"run_conformance: {path}:{number}: {parts[0]} listed twice")
            entries[parts[0]] = tuple(parts[1:])
    return entries


# Element types sinkc handles: the importer's (lib/Import: FLOAT, DOUBLE,
# FLOAT16, BFLOAT16, INT64, INT32, INT16, INT8, BOOL), and of those the ones the
# runtime ABI exchanges through graph inputs and outputs (docs/runtime-abi.md: no
# INT16, no BFLOAT16, which is a storage type for weights). Other types must be
# refused at compile time ("unsupported dtype", or for graph inputs and outputs
# "an element type the runtime cannot exchange").
TP = onnx.TensorProto
SUPPORTED_DTYPES = {TP.FLOAT, TP.DOUBLE, TP.FLOAT16, TP.BFLOAT16, TP.INT64, TP.INT32,
                    TP.INT16, TP.INT8, TP.BOOL}
SUPPORTED_IO_DTYPES = SUPPORTED_DTYPES - {TP.INT16, TP.BFLOAT16}

# Operands that sinkc needs at compile time (attribute-like inputs, constant in
# every real export): (op_type, input index, first opset where it is an input).
# A node test that feeds one of them from a graph input runs with that input
# turned into an initializer holding the data set's value (as onnx-mlir's
# backend tests do with CONSTANT_INPUT).
COMPILE_TIME_OPERANDS = {
    ("Squeeze", 1): 13, ("Unsqueeze", 1): 13, ("ReduceSum", 1): 13,
    ("ReduceMean", 1): 18, ("ReduceMax", 1): 18, ("Split", 1): 13,
    ("CumSum", 1): 11, ("Trilu", 1): 14, ("Slice", 3): 10,
}


def default_opset(model):
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return entry.version
    return 1


def unsupported_types(model):
    """Element types (and non-tensor types) of the model that sinkc lacks."""
    problems = set()
    name = lambda t: TP.DataType.Name(t) if t in TP.DataType.values() else str(t)
    initializers = {t.name for t in model.graph.initializer}
    for value in list(model.graph.input) + list(model.graph.output):
        if value.name in initializers:
            continue
        if not value.type.HasField("tensor_type"):
            problems.add(f"{value.type.WhichOneof('value')} type")
        elif value.type.tensor_type.elem_type not in SUPPORTED_IO_DTYPES:
            problems.add(name(value.type.tensor_type.elem_type))
    for tensor in model.graph.initializer:
        if tensor.data_type not in SUPPORTED_DTYPES:
            problems.add(name(tensor.data_type))
    for node in model.graph.node:
        for attribute in node.attribute:
            if node.op_type == "Cast" and attribute.name == "to" and \
                    attribute.i not in SUPPORTED_DTYPES:
                problems.add(name(attribute.i))
            if attribute.type == onnx.AttributeProto.TENSOR and \
                    attribute.t.data_type not in SUPPORTED_DTYPES:
                problems.add(name(attribute.t.data_type))
    return problems


def compile_time_inputs(model):
    """Indices of the graph inputs that feed a compile-time operand."""
    opset = default_opset(model)
    initializers = {t.name for t in model.graph.initializer}
    inputs = [v.name for v in model.graph.input if v.name not in initializers]
    wanted = set()
    for node in model.graph.node:
        for index, value in enumerate(node.input):
            since = COMPILE_TIME_OPERANDS.get((node.op_type, index))
            if since is not None and opset >= since and value in inputs:
                wanted.add(inputs.index(value))
    return sorted(wanted)


def fold_inputs(model, folded, set_dir):
    """A copy of `model` whose graph inputs `folded` are initializers."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    initializers = {t.name for t in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in initializers]
    for index in folded:
        _, tensor = load_tensor(os.path.join(set_dir, f"input_{index}.pb"))
        tensor.name = inputs[index].name
        model.graph.initializer.append(tensor)
    for index in sorted(folded, reverse=True):
        model.graph.input.remove(inputs[index])
    return model


# Inputs whose *length* fixes the rank of a result (shape vectors, slice
# bounds) and the last dimension of GatherND indices (the tuple size): the
# dynamic variant keeps these static, as every real export has them.
SHAPE_OPERANDS = {("Reshape", 1), ("Expand", 1), ("ConstantOfShape", 0),
                  ("Slice", 1), ("Slice", 2), ("Slice", 3), ("Slice", 4)}


def make_dynamic(model):
    """A copy of `model` whose graph inputs and outputs have symbolic
    dimensions (same ranks) and no value_info, so that the lowering sees `?`
    wherever data flows from an input. Kept static: dimensions of size 1
    (ONNX exports mark broadcast dimensions statically, and sinkc does not
    broadcast a dynamic dimension that is 1 at run time; it stops with a
    shape-check error), the lengths of shape operands and the tuple size of
    GatherND indices."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    initializers = {t.name for t in model.graph.initializer}
    keep = {}  # value name -> dims to keep static (None: all)
    for node in model.graph.node:
        for index, value in enumerate(node.input):
            if (node.op_type, index) in SHAPE_OPERANDS:
                keep[value] = None
            if node.op_type == "GatherND" and index == 1:
                keep.setdefault(value, set()).add(-1)
    for value in list(model.graph.input) + list(model.graph.output):
        if value.name in initializers or not value.type.HasField("tensor_type"):
            continue
        if value.name in keep and keep[value.name] is None:
            continue
        dims = value.type.tensor_type.shape.dim
        static = {d % len(dims) for d in keep.get(value.name, set())} if dims else set()
        for j, dim in enumerate(dims):
            if j in static or (dim.HasField("dim_value") and dim.dim_value == 1):
                continue
            dim.Clear()
            dim.dim_param = f"{value.name}_d{j}"
    del model.graph.value_info[:]
    return model


def graph_operators(model):
    ops = set()
    for node in model.graph.node:
        domain = node.domain if node.domain not in ("", "ai.onnx") else ""
        ops.add(node.op_type if not domain else f"{domain}::{node.op_type}")
    return ops


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def describe_returncode(rc):
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit code {rc}"


class Compiler:
    def __init__(self, sinkc, cache):
        self.sinkc = os.path.abspath(sinkc)
        self.cache = os.path.abspath(cache)
        runtime = os.path.join(os.path.dirname(os.path.dirname(self.sinkc)),
                               "lib", "libsinkrt.a")
        stamp = [str(os.stat(self.sinkc).st_mtime_ns)]
        if os.path.exists(runtime):
            stamp.append(str(os.stat(runtime).st_mtime_ns))
        self.stamp = "-".join(stamp)

    def remove_stale(self, test_dir):
        """Drops the entries of a test made by another sinkc build."""
        if not os.path.isdir(test_dir):
            return
        for entry in os.listdir(test_dir):
            result_file = os.path.join(test_dir, entry, "compile.json")
            try:
                with open(result_file) as f:
                    current = json.load(f).get("stamp") == self.stamp
            except (OSError, ValueError):
                current = False
            if not current:
                shutil.rmtree(os.path.join(test_dir, entry), ignore_errors=True)

    def compile(self, name, model_path, emit="exe", model_bytes=None):
        """Returns (returncode, stderr, executable or None); cached. With
        `model_bytes`, compiles those instead of the file (written into the
        cache entry as model.onnx)."""
        digest = hashlib.sha256(model_bytes).hexdigest() if model_bytes is not None \
            else file_sha256(model_path)
        key = hashlib.sha256((digest + self.stamp + emit).encode()).hexdigest()[:20]
        test_dir = os.path.join(self.cache, name)
        entry = os.path.join(test_dir, key)
        result_file = os.path.join(entry, "compile.json")
        exe = os.path.join(entry, "model")
        if os.path.exists(result_file):
            with open(result_file) as f:
                result = json.load(f)
            if result["rc"] != 0 or emit != "exe" or os.path.exists(exe):
                return result["rc"], result["stderr"], (exe if result["rc"] == 0 and emit == "exe" else None)
        self.remove_stale(test_dir)
        os.makedirs(entry, exist_ok=True)
        if model_bytes is not None:
            model_path = os.path.join(entry, "model.onnx")
            with open(model_path, "wb") as f:
                f.write(model_bytes)
        out = exe if emit == "exe" else os.devnull
        command = [self.sinkc, model_path, "-o", out]
        if emit != "exe":
            command.append(f"--emit={emit}")
        try:
            proc = subprocess.run(command, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=COMPILE_TIMEOUT)
            rc, stderr = proc.returncode, proc.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired:
            rc, stderr = -9, f"sinkc timed out after {COMPILE_TIMEOUT} s"
        with open(result_file + ".tmp", "w") as f:
            json.dump({"rc": rc, "stderr": stderr, "command": command,
                       "stamp": self.stamp}, f)
        os.replace(result_file + ".tmp", result_file)
        return rc, stderr, (exe if rc == 0 and emit == "exe" else None)


def load_tensor(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor), tensor


def compare(expected, actual, rtol, atol):
    """None when equal within tolerance, else a one-line description."""
    if expected.dtype != actual.dtype:
        return f"dtype {actual.dtype}, expected {expected.dtype}"
    if expected.shape != actual.shape:
        return f"shape {list(actual.shape)}, expected {list(expected.shape)}"
    if expected.size == 0:
        return None
    if expected.dtype.kind in "biu":
        bad = expected != actual
        if not bad.any():
            return None
        at = np.unravel_index(np.argmax(bad), bad.shape)
        return (f"{int(bad.sum())} of {bad.size} elements differ, first at "
                f"{list(at)}: {actual[at]!r}, expected {expected[at]!r}")
    e = expected.astype(np.float64)
    a = actual.astype(np.float64)
    both_nan = np.isnan(e) & np.isnan(a)
    same_inf = np.isinf(e) & (e == a)
    diff = np.abs(a - e)
    bad = ~(both_nan | same_inf | (diff <= atol + rtol * np.abs(e)))
    if not bad.any():
        return None
    at = np.unravel_index(np.argmax(bad), bad.shape)
    finite = ~(np.isnan(diff) | np.isinf(diff))
    worst = float(np.max(diff[finite])) if finite.any() else float("nan")
    return (f"{int(bad.sum())} of {bad.size} elements outside rtol {rtol:g} atol "
            f"{atol:g}; first at {list(at)}: {a[at]!r}, expected {e[at]!r}; "
            f"max |diff| {worst:.3g}")


def run_supported(test, variant, model_path, compiler, tolerances, workdir):
    """Compiles and runs one supported node test; returns (ok, message).
    `variant` "static" compiles the model as it is, "dynamic" with every
    input and output dimension made symbolic."""
    rtol, atol = DEFAULT_RTOL, DEFAULT_ATOL
    if test in tolerances:
        rtol, atol = float(tolerances[test][0]), float(tolerances[test][1])
    test_dir = os.path.dirname(model_path)
    sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
    if not sets:
        return False, "no test_data_set_* directory"
    model = onnx.load(model_path)
    folded = compile_time_inputs(model)
    note = f" (inputs {','.join(map(str, folded))} as constants)" if folded else ""
    number = lambda f: int(re.findall(r"\d+", f)[0])
    exe = None
    for data_set in sets:
        set_dir = os.path.join(test_dir, data_set)
        if folded or exe is None:
            variant_model = fold_inputs(model, folded, set_dir) if folded else model
            if variant == "dynamic":
                variant_model = make_dynamic(variant_model)
            model_bytes = None if variant_model is model else \
                variant_model.SerializeToString()
            rc, stderr, exe = compiler.compile(test, model_path, model_bytes=model_bytes)
            if rc != 0:
                lines = stderr.strip().splitlines()
                return False, (f"compile failed ({describe_returncode(rc)}){note}: "
                               f"{lines[0] if lines else ''}")
        inputs = sorted((f for f in os.listdir(set_dir) if f.startswith("input_")),
                        key=number)
        inputs = [f for f in inputs if number(f) not in folded]
        outputs = sorted((f for f in os.listdir(set_dir) if f.startswith("output_")),
                         key=number)
        out_dir = os.path.join(workdir, f"{test}@{variant}", data_set)
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(os.path.dirname(out_dir), exist_ok=True)
        command = [exe, "--quiet", "--output-dir", out_dir]
        for f in inputs:
            command += ["--input-pb", os.path.join(set_dir, f)]
        try:
            proc = subprocess.run(command, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            return False, f"{data_set}: timed out after {RUN_TIMEOUT} s{note}"
        if proc.returncode != 0:
            message = proc.stderr.decode(errors="replace").strip().splitlines()
            return False, (f"{data_set}: run failed ({describe_returncode(proc.returncode)})"
                           f"{note}: {message[0] if message else ''}")
        for f in outputs:
            expected, _ = load_tensor(os.path.join(set_dir, f))
            produced = os.path.join(out_dir, f)
            if not os.path.exists(produced):
                return False, f"{data_set}: {f} was not written{note}"
            actual, _ = load_tensor(produced)
            problem = compare(expected, actual, rtol, atol)
            if problem:
                return False, f"{data_set}: {f}: {problem}{note}"
    shutil.rmtree(os.path.join(workdir, f"{test}@{variant}"), ignore_errors=True)
    return True, f"{len(sets)} data set(s){note}"


def run_unsupported(test, model_path, compiler, missing):
    """sinkc must refuse the model at compile time with a clean error."""
    rc, stderr, _ = compiler.compile(test, model_path)
    lines = stderr.strip().splitlines()
    if rc == 0:
        return False, "sinkc accepted a model with unsupported " + ", ".join(sorted(missing))
    if rc != 1:
        return False, f"sinkc did not exit cleanly ({describe_returncode(rc)}): " + \
            (lines[-1] if lines else "")
    if len(lines) != 1 or not lines[0].startswith("sinkc: error: "):
        return False, "expected exactly one 'sinkc: error: ...' line, got: " + \
            " | ".join(lines[:3])
    return True, lines[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sinkc", required=True, help="the sinkc binary")
    parser.add_argument("--testdata", default=DEFAULT_TESTDATA,
                        help="directory of the ONNX node tests (default: %(default)s)")
    parser.add_argument("--cache", default=None,
                        help="cache of compiled executables (default: "
                             "test/conformance-cache in sinkc's build tree)")
    parser.add_argument("--workdir", default=None, help="where outputs are written "
                        "(default: a temporary directory, removed afterwards)")
    parser.add_argument("--importer-source",
                        default=os.path.join(REPO, "lib", "Import", "OnnxImporter.cpp"))
    parser.add_argument("--expected-failures",
                        default=os.path.join(HERE, "expected_failures.txt"))
    parser.add_argument("--tolerances", default=os.path.join(HERE, "tolerances.txt"))
    parser.add_argument("--variants", default="static,dynamic",
                        help="static (shapes as in the model) and/or dynamic "
                             "(every input/output dimension symbolic)")
    parser.add_argument("--jobs", "-j", type=int, default=2)
    parser.add_argument("--filter", default=None, help="only tests matching this regex")
    parser.add_argument("--json", default=None, help="write every result as JSON")
    parser.add_argument("--write-failures", default=None,
                        help="write the failing supported tests with their messages "
                             "in expected_failures.txt format (for review)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()

    if not os.path.isdir(args.testdata):
        print(f"run_conformance: error: no ONNX node tests in {args.testdata}; install "
              "the Debian package libonnx-testdata (scripts/install-deps.sh)")
        return 1
    if not os.access(args.sinkc, os.X_OK):
        print(f"run_conformance: error: {args.sinkc} is not an executable")
        return 1
    variants = [v for v in args.variants.split(",") if v]
    if not variants or any(v not in ("static", "dynamic") for v in variants):
        print(f"run_conformance: error: --variants takes static and/or dynamic")
        return 2
    cache = args.cache or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(args.sinkc))),
        "test", "conformance-cache")
    workdir = args.workdir or tempfile.mkdtemp(prefix="sinkc-conformance-")
    compiler = Compiler(args.sinkc, cache)
    supported = supported_operators(args.importer_source)
    expected_failures = read_list(args.expected_failures, 0)
    tolerances = read_list(args.tolerances, 2)

    tests = sorted(d for d in os.listdir(args.testdata)
                   if d.startswith("test_") and
                   os.path.exists(os.path.join(args.testdata, d, "model.onnx")))
    if args.filter:
        tests = [t for t in tests if re.search(args.filter, t)]

    jobs = []
    for test in tests:
        model_path = os.path.join(args.testdata, test, "model.onnx")
        try:
            model = onnx.load(model_path)
            missing = {f"operator {op}" for op in graph_operators(model) - supported}
            kind = "unsupported-op" if missing else "supported"
            if not missing:
                missing = {f"type {t}" for t in unsupported_types(model)}
                kind = "unsupported-type" if missing else "supported"
        except Exception as e:  # python-onnx cannot read it: sinkc must still refuse cleanly
            kind, missing = "unsupported-op", {f"<unreadable: {e}>"}
        jobs.append((test, model_path, kind, missing))

    start = time.time()
    results = {}  # "test@variant" or "test" (unsupported) -> result

    def work(job):
        test, model_path, kind, missing = job
        if missing:
            ok, message = run_unsupported(test, model_path, compiler, missing)
            return [(test, kind, None, ok, message, sorted(missing))]
        out = []
        for variant in variants:
            ok, message = run_supported(test, variant, model_path, compiler,
                                        tolerances, workdir)
            out.append((f"{test}@{variant}", kind, variant, ok, message, []))
        return out

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for batch in pool.map(work, jobs):
            for key, kind, variant, ok, message, missing in batch:
                results[key] = {"kind": kind, "variant": variant, "ok": ok,
                                "message": message, "unsupported": missing}
                if args.verbose:
                    print(f"{'PASS' if ok else 'FAIL'} {key}: {message}", flush=True)

    keys = sorted(results)
    runs = [k for k in keys if results[k]["kind"] == "supported"]
    unsupported_tests = [k for k in keys if results[k]["kind"] != "supported"]
    unsupported_op_tests = [k for k in keys if results[k]["kind"] == "unsupported-op"]
    passed = [k for k in runs if results[k]["ok"]]
    failed = [k for k in runs if not results[k]["ok"]]
    unexpected_failures = [k for k in failed if k not in expected_failures]
    unexpected_passes = [k for k in passed if k in expected_failures]
    bad_rejections = [k for k in unsupported_tests if not results[k]["ok"]]
    stale = [k for k in expected_failures if k not in results and
             (not args.filter or re.search(args.filter, k.split("@")[0])) and
             (k.split("@")[-1] in variants)]
    # An unsupported operator should be reported as such, unless an earlier
    # problem (an unsupported type, an old opset) stops the import first.
    unmatched_rejections = [k for k in unsupported_op_tests if results[k]["ok"] and
                            "unsupported operator" not in results[k]["message"]]

    for key in unexpected_failures:
        print(f"UNEXPECTED FAIL {key}: {results[key]['message']}")
    for key in unexpected_passes:
        print(f"UNEXPECTED PASS {key} (expected_failures.txt: "
              f"{expected_failures[key][0]})")
    for key in bad_rejections:
        print(f"BAD REJECTION {key}: {results[key]['message']}")
    for key in stale:
        print(f"STALE ENTRY {key}: expected_failures.txt lists it but it is not a "
              f"supported node test of this run")
    if args.verbose:
        for key in failed:
            if key in expected_failures:
                print(f"expected failure {key}: {results[key]['message']}")
        for key in unmatched_rejections:
            print(f"rejected (not by operator) {key}: {results[key]['message']}")

    elapsed = time.time() - start
    n_supported = len(tests) - len(unsupported_tests)
    print(f"node tests: {len(tests)}: {n_supported} with supported operators and "
          f"types, {len(unsupported_op_tests)} with unsupported operators, "
          f"{len(unsupported_tests) - len(unsupported_op_tests)} with unsupported types")
    for variant in variants:
        mine = [k for k in runs if results[k]["variant"] == variant]
        ok = [k for k in mine if results[k]["ok"]]
        folded = [k for k in mine if "as constants" in results[k]["message"]]
        rate = 100.0 * len(ok) / len(mine) if mine else 0.0
        print(f"{variant} shapes: {len(ok)} passed, {len(mine) - len(ok)} failed "
              f"({rate:.1f}%; {len(folded)} with attribute-like inputs as constants)")
    print(f"unsupported: {len(unsupported_tests) - len(bad_rejections)} rejected at "
          f"compile time with one error line ({len(unmatched_rejections)} of the "
          f"operator cases by an earlier error), {len(bad_rejections)} not cleanly")
    print(f"expected failures: {len(failed) - len(unexpected_failures)}; unexpected: "
          f"{len(unexpected_failures)} failures, {len(unexpected_passes)} passes")
    print(f"{len(passed)} passed, {len(failed)} failed ({elapsed:.0f} s)")

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
    if args.write_failures:
        with open(args.write_failures, "w") as f:
            for key in failed:
                f.write(f"{key}  {results[key]['message']}\n")
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    bad = unexpected_failures or unexpected_passes or bad_rejections or stale
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
