#!/usr/bin/python3
"""Compare the outputs of two runs of a compiled model.

    compare_runs.py SINK_TRACE --identical DIR_A DIR_B
    compare_runs.py SINK_TRACE --within TOL DIR_A DIR_B

Each DIR holds what one run wrote: logits*.npy files and *.sinktrace traces.
Both directories must hold the same file names.

--identical: every file of A equals its namesake in B byte for byte.
--within TOL: logits agree within TOL (max |a - b|, shape and dtype equal);
  traces, read with `SINK_TRACE json`, agree within TOL in every number and
  exactly in everything else (token ids, layer lists, sink classification,
  strings, which values are absent).

Prints one line per file and the largest difference seen; exits 1 on any
mismatch.
"""
import json
import os
import subprocess
import sys

import numpy as np


def trace_json(sink_trace, path):
    out = subprocess.run([sink_trace, "json", path], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out)


def compare_json(a, b, tolerance, where, problems):
    """Largest numeric difference between two JSON values; structural
    mismatches go to `problems`."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        if a != b:
            problems.append(f"{where}: {a!r} != {b!r}")
        return 0.0
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            if a != b:
                problems.append(f"{where}: {a} != {b}")
            return 0.0
        difference = abs(float(a) - float(b))
        if difference > tolerance:
            problems.append(f"{where}: {a} and {b} differ by {difference:.3g}")
        return difference
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            problems.append(f"{where}: lengths {len(a)} and {len(b)}")
            return 0.0
        return max([compare_json(x, y, tolerance, f"{where}[{i}]", problems)
                    for i, (x, y) in enumerate(zip(a, b))], default=0.0)
    if isinstance(a, dict) and isinstance(b, dict):
        if sorted(a) != sorted(b):
            problems.append(f"{where}: keys {sorted(a)} and {sorted(b)}")
            return 0.0
        return max([compare_json(a[k], b[k], tolerance, f"{where}.{k}", problems)
                    for k in a], default=0.0)
    if a != b:
        problems.append(f"{where}: {a!r} != {b!r}")
    return 0.0


def main():
    args = sys.argv[1:]
    if len(args) == 4 and args[1] == "--identical":
        sink_trace, mode, value, dir_a, dir_b = args[0], args[1], None, args[2], args[3]
    elif len(args) == 5 and args[1] == "--within":
        sink_trace, mode, value, dir_a, dir_b = args
    else:
        sys.exit(__doc__)
    names_a, names_b = sorted(os.listdir(dir_a)), sorted(os.listdir(dir_b))
    failures = 0
    if names_a != names_b or not names_a:
        print(f"FAIL the runs wrote different files: {names_a} and {names_b}")
        sys.exit(1)
    largest = 0.0
    for name in names_a:
        path_a, path_b = os.path.join(dir_a, name), os.path.join(dir_b, name)
        problems = []
        if mode == "--identical":
            with open(path_a, "rb") as fa, open(path_b, "rb") as fb:
                if fa.read() != fb.read():
                    problems.append("the files differ")
            difference = 0.0
        elif name.endswith(".npy"):
            a, b = np.load(path_a), np.load(path_b)
            if a.shape != b.shape or a.dtype != b.dtype:
                problems.append(f"{a.dtype}{list(a.shape)} and {b.dtype}{list(b.shape)}")
                difference = 0.0
            else:
                difference = float(np.max(np.abs(a.astype(np.float64) - b)))
                if not difference <= float(value):
                    problems.append(f"max |difference| {difference:.3g} > {value}")
        else:
            difference = compare_json(trace_json(sink_trace, path_a),
                                      trace_json(sink_trace, path_b), float(value),
                                      name, problems)
        largest = max(largest, difference)
        if problems:
            failures += 1
            print(f"FAIL {name}: " + "; ".join(problems[:5]))
        else:
            print(f"PASS {name}" + ("" if mode == "--identical"
                                   else f" (max |difference| {difference:.3g})"))
    if mode == "--within":
        summary = f"largest difference {largest:.3g}"
    else:
        summary = "different" if failures else "identical"
    print(f"{len(names_a)} files compared, {failures} mismatched; {summary}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
