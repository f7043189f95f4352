#!/usr/bin/python3
"""Compares an executable compiled with --logits=last against the stored
PyTorch reference: for each given row of ref_llama.npz, the [1, 1, V] logits
must equal the reference's logits at the last position within
rtol * max|reference|.

    check_last_logits.py --exe EXE --ref REF.npz --rows 0,1 --length T --work DIR
"""
import argparse
import os
import subprocess
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exe", required=True)
    parser.add_argument("--ref", required=True)
    parser.add_argument("--rows", default="0")
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ref = np.load(args.ref)
    failures = 0
    for row in [int(r) for r in args.rows.split(",")]:
        ids = ref["input_ids"][row, : args.length]
        path = os.path.join(args.work, f"last-{row}.npy")
        run = subprocess.run(
            [args.exe, "--tokens", ",".join(map(str, ids)), "--logits", path],
            capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL row {row}: exit {run.returncode}: {run.stderr}")
            failures += 1
            continue
        print(run.stdout.strip())
        logits = np.load(path)
        expected = ref["logits"][row, args.length - 1]
        scale = float(np.abs(expected).max())
        if logits.shape != (1, 1, expected.shape[-1]):
            print(f"FAIL row {row}: logits shape {logits.shape}")
            failures += 1
            continue
        error = float(np.abs(logits[0, 0] - expected).max()) / scale
        verdict = "PASS" if error <= args.rtol else "FAIL"
        failures += verdict == "FAIL"
        print(f"{verdict} row {row} last of T={args.length}: shape "
              f"{list(logits.shape)}, max|d|/max|ref| = {error:.2e}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
