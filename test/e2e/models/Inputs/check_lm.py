#!/usr/bin/python3
"""Checks a sinkc-compiled language model against its references.

    check_lm.py --exe EXE --model MODEL.onnx [--ref REF.npz] --work DIR
                [--ref-rows N] [--batch-rows N] [--ort-lengths 1,7,24,256]
                [--ort-batch-length T] [--ort "node .../ort_run.mjs"] [--tol 1e-4]

Every check runs the SAME executable and passes iff
max |logits - reference| <= tol * max |reference| (default tol 1e-4):

1. stored reference: the first --ref-rows rows of REF.npz `input_ids`, each
   as one prompt (`--tokens-file`, batch 1), against REF.npz `logits`;
2. batch: the first --batch-rows rows as one [B, T] input_ids tensor through
   `--input-pb ids.npy` (the other inputs of Optimum-style signatures filled
   as the runtime would: attention_mask ones, position_ids 0..T-1), every row
   against the reference;
   (without --ref, for models made at test time, 1 and 2 are left out)
3. ONNX Runtime: for each T of --ort-lengths, a seeded random prompt of T
   tokens (batch 1) against ORT's logits for it; with --ort-batch-length T
   also a [2, T] batch through --input-pb against ORT's batch of the same two
   rows.

ONNX Runtime comes from scripts/install-ort.sh (.deps/ort or $SINKC_ORT_DIR);
when it is missing the ORT checks FAIL with a message saying so.
Prints one line per check, then `N checks passed` or exits 1.
"""

import argparse
import os
import shlex
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))


class CheckFailed(Exception):
    pass


def run(command, what):
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise CheckFailed(f"{what} failed (exit code {proc.returncode}): "
                          f"{' '.join(map(shlex.quote, command))}\n"
                          f"{proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode(errors="replace")


def model_inputs(model_path):
    model = onnx.load(model_path, load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    return [v.name for v in model.graph.input if v.name not in initializers]


def vocab_size(model_path):
    model = onnx.load(model_path, load_external_data=False)
    logits = [v for v in model.graph.output if v.name == "logits"] or \
        list(model.graph.output)
    return logits[0].type.tensor_type.shape.dim[-1].dim_value


def write_prompts(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(",".join(str(int(t)) for t in row) + "\n")


def input_files(work, name, ids, inputs):
    """.npy files for every model input, in model order, for an [B, T] batch."""
    batch, length = ids.shape
    files = []
    for input_name in inputs:
        if input_name == "input_ids":
            value = ids.astype(np.int64)
        elif input_name == "attention_mask":
            value = np.ones((batch, length), np.int64)
        elif input_name == "position_ids":
            value = np.tile(np.arange(length, dtype=np.int64), (batch, 1))
        else:
            raise CheckFailed(f"the model has an input '{input_name}' this check "
                              "cannot fill")
        path = os.path.join(work, f"{name}.{input_name}.npy")
        np.save(path, value)
        files.append(path)
    return files


def exe_logits_per_prompt(exe, work, name, rows):
    prompts = os.path.join(work, f"{name}.prompts.txt")
    write_prompts(prompts, rows)
    out = os.path.join(work, f"{name}.logits.npy")
    run([exe, "--quiet", "--tokens-file", prompts, "--logits", out], f"{exe} ({name})")
    if len(rows) == 1:
        return [np.load(out)[0]]
    return [np.load(os.path.join(work, f"{name}.logits.{i}.npy"))[0]
            for i in range(len(rows))]


def exe_logits_batch(exe, work, name, ids, inputs):
    out_dir = os.path.join(work, f"{name}.out")
    command = [exe, "--quiet", "--output-dir", out_dir]
    for path in input_files(work, name, ids, inputs):
        command += ["--input-pb", path]
    run(command, f"{exe} ({name})")
    tensor = onnx.TensorProto()
    with open(os.path.join(out_dir, "output_0.pb"), "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def ort_logits(ort, model, work, name, ids):
    tokens = os.path.join(work, f"{name}.ids.npy")
    np.save(tokens, ids.astype(np.int64))
    out = os.path.join(work, f"{name}.ort.npy")
    run(ort + [model, "--tokens-file", tokens, "--threads", "1", "--out", out],
        f"ONNX Runtime ({name})")
    return np.load(out)


def ort_available(ort):
    """None when the ORT runner can load onnxruntime-node, else why not."""
    ort_dir = os.environ.get("SINKC_ORT_DIR", os.path.join(REPO, ".deps", "ort"))
    package = os.path.join(ort_dir, "node_modules", "onnxruntime-node", "package.json")
    if not os.path.exists(package):
        return (f"ONNX Runtime is not installed ({package} is missing); run "
                "scripts/install-ort.sh")
    return None


class Checker:
    def __init__(self, tol):
        self.tol = tol
        self.passed = 0
        self.failures = []

    def compare(self, label, actual, reference):
        actual = np.asarray(actual, np.float64)
        reference = np.asarray(reference, np.float64)
        if actual.shape != reference.shape:
            self.failures.append(f"{label}: shape {list(actual.shape)}, reference "
                                 f"{list(reference.shape)}")
            print(f"FAIL {label}: shape {list(actual.shape)} != {list(reference.shape)}")
            return
        diff = float(np.max(np.abs(actual - reference)))
        scale = float(np.max(np.abs(reference)))
        ok = diff <= self.tol * scale and np.isfinite(actual).all()
        line = (f"{label}: max|d| {diff:.3g} max|ref| {scale:.3g} "
                f"rel {diff / scale if scale else float('inf'):.2g}")
        print(("PASS " if ok else "FAIL ") + line)
        if ok:
            self.passed += 1
        else:
            self.failures.append(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exe", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--ref", default=None,
                        help="stored references (default: ONNX Runtime checks only)")
    parser.add_argument("--work", required=True)
    parser.add_argument("--ref-rows", type=int, default=None,
                        help="stored rows to check (default: all)")
    parser.add_argument("--batch-rows", type=int, default=2)
    parser.add_argument("--ort-lengths", default="")
    parser.add_argument("--ort-batch-length", type=int, default=None)
    parser.add_argument("--ort", default=f"node {os.path.join(REPO, 'tools', 'ort-reference', 'ort_run.mjs')}",
                        help="command that runs tools/ort-reference/ort_run.mjs")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--tol", type=float, default=1e-4)
    args = parser.parse_args()

    os.makedirs(args.work, exist_ok=True)
    inputs = model_inputs(args.model)
    vocab = vocab_size(args.model)
    check = Checker(args.tol)
    if args.ref:
        ref = np.load(args.ref)
        ids, logits = ref["input_ids"], ref["logits"]
        rows = ids.shape[0] if args.ref_rows is None else args.ref_rows
    else:
        rows = 0

    try:
        # 1. Stored reference, one prompt per row.
        if rows:
            got = exe_logits_per_prompt(args.exe, args.work, "ref", ids[:rows])
        for i in range(rows):
            check.compare(f"reference row {i} T={ids.shape[1]}", got[i], logits[i])
        # 2. The same rows as one batch through --input-pb.
        if args.ref and args.batch_rows:
            batch = exe_logits_batch(args.exe, args.work, "refbatch",
                                     ids[:args.batch_rows], inputs)
            for i in range(args.batch_rows):
                check.compare(f"reference batch {args.batch_rows} row {i} "
                              f"T={ids.shape[1]}", batch[i], logits[i])
        # 3. ONNX Runtime at other lengths.
        lengths = [int(t) for t in args.ort_lengths.split(",") if t]
        if lengths or args.ort_batch_length:
            why = ort_available(args.ort)
            if why:
                raise CheckFailed(why)
            ort = shlex.split(args.ort)
            rng = np.random.default_rng(args.seed)
            for length in lengths:
                prompt = rng.integers(0, vocab, size=(1, length))
                expected = ort_logits(ort, args.model, args.work, f"ort{length}", prompt)
                got = exe_logits_per_prompt(args.exe, args.work, f"ort{length}", prompt)
                check.compare(f"onnxruntime T={length}", got[0], expected[0])
            if args.ort_batch_length:
                length = args.ort_batch_length
                prompt = rng.integers(0, vocab, size=(2, length))
                expected = ort_logits(ort, args.model, args.work, f"ortb{length}", prompt)
                got = exe_logits_batch(args.exe, args.work, f"ortb{length}", prompt, inputs)
                for i in range(2):
                    check.compare(f"onnxruntime batch 2 row {i} T={length}", got[i],
                                  expected[i])
    except CheckFailed as e:
        print(f"check_lm: error: {e}")
        return 1
    if check.failures:
        print(f"check_lm: {len(check.failures)} of {check.passed + len(check.failures)} "
              f"checks failed (tolerance {args.tol:g} * max|ref|)")
        return 1
    print(f"{check.passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
